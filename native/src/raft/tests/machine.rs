//! The test machine: an ordered list of u64 with a running hash, checkpointed to a disk,
//! recording the hash it had at every applied index (shared across restarts, so a replay
//! that diverges from the first application is caught).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::raft::{Applied, Checkpoint, Disk, Machine, MachineError, Position};

const FILE: &str = "machine.ckpt";

/// Hash after each applied command `(index, batch_pos)` (and `(index, u32::MAX)` after each
/// apply call), per node, kept across that node's restarts.
pub type History = Arc<Mutex<BTreeMap<(u64, u32), u64>>>;

/// State of a [`ListMachine`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListState {
    pub values: Vec<u64>,
    pub hash: u64,
}

impl ListState {
    fn push(&mut self, index: u64, v: u64) {
        self.values.push(v);
        let mut h = self.hash ^ v.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.rotate_left(17);
        h = h.wrapping_mul(0x100_0000_01B3).rotate_left(29);
        self.hash = h;
    }
}

/// An ordered list of u64 commands.
pub struct ListMachine {
    pub disk: Arc<dyn Disk>,
    pub state: Arc<Mutex<ListState>>,
    pub history: History,
    pub applied: Arc<Mutex<u64>>,
}

impl ListMachine {
    pub fn new(disk: Arc<dyn Disk>, history: History) -> Self {
        Self {
            disk,
            state: Arc::default(),
            history,
            applied: Arc::default(),
        }
    }

    fn record(&self, index: (u64, u32), hash: u64) -> Result<(), MachineError> {
        let mut h = self.history.lock().unwrap();
        match h.insert(index, hash) {
            Some(old) if old != hash => Err(MachineError::Other(format!(
                "{index:?} applied twice with different results ({old:x} then {hash:x})"
            ))),
            _ => Ok(()),
        }
    }

    async fn persist(&self, tag: &Checkpoint) -> Result<(), MachineError> {
        let st = self.state.lock().unwrap().clone();
        let bytes = postcard::to_stdvec(&(st, tag.to_bytes()))
            .map_err(|e| MachineError::Other(e.to_string()))?;
        self.disk.write_atomic(FILE, bytes).await?;
        Ok(())
    }
}

impl Machine for ListMachine {
    async fn recover(&mut self) -> Result<Option<Checkpoint>, MachineError> {
        let bytes = match self.disk.read(FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let (st, tag): (ListState, Vec<u8>) =
            postcard::from_bytes(&bytes).map_err(|e| MachineError::Corrupt(e.to_string()))?;
        let tag = Checkpoint::from_bytes(&tag)?;
        *self.state.lock().unwrap() = st;
        *self.applied.lock().unwrap() = tag.index();
        Ok(Some(tag))
    }

    async fn apply(
        &mut self,
        commands: Vec<Applied>,
        through: Position,
    ) -> Result<Vec<Vec<u8>>, MachineError> {
        let mut out = Vec::with_capacity(commands.len());
        for c in commands {
            let v = u64::from_le_bytes(
                c.command
                    .as_slice()
                    .try_into()
                    .map_err(|_| MachineError::Other("bad command".into()))?,
            );
            let hash = {
                let mut st = self.state.lock().unwrap();
                st.push(c.index, v);
                st.hash
            };
            self.record((c.index, c.batch_pos), hash)?;
            out.push(c.index.to_le_bytes().to_vec());
        }
        let hash = self.state.lock().unwrap().hash;
        self.record((through.index, u32::MAX), hash)?;
        *self.applied.lock().unwrap() = through.index;
        Ok(out)
    }

    async fn checkpoint(&mut self, at: &Checkpoint) -> Result<(), MachineError> {
        self.persist(at).await
    }

    async fn export(&mut self) -> Result<Vec<u8>, MachineError> {
        let st = self.state.lock().unwrap().clone();
        postcard::to_stdvec(&st).map_err(|e| MachineError::Other(e.to_string()))
    }

    async fn import(&mut self, data: Vec<u8>, at: &Checkpoint) -> Result<(), MachineError> {
        let st: ListState =
            postcard::from_bytes(&data).map_err(|e| MachineError::Corrupt(e.to_string()))?;
        *self.state.lock().unwrap() = st;
        *self.applied.lock().unwrap() = at.index();
        let hash = self.state.lock().unwrap().hash;
        self.record((at.index(), u32::MAX), hash)?;
        self.persist(at).await
    }
}
