//! Mirrors and sources on one server: the service task owns every stream, so a sourcing
//! stream copies straight from its origins' stores, no internal consumer in between.
//!
//! Each turn of the service loop, after the batch's sync, [`Service::pump_sources`] asks
//! every cursor (core `SourceCursor`) for what its origin has past its position, stores the
//! copies in the sourcing stream and reports whether anything was stored; the loop then
//! syncs again before consumers see the copies. Only durable origin messages are copied (an
//! origin with unsynced appends waits for its sync), so a crash can never leave a copy of a
//! message its origin lost. Work per turn is bounded ([`PUMP_MSGS_MAX`], [`PUMP_BYTES_MAX`]);
//! the loop turns at least every few milliseconds, so a large origin is caught up in chunks
//! while the service keeps answering.
//!
//! Positions: a mirror resumes after its own last sequence. A source resumes from the
//! positions saved in the metadata store (`src/$G/<stream>`: the stream's last sequence when
//! they were saved, and each source's next origin sequence), moved forward by the
//! `Nats-Stream-Source` headers of the messages stored after that sequence. Positions are
//! saved only while the sourcing stream is synced, so they never claim a copy that a crash
//! could lose; the header scan covers what was copied since. Neither loss nor duplicates
//! after a SIGKILL.

use std::collections::{BTreeMap, HashSet};

use rill_core::jetstream::api::{ApiError, StreamConfig, StreamInfo, StreamSource};
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::{MsgStore, UnixNanos};
use rill_core::jetstream::stream::sourcing::{source_header_of, SourceCursor};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::service::Service;

/// Most messages copied per loop turn, over all sources.
pub const PUMP_MSGS_MAX: usize = 4096;
/// About the most payload and header bytes copied per loop turn.
pub const PUMP_BYTES_MAX: u64 = 8 * 1024 * 1024;
/// Most messages one source copies per turn (others get their share).
pub const CURSOR_MSGS_MAX: usize = 1024;

/// The cursors of every stream that mirrors or sources.
#[derive(Debug, Default)]
pub struct Sourcing {
    targets: BTreeMap<String, Target>,
    /// Which target goes first this turn (round robin).
    turn: usize,
}

/// One sourcing stream's cursors.
#[derive(Debug)]
struct Target {
    cursors: Vec<SourceCursor>,
    /// Positions were recovered or changed: save them at the next chance.
    unsaved: bool,
}

/// Saved positions of one sourcing stream.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Positions {
    /// The stream's last sequence when saved: copies after it are found by their headers.
    last_seq: u64,
    /// Next origin sequence per source index name.
    next: BTreeMap<String, u64>,
}

fn positions_key(stream: &str) -> String {
    format!("src/$G/{stream}")
}

/// The mirror or sources of a config, with whether it is the mirror.
fn wanted(config: &StreamConfig) -> Vec<(&StreamSource, bool)> {
    match &config.mirror {
        Some(m) => vec![(m, true)],
        None => config.sources.iter().map(|s| (s, false)).collect(),
    }
}

impl Service {
    /// Refuses mirrors and sources this server cannot serve: streams of other accounts or
    /// domains (`external`), and origins that lead back to the stream (a cycle would copy
    /// forever).
    pub(super) fn check_sourcing(&self, config: &StreamConfig) -> Result<(), ApiError> {
        let origins = |c: &StreamConfig| -> Vec<String> {
            wanted(c).iter().map(|(s, _)| s.name.clone()).collect()
        };
        if wanted(config).iter().any(|(s, _)| s.external.is_some()) {
            return Err(ApiError::invalid_config(
                "stream mirrors and sources of other accounts or domains (external) are not supported",
            ));
        }
        let mut stack = origins(config);
        let mut seen = HashSet::new();
        while let Some(name) = stack.pop() {
            if name == config.name {
                return Err(ApiError::invalid_config(
                    "stream configuration for mirror or sources forms a cycle",
                ));
            }
            if seen.insert(name.clone()) {
                if let Some(e) = self.streams.get(&name) {
                    stack.extend(origins(e.stream.config()));
                }
            }
        }
        Ok(())
    }

