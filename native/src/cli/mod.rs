//! Entry points shared by the `rill` and `rill-server` binaries, and the `rill` tool's
//! commands (modelled on the `nats` CLI).
//!
//! - [`format`]: tables, aligned info pages, sizes, durations, times, colour, progress, JSON.
//! - [`server_cmd`]: `rill-server [flags]` / `rill server [flags]`, running a server.

pub mod format;
pub mod server_cmd;
