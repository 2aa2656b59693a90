//! `rill`: the Rill command-line tool (`rill server`, `rill pub`, `rill context`, `rill bench`,
//! ...); see `rill::cli::app`.

fn main() -> std::process::ExitCode {
    rill::cli::app::main()
}
