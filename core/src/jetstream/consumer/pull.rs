//! Pull requests (nats-server `processNextMsgRequest`, `waitQueue`, `nextWaiting`,
//! `processWaiting`).
//!
//! Admission, in nats-server's order: push consumers answer `409 Consumer is push based`;
//! `400 Bad Request - <why>` for bad bodies and heartbeats over half the expiry; the
//! config's request limits (`409 Exceeded MaxRequestBatch of N`, `...MaxRequestExpires of
//! <Go duration>`, `...MaxRequestMaxBytes of N`); `no_wait` with nothing to deliver and no
//! expiry gets `404 No Messages`, and `408 Requests Pending` when the requests already
//! waiting want more than there is; a full queue `409 Exceeded MaxWaiting` (silently when
//! the request asked for heartbeats).
//!
//! Waiting requests are served round-robin: the head gets one message and, if it wants
//! more, goes to the back. A request ends when its batch is done (`409 Batch Completed` if
//! it had a byte budget left), its byte budget cannot fit the next message
//! (`409 Message Size Exceeds MaxBytes`, the message goes to the next request), it expires
//! (`408 Request Timeout`), or, for `no_wait`, the stream has nothing more
//! (`404 No Messages`; with an expiry and nothing delivered yet it waits for one). The 408
//! and 409 endings carry `Nats-Pending-Messages` and `Nats-Pending-Bytes`.

use alloc::format;
use alloc::vec::Vec;
use bytes::Bytes;

use super::effect::{pending_headers, status};
use super::priority::{PriorityFields, Verdict};
use super::{Consumer, Effect};
use crate::jetstream::api::{
    format_go_duration, PriorityPolicy, PullRequest, PullRequestError, MAX_WAITING_DEFAULT,
};
use crate::jetstream::store::{MsgStore, UnixNanos};

/// A pull request waiting for messages.
#[derive(Debug, Clone)]
pub(super) struct WaitingRequest {
    pub(super) reply: Bytes,
    /// Messages still wanted.
    pub(super) batch_left: i64,
    /// Messages delivered to it so far.
    pub(super) delivered: u64,
    /// Byte budget left (0: none was set).
    pub(super) bytes_left: i64,
    pub(super) expires_at: Option<UnixNanos>,
    pub(super) no_wait: bool,
    pub(super) heartbeat: i64,
    pub(super) heartbeat_at: Option<UnixNanos>,
    /// Priority group fields (`None`: a plain batch body).
    pub(super) prio: Option<PriorityFields>,
}

/// The request the next message goes to, as it is after taking it.
pub(super) struct Target {
    pub(super) reply: Bytes,
    pub(super) batch_left: i64,
    pub(super) bytes_left: i64,
}

impl Consumer {
    /// A pull request (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`) answered on `reply`.
    pub fn pull(
        &mut self,
        now: UnixNanos,
        reply: Bytes,
        req: PullRequest,
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.admit_pull(now, &reply, &req, true, store, &mut out) {
            self.deliver(now, store, &mut out);
        }
        self.finish(&mut out);
        out
    }

    /// [`Consumer::pull`] with the raw request body (empty, a batch size or JSON); a body
    /// that does not parse is answered `400 Bad Request - <why>`.
    pub fn pull_body(
        &mut self,
        now: UnixNanos,
        reply: Bytes,
        body: &[u8],
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.admit_pull_body(now, &reply, body, store, &mut out) {
            self.deliver(now, store, &mut out);
        }
        self.finish(&mut out);
        out
    }

    pub(super) fn admit_pull_body(
        &mut self,
        now: UnixNanos,
        reply: &Bytes,
        body: &[u8],
        store: &impl MsgStore,
        out: &mut Vec<Effect>,
    ) -> bool {
        if self.is_push() {
            out.push(status(reply, 409, "Consumer is push based", Vec::new()));
            return false;
        }
        // Only a JSON body carries priority group fields (nats-server checks them only then).
        let json = body.trim_ascii().first() == Some(&b'{');
        match PullRequest::parse(body) {
            Ok(req) => self.admit_pull(now, reply, &req, json, store, out),
            Err(e) => {
                out.push(status(reply, 400, e.status_description(), Vec::new()));
                false
            }
        }
    }

