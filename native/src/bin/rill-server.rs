//! `rill-server`: a drop-in for `nats-server`'s command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    rill::cli::server_cmd::server_main(&args)
}
