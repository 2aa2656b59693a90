//! JetStream metadata (stream and consumer configs, consumer positions) in sled, the design
//! card's embedded key-value store: small, mutable records that change often.

use std::path::Path;

use rill_core::jetstream::meta::{Entries, MetaStore};
use rill_core::jetstream::store::StoreError;

/// How long [`SledMeta::open`] keeps trying a locked database.
pub const OPEN_RETRY_MAX: std::time::Duration = std::time::Duration::from_secs(2);

/// A [`MetaStore`] over a sled database.
#[derive(Debug)]
pub struct SledMeta {
    db: sled::Db,
}

fn fatal(e: sled::Error) -> StoreError {
    StoreError::Fatal(format!("metadata store: {e}"))
}

impl SledMeta {
    /// Opens (or creates) the database in `dir`.
    ///
    /// A database closed a moment ago may still be locked by sled's background flusher, so
    /// opening retries for up to [`OPEN_RETRY_MAX`] before giving up.
    pub fn open(dir: &Path) -> Result<SledMeta, StoreError> {
        let deadline = std::time::Instant::now() + OPEN_RETRY_MAX;
        loop {
            let opened = sled::Config::new()
                .path(dir)
                .cache_capacity(8 * 1024 * 1024)
                // Unconfirmed consumer state (plain acks) reaches the disk within this.
                .flush_every_ms(Some(500))
                .open();
            match opened {
                Ok(db) => return Ok(SledMeta { db }),
                Err(e) if std::time::Instant::now() >= deadline => return Err(fatal(e)),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
}

impl MetaStore for SledMeta {
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.db.insert(key, value).map(|_| ()).map_err(fatal)
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db
            .get(key)
            .map(|v| v.map(|iv| iv.to_vec()))
            .map_err(fatal)
    }

    fn delete(&mut self, key: &[u8]) -> Result<(), StoreError> {
        self.db.remove(key).map(|_| ()).map_err(fatal)
    }

    fn delete_prefix(&mut self, prefix: &[u8]) -> Result<(), StoreError> {
        for item in self.db.scan_prefix(prefix).keys() {
            self.db.remove(item.map_err(fatal)?).map_err(fatal)?;
        }
        Ok(())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.db
            .scan_prefix(prefix)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(fatal))
            .collect()
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(fatal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_meta_conforms_and_persists() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("rill-sled-meta-{}-{nanos}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut m = SledMeta::open(&dir).unwrap();
            rill_core::jetstream::meta::conformance(&mut m);
            m.put(b"k", b"v").unwrap();
            m.flush().unwrap();
        }
        let m = SledMeta::open(&dir).unwrap();
        assert_eq!(m.get(b"k").unwrap(), Some(b"v".to_vec()));
        drop(m);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
