//! Durability of replicated streams: opening at a checkpoint, checkpointing, and the full
//! exports that move a stream to a replica too far behind to catch up from the log.
//!
//! A replicated stream's state is its store plus its consumers. A checkpoint at log index
//! `I` writes every consumer to `consumers.<I>.json` (written to a temporary file, synced,
//! renamed), then makes the store durable as of `I` (file storage: a checkpoint record
//! synced with the changes, `filestore/checkpoint.rs`; memory storage: the whole store to
//! `memory.<I>.bin`), and only then removes the files of older checkpoints. Opening picks
//! the store's last checkpoint `S` and the consumers of that same `S`; a crash between the
//! two steps leaves the store at the previous checkpoint, whose consumers file is still
//! there. The Raft layer re-applies the log after `S`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::{Bytes, BytesMut};
use rill_core::jetstream::api::{ConsumerConfig, StorageType, StreamConfig};
use rill_core::jetstream::consumer::ConsumerState;
use rill_core::jetstream::store::record::{decode_shared, encode, Record};
use rill_core::jetstream::store::{MemStore, MsgStore, StoredMsg, UnixNanos};
use serde::{Deserialize, Serialize};

use super::filestore::{FileStore, FileStoreConfig};
use super::storage::AnyStore;

/// One consumer as a checkpoint or export keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedConsumer {
    /// Name.
    pub name: String,
    /// Configuration.
    pub config: ConsumerConfig,
    /// Creation time.
    pub created: UnixNanos,
    /// Delivery and ack state.
    pub state: ConsumerState,
}

/// The consumers of a stream at a log index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SavedConsumers {
    /// Log index they are the state at.
    pub index: u64,
    /// The Raft layer's tag of this checkpoint (position and membership), kept with it.
    #[serde(default)]
    pub tag: Vec<u8>,
    /// The consumers.
    pub consumers: Vec<SavedConsumer>,
}

/// What an export carries besides the messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExportHead {
    index: u64,
    config: StreamConfig,
    created: UnixNanos,
    first_seq: u64,
    last_seq: u64,
    consumers: Vec<SavedConsumer>,
}

/// A replicated stream's folder.
pub fn stream_dir(js_dir: &Path, name: &str) -> PathBuf {
    js_dir.join("streams").join(name)
}

fn numbered(dir: &Path, prefix: &str, suffix: &str) -> anyhow::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let index = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(i) = index {
            out.push((i, entry.path()));
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename, directory fsync).
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Opens a replicated stream's store and consumers as of its last checkpoint.
pub fn open_at_checkpoint(
    dir: &Path,
    config: &StreamConfig,
) -> anyhow::Result<(AnyStore, SavedConsumers)> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (store, index) = match config.storage {
        StorageType::File => {
            let fs = FileStore::open_checkpointed(dir.join("msgs"), FileStoreConfig::default())?;
            let index = fs.checkpoint_index();
            (AnyStore::File(Box::new(fs)), index)
        }
        StorageType::Memory => match numbered(dir, "memory.", ".bin")?.pop() {
            None => (AnyStore::Mem(MemStore::new()), 0),
            Some((index, path)) => {
                let data = fs::read(&path)?;
                let mut store = MemStore::new();
                load_messages(&mut store, &Bytes::from(data))?;
                (AnyStore::Mem(store), index)
            }
        },
    };
    let consumers = if index == 0 {
        SavedConsumers::default()
    } else {
        let path = dir.join(format!("consumers.{index}.json"));
        let bytes = fs::read(&path).with_context(|| {
            format!(
                "the consumers of checkpoint {index} are missing ({})",
                path.display()
            )
        })?;
        serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?
    };
    Ok((store, consumers))
}

