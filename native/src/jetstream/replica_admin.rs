//! Joining, checkpointing, moving and leaving replicated streams: the service side of a
//! stream's Raft state machine (`replica_store.rs` holds the file formats).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use rill_core::jetstream::api::StreamConfig;
use rill_core::jetstream::store::UnixNanos;
use rill_core::jetstream::stream::Stream;
use tokio::sync::oneshot;
use tracing::{info, warn};

use super::replica::{Replica, StreamGroup};
use super::replica_store::{self, SavedConsumer, SavedConsumers};
use super::service::{unix_now, Service, StreamEntry};

/// Answer channel of an admin input.
pub type Done<T> = oneshot::Sender<Result<T, String>>;

/// Administrative inputs for replicated streams, from the cluster layer.
#[derive(Debug)]
pub enum ReplicaAdmin {
    /// This server holds a replica of the stream: open it as of its last checkpoint, attached
    /// to `group`; answers the checkpoint's tag (`None`: nothing applied yet).
    Open {
        /// Configuration.
        config: Box<StreamConfig>,
        /// Creation time.
        created: UnixNanos,
        /// The stream's group.
        group: Arc<dyn StreamGroup>,
        /// A new stream's create request: its first leader answers it.
        announce: Option<Bytes>,
        /// Answer.
        done: Done<Option<Vec<u8>>>,
    },
    /// Make the stream durable as of its last applied entry, which must be `index`, keeping
    /// the Raft layer's `tag` with it.
    Checkpoint {
        /// Stream name.
        stream: String,
        /// The log index the state is at.
        index: u64,
        /// The layer's tag.
        tag: Vec<u8>,
        /// Answer.
        done: Done<()>,
    },
    /// The stream's whole state at its last applied entry: (index, data).
    Export {
        /// Stream name.
        stream: String,
        /// Answer.
        done: Done<(u64, Vec<u8>)>,
    },
    /// Replace the stream with an export from another replica, durable with `tag`.
    Import {
        /// Stream name.
        stream: String,
        /// The export.
        data: Bytes,
        /// The layer's tag for the imported state.
        tag: Vec<u8>,
        /// Answer.
        done: Done<()>,
    },
    /// The server no longer holds the stream; with `delete`, its files go too.
    Close {
        /// Stream name.
        stream: String,
        /// Remove the files.
        delete: bool,
        /// Answer.
        done: Done<()>,
    },
}

impl Service {
    /// Handles an administrative input.
    pub(super) fn handle_replica_admin(&mut self, input: ReplicaAdmin) {
        match input {
            ReplicaAdmin::Open {
                config,
                created,
                group,
                announce,
                done,
            } => {
                let name = config.name.clone();
                let r = self.open_replicated(*config, created, group);
                let replica = self.streams.get_mut(&name).and_then(|e| e.replica.as_mut());
                if let (Ok(_), Some(replica), Some(_)) = (&r, replica, &announce) {
                    replica.announce = announce;
                }
                let _ = done.send(r.map_err(|e| format!("{e:#}")));
            }
            ReplicaAdmin::Checkpoint {
                stream,
                index,
                tag,
                done,
            } => {
                let r = self.checkpoint_replicated(&stream, index, tag);
                let _ = done.send(r.map_err(|e| format!("{e:#}")));
            }
            ReplicaAdmin::Export { stream, done } => {
                let _ = done.send(
                    self.export_replicated(&stream)
                        .map_err(|e| format!("{e:#}")),
                );
            }
            ReplicaAdmin::Import {
                stream,
                data,
                tag,
                done,
            } => {
                let r = self.import_replicated(&stream, data, &tag);
                let _ = done.send(r.map_err(|e| format!("{e:#}")));
            }
            ReplicaAdmin::Close {
                stream,
                delete,
                done,
            } => {
                self.close_replicated(&stream, delete);
                let _ = done.send(Ok(()));
            }
        }
    }

    fn open_replicated(
        &mut self,
        config: StreamConfig,
        created: UnixNanos,
        group: Arc<dyn StreamGroup>,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let name = config.name.clone();
        if self.streams.contains_key(&name) {
            anyhow::bail!("stream {name} is open already");
        }
        let dir = replica_store::stream_dir(&self.cfg.dir, &name);
        let (store, saved) = replica_store::open_at_checkpoint(&dir, &config)?;
        self.install(config, created, store, saved, group)
    }

