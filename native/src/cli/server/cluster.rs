//! `rill server cluster step-down | peer-remove`: the JetStream meta group, as
//! `nats server cluster` manages it. Both find the meta leader through
//! `$SYS.REQ.SERVER.PING.JSZ` and send their request from the system account, so they need a
//! system-account user.

use std::time::Duration;

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use super::sys::{self, MetaPeer};
use crate::cli::connect::ConnectArgs;
use crate::cli::js_api::JsApi;
use crate::cli::prompt::Prompter;
use crate::cli::stepdown::log_line;

/// Pause between two looks at the meta group after a step-down.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Looks before giving up on a new meta leader.
const POLLS_MAX: u32 = 10;

/// The nats CLI's answer when the meta leader did not reply.
pub const NO_META_LEADER: &str = "did not receive a response from the meta leader, ensure the account used has system privileges and appropriate permissions";

/// `rill server cluster ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ServerClusterCmd {
    /// Force a new meta leader election by standing down the current meta leader.
    #[command(
        alias = "stepdown",
        alias = "sd",
        alias = "elect",
        alias = "down",
        alias = "d"
    )]
    StepDown {
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Remove a server from the JetStream cluster for good.
    #[command(alias = "rm", alias = "pr")]
    PeerRemove {
        /// The server name or peer id to remove.
        name: String,
        /// Remove without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl ServerClusterCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            ServerClusterCmd::StepDown { conn } | ServerClusterCmd::PeerRemove { conn, .. } => conn,
        }
    }
}

/// The meta leader's name and its view of the other members.
async fn meta_state(js: &JsApi) -> anyhow::Result<(String, Vec<MetaPeer>)> {
    let replies = sys::jsz(&js.client, js.timeout).await?;
    let (_, meta) = sys::meta_leader(&replies).ok_or_else(|| anyhow!(NO_META_LEADER))?;
    Ok((meta.leader.clone(), meta.replicas.clone()))
}

async fn step_down(conn: &ConnectArgs) -> anyhow::Result<()> {
    let js = JsApi::connect(conn).await?;
    let (old, replicas) = meta_state(&js).await?;
    log_line(&format!(
        "Requesting leader step down of {old:?} in a {} peer RAFT group",
        replicas.len() + 1
    ));
    js.request::<(), Value>("META.LEADER.STEPDOWN", None)
        .await?;
    for _ in 0..POLLS_MAX {
        tokio::time::sleep(POLL_INTERVAL).await;
        match meta_state(&js).await {
            Ok((now, _)) if now != old => {
                log_line(&format!("New leader elected {now:?}"));
                return Ok(());
            }
            Ok(_) => {}
            Err(e) => log_line(&format!("Failed to retrieve the cluster state: {e:#}")),
        }
    }
    bail!(
        "the meta group did not elect a new leader within {}s",
        (POLL_INTERVAL * POLLS_MAX).as_secs()
    )
}

/// What is said before a removal is confirmed.
const REMOVE_WARNING: &str = "\
Removing a peer is meant for servers that will not come back. For maintenance, stop the
server instead: the cluster carries on without it and takes it back when it returns.

A removed peer can only rejoin after the whole cluster has been restarted (the removed peer
last, if it was online when removed). Its R1 streams move to other peers without their data,
and its R1 consumers start again from their configuration, which may deliver messages twice.
";

async fn peer_remove(name: &str, force: bool, conn: &ConnectArgs) -> anyhow::Result<()> {
    let js = JsApi::connect(conn).await?;
    let (_, replicas) = meta_state(&js).await?;
    let Some(peer) = replicas.iter().find(|r| r.name == name || r.peer == name) else {
        bail!("did not find a replica named {name}");
    };
    if !force {
        let mut p = Prompter::for_terminal(false);
        if !p.is_interactive() {
            bail!(
                "refusing to remove peer {} without --force when not on a terminal",
                peer.name
            );
        }
        println!("{REMOVE_WARNING}");
        let state = if peer.offline { "offline" } else { "online" };
        let question = format!(
            "Really remove {state} peer {} with id {}",
            peer.name, peer.peer
        );
        if !p.confirm(&question, "--force", None, false)? {
            println!("Removal canceled");
            return Ok(());
        }
    }
    js.request::<Value, Value>("SERVER.REMOVE", Some(&json!({ "peer": peer.name })))
        .await?;
    println!(
        "Removed peer {} (id {}) from the JetStream cluster",
        peer.name, peer.peer
    );
    Ok(())
}

/// Runs `rill server cluster ...`.
pub async fn run(cmd: ServerClusterCmd) -> anyhow::Result<()> {
    match cmd {
        ServerClusterCmd::StepDown { conn } => step_down(&conn).await,
        ServerClusterCmd::PeerRemove { name, force, conn } => {
            peer_remove(&name, force, &conn).await
        }
    }
}