/// Makes `store` and `consumers` durable as the state at `consumers.index`.
pub fn checkpoint(
    dir: &Path,
    store: &mut AnyStore,
    consumers: &SavedConsumers,
) -> anyhow::Result<()> {
    let index = consumers.index;
    write_atomic(
        &dir.join(format!("consumers.{index}.json")),
        &serde_json::to_vec(consumers)?,
    )?;
    match store {
        AnyStore::File(fs) => fs.checkpoint(index)?,
        AnyStore::Mem(mem) => {
            let mut buf = BytesMut::new();
            save_messages(mem, &mut buf)?;
            write_atomic(&dir.join(format!("memory.{index}.bin")), &buf)?;
        }
    }
    for (i, path) in numbered(dir, "consumers.", ".json")?
        .into_iter()
        .chain(numbered(dir, "memory.", ".bin")?)
    {
        if i < index {
            let _ = fs::remove_file(path);
        }
    }
    Ok(())
}

/// Frames every message of `store` (a floor with the sequence state first).
fn save_messages(store: &impl MsgStore, out: &mut BytesMut) -> anyhow::Result<()> {
    let st = store.state();
    let floor = rill_core::jetstream::store::record::Floor {
        first_seq: st.first_seq,
        last_seq: st.last_seq,
        last_time: st.last_time,
    };
    encode(&Record::Floor(floor), out)?;
    let mut seq = st.first_seq.max(1);
    while let Some(m) = store.next_matching(seq, None)? {
        seq = m.seq + 1;
        encode(&Record::Msg(m), out)?;
    }
    Ok(())
}

/// Loads framed messages into an empty `store`, keeping their sequences.
fn load_messages(store: &mut impl MsgStore, data: &Bytes) -> anyhow::Result<()> {
    let mut at = 0;
    let mut last_seq = 0;
    while at < data.len() {
        let rest = data.slice(at..);
        let Some((rec, n)) = decode_shared(&rest)? else {
            anyhow::bail!("stream data ends inside a record at byte {at}");
        };
        at += n;
        match rec {
            Record::Floor(f) => {
                last_seq = f.last_seq;
                if f.first_seq > 1 {
                    store.skip_msgs_to(f.first_seq)?;
                }
            }
            Record::Msg(StoredMsg {
                seq,
                subject,
                headers,
                payload,
                time,
            }) => {
                if seq > store.state().last_seq + 1 {
                    store.skip_msgs_to(seq)?;
                }
                store.append(subject, headers, payload, time)?;
            }
            Record::Delete { .. } | Record::Checkpoint { .. } => {}
        }
    }
    if last_seq > store.state().last_seq {
        store.skip_msgs_to(last_seq + 1)?;
    }
    Ok(())
}

/// Everything a replica needs to take over a stream at `index`.
pub fn export(
    index: u64,
    config: &StreamConfig,
    created: UnixNanos,
    store: &AnyStore,
    consumers: Vec<SavedConsumer>,
) -> anyhow::Result<Vec<u8>> {
    let st = store.state();
    let head = ExportHead {
        index,
        config: config.clone(),
        created,
        first_seq: st.first_seq,
        last_seq: st.last_seq,
        consumers,
    };
    let head = serde_json::to_vec(&head)?;
    let mut out = BytesMut::with_capacity(head.len() + st.bytes as usize + 64);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    save_messages(store, &mut out)?;
    Ok(out.to_vec())
}

/// An export, read back.
#[derive(Debug)]
pub struct Imported {
    /// Log index it is the state at.
    pub index: u64,
    /// Stream configuration.
    pub config: StreamConfig,
    /// Creation time.
    pub created: UnixNanos,
    /// Consumers.
    pub consumers: SavedConsumers,
}

