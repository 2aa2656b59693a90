//! The records of a group's log file and their framing.
//!
//! ```text
//! frame := body_len: u32 | crc: u32 | body        (little-endian)
//!          crc = CRC-32 (IEEE) over the 4 body_len bytes followed by body
//! body  := postcard(LogRecord)
//! ```
//!
//! The frame layout is the one of the JetStream store records (`rill_core::jetstream::store::
//! record`); the bodies differ, so the framing is repeated here rather than bending that
//! codec's record kinds. Decoding is two-step: `Ok(None)` when the buffer ends inside a frame
//! (a torn tail), `Err` when the bytes cannot be a frame. The length is checked against
//! [`BODY_BYTES_MAX`] before anything waits for the body.

use serde::{Deserialize, Serialize};

use crate::raft::types::{Entry, LogId, Vote};

/// Bytes before a body: length and CRC.
pub const FRAME_HEADER_BYTES: usize = 8;
/// Largest record body: a command of 64 MiB (NATS' hard payload ceiling) plus room for the
/// entry's fields.
pub const BODY_BYTES_MAX: usize = 64 * 1024 * 1024 + 64 * 1024;

/// One record of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LogRecord {
    /// A log entry, appended after the previous one (or after a truncation).
    Entry(Entry),
    /// The node's vote changed.
    Vote(Vote),
    /// The committed position moved (a hint: it may lag).
    Committed(Option<LogId>),
    /// Entries from this index on are gone (a conflicting suffix).
    Truncate {
        /// First index removed.
        since: u64,
    },
    /// Entries up to and including this id are gone (compacted into a checkpoint).
    Purge(LogId),
}

/// Why bytes are not a record frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is zero or above [`BODY_BYTES_MAX`].
    #[error("record length {0} out of range")]
    Length(u32),
    /// The checksum does not match.
    #[error("record checksum mismatch")]
    Checksum,
    /// The body is not a record.
    #[error("record body: {0}")]
    Body(String),
}

/// Appends `rec` as one frame to `out`; returns the bytes written.
pub fn encode(rec: &LogRecord, out: &mut Vec<u8>) -> Result<usize, FrameError> {
    let body = postcard::to_stdvec(rec).map_err(|e| FrameError::Body(e.to_string()))?;
    if body.len() > BODY_BYTES_MAX {
        return Err(FrameError::Length(
            u32::try_from(body.len()).unwrap_or(u32::MAX),
        ));
    }
    let len_le = (body.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len_le);
    crc.update(&body);
    out.extend_from_slice(&len_le);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&body);
    Ok(FRAME_HEADER_BYTES + body.len())
}

/// Decodes the frame at the start of `buf`: `Ok(None)` if `buf` ends inside it,
/// `Ok(Some((record, consumed)))`, or `Err` if the bytes are not a valid frame.
pub fn decode(buf: &[u8]) -> Result<Option<(LogRecord, usize)>, FrameError> {
    let Some(len_bytes) = buf.get(..4) else {
        return Ok(None);
    };
    let body_len_u32 = u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
    let body_len = body_len_u32 as usize;
    if body_len == 0 || body_len > BODY_BYTES_MAX {
        return Err(FrameError::Length(body_len_u32));
    }
    let Some(frame) = buf.get(..FRAME_HEADER_BYTES + body_len) else {
        return Ok(None);
    };
    let stored = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&frame[..4]);
    crc.update(&frame[FRAME_HEADER_BYTES..]);
    if crc.finalize() != stored {
        return Err(FrameError::Checksum);
    }
    let (rec, rest) = postcard::take_from_bytes::<LogRecord>(&frame[FRAME_HEADER_BYTES..])
        .map_err(|e| FrameError::Body(e.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::Body("trailing bytes after the record".into()));
    }
    Ok(Some((rec, frame.len())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::Command;
    use openraft::{CommittedLeaderId, EntryPayload};
    use proptest::prelude::*;

    fn log_id(term: u64, node: u64, index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(term, node), index)
    }

    fn arb_record() -> impl Strategy<Value = LogRecord> {
        let entry = (
            0u64..50,
            0u64..5,
            any::<u64>(),
            proptest::collection::vec(any::<u8>(), 0..200),
        )
            .prop_map(|(t, n, i, cmd)| {
                LogRecord::Entry(Entry {
                    log_id: log_id(t, n, i),
                    payload: if cmd.is_empty() {
                        EntryPayload::Blank
                    } else {
                        EntryPayload::Normal(Command(vec![cmd]))
                    },
                })
            });
        prop_oneof![
            entry,
            (any::<u64>(), 0u64..9, any::<bool>()).prop_map(|(t, n, c)| {
                let mut v = Vote::new(t, n);
                if c {
                    v.commit();
                }
                LogRecord::Vote(v)
            }),
            proptest::option::of((0u64..9, any::<u64>()))
                .prop_map(|o| LogRecord::Committed(o.map(|(t, i)| log_id(t, 1, i)))),
            any::<u64>().prop_map(|since| LogRecord::Truncate { since }),
            (0u64..9, any::<u64>()).prop_map(|(t, i)| LogRecord::Purge(log_id(t, 2, i))),
        ]
    }

    proptest! {
        #[test]
        fn raft_log_records_round_trip_in_sequence(recs in proptest::collection::vec(arb_record(), 1..8)) {
            let mut buf = Vec::new();
            for r in &recs {
                encode(r, &mut buf).unwrap();
            }
            let mut at = 0;
            for r in &recs {
                let (got, n) = decode(&buf[at..]).unwrap().unwrap();
                prop_assert_eq!(&got, r);
                at += n;
            }
            prop_assert_eq!(at, buf.len());
        }

        #[test]
        fn raft_log_record_truncations_are_incomplete(rec in arb_record()) {
            let mut buf = Vec::new();
            encode(&rec, &mut buf).unwrap();
            for cut in 0..buf.len() {
                prop_assert_eq!(decode(&buf[..cut]), Ok(None));
            }
        }

        #[test]
        fn raft_log_record_bit_flips_are_detected(rec in arb_record(), bit in any::<usize>()) {
            let mut buf = Vec::new();
            encode(&rec, &mut buf).unwrap();
            let bit = bit % (buf.len() * 8);
            buf[bit / 8] ^= 1 << (bit % 8);
            match decode(&buf) {
                Err(_) | Ok(None) => {}
                Ok(Some((got, _))) => prop_assert!(false, "flip gave {:?}", got),
            }
        }

        #[test]
        fn raft_log_record_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = decode(&bytes);
        }
    }
}