    /// Brings the cursors of stream `name` in line with its config, after it was loaded,
    /// created, updated or deleted. A stream met for the first time recovers its positions.
    pub(super) fn reconcile_sources(&mut self, name: &str) {
        let config = self.streams.get(name).map(|e| e.stream.config().clone());
        let want = config.as_ref().map(wanted).unwrap_or_default();
        if want.is_empty() {
            if self.sourcing.targets.remove(name).is_some() || config.is_none() {
                if let Err(e) = self.meta.delete(positions_key(name).as_bytes()) {
                    warn!(stream = name, "cannot forget source positions: {e}");
                }
            }
            return;
        }
        if let Some(t) = self.sourcing.targets.get_mut(name) {
            let mut old = std::mem::take(&mut t.cursors);
            t.cursors = want
                .iter()
                .map(|(s, mirror)| {
                    let same = |c: &SourceCursor| {
                        c.is_mirror() == *mirror && c.index_name() == s.index_name()
                    };
                    match old.iter().position(same) {
                        Some(i) => old.remove(i),
                        None => cursor(s, *mirror),
                    }
                })
                .collect();
            return;
        }
        let mut cursors: Vec<SourceCursor> = want.iter().map(|(s, m)| cursor(s, *m)).collect();
        self.recover_positions(name, &mut cursors);
        self.sourcing.targets.insert(
            name.to_string(),
            Target {
                cursors,
                unsaved: true,
            },
        );
    }

    /// Positions of a stream's cursors from the saved record and the stored headers.
    fn recover_positions(&self, name: &str, cursors: &mut [SourceCursor]) {
        let Some(entry) = self.streams.get(name) else {
            return;
        };
        let store = entry.stream.store();
        let st = store.state();
        let saved: Option<Positions> = match self.meta.get(positions_key(name).as_bytes()) {
            Ok(Some(v)) => serde_json::from_slice(&v).ok(),
            Ok(None) => None,
            Err(e) => {
                warn!(stream = name, "cannot read source positions: {e}");
                None
            }
        };
        if let Some(p) = &saved {
            for c in cursors.iter_mut() {
                if let Some(&next) = p.next.get(c.index_name()) {
                    c.resume_at(next);
                }
            }
        }
        if let [m] = cursors {
            if m.is_mirror() {
                if st.last_seq > 0 {
                    m.resume_at(st.last_seq + 1);
                }
                return;
            }
        }
        // Copies stored after the saved record name their origin sequence.
        let mut seq = saved.map_or(0, |p| p.last_seq + 1).max(st.first_seq);
        while seq <= st.last_seq {
            let m = match store.next_matching(seq, None) {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => {
                    warn!(stream = name, "cannot read back source positions: {e}");
                    break;
                }
            };
            seq = m.seq + 1;
            if let Some((index, origin_seq)) = source_header_of(&m) {
                if let Some(c) = cursors.iter_mut().find(|c| c.index_name() == index) {
                    c.resume_at(origin_seq + 1);
                }
            }
        }
    }

    /// Saves the positions of sourcing streams whose stores are synced.
    fn save_source_positions(&mut self) {
        let Service {
            sourcing,
            streams,
            meta,
            ..
        } = self;
        for (name, t) in sourcing.targets.iter_mut() {
            if !t.unsaved && !t.cursors.iter().any(SourceCursor::moved) {
                continue;
            }
            let Some(entry) = streams.get(name).filter(|e| !e.dirty) else {
                continue;
            };
            let p = Positions {
                last_seq: entry.stream.state().last_seq,
                next: t
                    .cursors
                    .iter()
                    .filter_map(|c| Some((c.index_name().to_string(), c.next_seq()?)))
                    .collect(),
            };
            let value = serde_json::to_vec(&p).unwrap_or_default();
            // No flush: an older record is as true, only with more headers to read back.
            match meta.put(positions_key(name).as_bytes(), &value) {
                Ok(()) => {
                    t.unsaved = false;
                    t.cursors.iter_mut().for_each(SourceCursor::mark_persisted);
                }
                Err(e) => warn!(stream = %name, "cannot save source positions: {e}"),
            }
        }
    }

