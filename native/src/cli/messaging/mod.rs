//! Core NATS messaging commands: `rill pub`, `rill sub`, `rill req`, `rill reply`.
//!
//! Diagnostics ("Published 5 bytes to ...", "Subscribing on ...") go to stderr with a time
//! prefix as the `nats` CLI logs them; messages and replies go to stdout, so
//! `rill sub foo --raw > file` captures bodies only.

mod headers;
mod print;
pub mod publish;
pub mod reply;
pub mod request;
pub mod subscribe;
pub mod template;

/// Logs a line on stderr prefixed with the time, as the `nats` CLI's log lines.
pub(crate) fn log(line: &str) {
    use crate::cli::format::time::{clock, now_unix_nanos};
    eprintln!("{} {line}", clock(now_unix_nanos()));
}
