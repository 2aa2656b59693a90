//! `rill server check connection` and `rill server check jetstream`: Nagios checks
//! (see [`super::nagios`]). They never fail with an error message: a failure is a
//! `CRITICAL` line on stdout and exit code 2.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rill_core::jetstream::api::AccountInfo;

use super::nagios::{Check, Status};
use crate::cli::account::fetch_account_info;
use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::duration::format_duration;
use crate::cli::format::json::print_json;
use crate::cli::format::{format_size, parse_duration};

/// `rill server check ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum CheckCmd {
    /// Connect, measure the connect time and a round trip.
    Connection {
        /// Connect time that warns.
        #[arg(long, default_value = "500ms", value_parser = parse_duration)]
        connect_warn: Duration,
        /// Connect time that is critical.
        #[arg(long, default_value = "1s", value_parser = parse_duration)]
        connect_critical: Duration,
        /// Round trip that warns.
        #[arg(long, default_value = "500ms", value_parser = parse_duration)]
        rtt_warn: Duration,
        /// Round trip that is critical.
        #[arg(long, default_value = "1s", value_parser = parse_duration)]
        rtt_critical: Duration,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Check that JetStream answers, and usage against the account's limits.
    #[command(alias = "js")]
    Jetstream {
        /// Percent of a memory or storage limit that warns.
        #[arg(long, default_value_t = 75.0)]
        usage_warn: f64,
        /// Percent of a memory or storage limit that is critical.
        #[arg(long, default_value_t = 90.0)]
        usage_critical: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl CheckCmd {
    /// The check's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            CheckCmd::Connection { conn, .. } | CheckCmd::Jetstream { conn, .. } => conn,
        }
    }
}

fn perf(name: &str, value: Duration, warn: Duration, crit: Duration) -> String {
    format!(
        "{name}={:.4}s;{:.4};{:.4}",
        value.as_secs_f64(),
        warn.as_secs_f64(),
        crit.as_secs_f64()
    )
}

fn finish(check: &Check, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&check.json())?;
    } else {
        println!("{}", check.line());
    }
    Ok(ExitCode::from(check.status().exit_code()))
}

/// Runs a check.
pub async fn run(cmd: CheckCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        CheckCmd::Connection {
            connect_warn,
            connect_critical,
            rtt_warn,
            rtt_critical,
            json,
            conn,
        } => {
            let mut check = Check::new("Connection");
            let resolved = conn.resolve()?;
            let started = Instant::now();
            let client = match resolved.connect().await {
                Ok(c) => c,
                Err(e) => {
                    check.item(Status::Critical, format!("{e:#}"));
                    return finish(&check, json);
                }
            };
            let took = started.elapsed();
            let url = resolved.servers.join(",");
            let status = Status::of(
                took.as_secs_f64(),
                connect_warn.as_secs_f64(),
                connect_critical.as_secs_f64(),
            );
            check.item(
                status,
                format!("connected to {url} in {}", format_duration(took)),
            );
            check
                .perf
                .push(perf("connect_time", took, connect_warn, connect_critical));
            match round_trip(&client, resolved.timeout).await {
                Ok(rtt) => {
                    let status = Status::of(
                        rtt.as_secs_f64(),
                        rtt_warn.as_secs_f64(),
                        rtt_critical.as_secs_f64(),
                    );
                    check.item(status, format!("rtt time {}", format_duration(rtt)));
                    check.perf.push(perf("rtt", rtt, rtt_warn, rtt_critical));
                }
                Err(e) => check.item(Status::Critical, format!("round trip failed: {e:#}")),
            }
            finish(&check, json)
        }
        CheckCmd::Jetstream {
            usage_warn,
            usage_critical,
            json,
            conn,
        } => {
            let mut check = Check::new("JetStream");
            match jetstream_info(&conn).await {
                Ok(info) => jetstream_items(&mut check, &info, usage_warn, usage_critical),
                Err(e) => check.item(Status::Critical, format!("{e:#}")),
            }
            finish(&check, json)
        }
    }
}

async fn jetstream_info(conn: &ConnectArgs) -> anyhow::Result<AccountInfo> {
    let resolved = conn.resolve()?;
    let client = resolved.connect().await?;
    let (info, _) = fetch_account_info(&client, resolved.timeout).await?;
    Ok(info)
}

/// Findings and performance data for an account's JetStream usage.
pub fn jetstream_items(check: &mut Check, info: &AccountInfo, warn: f64, crit: f64) {
    let usage = [
        ("memory", info.memory, info.limits.max_memory),
        ("storage", info.storage, info.limits.max_storage),
    ];
    for (name, used, limit) in usage {
        if limit > 0 {
            let pct = used as f64 * 100.0 / limit as f64;
            let status = Status::of(pct, warn, crit);
            if status != Status::Ok {
                check.item(
                    status,
                    format!("{name} {pct:.0}% of {}", format_size(limit as u64)),
                );
            }
        }
        check.perf.push(format!("{name}={used}B"));
    }
    check.perf.push(format!("streams={}", info.streams));
    check.perf.push(format!("consumers={}", info.consumers));
    if check.items.is_empty() {
        check.item(
            Status::Ok,
            format!(
                "{} streams, {} consumers, {} memory, {} storage",
                info.streams,
                info.consumers,
                format_size(info.memory),
                format_size(info.storage)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jetstream_usage_past_a_limit_warns() {
        let mut info = AccountInfo {
            streams: 2,
            ..AccountInfo::default()
        };
        let mut check = Check::new("JetStream");
        jetstream_items(&mut check, &info, 75.0, 90.0);
        assert_eq!(
            check.line(),
            "OK JetStream OK:2 streams, 0 consumers, 0 B memory, 0 B storage | memory=0B storage=0B streams=2 consumers=0"
        );
        info.limits.max_memory = 1000;
        info.memory = 800;
        let mut check = Check::new("JetStream");
        jetstream_items(&mut check, &info, 75.0, 90.0);
        assert_eq!(check.status(), Status::Warning);
        assert!(
            check.line().contains("WARNING:memory 80% of 1000 B"),
            "{}",
            check.line()
        );
    }
}
