//! `rill server info | ping | list | check connection | check jetstream | report jetstream |
//! cluster step-down | cluster peer-remove`.
//!
//! nats-server answers these from its system account (`$SYS.REQ.SERVER.PING.*`); Rill has no
//! system account requests yet, so `info`, `ping`, `list` and `check` work from what any server
//! gives any client: the `INFO` of the server it is connected to, round trips through it, and
//! `$JS.API.INFO`. Against a cluster they therefore describe the connected server only.
//! `report jetstream` and `cluster ...` ask every server through [`sys`] (`$SYS.REQ.SERVER.PING.JSZ`)
//! and need a system-account user on nats-server.

pub mod check;
pub mod cluster;
mod info;
mod list;
mod nagios;
mod ping;
pub mod report;
pub mod sys;

use std::process::ExitCode;

use crate::cli::connect::ConnectArgs;

/// `rill server ...` (client side; `rill server [flags]` without these runs a server).
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ServerCmd {
    /// Show the connected server's information.
    Info {
        /// Server name or id (must be the connected server).
        id: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Measure round trips to the server.
    Ping {
        /// Number of pings.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        count: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// List known servers.
    #[command(alias = "ls")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Nagios-style health checks (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    #[command(subcommand)]
    Check(check::CheckCmd),
    /// Reports about every server: `jetstream`.
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Manage the JetStream meta group: `step-down`, `peer-remove`.
    #[command(subcommand, alias = "raft")]
    Cluster(cluster::ServerClusterCmd),
}

impl ServerCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            ServerCmd::Info { conn, .. }
            | ServerCmd::Ping { conn, .. }
            | ServerCmd::List { conn, .. } => conn,
            ServerCmd::Check(check) => check.conn_mut(),
            ServerCmd::Report(report) => report.conn_mut(),
            ServerCmd::Cluster(cluster) => cluster.conn_mut(),
        }
    }
}

/// Runs a `rill server` client command.
pub async fn run(cmd: ServerCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ServerCmd::Info { id, json, conn } => info::run(id, json, conn).await?,
        ServerCmd::Ping { count, json, conn } => ping::run(count, json, conn).await?,
        ServerCmd::List { json, conn } => list::run(json, conn).await?,
        ServerCmd::Check(check) => return check::run(check).await,
        ServerCmd::Report(report) => report::run(report).await?,
        ServerCmd::Cluster(cluster) => cluster::run(cluster).await?,
    }
    Ok(ExitCode::SUCCESS)
}
