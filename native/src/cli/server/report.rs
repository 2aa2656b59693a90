//! `rill server report jetstream`: every server's JetStream usage in one table, with totals,
//! then the meta group as its leader sees it (leader, current, online, last seen, lag), as
//! `nats server report jetstream` prints them.
//!
//! The data is `$SYS.REQ.SERVER.PING.JSZ`, which needs a system-account user (on Rill as on
//! nats-server); without one nobody answers and the report says so as natscli does.

use std::time::Duration;

use anyhow::bail;

use super::sys::{self, JsInfo, JszReply, MetaCluster, ServerRef};
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::{format_count, format_duration, format_size, Table};

/// `rill server report ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ReportCmd {
    /// JetStream usage per server and the meta group's state.
    #[command(alias = "js")]
    Jetstream {
        /// Print the servers' replies as JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl ReportCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            ReportCmd::Jetstream { conn, .. } => conn,
        }
    }
}

/// The nats CLI's answer when no server replied to the system request.
pub const NO_SYSTEM_REPLIES: &str =
    "no results received, ensure the account used has system privileges and appropriate permissions";

/// `API Err` cell: the count, and its share of requests when there are errors.
fn errors_cell(api: &sys::ApiCounters) -> String {
    if api.total > 0 && api.errors > 0 {
        let rate = api.errors as f64 * 100.0 / api.total as f64;
        format!("{} / {rate:.2}%", format_count(api.errors))
    } else {
        format_count(api.errors)
    }
}

/// The "JetStream Summary" table: one row per server (the meta leader marked `*`), totals.
pub fn summary_table(replies: &[JszReply]) -> String {
    let mut table = Table::new([
        "Server",
        "Cluster",
        "Streams",
        "Consumers",
        "Messages",
        "Bytes",
        "Memory",
        "File",
        "API Req",
        "API Err",
    ])
    .title("JetStream Summary");
    let mut total = JsInfo::default();
    for r in replies {
        let Some(d) = &r.data else { continue };
        let leads = d
            .meta_cluster
            .as_ref()
            .is_some_and(|m| m.leader == r.server.name);
        table.row([
            format!("{}{}", r.server.name, if leads { "*" } else { "" }),
            r.server.cluster.clone(),
            format_count(d.streams),
            format_count(d.consumers),
            format_count(d.messages),
            format_size(d.bytes),
            format_size(d.memory),
            format_size(d.storage),
            format_count(d.api.total),
            errors_cell(&d.api),
        ]);
        total.streams += d.streams;
        total.consumers += d.consumers;
        total.messages += d.messages;
        total.bytes += d.bytes;
        total.memory += d.memory;
        total.storage += d.storage;
        total.api.total += d.api.total;
        total.api.errors += d.api.errors;
    }
    table.footer([
        String::new(),
        String::new(),
        format_count(total.streams),
        format_count(total.consumers),
        format_count(total.messages),
        format_size(total.bytes),
        format_size(total.memory),
        format_size(total.storage),
        format_count(total.api.total),
        format_count(total.api.errors),
    ]);
    table.render()
}

/// Nanoseconds as a Go duration rounded to milliseconds (`975ms`, `1.2s`).
fn since(nanos: i64) -> String {
    let ms = u64::try_from(nanos / 1_000_000).unwrap_or(0);
    format_duration(Duration::from_millis(ms))
}

/// The "RAFT Meta Group Information" table, from the leader's view of the group.
pub fn meta_table(leader: &ServerRef, meta: &MetaCluster) -> String {
    let mut rows: Vec<sys::MetaPeer> = meta.replicas.clone();
    rows.push(sys::MetaPeer {
        name: leader.name.clone(),
        current: true,
        peer: meta.peer.clone(),
        ..sys::MetaPeer::default()
    });
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let mut table = Table::new(["Name", "ID", "Leader", "Current", "Online", "Active", "Lag"])
        .title("RAFT Meta Group Information");
    for p in &rows {
        table.row([
            p.name.clone(),
            p.peer.clone(),
            if p.name == meta.leader { "yes" } else { "" }.to_string(),
            p.current.to_string(),
            (!p.offline).to_string(),
            since(p.active),
            format_count(p.lag),
        ]);
    }
    table.render()
}

/// The whole report for a set of replies.
pub fn render(replies: &[JszReply]) -> String {
    let mut sorted: Vec<JszReply> = replies.to_vec();
    sorted.sort_by(|a, b| {
        (&a.server.cluster, &a.server.name).cmp(&(&b.server.cluster, &b.server.name))
    });
    let mut out = summary_table(&sorted);
    out.push('\n');
    match sys::meta_leader(&sorted) {
        Some((r, meta)) => out.push_str(&meta_table(&r.server, meta)),
        None => {
            let expected = sorted
                .iter()
                .filter_map(|r| r.data.as_ref()?.meta_cluster.as_ref())
                .map(|m| m.cluster_size)
                .max();
            if let Some(size) = expected {
                out.push_str(&format!(
                    "WARNING: no meta group leader found. The cluster expects {size} nodes and {} \
                     answered; JetStream needs at least {} of them up.\n",
                    sorted.len(),
                    size / 2 + 1
                ));
            }
        }
    }
    out
}

/// Runs `rill server report ...`.
pub async fn run(cmd: ReportCmd) -> anyhow::Result<()> {
    let ReportCmd::Jetstream { json, conn } = cmd;
    let resolved = conn.resolve()?;
    let client = resolved.connect().await?;
    if json {
        let raw = sys::gather(
            &client,
            sys::PING_JSZ,
            &serde_json::json!({}),
            resolved.timeout,
        )
        .await?;
        if raw.is_empty() {
            bail!(NO_SYSTEM_REPLIES);
        }
        return print_json(&raw);
    }
    let replies = sys::jsz(&client, resolved.timeout).await?;
    if replies.is_empty() {
        bail!(NO_SYSTEM_REPLIES);
    }
    print!("{}", render(&replies));
    Ok(())
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
