//! `rill stream add | info | edit | rm | purge`.

use anyhow::bail;
use rill_core::jetstream::api::{
    PurgeRequest, PurgeResponse, StreamConfig, StreamCreateResponse, StreamInfoResponse,
    SuccessResponse,
};
use serde_json::{json, Value};

use super::api::{name_missing_stream, Js};
use super::config::{apply, ask, ConfigArgs};
use super::list::pick_stream;
use super::page;
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::prompt::Prompter;

/// `rill stream add [NAME] [flags]`.
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// Stream name (asked when missing).
    pub name: Option<String>,
    /// Settings.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Take the default for everything not given by flag.
    #[arg(long)]
    pub defaults: bool,
    /// Print the stream info as JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream info NAME`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// Stream name (chosen from a list on a terminal when missing).
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream edit NAME [flags]`.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    /// Stream name.
    pub name: String,
    /// Settings to change.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the new stream info as JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream rm NAME [--force]`.
#[derive(clap::Args, Debug)]
pub struct RmArgs {
    /// Stream name (chosen from a list on a terminal when missing).
    pub name: Option<String>,
    /// Delete without asking.
    #[arg(short, long)]
    pub force: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream purge NAME [--subject S] [--seq N | --keep N] [--force]`.
#[derive(clap::Args, Debug)]
pub struct PurgeArgs {
    /// Stream name (chosen from a list on a terminal when missing).
    pub name: Option<String>,
    /// Only messages on this subject.
    #[arg(long)]
    pub subject: Option<String>,
    /// Remove messages below this sequence.
    #[arg(long, conflicts_with = "keep")]
    pub seq: Option<u64>,
    /// Keep this many newest messages.
    #[arg(long)]
    pub keep: Option<u64>,
    /// Purge without asking.
    #[arg(short, long)]
    pub force: bool,
    /// Print the stream info as JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// Fetches a stream's info (parsed and raw JSON).
pub async fn fetch_info(js: &Js, name: &str) -> anyhow::Result<(StreamInfoResponse, Value)> {
    js.request(&format!("STREAM.INFO.{name}"), Some(&json!({})))
        .await
        .map_err(|e| name_missing_stream(e, name))
}

fn show(resp: &StreamInfoResponse, raw: &Value, json: bool) -> anyhow::Result<()> {
    if json {
        print_json(raw)
    } else {
        print!("{}", page::render(&resp.info));
        Ok(())
    }
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if !rill_core::jetstream::api::is_valid_name(name) {
        bail!("invalid stream name {name:?}: no spaces, '.', '*', '>', '/' or '\\\\'");
    }
    Ok(())
}

/// `stream add`: asks, creates, prints "Stream NAME was created" and the info block.
pub async fn add(a: AddArgs) -> anyhow::Result<()> {
    let mut p = Prompter::for_terminal(a.defaults);
    let name = p.value(
        "Stream Name",
        "the stream name",
        a.name.as_deref(),
        None,
        |s| Ok(s.trim().to_string()),
    )?;
    check_name(&name)?;
    let config = ask(&mut p, &name, &a.config)?;
    let js = Js::connect(&a.conn).await?;
    let (created, raw): (StreamCreateResponse, Value) = js
        .request(&format!("STREAM.CREATE.{name}"), Some(&config))
        .await
        .map_err(|e| e.context(format!("could not create stream {name:?}")))?;
    if a.json {
        return print_json(&raw);
    }
    println!("Stream {name} was created");
    println!();
    print!("{}", page::render(&created.info));
    Ok(())
}

/// `stream info`.
pub async fn info(a: InfoArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let name = pick_stream(&js, a.name.as_deref()).await?;
    let (resp, raw) = fetch_info(&js, &name).await?;
    show(&resp, &raw, a.json)
}

/// `field: old -> new` for each top-level config field that differs.
pub fn differences(old: &StreamConfig, new: &StreamConfig) -> anyhow::Result<Vec<String>> {
    let (old, new) = (serde_json::to_value(old)?, serde_json::to_value(new)?);
    let (Value::Object(old), Value::Object(new)) = (old, new) else {
        return Ok(Vec::new());
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let none = Value::Null;
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let (a, b) = (old.get(k).unwrap_or(&none), new.get(k).unwrap_or(&none));
            (a != b).then(|| format!("  {k}: {a} -> {b}"))
        })
        .collect())
}

/// `stream edit`: applies the flags, shows what changed, updates, prints the info block.
pub async fn edit(a: EditArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let (current, _) = fetch_info(&js, &a.name).await?;
    let mut config = current.info.config.clone();
    apply(&mut config, &a.config)?;
    let changes = differences(&current.info.config, &config)?;
    if changes.is_empty() {
        bail!(
            "no changes to stream {:?}: pass flags such as --max-msgs",
            a.name
        );
    }
    let (updated, raw): (StreamInfoResponse, Value) = js
        .request(&format!("STREAM.UPDATE.{}", a.name), Some(&config))
        .await
        .map_err(|e| e.context(format!("could not update stream {:?}", a.name)))?;
    if a.json {
        return print_json(&raw);
    }
    println!("Differences (-old +new):");
    for line in changes {
        println!("{line}");
    }
    println!();
    println!("Stream {} was updated", a.name);
    println!();
    print!("{}", page::render(&updated.info));
    Ok(())
}

/// Whether a destructive command may go on: `--force`, or "yes" on a terminal.
fn confirmed(force: bool, action: &str, question: &str) -> anyhow::Result<bool> {
    if force {
        return Ok(true);
    }
    let mut p = Prompter::for_terminal(false);
    if !p.is_interactive() {
        bail!("refusing to {action} without --force when not on a terminal");
    }
    p.confirm(question, "--force", None, false)
}

/// `stream rm`.
pub async fn rm(a: RmArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let name = pick_stream(&js, a.name.as_deref()).await?;
    fetch_info(&js, &name).await?;
    if !confirmed(
        a.force,
        &format!("delete stream {:?}", name),
        &format!("Really delete Stream {}?", name),
    )? {
        return Ok(());
    }
    let _: (SuccessResponse, Value) = js
        .request(&format!("STREAM.DELETE.{}", name), Some(&json!({})))
        .await
        .map_err(|e| name_missing_stream(e, &name))?;
    Ok(())
}

/// `stream purge`: prints the number removed and the stream's info afterwards.
pub async fn purge(a: PurgeArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let name = pick_stream(&js, a.name.as_deref()).await?;
    fetch_info(&js, &name).await?;
    if !confirmed(
        a.force,
        &format!("purge stream {:?}", name),
        &format!("Really purge Stream {}?", name),
    )? {
        return Ok(());
    }
    let request = PurgeRequest {
        filter: a.subject.clone().unwrap_or_default(),
        seq: a.seq.unwrap_or(0),
        keep: a.keep.unwrap_or(0),
    };
    let (purged, _): (PurgeResponse, Value) = js
        .request(&format!("STREAM.PURGE.{}", name), Some(&request))
        .await
        .map_err(|e| name_missing_stream(e, &name))?;
    let (resp, raw) = fetch_info(&js, &name).await?;
    if !a.json {
        println!("Purged {} messages from stream {}", purged.purged, name);
        println!();
    }
    show(&resp, &raw, a.json)
}
