//! `rill-server [flags]` and `rill server [flags]`: parse nats-server style flags, then run.

use std::process::ExitCode;

use tracing::warn;

use crate::flags::{parse_flags, FlagsOutcome};
use crate::options::ServerOptions;

/// Refuses options whose feature this build does not have yet, naming the option.
fn check_supported(opts: &ServerOptions) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    if opts.lame_duck_duration < std::time::Duration::from_secs(30) {
        return Err(format!(
            "invalid lame_duck_duration of {:?}, minimum is 30s",
            opts.lame_duck_duration
        ));
    }
    let cluster = crate::cluster::ClusterConfig::from_options(opts).map_err(|e| e.to_string())?;
    if cluster.is_none() && opts.cluster.name.is_some() {
        notes
            .push("cluster has a name but no listen address: running as a single node".to_string());
    }
    if opts.jetstream.store_dir.is_some() && !opts.jetstream.enabled {
        notes.push(
            "store directory given but JetStream is not enabled; nothing is stored".to_string(),
        );
    }
    Ok(notes)
}

fn send_signal(signal: &str, target: Option<&str>) -> ExitCode {
    let sig = match signal.to_ascii_lowercase().as_str() {
        "ldm" => "USR2",
        "stop" => "KILL",
        "quit" => "INT",
        "term" => "TERM",
        "reopen" => "USR1",
        "reload" => "HUP",
        other => {
            eprintln!("rill-server: unknown signal {other:?} (expected ldm, stop, quit, term, reopen, reload)");
            return ExitCode::from(1);
        }
    };
    let Some(target) = target else {
        eprintln!("rill-server: --signal needs a pid: --signal {signal}=<pid or pid file>");
        return ExitCode::from(1);
    };
    let pid = match target.parse::<u32>() {
        Ok(p) => p.to_string(),
        Err(_) => match std::fs::read_to_string(target) {
            Ok(s) => s.trim().to_string(),
            Err(e) => {
                eprintln!("rill-server: cannot read pid file {target}: {e}");
                return ExitCode::from(1);
            }
        },
    };
    match std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(&pid)
        .status()
    {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        _ => {
            eprintln!("rill-server: could not send {sig} to process {pid}");
            ExitCode::from(1)
        }
    }
}

/// Runs the server command line `args` (without the program name). Returns the exit code.
pub fn server_main(args: &[String]) -> ExitCode {
    let (opts, warnings) = match parse_flags(args) {
        Ok(FlagsOutcome::Run(opts, warnings)) => (*opts, warnings),
        Ok(FlagsOutcome::Help(text)) | Ok(FlagsOutcome::Version(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Ok(FlagsOutcome::TestConfig { message, .. }) => {
            println!("{message}");
            return ExitCode::SUCCESS;
        }
        Ok(FlagsOutcome::Signal { signal, pid_target }) => {
            return send_signal(&signal, pid_target.as_deref())
        }
        Err(e) => {
            eprintln!("rill-server: {e}");
            return ExitCode::from(1);
        }
    };
    let notes = match check_supported(&opts) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("rill-server: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = crate::logging::init(
        opts.debug,
        opts.trace,
        opts.logtime,
        opts.log_file.as_deref(),
    ) {
        eprintln!("rill-server: {e}");
        return ExitCode::from(1);
    }
    for w in warnings.iter().chain(&notes) {
        warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rill-server: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(crate::server::run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("[FTL] {e:#}");
            eprintln!("rill-server: {e:#}");
            ExitCode::from(1)
        }
    }
}
