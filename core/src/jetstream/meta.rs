//! The metadata store contract: small, mutable JetStream state that is not message data —
//! stream and consumer configurations, consumer positions and pending acks.
//!
//! A plain ordered key-value interface; the engine chooses keys and serializes values. Writes
//! are durable once [`MetaStore::flush`] returns. Implementations: [`MemMetaStore`] here
//! (memory storage and tests), sled in `native/`.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::store::StoreError;

/// Key-value pairs returned by a scan, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Ordered key-value storage for JetStream metadata.
pub trait MetaStore {
    /// Sets `key` to `value`.
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StoreError>;
    /// The value of `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Removes `key` (no error if absent).
    fn delete(&mut self, key: &[u8]) -> Result<(), StoreError>;
    /// Removes every key starting with `prefix`.
    fn delete_prefix(&mut self, prefix: &[u8]) -> Result<(), StoreError>;
    /// Every entry whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Entries, StoreError>;
    /// Makes every write so far durable.
    fn flush(&mut self) -> Result<(), StoreError>;
}

/// A [`MetaStore`] in memory.
#[derive(Debug, Clone, Default)]
pub struct MemMetaStore {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemMetaStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl MetaStore for MemMetaStore {
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.map.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map.get(key).cloned())
    }

    fn delete(&mut self, key: &[u8]) -> Result<(), StoreError> {
        self.map.remove(key);
        Ok(())
    }

    fn delete_prefix(&mut self, prefix: &[u8]) -> Result<(), StoreError> {
        self.map.retain(|k, _| !k.starts_with(prefix));
        Ok(())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Entries, StoreError> {
        Ok(self
            .map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Checks any [`MetaStore`] against the contract (used by every implementation's tests).
pub fn conformance<M: MetaStore>(store: &mut M) {
    store.put(b"s/a", b"1").expect("put");
    store.put(b"s/b", b"2").expect("put");
    store.put(b"c/a/x", b"3").expect("put");
    store.put(b"s/a", b"4").expect("overwrite");
    assert_eq!(
        store.get(b"s/a").expect("get"),
        Some(b"4".to_vec()),
        "overwrite is visible"
    );
    assert_eq!(store.get(b"nope").expect("get"), None, "absent key");
    let s = store.scan_prefix(b"s/").expect("scan");
    assert_eq!(
        s,
        [
            (b"s/a".to_vec(), b"4".to_vec()),
            (b"s/b".to_vec(), b"2".to_vec())
        ],
        "scan in key order"
    );
    store.delete(b"s/a").expect("delete");
    store.delete(b"s/a").expect("delete absent");
    assert_eq!(
        store.scan_prefix(b"s/").expect("scan").len(),
        1,
        "deleted key gone"
    );
    store.delete_prefix(b"c/").expect("delete prefix");
    assert!(
        store.scan_prefix(b"c/").expect("scan").is_empty(),
        "prefix deleted"
    );
    store.flush().expect("flush");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_meta_store_conforms() {
        conformance(&mut MemMetaStore::new());
    }
}