    /// Checks `req` (its priority fields too when `grouped`) and queues it; returns whether
    /// it was queued.
    fn admit_pull(
        &mut self,
        now: UnixNanos,
        reply: &Bytes,
        req: &PullRequest,
        grouped: bool,
        store: &impl MsgStore,
        out: &mut Vec<Effect>,
    ) -> bool {
        if let Err((code, text)) = self.check_request(req, grouped) {
            out.push(status(reply, code, text, Vec::new()));
            return false;
        }
        if grouped && self.pin_mismatch(now, req) {
            out.push(status(reply, 423, "Nats-Pin-Id mismatch", Vec::new()));
            return false;
        }
        if self.waiting_full() {
            self.process_waiting(now, false, out);
        }
        if req.no_wait {
            self.refresh_num_pending(store);
            let available = self.npc.unwrap_or(0) + self.rdq.len() as u64;
            if available == 0 && req.expires <= 0 {
                self.last_activity = now;
                out.push(status(reply, 404, "No Messages", Vec::new()));
                return false;
            }
            if available > 0 {
                let wanted = self.process_waiting(now, false, out);
                if available < wanted {
                    self.last_activity = now;
                    out.push(status(reply, 408, "Requests Pending", Vec::new()));
                    return false;
                }
            }
        }
        if self.waiting_full() {
            if req.idle_heartbeat <= 0 {
                out.push(status(reply, 409, "Exceeded MaxWaiting", Vec::new()));
            }
            return false;
        }
        let heartbeat = req.idle_heartbeat.max(0);
        self.enqueue(WaitingRequest {
            reply: reply.clone(),
            batch_left: req.batch.max(1),
            delivered: 0,
            bytes_left: req.max_bytes.max(0),
            expires_at: (req.expires > 0).then(|| now.saturating_add(req.expires)),
            no_wait: req.no_wait,
            heartbeat,
            heartbeat_at: (heartbeat > 0).then(|| now.saturating_add(heartbeat)),
            prio: grouped.then(|| PriorityFields::of(req)),
        });
        self.last_activity = now;
        true
    }

    /// The status a request is refused with, if any (before queue checks); the priority
    /// fields are checked only when the body was JSON (`grouped`).
    fn check_request(
        &self,
        req: &PullRequest,
        grouped: bool,
    ) -> Result<(), (u16, alloc::string::String)> {
        let cfg = &self.config;
        if self.is_push() {
            return Err((409, "Consumer is push based".into()));
        }
        if req.idle_heartbeat > 0 && req.idle_heartbeat.saturating_mul(2) > req.expires {
            return Err((
                400,
                PullRequestError::HeartbeatTooLarge.status_description(),
            ));
        }
        if cfg.max_batch > 0 && req.batch.max(1) > cfg.max_batch {
            return Err((
                409,
                format!("Exceeded MaxRequestBatch of {}", cfg.max_batch),
            ));
        }
        if req.expires > 0 && cfg.max_expires > 0 && req.expires > cfg.max_expires {
            return Err((
                409,
                format!(
                    "Exceeded MaxRequestExpires of {}",
                    format_go_duration(cfg.max_expires)
                ),
            ));
        }
        if req.max_bytes > 0 && cfg.max_bytes > 0 && req.max_bytes > cfg.max_bytes {
            return Err((
                409,
                format!("Exceeded MaxRequestMaxBytes of {}", cfg.max_bytes),
            ));
        }
        if !grouped {
            return Ok(());
        }
        let policy = cfg.priority_policy;
        let bad = |why: &str| Err((400, format!("Bad Request - {why}")));
        if (req.min_pending != 0 || req.min_ack_pending != 0) && policy != PriorityPolicy::Overflow
        {
            return bad("Not a Overflow Priority consumer");
        }
        if !req.id.is_empty() && policy != PriorityPolicy::PinnedClient {
            return bad("Not a Pinned Client Priority consumer");
        }
        if !(0..=9).contains(&req.priority) {
            return bad("Priority must be between 0 and 9");
        }
        if policy != PriorityPolicy::None {
            if req.group.is_empty() {
                return bad("Priority Group missing");
            }
            if !cfg.priority_groups.contains(&req.group) {
                return bad("Invalid Priority Group");
            }
        }
        Ok(())
    }

    /// Reply subjects of the waiting pull requests (a cluster leader checks their interest
    /// and replicates which went away).
    pub fn waiting_replies(&self) -> impl Iterator<Item = &[u8]> {
        self.waiting.iter().map(|w| &w.reply[..])
    }