    /// Puts a replicated stream with its consumers in place (not leading, capturing nothing).
    fn install(
        &mut self,
        config: StreamConfig,
        created: UnixNanos,
        store: super::storage::AnyStore,
        saved: SavedConsumers,
        group: Arc<dyn StreamGroup>,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let name = config.name.clone();
        let stream = Stream::new(config, created, store)
            .map_err(|e| anyhow::anyhow!("{}", e.description))?;
        let index = saved.index;
        let tag = (index > 0).then_some(saved.tag);
        self.streams.insert(
            name.clone(),
            StreamEntry {
                stream,
                consumers: BTreeMap::new(),
                subs: Vec::new(),
                dirty: false,
                appended: false,
                replica: Some(Replica::new(group, index)),
            },
        );
        let now = unix_now();
        for c in saved.consumers {
            if let Err(e) =
                self.add_consumer(now, &name, &c.name, c.config, c.created, Some(c.state))
            {
                warn!(stream = %name, consumer = %c.name, "cannot restore consumer: {e:#}");
            }
        }
        self.directory_dirty = true;
        info!(stream = %name, index, "replicated stream opened");
        Ok(tag)
    }

    fn saved_consumers(&self, stream: &str) -> Vec<SavedConsumer> {
        self.streams
            .get(stream)
            .map(|e| {
                e.consumers
                    .iter()
                    .map(|(name, c)| SavedConsumer {
                        name: name.clone(),
                        config: c.consumer.config().clone(),
                        created: c.consumer.created(),
                        state: c.consumer.state().clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn checkpoint_replicated(&mut self, stream: &str, at: u64, tag: Vec<u8>) -> anyhow::Result<()> {
        let consumers = self.saved_consumers(stream);
        let dir = replica_store::stream_dir(&self.cfg.dir, stream);
        let entry = self
            .streams
            .get_mut(stream)
            .ok_or_else(|| anyhow::anyhow!("no stream {stream}"))?;
        let index = entry
            .replica
            .as_ref()
            .map(|r| r.applied)
            .ok_or_else(|| anyhow::anyhow!("stream {stream} is not replicated"))?;
        if index != at {
            anyhow::bail!(
                "checkpoint at {at} asked of stream {stream}, which applied through {index}"
            );
        }
        let saved = SavedConsumers {
            index,
            tag,
            consumers,
        };
        replica_store::checkpoint(&dir, entry.stream.store_mut(), &saved)?;
        Ok(())
    }

    fn export_replicated(&mut self, stream: &str) -> anyhow::Result<(u64, Vec<u8>)> {
        let consumers = self.saved_consumers(stream);
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(|| anyhow::anyhow!("no stream {stream}"))?;
        let index = entry.replica.as_ref().map_or(0, |r| r.applied);
        let data = replica_store::export(
            index,
            entry.stream.config(),
            entry.stream.created(),
            entry.stream.store(),
            consumers,
        )?;
        Ok((index, data))
    }

    fn import_replicated(&mut self, stream: &str, data: Bytes, tag: &[u8]) -> anyhow::Result<()> {
        let entry = self
            .streams
            .remove(stream)
            .ok_or_else(|| anyhow::anyhow!("no stream {stream}"))?;
        let leader = entry.replica.as_ref().is_some_and(|r| r.leader);
        let Some(group) = entry.replica.as_ref().map(|r| r.group.clone()) else {
            self.streams.insert(stream.to_string(), entry);
            anyhow::bail!("stream {stream} is not replicated");
        };
        self.release(&entry.subs);
        // The old store's files are replaced: drop it without flushing anything more.
        if let super::storage::AnyStore::File(fs) = entry.stream.into_store() {
            fs.abandon();
        }
        let dir = replica_store::stream_dir(&self.cfg.dir, stream);
        let (store, imported) = replica_store::import(&dir, data, tag)?;
        self.install(
            imported.config,
            imported.created,
            store,
            imported.consumers,
            group,
        )?;
        if leader {
            self.handle_replica(super::replica::ReplicaInput::Leader {
                stream: Arc::from(stream),
                leader: true,
            });
        }
        Ok(())
    }

    fn close_replicated(&mut self, stream: &str, delete: bool) {
        let Some(mut entry) = self.streams.remove(stream) else {
            return;
        };
        self.release(&entry.subs);
        if delete {
            if let super::storage::AnyStore::File(fs) = entry.stream.into_store() {
                fs.abandon();
            }
            let _ = std::fs::remove_dir_all(replica_store::stream_dir(&self.cfg.dir, stream));
        } else {
            entry.consumers.clear();
        }
        self.reconcile_sources(stream);
        self.directory_dirty = true;
        info!(stream, delete, "replicated stream closed");
    }
}
