//! Entry points shared by the `rill` and `rill-server` binaries, and the `rill` tool's
//! commands (modelled on the `nats` CLI).
//!
//! - [`connect`]: connection flags, environment and contexts → an async-nats client.
//! - [`format`]: tables, aligned info pages, sizes, durations, times, colour, progress, JSON.
//! - [`context`]: `rill context ...`, natscli-compatible context files.
//! - [`server_cmd`]: `rill-server [flags]` / `rill server [flags]`, running a server.

pub mod connect;
pub mod context;
pub mod format;
pub mod server_cmd;
