//! Entry points shared by the `rill` and `rill-server` binaries, and the `rill` tool's
//! commands (modelled on the `nats` CLI).
//!
//! - [`app`]: parsing and dispatch of `rill ...`.
//! - [`cluster`]: `rill cluster up | gen`, a local cluster and configs for real machines.
//! - [`connect`]: connection flags, environment and contexts → an async-nats client.
//! - [`format`]: tables, aligned info pages, sizes, durations, times, colour, progress, JSON.
//! - [`context`]: `rill context ...`, natscli-compatible context files.
//! - [`consumer`]: `rill consumer add | info | ls | rm | next`; [`js_api`]: JetStream API requests.
//! - [`kv`]: `rill kv add | info | put | get | del | history | watch | ls`.
//! - [`object`]: `rill object add | put | get | info | ls | rm`.
//! - [`messaging`]: `rill pub | sub | req | reply`.
//! - [`prompt`]: questions answered on a terminal, or by flags and defaults.
//! - [`stream`]: `rill stream add | info | ls | edit | rm | purge | get | view | report`.
//! - [`server`]: `rill server info | ping | list | check`; [`account`]: `rill account info`.
//! - [`stepdown`]: leader step-down of a stream's or consumer's Raft group.
//! - [`server_cmd`]: `rill-server [flags]` / `rill server [flags]`, running a server.

pub mod account;
pub mod app;
pub mod cluster;
pub mod connect;
pub mod consumer;
pub mod context;
pub mod format;
pub mod js_api;
pub mod kv;
pub mod messaging;
pub mod object;
pub mod prompt;
pub mod server;
pub mod server_cmd;
pub mod stepdown;
pub mod stream;
