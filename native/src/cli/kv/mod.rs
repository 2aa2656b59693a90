//! `rill kv add | info | put | get | del | history | watch | ls`: Key/Value buckets through
//! async-nats' own KV API, with the bucket pages and tables in the `nats` CLI's shapes
//! ([`show`]). A missing bucket is reported by name (`bucket "B" not found`) from the backing
//! stream's info, asked first.

mod args;
pub mod show;

pub use args::{parse_size, KvCmd};

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use rill_core::jetstream::api::StreamInfo;

use self::show::{Row, KV_PREFIX};
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::parse_duration;
use crate::cli::format::time::now_unix_nanos;
use crate::cli::js_api::{err_code, JsApi, STREAM_NOT_FOUND};
use crate::cli::prompt::Prompter;

struct Kv {
    api: JsApi,
    js: jetstream::Context,
}

async fn connect(conn: &ConnectArgs) -> anyhow::Result<Kv> {
    let api = JsApi::connect(conn).await?;
    let js = api.context();
    Ok(Kv { api, js })
}

impl Kv {
    /// The bucket's backing stream info; `bucket "B" not found` when it does not exist.
    async fn status(&self, bucket: &str) -> anyhow::Result<(StreamInfo, serde_json::Value)> {
        if !rill_core::jetstream::api::is_valid_name(bucket) {
            bail!("invalid bucket name {bucket:?}");
        }
        self.api
            .request::<(), _>(&format!("STREAM.INFO.{KV_PREFIX}{bucket}"), None)
            .await
            .map_err(|e| match err_code(&e) {
                Some(STREAM_NOT_FOUND) => anyhow!("bucket {bucket:?} not found"),
                _ => e,
            })
    }

    async fn store(&self, bucket: &str) -> anyhow::Result<kv::Store> {
        self.status(bucket).await?;
        self.js
            .get_key_value(bucket)
            .await
            .with_context(|| format!("cannot open bucket {bucket:?}"))
    }
}

fn op_name(op: kv::Operation) -> &'static str {
    match op {
        kv::Operation::Put => "PUT",
        kv::Operation::Delete => "DEL",
        kv::Operation::Purge => "PURGE",
    }
}

fn row(e: &kv::Entry) -> Row {
    Row {
        bucket: e.bucket.clone(),
        key: e.key.clone(),
        value: e.value.to_vec(),
        revision: e.revision,
        created_nanos: i64::try_from(e.created.unix_timestamp_nanos()).unwrap_or(0),
        op: op_name(e.operation),
    }
}

fn row_json(r: &Row) -> serde_json::Value {
    serde_json::json!({
        "bucket": r.bucket,
        "key": r.key,
        "value": String::from_utf8_lossy(&r.value),
        "revision": r.revision,
        "created": crate::cli::format::time::rfc3339(r.created_nanos),
        "operation": r.op,
    })
}

/// Runs `rill kv ...`.
pub async fn run(cmd: KvCmd) -> anyhow::Result<()> {
    match cmd {
        KvCmd::Add {
            bucket,
            history,
            ttl,
            max_bytes,
            max_value_size,
            storage,
            description,
            json,
            conn,
        } => {
            fn bad(flag: &'static str) -> impl Fn(String) -> anyhow::Error {
                move |why| anyhow!("invalid value for {flag}: {why}")
            }
            let max_age = match ttl {
                Some(t) => parse_duration(&t).map_err(bad("--ttl"))?,
                None => Duration::ZERO,
            };
            let max_bytes = max_bytes
                .map_or(Ok(-1), |s| parse_size(&s))
                .map_err(bad("--max-bytes"))?;
            let max_value = max_value_size
                .map_or(Ok(-1), |s| parse_size(&s))
                .map_err(bad("--max-value-size"))?;
            let max_value_size = i32::try_from(max_value)
                .map_err(|_| anyhow!("invalid value for --max-value-size: too large"))?;
            if !rill_core::jetstream::api::is_valid_name(&bucket) {
                bail!("invalid bucket name {bucket:?}");
            }
            let kv = connect(&conn).await?;
            kv.js
                .create_key_value(kv::Config {
                    bucket: bucket.clone(),
                    description: description.unwrap_or_default(),
                    history,
                    max_age,
                    max_bytes,
                    max_value_size,
                    storage: if storage == "memory" {
                        jetstream::stream::StorageType::Memory
                    } else {
                        jetstream::stream::StorageType::File
                    },
                    ..Default::default()
                })
                .await
                .with_context(|| format!("cannot create bucket {bucket:?}"))?;
            show_status(&kv, &bucket, json).await
        }
        KvCmd::Info { bucket, json, conn } => {
            show_status(&connect(&conn).await?, &bucket, json).await
        }
        KvCmd::Put {
            bucket,
            key,
            value,
            force_stdin,
            conn,
        } => {
            let value = match value {
                Some(v) => v.into_bytes(),
                None if force_stdin => {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut buf)
                        .context("cannot read the value from stdin")?;
                    buf
                }
                None => bail!("VALUE is required (or --force-stdin to read it from stdin)"),
            };
            let store = connect(&conn).await?.store(&bucket).await?;
            store
                .put(&key, value.clone().into())
                .await
                .with_context(|| format!("cannot put {key:?}"))?;
            println!("{}", String::from_utf8_lossy(&value));
            Ok(())
        }
        KvCmd::Get {
            bucket,
            key,
            raw,
            json,
            conn,
        } => {
            let store = connect(&conn).await?.store(&bucket).await?;
            let entry = store
                .entry(&key)
                .await
                .with_context(|| format!("cannot get {key:?}"))?
                .filter(|e| e.operation == kv::Operation::Put)
                .ok_or_else(|| anyhow!("key {key:?} not found in bucket {bucket:?}"))?;
            let r = row(&entry);
            if json {
                print_json(&row_json(&r))
            } else if raw {
                std::io::stdout()
                    .write_all(&r.value)
                    .context("cannot write the value")
            } else {
                print!("{}", show::render_entry(&r));
                Ok(())
            }
        }
        KvCmd::Del {
            bucket,
            key,
            force,
            conn,
        } => delete(&bucket, key.as_deref(), force, &conn).await,
        KvCmd::History {
            bucket,
            key,
            json,
            conn,
        } => {
            let store = connect(&conn).await?.store(&bucket).await?;
            let mut history = store
                .history(&key)
                .await
                .with_context(|| format!("cannot read the history of {key:?}"))?;
            let mut rows = Vec::new();
            while let Some(e) = history.next().await {
                rows.push(row(&e.context("cannot read the history")?));
            }
            if rows.is_empty() {
                bail!("key {key:?} not found in bucket {bucket:?}");
            }
            if json {
                print_json(&rows.iter().map(row_json).collect::<Vec<_>>())
            } else {
                print!("{}", show::render_history(&bucket, &key, &rows));
                Ok(())
            }
        }
        KvCmd::Watch {
            bucket,
            key,
            count,
            conn,
        } => watch(&bucket, key.as_deref().unwrap_or(">"), count, &conn).await,
        KvCmd::Ls { bucket, json, conn } => list(bucket.as_deref(), json, &conn).await,
    }
}

