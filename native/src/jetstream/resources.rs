//! Server JetStream limits (`max_memory_store`, `max_file_store`): what streams reserve with
//! `max_bytes` and what they use, checked as nats-server does. A stream's `max_bytes` is
//! reserved when it is created or updated (a stream without one reserves a single byte), and
//! a publish is refused with 10023 once the stored bytes of its storage type are past the limit
//! (so the store ends at most one message over it).

use rill_core::jetstream::api::{ApiError, ErrorId, StorageType, StreamConfig};

use super::service::Service;

impl Service {
    /// The configured limit for `storage`, if any.
    fn limit_of(&self, storage: StorageType) -> Option<u64> {
        match storage {
            StorageType::Memory => self.cfg.max_memory,
            StorageType::File => self.cfg.max_store,
        }
    }

    /// Bytes reserved by the streams of `storage` (their `max_bytes`), leaving out `except`.
    pub(super) fn reserved(&self, storage: StorageType, except: Option<&str>) -> u64 {
        self.streams
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != except)
            .map(|(_, e)| e.stream.config())
            .filter(|c| c.storage == storage && c.max_bytes > 0)
            .map(|c| c.max_bytes as u64)
            .sum()
    }

    /// Bytes stored by the streams of `storage`.
    pub(super) fn used(&self, storage: StorageType) -> u64 {
        self.streams
            .values()
            .filter(|e| e.stream.config().storage == storage)
            .map(|e| e.stream.state().bytes)
            .sum()
    }

    /// Whether `config` (a new stream, or the new config of stream `except`) fits beside the
    /// other streams' reservations: 10028 (memory) or 10047 (file) if not.
    pub(super) fn check_reservation(
        &self,
        config: &StreamConfig,
        except: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(limit) = self.limit_of(config.storage) else {
            return Ok(());
        };
        let wanted = if config.max_bytes > 0 {
            config.max_bytes as u64
        } else {
            1
        };
        if self.reserved(config.storage, except).saturating_add(wanted) <= limit {
            return Ok(());
        }
        Err(ApiError::new(match config.storage {
            StorageType::Memory => ErrorId::MemoryResourcesExceeded,
            StorageType::File => ErrorId::StorageResourcesExceeded,
        }))
    }

    /// Whether a publish to a stream of `storage` must be refused (10023): what that storage
    /// holds is already past the server's limit.
    pub(super) fn storage_exhausted(&self, storage: StorageType) -> bool {
        self.limit_of(storage)
            .is_some_and(|limit| self.used(storage) > limit)
    }
}
