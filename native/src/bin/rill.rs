//! `rill`: the Rill command-line tool (`rill server`, `rill bench`, ...).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "rill",
    version,
    about = "Rill: a NATS-compatible messaging server and tool"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a server; takes nats-server's flags (`rill server -p 4222 -m 8222 -c rill.conf`).
    Server {
        /// nats-server style flags, passed through.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Benchmark a server (modelled on `nats bench`).
    Bench(rill::bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Server { args } => rill::cli::server_cmd::server_main(&args),
        Command::Bench(args) => {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("rill: cannot start the runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            match rt.block_on(rill::bench::run(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("rill bench: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
