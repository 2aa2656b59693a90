//! `rill object add | put | get | ls | info | rm`: Object Store buckets through async-nats' own
//! object store API. `put` creates a missing bucket, and `put` and `get` draw a progress bar
//! (bytes) on a terminal for files over 20 KiB, as the `nats` CLI does.

mod args;
mod progress_io;
pub mod show;

pub use args::ObjectCmd;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context as _};
use async_nats::jetstream::{self, object_store};
use futures::StreamExt;
use tokio::io::AsyncReadExt;

use self::progress_io::ProgressReader;
use self::show::Entry;
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::progress::Bar;
use crate::cli::js_api::{err_code, JsApi, STREAM_NOT_FOUND};
use crate::cli::prompt::Prompter;

/// The stream prefix of a bucket's backing stream.
pub const OBJ_PREFIX: &str = "OBJ_";
/// Files at most this large get no progress bar.
const PROGRESS_MIN_BYTES: u64 = 20 * 1024;

struct Obj {
    api: JsApi,
    js: jetstream::Context,
}

async fn connect(conn: &ConnectArgs) -> anyhow::Result<Obj> {
    let api = JsApi::connect(conn).await?;
    let js = api.context();
    Ok(Obj { api, js })
}

impl Obj {
    /// Whether the bucket exists (its backing stream answers).
    async fn exists(&self, bucket: &str) -> anyhow::Result<bool> {
        if !rill_core::jetstream::api::is_valid_name(bucket) {
            bail!("invalid bucket name {bucket:?}");
        }
        let info = self
            .api
            .request::<(), serde_json::Value>(&format!("STREAM.INFO.{OBJ_PREFIX}{bucket}"), None)
            .await;
        match info {
            Ok(_) => Ok(true),
            Err(e) if err_code(&e) == Some(STREAM_NOT_FOUND) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn store(&self, bucket: &str) -> anyhow::Result<object_store::ObjectStore> {
        if !self.exists(bucket).await? {
            bail!("bucket {bucket:?} not found");
        }
        self.js
            .get_object_store(bucket)
            .await
            .with_context(|| format!("cannot open bucket {bucket:?}"))
    }

    async fn create(
        &self,
        bucket: &str,
        description: Option<String>,
    ) -> anyhow::Result<object_store::ObjectStore> {
        self.js
            .create_object_store(object_store::Config {
                bucket: bucket.to_string(),
                description,
                ..Default::default()
            })
            .await
            .with_context(|| format!("cannot create bucket {bucket:?}"))
    }
}

fn entry(info: &object_store::ObjectInfo) -> Entry {
    Entry {
        bucket: info.bucket.clone(),
        name: info.name.clone(),
        description: info.description.clone().unwrap_or_default(),
        size: info.size as u64,
        chunks: info.chunks as u64,
        modified_nanos: info
            .modified
            .map_or(0, |t| i64::try_from(t.unix_timestamp_nanos()).unwrap_or(0)),
        digest: info.digest.clone().unwrap_or_default(),
    }
}

fn entry_json(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "bucket": e.bucket,
        "name": e.name,
        "description": e.description,
        "size": e.size,
        "chunks": e.chunks,
        "mtime": crate::cli::format::time::rfc3339(e.modified_nanos),
        "digest": e.digest,
    })
}

/// Asks `question` on a terminal; without one, `--force` is required to `action`.
fn confirm_or_force(question: &str, action: &str, force: bool) -> anyhow::Result<bool> {
    if force {
        return Ok(true);
    }
    let mut p = Prompter::for_terminal(false);
    if !p.is_interactive() {
        bail!("--force is required to {action} without asking");
    }
    p.confirm(question, "--force", None, false)
}

/// Runs `rill object ...`.
pub async fn run(cmd: ObjectCmd) -> anyhow::Result<()> {
    match cmd {
        ObjectCmd::Add {
            bucket,
            description,
            conn,
        } => {
            let obj = connect(&conn).await?;
            if obj.exists(&bucket).await? {
                bail!("bucket {bucket:?} already exists");
            }
            obj.create(&bucket, description).await?;
            println!("Created Object Store bucket {bucket}");
            Ok(())
        }
        ObjectCmd::Put {
            bucket,
            file,
            name,
            description,
            force,
            conn,
        } => put(&bucket, &file, name, description, force, &conn).await,
        ObjectCmd::Get {
            bucket,
            name,
            output,
            force,
            conn,
        } => get(&bucket, &name, output, force, &conn).await,
        ObjectCmd::Info {
            bucket,
            name,
            json,
            conn,
        } => {
            let store = connect(&conn).await?.store(&bucket).await?;
            let info = object_info(&store, &bucket, &name).await?;
            let e = entry(&info);
            if json {
                print_json(&entry_json(&e))
            } else {
                print!("{}", show::render_info(&e));
                Ok(())
            }
        }
        ObjectCmd::Ls {
            bucket: None,
            json,
            conn,
        } => list_buckets(json, &conn).await,
        ObjectCmd::Ls {
            bucket: Some(bucket),
            json,
            conn,
        } => {
            let store = connect(&conn).await?.store(&bucket).await?;
            let mut list = store.list().await.context("cannot list the bucket")?;
            let mut entries = Vec::new();
            while let Some(info) = list.next().await {
                entries.push(entry(&info.context("cannot list the bucket")?));
            }
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            if json {
                print_json(&entries.iter().map(entry_json).collect::<Vec<_>>())
            } else if entries.is_empty() {
                println!("No entries found");
                Ok(())
            } else {
                print!("{}", show::render_list(&entries));
                Ok(())
            }
        }
        ObjectCmd::Rm {
            bucket,
            name,
            force,
            conn,
        } => {
            let store = connect(&conn).await?.store(&bucket).await?;
            object_info(&store, &bucket, &name).await?;
            if !confirm_or_force(
                &format!("Delete {bucket} > {name}"),
                &format!("delete {bucket} > {name}"),
                force,
            )? {
                return Ok(());
            }
            store
                .delete(&name)
                .await
                .with_context(|| format!("cannot delete {name:?}"))?;
            println!("Deleted {bucket} > {name}");
            Ok(())
        }
    }
}

