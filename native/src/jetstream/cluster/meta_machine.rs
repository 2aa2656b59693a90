//! The meta group's state machine: the cluster's stream assignments.
//!
//! Commands are [`MetaCommand`]s as JSON (few and small). Applying one updates the shared
//! [`Assignments`] and tells the controller what changed, without waiting for it to act (it
//! opens and closes stream groups, which takes Raft round trips of its own). A checkpoint
//! writes the whole state with the layer's tag to `meta.json` (temporary file, fsync, rename),
//! so recovery is exact: the tag and the state it describes are one file.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rill_core::jetstream::cluster::{Assignments, MetaChange, MetaCommand};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tracing::warn;

use crate::raft::{Applied, Checkpoint, Machine, MachineError, Position};

/// The applied assignments, readable by the controller and the API.
pub type SharedAssignments = Arc<RwLock<Assignments>>;

/// A change the controller must act on, with the log index it was applied at.
#[derive(Debug)]
pub struct MetaApplied {
    /// What changed.
    pub change: MetaChange,
    /// Log index of the command.
    pub index: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    tag: Vec<u8>,
    assignments: Assignments,
}

/// The meta machine (see the module docs).
#[derive(Debug)]
pub struct MetaMachine {
    file: PathBuf,
    state: SharedAssignments,
    changes: mpsc::UnboundedSender<MetaApplied>,
}

impl MetaMachine {
    /// A machine keeping its checkpoints in `file`, sharing `state`, reporting to `changes`.
    pub fn new(
        file: PathBuf,
        state: SharedAssignments,
        changes: mpsc::UnboundedSender<MetaApplied>,
    ) -> Self {
        MetaMachine {
            file,
            state,
            changes,
        }
    }

    fn write(&self, tag: Vec<u8>) -> Result<(), MachineError> {
        let assignments = self
            .state
            .read()
            .map_err(|_| MachineError::Other("meta state lock poisoned".into()))?
            .clone();
        let bytes = serde_json::to_vec(&Saved { tag, assignments })
            .map_err(|e| MachineError::Other(e.to_string()))?;
        let tmp = self.file.with_extension("tmp");
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.file)?;
        if let Some(dir) = self.file.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    fn set(&self, a: Assignments) -> Result<(), MachineError> {
        *self
            .state
            .write()
            .map_err(|_| MachineError::Other("meta state lock poisoned".into()))? = a;
        Ok(())
    }
}

impl Machine for MetaMachine {
    async fn recover(&mut self) -> Result<Option<Checkpoint>, MachineError> {
        let bytes = match std::fs::read(&self.file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.set(Assignments::default())?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let saved: Saved = serde_json::from_slice(&bytes)
            .map_err(|e| MachineError::Corrupt(format!("{}: {e}", self.file.display())))?;
        let tag = Checkpoint::from_bytes(&saved.tag)?;
        self.set(saved.assignments)?;
        Ok(Some(tag))
    }

    async fn apply(
        &mut self,
        commands: Vec<Applied>,
        _through: Position,
    ) -> Result<Vec<Vec<u8>>, MachineError> {
        let mut out = Vec::with_capacity(commands.len());
        for c in commands {
            let change = match serde_json::from_slice::<MetaCommand>(&c.command) {
                Ok(cmd) => self
                    .state
                    .write()
                    .map_err(|_| MachineError::Other("meta state lock poisoned".into()))?
                    .apply(cmd),
                Err(e) => {
                    // Every member has the same bytes: all skip it alike.
                    warn!(index = c.index, "undecodable meta command skipped: {e}");
                    out.push(Vec::new());
                    continue;
                }
            };
            let refused = matches!(change, MetaChange::Refused(_));
            let _ = self.changes.send(MetaApplied {
                change,
                index: c.index,
            });
            out.push(if refused {
                b"refused".to_vec()
            } else {
                Vec::new()
            });
        }
        Ok(out)
    }

    async fn checkpoint(&mut self, at: &Checkpoint) -> Result<(), MachineError> {
        self.write(at.to_bytes())
    }

    async fn export(&mut self) -> Result<Vec<u8>, MachineError> {
        let a = self
            .state
            .read()
            .map_err(|_| MachineError::Other("meta state lock poisoned".into()))?
            .clone();
        serde_json::to_vec(&a).map_err(|e| MachineError::Other(e.to_string()))
    }

    async fn import(&mut self, data: Vec<u8>, at: &Checkpoint) -> Result<(), MachineError> {
        let a: Assignments = serde_json::from_slice(&data)
            .map_err(|e| MachineError::Corrupt(format!("meta snapshot: {e}")))?;
        let before = self
            .state
            .read()
            .map_err(|_| MachineError::Other("meta state lock poisoned".into()))?
            .clone();
        self.set(a.clone())?;
        self.write(at.to_bytes())?;
        // Tell the controller what the snapshot changed, as if applied one by one.
        for name in before
            .streams
            .keys()
            .filter(|n| !a.streams.contains_key(*n))
        {
            let group = before.streams[name].group.clone();
            let _ = self.changes.send(MetaApplied {
                change: MetaChange::Deleted(name.clone(), group),
                index: at.index(),
            });
        }
        for (name, s) in &a.streams {
            let change = match before.streams.get(name) {
                None => MetaChange::Added(name.clone()),
                Some(old) if old.peers != s.peers => {
                    MetaChange::Moved(name.clone(), old.peers.clone())
                }
                Some(old) if old.config != s.config => MetaChange::Updated(name.clone()),
                Some(_) => continue,
            };
            let _ = self.changes.send(MetaApplied {
                change,
                index: at.index(),
            });
        }
        Ok(())
    }
}