    /// Copies what origins have past each cursor into the sourcing streams, bounded per
    /// turn. Returns whether anything was stored (the caller syncs before acking/delivering).
    pub(super) fn pump_sources(&mut self, now: UnixNanos) -> bool {
        if self.sourcing.targets.is_empty() {
            return false;
        }
        self.save_source_positions();
        let strict = self.cfg.sync_always;
        let Service {
            sourcing, streams, ..
        } = self;
        let names: Vec<String> = sourcing.targets.keys().cloned().collect();
        sourcing.turn = sourcing.turn.wrapping_add(1);
        let mut msgs_left = PUMP_MSGS_MAX;
        let mut bytes_left = PUMP_BYTES_MAX;
        let mut stored = false;
        for k in 0..names.len() {
            let name = &names[(sourcing.turn + k) % names.len()];
            let Some(target) = sourcing.targets.get_mut(name) else {
                continue;
            };
            for cursor in target.cursors.iter_mut() {
                if msgs_left == 0 || bytes_left == 0 {
                    return stored;
                }
                if cursor.origin() == name.as_str() {
                    continue;
                }
                let Some(origin) = streams.get(cursor.origin()) else {
                    cursor.origin_missing();
                    continue;
                };
                // Only what the origin made durable (strict mode syncs before acking).
                if strict && origin.dirty {
                    continue;
                }
                let store = origin.stream.store();
                let polled = cursor.start(store).and_then(|()| {
                    cursor.poll(now, store, CURSOR_MSGS_MAX.min(msgs_left), bytes_left)
                });
                let copies = match polled {
                    Ok((copies, _)) => copies,
                    Err(e) => {
                        warn!(stream = %name, origin = cursor.origin(), "cannot read origin: {e}");
                        continue;
                    }
                };
                if copies.is_empty() {
                    continue;
                }
                let Some(entry) = streams.get_mut(name) else {
                    break;
                };
                for c in copies {
                    msgs_left = msgs_left.saturating_sub(1);
                    let size = c.payload.len() + c.headers.as_ref().map_or(0, |h| h.len());
                    bytes_left = bytes_left.saturating_sub(size as u64);
                    let origin_seq = c.origin_seq;
                    let result = if cursor.is_mirror() {
                        entry.stream.store_mirrored(c).map(|_| ())
                    } else {
                        entry.stream.store_sourced(now, c).map(|_| ())
                    };
                    if let Err(e) = result {
                        warn!(stream = %name, origin = cursor.origin(), origin_seq, "cannot store a sourced message, retrying: {}", e.description);
                        cursor.store_failed(now, origin_seq, e);
                        break;
                    }
                    stored = true;
                    entry.dirty = true;
                    entry.appended = true;
                }
            }
        }
        stored
    }

    /// Fills `mirror` and `sources` of a stream's info from its cursors.
    pub(super) fn fill_source_info(&self, name: &str, info: &mut StreamInfo, now: UnixNanos) {
        let Some(t) = self.sourcing.targets.get(name) else {
            return;
        };
        for c in &t.cursors {
            let origin = self.streams.get(c.origin()).map(|e| e.stream.store());
            let si = c.info(now, origin);
            if c.is_mirror() {
                info.mirror = Some(si);
            } else {
                info.sources.push(si);
            }
        }
    }
}

impl Service {
    /// The stream that answers `DIRECT.GET.<name>`: `name` itself when it serves direct
    /// gets, else a mirror of it with `mirror_direct` (nats-server puts both in one queue
    /// group; here the origin is preferred).
    pub(super) fn direct_get_server(&self, name: &str) -> String {
        let serves = |n: &str| {
            self.streams
                .get(n)
                .is_some_and(|e| e.stream.config().allow_direct)
        };
        if serves(name) {
            return name.to_string();
        }
        let mirror = self.streams.iter().find(|(_, e)| {
            let c = e.stream.config();
            c.mirror_direct && c.mirror.as_ref().is_some_and(|m| m.name == name)
        });
        mirror.map_or_else(|| name.to_string(), |(n, _)| n.clone())
    }
}

fn cursor(s: &StreamSource, mirror: bool) -> SourceCursor {
    if mirror {
        SourceCursor::mirror(s)
    } else {
        SourceCursor::source(s)
    }
}