async fn show_status(kv: &Kv, bucket: &str, json: bool) -> anyhow::Result<()> {
    let (info, raw) = kv.status(bucket).await?;
    if json {
        print_json(&raw)
    } else {
        print!("{}", show::render_status(&info));
        Ok(())
    }
}

async fn delete(
    bucket: &str,
    key: Option<&str>,
    force: bool,
    conn: &ConnectArgs,
) -> anyhow::Result<()> {
    if !force {
        let mut p = Prompter::for_terminal(false);
        if !p.is_interactive() {
            bail!("--force is required to delete without asking");
        }
        let question = match key {
            Some(k) => format!("Delete key {bucket} > {k}?"),
            None => format!("Delete bucket {bucket}?"),
        };
        if !p.confirm(&question, "--force", None, false)? {
            println!("Skipping delete");
            return Ok(());
        }
    }
    let kv = connect(conn).await?;
    match key {
        Some(k) => kv
            .store(bucket)
            .await?
            .delete(k)
            .await
            .with_context(|| format!("cannot delete {k:?}")),
        None => {
            kv.status(bucket).await?;
            kv.js
                .delete_key_value(bucket)
                .await
                .map(|_| ())
                .with_context(|| format!("cannot delete bucket {bucket:?}"))
        }
    }
}

async fn watch(
    bucket: &str,
    key: &str,
    count: Option<u64>,
    conn: &ConnectArgs,
) -> anyhow::Result<()> {
    let store = connect(conn).await?.store(bucket).await?;
    let mut updates = store
        .watch_with_history(key)
        .await
        .with_context(|| format!("cannot watch {bucket:?}"))?;
    // On stderr, so scripts (and tests) know that changes from now on will be seen.
    crate::cli::messaging::log(&format!("Watching {bucket} > {key}"));
    let mut seen = 0u64;
    loop {
        let next = tokio::select! {
            e = updates.next() => e,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Some(entry) = next else {
            bail!("the watch ended");
        };
        let entry = entry.context("watch failed")?;
        print!("{}", show::render_watch(&row(&entry)));
        std::io::stdout().flush().context("cannot write")?;
        seen += 1;
        if count.is_some_and(|c| seen >= c) {
            return Ok(());
        }
    }
}

async fn list(bucket: Option<&str>, json: bool, conn: &ConnectArgs) -> anyhow::Result<()> {
    let kv = connect(conn).await?;
    if let Some(bucket) = bucket {
        let store = kv.store(bucket).await?;
        let mut keys: Vec<String> = Vec::new();
        let mut lister = store.keys().await.context("cannot list keys")?;
        while let Some(k) = lister.next().await {
            keys.push(k.context("cannot list keys")?);
        }
        keys.sort();
        if json {
            return print_json(&keys);
        }
        if keys.is_empty() {
            println!("No keys found in bucket");
        }
        for k in keys {
            println!("{k}");
        }
        return Ok(());
    }
    let mut buckets = kv.api.list_streams().await?;
    buckets.retain(|s| s.config.name.starts_with(KV_PREFIX));
    if json {
        let names: Vec<&str> = buckets
            .iter()
            .map(|s| s.config.name.trim_start_matches(KV_PREFIX))
            .collect();
        return print_json(&names);
    }
    if buckets.is_empty() {
        println!("No Key-Value buckets found");
    } else {
        print!("{}", show::render_buckets(&buckets, now_unix_nanos()));
    }
    Ok(())
}
