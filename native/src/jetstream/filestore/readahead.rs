//! A read-ahead window over one segment file, so that a reader going through old messages in
//! order (a consumer catching up, a mirror or a replay) costs one `pread` per window instead of
//! one per message.
//!
//! The window holds bytes exactly as they are in the file; it is dropped whenever maintenance
//! may rewrite or delete segments (the only time bytes already written change), so a hit is
//! always what a `pread` would return.

use std::sync::Mutex;

use bytes::Bytes;

/// Bytes read at once when a message is not in memory.
pub(super) const READAHEAD_BYTES: usize = 64 * 1024;

/// The last window read from a segment file.
#[derive(Debug, Default)]
pub(super) struct ReadAhead {
    window: Mutex<Option<Window>>,
}

#[derive(Debug)]
struct Window {
    seg: u32,
    offset: u64,
    data: Bytes,
}

impl ReadAhead {
    /// The `len` bytes at `offset` of segment `seg`, if the window holds all of them.
    pub(super) fn get(&self, seg: u32, offset: u64, len: usize) -> Option<Bytes> {
        let guard = self.window.lock().ok()?;
        let w = guard
            .as_ref()
            .filter(|w| w.seg == seg && offset >= w.offset)?;
        let from = usize::try_from(offset - w.offset).ok()?;
        let to = from.checked_add(len)?;
        (to <= w.data.len()).then(|| w.data.slice(from..to))
    }

    /// Keeps `data`, read from `offset` of segment `seg`, as the window.
    pub(super) fn fill(&self, seg: u32, offset: u64, data: Bytes) {
        if let Ok(mut guard) = self.window.lock() {
            *guard = Some(Window { seg, offset, data });
        }
    }

    /// Forgets the window (segments may be rewritten or deleted next).
    pub(super) fn clear(&self) {
        if let Ok(mut guard) = self.window.lock() {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_only_inside_the_window_of_the_same_segment() {
        let ra = ReadAhead::default();
        assert_eq!(ra.get(1, 0, 1), None);
        ra.fill(1, 100, Bytes::from_static(b"abcdefgh"));
        assert_eq!(ra.get(1, 100, 3).as_deref(), Some(&b"abc"[..]));
        assert_eq!(ra.get(1, 105, 3).as_deref(), Some(&b"fgh"[..]));
        assert_eq!(ra.get(1, 106, 3), None, "runs past the end");
        assert_eq!(ra.get(1, 99, 2), None, "starts before");
        assert_eq!(ra.get(2, 100, 3), None, "other segment");
        ra.clear();
        assert_eq!(ra.get(1, 100, 3), None);
    }
}
