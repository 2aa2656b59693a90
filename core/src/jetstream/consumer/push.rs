//! Push delivery, idle heartbeats, flow control and inactivity (nats-server
//! `updateDeliveryInterest`, `sendIdleHeartbeat`, `needFlowControl`, `sendFlowControl`,
//! `processFlowControl`, `deleteNotActive`).
//!
//! - A push consumer delivers while the runtime says its deliver subject has interest.
//! - Idle heartbeats (`100 Idle Heartbeat` with `Nats-Last-Consumer` / `Nats-Last-Stream`,
//!   plus `Nats-Consumer-Stalled: <fc reply>` while waiting on flow control) go out after
//!   `idle_heartbeat` without a delivery; pull requests with `idle_heartbeat` get them too.
//! - Flow control: bytes in flight are counted; past half the window a
//!   `100 FlowControl Request` goes out with reply `$JS.FC.<stream>.<consumer>.<n>`, and past
//!   the window delivery pauses until that reply comes back
//!   ([`Consumer::flow_control_reply`]), which also doubles the window up to
//!   [`FLOW_CONTROL_BYTES_MAX`]. nats-server names replies with random tokens; ours count.
//! - Inactivity (`inactive_threshold`): a push consumer without interest for that long, or a
//!   pull consumer without requests, deliveries or acks for that long (and past the last
//!   pending ack deadline), yields [`Effect::Inactive`] once. No jitter.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::effect::{hdr, status};
use super::{Consumer, Effect, FLOW_CONTROL_BYTES_MAX};
use crate::jetstream::store::{MsgStore, UnixNanos};

/// Flow control accounting of a push consumer.
#[derive(Debug, Clone)]
pub(super) struct FlowControl {
    enabled: bool,
    /// Largest window.
    limit: i64,
    /// Current window: delivery pauses past it.
    window: i64,
    /// Bytes sent and not yet released by a flow control reply.
    bytes: i64,
    /// `bytes` when the outstanding request was sent (what its reply releases).
    request_bytes: i64,
    /// The reply subject of the outstanding request.
    request: Option<String>,
    next_id: u64,
}

impl FlowControl {
    pub(super) fn new(enabled: bool) -> FlowControl {
        let mut fc = FlowControl {
            enabled,
            limit: 0,
            window: 0,
            bytes: 0,
            request_bytes: 0,
            request: None,
            next_id: 1,
        };
        fc.set_limit(FLOW_CONTROL_BYTES_MAX);
        fc
    }

    fn set_limit(&mut self, limit: i64) {
        self.limit = limit.max(1);
        self.window = (self.limit / 16).max(1);
    }

    pub(super) fn blocked(&self) -> bool {
        self.enabled && self.bytes > self.window
    }
}

impl Consumer {
    /// Whether the push consumer last heard its deliver subject has interest.
    pub fn push_active(&self) -> bool {
        self.push_active
    }

    /// Whether the deliver subject of a push consumer has interest (a subscriber). Delivery
    /// starts when it has, and the inactivity countdown when it has not.
    pub fn set_push_active(
        &mut self,
        now: UnixNanos,
        active: bool,
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        if !self.is_push() || active == self.push_active {
            return out;
        }
        self.push_active = active;
        self.inactive_since = (!active).then_some(now);
        if active {
            self.deliver(now, store, &mut out);
        }
        self.finish(&mut out);
        out
    }

    /// A message arrived on `$JS.FC.<stream>.<consumer>.>`: if it answers the outstanding
    /// flow control request, release its bytes, widen the window and resume delivery.
    pub fn flow_control_reply(
        &mut self,
        now: UnixNanos,
        subject: &[u8],
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        let fc = &mut self.fc;
        if fc.request.as_deref().map(str::as_bytes) != Some(subject) {
            return out;
        }
        fc.window = fc.window.saturating_mul(2).min(fc.limit);
        fc.bytes = (fc.bytes - fc.request_bytes).max(0);
        fc.request = None;
        fc.request_bytes = 0;
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        out
    }

    /// Sets the largest flow control window (default [`FLOW_CONTROL_BYTES_MAX`]) and starts
    /// again at a sixteenth of it (nats-server `setMaxPendingBytes`).
    pub fn set_flow_control_limit(&mut self, bytes_max: i64) {
        self.fc.set_limit(bytes_max);
    }

    /// Heartbeat timer and flow control after a push delivery of `size` bytes.
    pub(super) fn after_push_delivery(&mut self, now: UnixNanos, size: i64, out: &mut Vec<Effect>) {
        if self.config.idle_heartbeat > 0 {
            self.push_heartbeat_at = Some(now.saturating_add(self.config.idle_heartbeat));
        }
        let fc = &mut self.fc;
        if !fc.enabled {
            return;
        }
        fc.bytes += size;
        if fc.request.is_none() && fc.bytes > fc.window / 2 {
            let reply = format!("$JS.FC.{}.{}.{}", self.stream, self.name, fc.next_id);
            fc.next_id += 1;
            fc.request_bytes = fc.bytes;
            fc.request = Some(reply.clone());
            out.push(Effect::Status {
                to: self.deliver_subject.clone(),
                code: 100,
                description: String::from("FlowControl Request"),
                headers: Vec::new(),
                reply: Some(reply),
            });
        } else if fc.request.is_some() && fc.bytes - fc.request_bytes >= fc.window {
            fc.request_bytes += size;
        }
    }

    /// The push heartbeat, when due (sent only with interest; the timer runs regardless).
    pub(super) fn push_heartbeat(&mut self, now: UnixNanos, out: &mut Vec<Effect>) {
        if self.push_heartbeat_at.is_none_or(|at| now < at) {
            return;
        }
        if self.push_active {
            out.push(status(
                &self.deliver_subject,
                100,
                "Idle Heartbeat",
                self.idle_heartbeat_headers(),
            ));
        }
        self.push_heartbeat_at = Some(now.saturating_add(self.config.idle_heartbeat));
    }

    /// `Nats-Last-Consumer`, `Nats-Last-Stream` (and `Nats-Consumer-Stalled`) of a heartbeat.
    pub(super) fn idle_heartbeat_headers(&self) -> Vec<(String, String)> {
        let mut buf = itoa::Buffer::new();
        let mut headers = alloc::vec![
            (
                String::from(hdr::LAST_CONSUMER),
                String::from(buf.format(self.next_dseq - 1))
            ),
            (
                String::from(hdr::LAST_STREAM),
                String::from(buf.format(self.cursor.saturating_sub(1)))
            ),
        ];
        if let Some(reply) = &self.fc.request {
            headers.push((String::from(hdr::CONSUMER_STALLED), reply.clone()));
        }
        headers
    }

    /// When the consumer counts as inactive, if it can become so.
    pub(super) fn inactivity_deadline(&self) -> Option<UnixNanos> {
        let threshold = self.config.inactive_threshold;
        if threshold <= 0 || self.inactive_reported {
            return None;
        }
        if self.is_push() {
            return self
                .inactive_since
                .map(|since| since.saturating_add(threshold));
        }
        if !self.waiting.is_empty() {
            return None;
        }
        let last_ack_deadline = self.timers.last().map_or(UnixNanos::MIN, |(at, _)| *at);
        Some(
            self.last_activity
                .max(last_ack_deadline)
                .saturating_add(threshold),
        )
    }

    pub(super) fn check_inactive(&mut self, now: UnixNanos, out: &mut Vec<Effect>) {
        if self.inactivity_deadline().is_some_and(|at| now >= at) {
            self.inactive_reported = true;
            out.push(Effect::Inactive);
        }
    }
}
