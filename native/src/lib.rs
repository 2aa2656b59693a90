//! Rill native runtime: the tokio server around `rill-core`, its configuration, and the CLI.
#![recursion_limit = "256"]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bench;
pub mod cli;
pub mod cluster;
pub mod conf;
pub mod flags;
pub mod jetstream;
pub mod logging;
pub mod options;
pub mod raft;
pub mod server;