    /// Drops, without a reply, the waiting requests whose reply subject nobody listens to
    /// any more (nats-server checks interest before serving a request): a client that went
    /// away must not swallow messages, nor keep a pin alive. Returns how many went.
    pub fn drop_waiting_without_interest(
        &mut self,
        mut has_interest: impl FnMut(&[u8]) -> bool,
    ) -> usize {
        let before = self.waiting.len();
        self.waiting.retain(|w| has_interest(&w.reply));
        before - self.waiting.len()
    }

    fn waiting_full(&self) -> bool {
        let max = if self.config.max_waiting > 0 {
            self.config.max_waiting
        } else {
            MAX_WAITING_DEFAULT
        };
        self.waiting.len() as u64 >= max as u64
    }

    /// Ends expired requests (`408`), and at the end of the stream (`eos`) the `no_wait`
    /// ones that cannot get more (`404`); sends due heartbeats. Returns the messages the
    /// remaining requests still want.
    pub(super) fn process_waiting(
        &mut self,
        now: UnixNanos,
        eos: bool,
        out: &mut Vec<Effect>,
    ) -> u64 {
        let mut wanted = 0u64;
        let heartbeat = self.idle_heartbeat_headers();
        let before = self.waiting.len();
        self.waiting.retain_mut(|w| {
            if w.expires_at.is_some_and(|at| now >= at) {
                out.push(status(
                    &w.reply,
                    408,
                    "Request Timeout",
                    pending_headers(w.batch_left, w.bytes_left),
                ));
                return false;
            }
            if eos && w.no_wait && (w.expires_at.is_none() || w.delivered > 0) {
                out.push(status(&w.reply, 404, "No Messages", Vec::new()));
                return false;
            }
            wanted += w.batch_left.max(0) as u64;
            if w.heartbeat_at.is_some_and(|at| now >= at) {
                out.push(status(&w.reply, 100, "Idle Heartbeat", heartbeat.clone()));
                w.heartbeat_at = Some(now.saturating_add(w.heartbeat));
            }
            true
        });
        if self.waiting.len() != before {
            // Inactivity counts from the last request leaving (nats-server's timer fires
            // within one threshold of it).
            self.last_activity = now;
        }
        wanted
    }

    /// Picks the request a message of `size` bytes goes to, ending the expired ones, those
    /// whose byte budget it exceeds and those holding a stale pin on the way, and passing
    /// over those the priority policy holds back (`pending`: see [`Consumer::verdict`]);
    /// `None` when no request can take it.
    pub(super) fn next_waiting(
        &mut self,
        now: UnixNanos,
        size: i64,
        pending: u64,
        out: &mut Vec<Effect>,
    ) -> Option<Target> {
        let mut skipped = 0usize;
        while let Some(w) = self.waiting.front() {
            if w.expires_at.is_some_and(|at| now >= at) {
                out.push(status(
                    &w.reply,
                    408,
                    "Request Timeout",
                    pending_headers(w.batch_left, w.bytes_left),
                ));
                self.waiting.pop_front();
                self.last_activity = now;
                continue;
            }
            let pin = match self.verdict(w, pending) {
                Verdict::Take { pin } => pin,
                Verdict::Skip => {
                    self.waiting.rotate_left(1);
                    skipped += 1;
                    if skipped >= self.waiting.len() {
                        return None;
                    }
                    continue;
                }
                Verdict::WrongPin => {
                    let headers = pending_headers(w.batch_left, w.bytes_left);
                    out.push(status(&w.reply, 423, "Nats-Wrong-Pin-Id", headers));
                    self.waiting.pop_front();
                    continue;
                }
            };
            let mut w = self.waiting.pop_front()?;
            if w.bytes_left > 0 {
                if size > w.bytes_left {
                    let headers = pending_headers(w.batch_left, w.bytes_left);
                    out.push(status(
                        &w.reply,
                        409,
                        "Message Size Exceeds MaxBytes",
                        headers,
                    ));
                    continue;
                }
                w.bytes_left -= size;
                if w.bytes_left == 0 {
                    w.batch_left = 1;
                }
            }
            if let Some(p) = w.prio.as_mut().filter(|_| pin) {
                // The request now holds the pin for the rest of its batch.
                p.id = self.assign_pin(now, &p.group, out);
            }
            w.batch_left -= 1;
            w.delivered += 1;
            if w.heartbeat > 0 {
                w.heartbeat_at = Some(now.saturating_add(w.heartbeat));
            }
            let target = Target {
                reply: w.reply.clone(),
                batch_left: w.batch_left,
                bytes_left: w.bytes_left,
            };
            if w.batch_left > 0 {
                self.requeue(w);
            }
            return Some(target);
        }
        None
    }
}
