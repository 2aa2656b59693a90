//! Rill native runtime: the tokio server around `rill-core`, its configuration, and the CLI.

pub mod bench;
pub mod conf;
pub mod flags;
pub mod options;
