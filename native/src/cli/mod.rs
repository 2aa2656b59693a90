//! Entry points shared by the `rill` and `rill-server` binaries.

pub mod server_cmd;
