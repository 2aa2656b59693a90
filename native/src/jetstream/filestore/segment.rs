//! Segment files: names, header, per-segment accounting, positioned reads, and the cache of
//! recently written bytes.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use rill_core::jetstream::store::record::{DELETE_RECORD_BYTES, FLOOR_RECORD_BYTES};

/// First bytes of every segment file: format name and version.
pub(super) const MAGIC: &[u8; 8] = b"RILLSEG\x01";
/// Bytes of the file header.
pub(super) const HEADER_BYTES: u64 = MAGIC.len() as u64;
/// Suffix of segment files.
pub(super) const SEGMENT_EXT: &str = "blk";
/// Suffix of compaction's temporary files (leftovers are removed on open).
pub(super) const TMP_EXT: &str = "tmp";
/// Suffix of files holding bytes cut from a segment because they were corrupt.
pub(super) const CORRUPT_EXT: &str = "corrupt";
/// Segment files kept open for reads besides the active one.
const READERS_MAX: usize = 16;

/// Path of segment `id`: ten digits so names sort in write order.
pub(super) fn segment_path(dir: &Path, id: u32) -> PathBuf {
    dir.join(format!("{id:010}.{SEGMENT_EXT}"))
}

/// The segment id a file name stands for, if it is a segment file.
pub(super) fn parse_segment_name(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(SEGMENT_EXT)?.strip_suffix('.')?;
    if stem.len() != 10 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// Accounting of one segment file, kept so that deletion and compaction decisions are O(1).
#[derive(Debug, Clone, Default)]
pub(super) struct Segment {
    /// Bytes handed to the OS (header included); buffered appends of the active segment come
    /// after this.
    pub len: u64,
    /// Held messages whose record is here.
    pub live: u64,
    /// Record bytes of removed messages still here.
    pub dead_bytes: u64,
    /// Tombstone records here.
    pub tombs: u64,
    /// Floor records here.
    pub floors: u64,
    /// Removed messages in *other* (older) segments whose removal only this segment's
    /// tombstones record; while non-zero those tombstones must be kept.
    pub needed_tombs: u64,
    /// Same, for messages removed by this segment's floor records.
    pub needed_floors: u64,
    /// Lowest and highest sequence of message records physically here (0, 0 when none).
    pub seq_lo: u64,
    /// See `seq_lo`.
    pub seq_hi: u64,
}

impl Segment {
    /// Records a message record at the end of the segment.
    pub fn add_msg(&mut self, seq: u64) {
        self.live += 1;
        if self.seq_lo == 0 {
            self.seq_lo = seq;
        }
        self.seq_hi = seq;
    }

    /// Whether nothing in this segment is needed any more.
    pub fn is_garbage(&self) -> bool {
        self.live == 0 && self.needed_tombs == 0 && self.needed_floors == 0
    }

    /// Bytes a rewrite would drop.
    pub fn reclaimable(&self) -> u64 {
        let tombs = (self.tombs - self.needed_tombs.min(self.tombs)) * DELETE_RECORD_BYTES as u64;
        let floors = if self.needed_floors == 0 {
            self.floors * FLOOR_RECORD_BYTES as u64
        } else {
            0
        };
        self.dead_bytes + tombs + floors
    }

    /// Whether a rewrite is worth it: at least half of the file would go.
    pub fn wants_compaction(&self) -> bool {
        let reclaimable = self.reclaimable();
        reclaimable > 0 && reclaimable * 2 >= self.len
    }
}

/// Opens a segment for appending and reading.
pub(super) fn open_for_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).append(true).open(path)
}

/// Creates a new, empty segment file (fails if it exists).
pub(super) fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .open(path)
}

/// Reads exactly `buf.len()` bytes at `offset`.
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// Makes directory entries (created, renamed, removed files) durable.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        // Directories cannot be opened as files elsewhere; NTFS journals metadata.
        let _ = dir;
        Ok(())
    }
}

/// Open read handles of older segments, most recently used last.
#[derive(Default)]
pub(super) struct Readers {
    files: Mutex<VecDeque<(u32, std::sync::Arc<File>)>>,
}

impl Readers {
    /// A read handle for segment `id`, opened when not cached.
    pub fn get(&self, dir: &Path, id: u32) -> io::Result<std::sync::Arc<File>> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = files
            .iter()
            .position(|(i, _)| *i == id)
            .and_then(|at| files.remove(at))
        {
            let file = entry.1.clone();
            files.push_back(entry);
            return Ok(file);
        }
        let file = std::sync::Arc::new(File::open(segment_path(dir, id))?);
        if files.len() >= READERS_MAX {
            files.pop_front();
        }
        files.push_back((id, file.clone()));
        Ok(file)
    }

    /// Drops the handle of a segment that was rewritten or deleted.
    pub fn forget(&self, id: u32) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.retain(|(i, _)| *i != id);
    }
}

struct Chunk {
    seg: u32,
    start: u64,
    data: Bytes,
}

/// The most recently written bytes, as written (whole batches of whole records), so that
/// reads of recent messages are zero-copy slices instead of `pread`s. Bounded by
/// `bytes_max`; older chunks are dropped first.
pub(super) struct Cache {
    chunks: VecDeque<Chunk>,
    bytes: usize,
    bytes_max: usize,
}

impl Cache {
    pub fn new(bytes_max: usize) -> Self {
        Cache {
            chunks: VecDeque::new(),
            bytes: 0,
            bytes_max,
        }
    }

    /// Remembers bytes written at `start` of segment `seg` (always after earlier chunks).
    pub fn push(&mut self, seg: u32, start: u64, data: Bytes) {
        if data.len() > self.bytes_max {
            self.chunks.clear();
            self.bytes = 0;
            return;
        }
        self.bytes += data.len();
        self.chunks.push_back(Chunk { seg, start, data });
        while self.bytes > self.bytes_max {
            let Some(old) = self.chunks.pop_front() else {
                break;
            };
            self.bytes -= old.data.len();
        }
    }

    /// The `len` bytes at `offset` of segment `seg`, if cached.
    pub fn get(&self, seg: u32, offset: u64, len: usize) -> Option<Bytes> {
        let after = self
            .chunks
            .partition_point(|c| (c.seg, c.start) <= (seg, offset));
        let chunk = self.chunks.get(after.checked_sub(1)?)?;
        if chunk.seg != seg {
            return None;
        }
        let from = usize::try_from(offset - chunk.start).ok()?;
        let to = from.checked_add(len)?;
        (to <= chunk.data.len()).then(|| chunk.data.slice(from..to))
    }

    /// Drops everything cached of segment `seg` (its offsets changed or it is gone).
    pub fn forget(&mut self, seg: u32) {
        self.chunks.retain(|c| c.seg != seg);
        self.bytes = self.chunks.iter().map(|c| c.data.len()).sum();
    }
}
