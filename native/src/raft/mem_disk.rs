//! A simulated [`Disk`] in memory: it survives a simulated crash of its node, and a crash
//! loses what was not synced (a file keeps its synced bytes plus a random prefix of the rest,
//! like a torn write), so the simulation checks the real log's recovery code.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use super::disk::Disk;

#[derive(Debug, Default)]
struct MemFile {
    data: Vec<u8>,
    synced: usize,
}

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<String, MemFile>,
    /// Bumped by every crash; handles of an older generation (the crashed process) fail.
    generation: u64,
}

/// A simulated disk. Clones share the files; [`MemDisk::handle`] gives the view of one
/// process lifetime.
#[derive(Debug, Clone, Default)]
pub struct MemDisk {
    state: Arc<Mutex<State>>,
    generation: u64,
    sync_delay: Duration,
}

impl MemDisk {
    /// An empty disk whose syncs complete at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// Syncs take `delay` (virtual time under a paused tokio clock), so appends pile up
    /// behind a sync as they do on a real disk.
    pub fn with_sync_delay(mut self, delay: Duration) -> Self {
        self.sync_delay = delay;
        self
    }

    /// The disk as seen by a process started now.
    pub fn handle(&self) -> Arc<Self> {
        let generation = self.lock().generation;
        Arc::new(Self {
            state: self.state.clone(),
            generation,
            sync_delay: self.sync_delay,
        })
    }

    /// Simulates a crash: every file keeps its synced bytes and `draw(unsynced_len)` more
    /// (a torn tail; `draw` returns a number in `0..=unsynced_len`). Handles taken before
    /// fail from now on.
    pub fn crash(&self, mut draw: impl FnMut(usize) -> usize) {
        let mut st = self.lock();
        st.generation += 1;
        for file in st.files.values_mut() {
            let unsynced = file.data.len() - file.synced;
            let keep = file.synced + draw(unsynced).min(unsynced);
            file.data.truncate(keep);
            file.synced = keep;
        }
    }

    /// Total bytes stored.
    pub fn bytes(&self) -> usize {
        self.lock().files.values().map(|f| f.data.len()).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live(&self) -> io::Result<std::sync::MutexGuard<'_, State>> {
        let st = self.lock();
        if st.generation != self.generation {
            return Err(io::Error::other("simulated process crashed"));
        }
        Ok(st)
    }

    fn delayed(&self, done: io::Result<()>) -> BoxFuture<'static, io::Result<()>> {
        let delay = self.sync_delay;
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            done
        })
    }
}

fn not_found(name: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, name.to_string())
}

impl Disk for MemDisk {
    fn list(&self) -> io::Result<Vec<String>> {
        Ok(self.live()?.files.keys().cloned().collect())
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let st = self.live()?;
        st.files
            .get(name)
            .map(|f| f.data.clone())
            .ok_or_else(|| not_found(name))
    }

    fn append(&self, name: &str, data: &[u8]) -> io::Result<()> {
        let mut st = self.live()?;
        st.files
            .entry(name.to_string())
            .or_default()
            .data
            .extend_from_slice(data);
        Ok(())
    }

    fn truncate(&self, name: &str, len: u64) -> io::Result<()> {
        let mut st = self.live()?;
        let file = st.files.get_mut(name).ok_or_else(|| not_found(name))?;
        let len = usize::try_from(len).map_err(io::Error::other)?;
        file.data.truncate(len);
        file.synced = file.synced.min(file.data.len());
        Ok(())
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut st = self.live()?;
        st.files
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found(name))
    }

    fn sync(&self, name: &str) -> BoxFuture<'static, io::Result<()>> {
        // The sync point is taken now: bytes appended while the sync "runs" are not covered,
        // as with a real fdatasync racing a write.
        let done = self.live().and_then(|mut st| {
            let file = st.files.get_mut(name).ok_or_else(|| not_found(name))?;
            file.synced = file.data.len();
            Ok(())
        });
        self.delayed(done)
    }

    fn write_atomic(&self, name: &str, data: Vec<u8>) -> BoxFuture<'static, io::Result<()>> {
        let done = self.live().map(|mut st| {
            let synced = data.len();
            st.files.insert(name.to_string(), MemFile { data, synced });
        });
        self.delayed(done)
    }

    fn destroy(&self) -> io::Result<()> {
        self.live()?.files.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn raft_mem_disk_crash_keeps_synced_bytes_and_a_torn_prefix() {
        let disk = MemDisk::new();
        let h = disk.handle();
        h.append("a", b"12345").unwrap();
        h.sync("a").await.unwrap();
        h.append("a", b"6789").unwrap();
        disk.crash(|unsynced| {
            assert_eq!(unsynced, 4);
            2
        });
        assert!(h.read("a").is_err(), "the crashed process's handle is dead");
        assert_eq!(disk.handle().read("a").unwrap(), b"1234567");
    }
}
