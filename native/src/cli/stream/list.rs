//! `rill stream ls` and `rill stream report`: every stream of the account as a table.

use rill_core::jetstream::api::{
    StreamInfo, StreamListRequest, StreamListResponse, StreamNamesRequest, StreamNamesResponse,
};

use anyhow::bail;

use super::api::Js;
use super::page::storage_name;
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::time::{datetime, now_unix_nanos};
use crate::cli::format::{format_count, format_size, Table};
use crate::cli::prompt::Prompter;

/// `rill stream ls [--names] [--json]`.
#[derive(clap::Args, Debug)]
pub struct LsArgs {
    /// Only the names, one a line.
    #[arg(short, long)]
    pub names: bool,
    /// Print JSON (names, or stream infos).
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream report [--json]`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// All stream names, sorted.
pub async fn names(js: &Js) -> anyhow::Result<Vec<String>> {
    let mut all = Vec::new();
    loop {
        let request = StreamNamesRequest {
            offset: all.len() as u64,
            ..StreamNamesRequest::default()
        };
        let (page, _): (StreamNamesResponse, _) =
            js.request("STREAM.NAMES", Some(&request)).await?;
        let got = page.streams.unwrap_or_default();
        let done = got.is_empty() || all.len() + got.len() >= page.total as usize;
        all.extend(got);
        if done {
            break;
        }
    }
    all.sort();
    Ok(all)
}

/// `given`, or on a terminal a stream chosen from the list ("Select a Stream").
pub async fn pick_stream(js: &Js, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = given {
        return Ok(name.to_string());
    }
    let mut p = Prompter::for_terminal(false);
    if !p.is_interactive() {
        bail!("a stream name is required when not on a terminal");
    }
    let names = names(js).await?;
    let Some(first) = names.first() else {
        bail!("no streams defined");
    };
    let choices: Vec<&str> = names.iter().map(String::as_str).collect();
    p.choice("Select a Stream", "NAME", None, &choices, first)
}

/// All stream infos, sorted by name.
pub async fn infos(js: &Js) -> anyhow::Result<Vec<StreamInfo>> {
    let mut all: Vec<StreamInfo> = Vec::new();
    loop {
        let request = StreamListRequest {
            offset: all.len() as u64,
            ..StreamListRequest::default()
        };
        let (page, _): (StreamListResponse, _) = js.request("STREAM.LIST", Some(&request)).await?;
        let done = page.streams.is_empty() || all.len() + page.streams.len() >= page.total as usize;
        all.extend(page.streams);
        if done {
            break;
        }
    }
    all.sort_by(|a, b| a.config.name.cmp(&b.config.name));
    Ok(all)
}

/// A duration as the nats CLI prints ages: `196d13h5m17s`, `3m2s`, `0s`.
pub fn age(nanos: i64) -> String {
    let secs = nanos.max(0) / 1_000_000_000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m{s}s"),
        (0, _, _) => format!("{h}h{m}m{s}s"),
        _ => format!("{d}d{h}h{m}m{s}s"),
    }
}

/// The `ls` table.
pub fn ls_table(streams: &[StreamInfo], now_nanos: i64) -> String {
    let mut table = Table::new([
        "Name",
        "Description",
        "Created",
        "Messages",
        "Size",
        "Last Message",
    ])
    .title("Streams");
    for s in streams {
        let last = if s.state.last_ts.is_zero() {
            "never".to_string()
        } else {
            age(now_nanos - s.state.last_ts.unix_nanos())
        };
        table.row([
            s.config.name.clone(),
            s.config.description.clone(),
            datetime(s.created.unix_nanos()),
            format_count(s.state.messages),
            format_size(s.state.bytes),
            last,
        ]);
    }
    table.render()
}

/// Every stream as JSON, as `table` renders them, or "No Streams defined".
async fn print_streams(
    js: &Js,
    json: bool,
    table: impl Fn(&[StreamInfo]) -> String,
) -> anyhow::Result<()> {
    let streams = infos(js).await?;
    if json {
        return print_json(&streams);
    }
    if streams.is_empty() {
        println!("No Streams defined");
    } else {
        print!("{}", table(&streams));
    }
    Ok(())
}

/// `stream ls`.
pub async fn ls(a: LsArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    if a.names {
        let names = names(&js).await?;
        if a.json {
            return print_json(&names);
        }
        for name in names {
            println!("{name}");
        }
        return Ok(());
    }
    print_streams(&js, a.json, |s| ls_table(s, now_unix_nanos())).await
}

/// The `report` table: one row per stream, replicas as `leader*` on one node.
pub fn report_table(streams: &[StreamInfo]) -> String {
    let mut table = Table::new([
        "Stream",
        "Storage",
        "Consumers",
        "Messages",
        "Bytes",
        "Lost",
        "Deleted",
        "Replicas",
    ])
    .title("Stream Report");
    for s in streams {
        let lost = s.state.lost.as_ref().map_or(0, |l| l.msgs.len() as u64);
        let replicas = s.cluster.as_ref().map_or(String::new(), |c| {
            let mut names = vec![format!("{}*", c.leader)];
            names.extend(c.replicas.iter().map(|p| p.name.clone()));
            names.join(", ")
        });
        table.row([
            s.config.name.clone(),
            storage_name(s.config.storage).to_string(),
            format_count(s.state.consumer_count),
            format_count(s.state.messages),
            format_size(s.state.bytes),
            format_count(lost),
            format_count(s.state.num_deleted),
            replicas,
        ]);
    }
    table.render()
}

/// `stream report`.
pub async fn report(a: ReportArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    print_streams(&js, a.json, report_table).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_print_with_days_hours_minutes_seconds() {
        let s = 1_000_000_000;
        assert_eq!(age(0), "0s");
        assert_eq!(age(62 * s), "1m2s");
        assert_eq!(age(3600 * s), "1h0m0s");
        assert_eq!(
            age((196 * 86_400 + 13 * 3600 + 5 * 60 + 17) * s),
            "196d13h5m17s"
        );
    }

    #[test]
    fn report_lists_one_node_as_its_leader() {
        let mut info = StreamInfo::default();
        info.config.name = "ORDERS".into();
        info.state.messages = 1000;
        info.cluster = Some(rill_core::jetstream::api::ClusterInfo {
            leader: "n1".into(),
            ..Default::default()
        });
        let text = report_table(&[info]);
        assert!(text.contains("Stream Report"), "{text}");
        assert!(
            text.contains(
                "│ ORDERS │ File    │ 0         │ 1,000    │ 0 B   │ 0    │ 0       │ n1*      │"
            ),
            "{text}"
        );
    }
}
