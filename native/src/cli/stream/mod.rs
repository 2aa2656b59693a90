//! `rill stream ...`: add, info, ls, edit, rm, purge, get, view and report, modelled on the
//! `nats stream` commands and printing what the seed's transcripts show.
//!
//! - [`api`]: JetStream API requests and their errors.
//! - [`config`]: the questions of `add` and the flags they share with `edit`.
//! - [`page`]: the "Information for Stream" block.
//! - [`cluster`]: `cluster step-down`.
//! - [`admin`]: add, info, edit, rm, purge; [`list`]: ls, report; [`messages`]: get, view.

pub mod admin;
pub mod api;
pub mod cluster;
pub mod config;
pub mod list;
pub mod messages;
pub mod page;

use clap::Subcommand;

use super::connect::ConnectArgs;

/// The `rill stream` subcommands.
#[derive(Subcommand, Debug)]
pub enum StreamCmd {
    /// Create a stream, asking what flags do not say.
    #[command(alias = "create", alias = "new")]
    Add(admin::AddArgs),
    /// Show a stream's configuration and state.
    Info(admin::InfoArgs),
    /// List streams.
    #[command(alias = "list")]
    Ls(list::LsArgs),
    /// Change a stream's configuration.
    #[command(alias = "update")]
    Edit(admin::EditArgs),
    /// Delete a stream.
    #[command(alias = "delete")]
    Rm(admin::RmArgs),
    /// Remove messages from a stream.
    Purge(admin::PurgeArgs),
    /// Print one message of a stream.
    Get(messages::GetArgs),
    /// Print a stream's messages in order.
    View(messages::ViewArgs),
    /// A table of all streams.
    Report(list::ReportArgs),
    /// Manage a replicated stream's Raft group: `step-down`.
    #[command(subcommand)]
    Cluster(cluster::StreamClusterCmd),
}

impl StreamCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            StreamCmd::Add(a) => &mut a.conn,
            StreamCmd::Info(a) => &mut a.conn,
            StreamCmd::Ls(a) => &mut a.conn,
            StreamCmd::Edit(a) => &mut a.conn,
            StreamCmd::Rm(a) => &mut a.conn,
            StreamCmd::Purge(a) => &mut a.conn,
            StreamCmd::Get(a) => &mut a.conn,
            StreamCmd::View(a) => &mut a.conn,
            StreamCmd::Report(a) => &mut a.conn,
            StreamCmd::Cluster(c) => c.conn_mut(),
        }
    }
}

/// Runs a `rill stream` subcommand.
pub async fn run(cmd: StreamCmd) -> anyhow::Result<()> {
    match cmd {
        StreamCmd::Add(a) => admin::add(a).await,
        StreamCmd::Info(a) => admin::info(a).await,
        StreamCmd::Ls(a) => list::ls(a).await,
        StreamCmd::Edit(a) => admin::edit(a).await,
        StreamCmd::Rm(a) => admin::rm(a).await,
        StreamCmd::Purge(a) => admin::purge(a).await,
        StreamCmd::Get(a) => messages::get(a).await,
        StreamCmd::View(a) => messages::view(a).await,
        StreamCmd::Report(a) => list::report(a).await,
        StreamCmd::Cluster(c) => cluster::run(c).await,
    }
}