async fn list_buckets(json: bool, conn: &ConnectArgs) -> anyhow::Result<()> {
    let mut buckets = connect(conn).await?.api.list_streams().await?;
    buckets.retain(|s| s.config.name.starts_with(OBJ_PREFIX));
    if json {
        let names: Vec<&str> = buckets
            .iter()
            .map(|s| s.config.name.trim_start_matches(OBJ_PREFIX))
            .collect();
        return print_json(&names);
    }
    if buckets.is_empty() {
        println!("No Object Store buckets found");
    } else {
        print!(
            "{}",
            show::render_buckets(&buckets, crate::cli::format::time::now_unix_nanos())
        );
    }
    Ok(())
}

async fn object_info(
    store: &object_store::ObjectStore,
    bucket: &str,
    name: &str,
) -> anyhow::Result<object_store::ObjectInfo> {
    match store.info(name).await {
        Ok(info) if !info.deleted => Ok(info),
        Ok(_) => bail!("object {name:?} not found in bucket {bucket:?}"),
        Err(e) if e.kind() == object_store::InfoErrorKind::NotFound => {
            bail!("object {name:?} not found in bucket {bucket:?}")
        }
        Err(e) => Err(anyhow!(e).context(format!("cannot read {name:?}"))),
    }
}

async fn put(
    bucket: &str,
    file: &Path,
    name: Option<String>,
    description: Option<String>,
    force: bool,
    conn: &ConnectArgs,
) -> anyhow::Result<()> {
    let handle =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = handle
        .metadata()
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let name = match name {
        Some(n) => n,
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| anyhow!("--name is required for {}", file.display()))?,
    };
    let obj = connect(conn).await?;
    let store = if obj.exists(bucket).await? {
        obj.js
            .get_object_store(bucket)
            .await
            .with_context(|| format!("cannot open bucket {bucket:?}"))?
    } else {
        obj.create(bucket, None).await?
    };
    if let Ok(existing) = store.info(&name).await {
        if !existing.deleted
            && !confirm_or_force(
                &format!("Replace existing file {bucket} > {name}"),
                &format!("replace {bucket} > {name}"),
                force,
            )?
        {
            return Ok(());
        }
    }
    let bar = Bar::start(size, size > PROGRESS_MIN_BYTES);
    let mut reader = ProgressReader::new(handle, bar);
    let meta = object_store::ObjectMetadata {
        name: name.clone(),
        description,
        ..Default::default()
    };
    let info = store.put(meta, &mut reader).await;
    reader.finish();
    let info = info.with_context(|| format!("cannot store {}", file.display()))?;
    print!("{}", show::render_info(&entry(&info)));
    Ok(())
}

async fn get(
    bucket: &str,
    name: &str,
    output: Option<PathBuf>,
    force: bool,
    conn: &ConnectArgs,
) -> anyhow::Result<()> {
    let store = connect(conn).await?.store(bucket).await?;
    let info = object_info(&store, bucket, name).await?;
    let out = match output {
        Some(p) => p,
        None => PathBuf::from(
            Path::new(&info.name)
                .file_name()
                .ok_or_else(|| anyhow!("--output is required for {name:?}"))?,
        ),
    };
    if out.exists()
        && !confirm_or_force(
            &format!("Replace existing target file {}", out.display()),
            &format!("replace {}", out.display()),
            force,
        )?
    {
        return Ok(());
    }
    let mut object = store
        .get(name)
        .await
        .with_context(|| format!("cannot fetch {name:?}"))?;
    let started = Instant::now();
    let mut file =
        std::fs::File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut bar = Bar::start(info.size as u64, info.size as u64 > PROGRESS_MIN_BYTES);
    let mut buf = vec![0u8; 128 * 1024];
    let mut written = 0u64;
    loop {
        let n = object
            .read(&mut buf)
            .await
            .with_context(|| format!("cannot fetch {name:?}"))?;
        if n == 0 {
            break;
        }
        std::io::Write::write_all(&mut file, &buf[..n])
            .with_context(|| format!("cannot write {}", out.display()))?;
        written += n as u64;
        bar.set(written);
    }
    bar.finish(written);
    if written != info.size as u64 {
        bail!("wrote {written} bytes, expected {}", info.size);
    }
    let path = std::fs::canonicalize(&out).unwrap_or(out);
    println!(
        "{}",
        show::wrote_line(written, &path.display().to_string(), started.elapsed())
    );
    Ok(())
}