/// Replaces the stream in `dir` with an export and checkpoints it with `tag`; returns the
/// store and what came with it.
pub fn import(dir: &Path, data: Bytes, tag: &[u8]) -> anyhow::Result<(AnyStore, Imported)> {
    let head_len = data
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize)
        .context("stream export too short")?;
    let head_end = 8usize
        .checked_add(head_len)
        .filter(|e| *e <= data.len())
        .context("stream export header runs past its end")?;
    let head: ExportHead = serde_json::from_slice(&data[8..head_end])?;
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir)?;
    let mut store = match head.config.storage {
        StorageType::File => AnyStore::File(Box::new(FileStore::open_checkpointed(
            dir.join("msgs"),
            FileStoreConfig::default(),
        )?)),
        StorageType::Memory => AnyStore::Mem(MemStore::new()),
    };
    load_messages(&mut store, &data.slice(head_end..))?;
    let consumers = SavedConsumers {
        index: head.index,
        tag: tag.to_vec(),
        consumers: head.consumers,
    };
    checkpoint(dir, &mut store, &consumers)?;
    Ok((
        store,
        Imported {
            index: head.index,
            config: head.config,
            created: head.created,
            consumers,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("rill-replica-store-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn config(storage: StorageType) -> StreamConfig {
        StreamConfig {
            name: "S".into(),
            storage,
            ..Default::default()
        }
    }

    fn fill(store: &mut AnyStore, n: u64) {
        for i in 0..n {
            store
                .append(
                    Bytes::from(format!("s.{i}")),
                    None,
                    Bytes::from_static(b"p"),
                    7,
                )
                .unwrap();
        }
    }

    #[test]
    fn checkpoints_reopen_with_their_consumers_for_both_storages() {
        for storage in [StorageType::File, StorageType::Memory] {
            let dir = tmp(&format!("{storage:?}"));
            let cfg = config(storage);
            {
                let (mut store, saved) = open_at_checkpoint(&dir, &cfg).unwrap();
                assert_eq!(saved.index, 0);
                fill(&mut store, 10);
                store.remove(4).unwrap();
                let consumers = SavedConsumers {
                    index: 12,
                    tag: b"tag".to_vec(),
                    consumers: vec![SavedConsumer {
                        name: "c".into(),
                        config: ConsumerConfig::default(),
                        created: 3,
                        state: ConsumerState::default(),
                    }],
                };
                checkpoint(&dir, &mut store, &consumers).unwrap();
                fill(&mut store, 5); // after the checkpoint: gone on reopen
                store.sync().unwrap();
            }
            let (store, saved) = open_at_checkpoint(&dir, &cfg).unwrap();
            assert_eq!(saved.index, 12, "{storage:?}");
            assert_eq!(saved.consumers.len(), 1);
            assert_eq!(saved.tag, b"tag");
            let st = store.state();
            assert_eq!((st.messages, st.last_seq), (9, 10), "{storage:?}");
            assert!(store.get(4).unwrap().is_none());
            let _ = fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn exports_import_with_sequences_gaps_and_consumers() {
        let src = tmp("export-src");
        let dst = tmp("export-dst");
        let cfg = config(StorageType::File);
        let (mut store, _) = open_at_checkpoint(&src, &cfg).unwrap();
        fill(&mut store, 20);
        for seq in [1, 2, 7, 20] {
            store.remove(seq).unwrap();
        }
        let data = export(33, &cfg, 5, &store, Vec::new()).unwrap();
        let (got, imported) = import(&dst, Bytes::from(data), b"t").unwrap();
        assert_eq!(imported.index, 33);
        assert_eq!(imported.created, 5);
        let (a, b) = (store.state(), got.state());
        assert_eq!(
            (a.messages, a.first_seq, a.last_seq),
            (b.messages, b.first_seq, b.last_seq)
        );
        assert!(got.get(7).unwrap().is_none());
        assert_eq!(got.get(8).unwrap().unwrap().subject, Bytes::from("s.7"));
        let (reopened, saved) = open_at_checkpoint(&dst, &cfg).unwrap();
        assert_eq!(saved.index, 33);
        assert_eq!(reopened.state().messages, 16);
        let _ = fs::remove_dir_all(&src);
        let _ = fs::remove_dir_all(&dst);
    }

    #[test]
    fn a_truncated_export_is_an_error() {
        let dir = tmp("export-bad");
        let cfg = config(StorageType::Memory);
        let (mut store, _) = open_at_checkpoint(&dir, &cfg).unwrap();
        fill(&mut store, 3);
        let data = export(1, &cfg, 0, &store, Vec::new()).unwrap();
        for cut in [0, 4, 12, data.len() - 3] {
            assert!(import(
                &tmp("export-bad-dst"),
                Bytes::copy_from_slice(&data[..cut]),
                b"t"
            )
            .is_err());
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
