//! What a consumer asks its runtime to do ([`Effect`]), and the wire form of its status
//! messages (`NATS/1.0 408 Request Timeout` and friends).

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::jetstream::store::StoredMsg;

/// Header names of consumer status messages and deliveries, as nats-server writes them.
pub mod hdr {
    /// Batch left of a pull request that ended (408, 409).
    pub const PENDING_MESSAGES: &str = "Nats-Pending-Messages";
    /// Byte budget left of a pull request that ended (408, 409).
    pub const PENDING_BYTES: &str = "Nats-Pending-Bytes";
    /// Last consumer sequence delivered (idle heartbeats).
    pub const LAST_CONSUMER: &str = "Nats-Last-Consumer";
    /// Last stream sequence looked at (idle heartbeats).
    pub const LAST_STREAM: &str = "Nats-Last-Stream";
    /// The flow control reply a push consumer waits for (idle heartbeats while stalled).
    pub const CONSUMER_STALLED: &str = "Nats-Consumer-Stalled";
    /// Body size of a `headers_only` delivery.
    pub const MSG_SIZE: &str = "Nats-Msg-Size";
    /// The pin of a `pinned_client` consumer, on each delivery and in pull requests (`id`).
    pub const PIN_ID: &str = "Nats-Pin-Id";
}

/// One thing the runtime must do, in the order the effects are returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Publish `msg` (its own subject, headers and body) to `to` with reply `ack_reply`.
    /// `msg` is ready to send: for `headers_only` consumers the core has already emptied
    /// the body and appended `Nats-Msg-Size` to the headers (the flag only says so).
    Deliver {
        /// Pull request reply subject, or the push consumer's deliver subject.
        to: Bytes,
        /// The message as it goes on the wire.
        msg: StoredMsg,
        /// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`.
        ack_reply: String,
        /// Whether `msg` was reduced to headers (see above).
        headers_only: bool,
    },
    /// Publish a status message (headers only, empty body) to `to`:
    /// `NATS/1.0 <code> <description>` followed by `headers` ([`encode_status`]).
    Status {
        /// Where it goes.
        to: Bytes,
        /// Status code (100, 400, 404, 408, 409).
        code: u16,
        /// Status text, exactly as nats-server words it.
        description: String,
        /// Extra headers, in order.
        headers: Vec<(String, String)>,
        /// Reply subject (only `100 FlowControl Request`: `$JS.FC.<stream>.<consumer>.<n>`).
        reply: Option<String>,
    },
    /// Publish an empty message to `to`: the answer to an ack sent as a request (AckSync).
    AckDone {
        /// The ack's reply subject.
        to: Bytes,
    },
    /// The consumer is done with `stream_seq`: acked (or `+TERM`ed), or delivered with ack
    /// policy `none`. Interest and workqueue streams remove messages on this; limits streams
    /// ignore it. Not sent when `max_deliver` gives up on a message (nats-server keeps those).
    Acked {
        /// The stream sequence.
        stream_seq: u64,
    },
    /// [`Consumer::state`](super::Consumer::state) changed: persist it.
    StateChanged,
    /// Advisory: `stream_seq` was delivered `deliveries` times (`max_deliver`) without an ack
    /// and will not be redelivered.
    MaxDeliveriesReached {
        /// The stream sequence.
        stream_seq: u64,
        /// How often it was delivered.
        deliveries: u64,
    },
    /// Advisory: a client sent `+TERM` for `stream_seq`.
    Terminated {
        /// The stream sequence.
        stream_seq: u64,
        /// Deliveries so far.
        deliveries: u64,
        /// The text after `+TERM`, trimmed (may be empty).
        reason: String,
    },
    /// `inactive_threshold` passed without interest or activity: delete this consumer.
    Inactive,
    /// Metric (`sample_freq`): an ack picked for sampling.
    AckSampled {
        /// The stream sequence acked.
        stream_seq: u64,
        /// Consumer sequence of its first delivery.
        consumer_seq: u64,
        /// Deliveries so far.
        deliveries: u64,
        /// Nanoseconds from its (last) delivery to the ack.
        ack_time: i64,
    },
    /// Advisory: a pull request of priority group `group` was pinned with `pin_id`
    /// (`pinned_client` policy).
    Pinned {
        /// The priority group.
        group: String,
        /// The new `Nats-Pin-Id`.
        pin_id: String,
    },
    /// Advisory: the pin of priority group `group` was released (`reason`: `timeout` after
    /// `priority_timeout` without a pull from the pinned client, `admin` for an unpin
    /// request).
    Unpinned {
        /// The priority group.
        group: String,
        /// Why, as nats-server words it.
        reason: &'static str,
    },
}

/// A status effect with no reply subject.
pub(super) fn status(
    to: &Bytes,
    code: u16,
    description: impl Into<String>,
    headers: Vec<(String, String)>,
) -> Effect {
    Effect::Status {
        to: to.clone(),
        code,
        description: description.into(),
        headers,
        reply: None,
    }
}

/// `Nats-Pending-Messages` / `Nats-Pending-Bytes` of a pull request that ends.
pub(super) fn pending_headers(batch_left: i64, bytes_left: i64) -> Vec<(String, String)> {
    let mut buf = itoa::Buffer::new();
    let msgs = String::from(buf.format(batch_left));
    let bytes = String::from(buf.format(bytes_left));
    alloc::vec![
        (String::from(hdr::PENDING_MESSAGES), msgs),
        (String::from(hdr::PENDING_BYTES), bytes)
    ]
}

/// The header block of a status message:
/// `NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n...\r\n\r\n`.
pub fn encode_status(code: u16, description: &str, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + description.len() + headers.len() * 32);
    out.extend_from_slice(b"NATS/1.0 ");
    out.extend_from_slice(itoa::Buffer::new().format(code).as_bytes());
    if !description.is_empty() {
        out.push(b' ');
        out.extend_from_slice(description.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// `msg` as a `headers_only` consumer sends it: stored headers (or a bare `NATS/1.0`) plus
/// `Nats-Msg-Size: <body length>`, and no body (nats-server `convertToHeadersOnly`).
pub fn to_headers_only(mut msg: StoredMsg) -> StoredMsg {
    let size = String::from(itoa::Buffer::new().format(msg.payload.len()));
    msg = with_header(msg, hdr::MSG_SIZE, &size);
    msg.payload = Bytes::new();
    msg
}

/// `msg` with `name: value` appended to its header block (a bare `NATS/1.0` block when it
/// had none). An existing header of the same name stays: the last one wins, as with
/// nats-server's `genHeader`.
pub fn with_header(mut msg: StoredMsg, name: &str, value: &str) -> StoredMsg {
    let stored = msg.headers.as_deref().unwrap_or_default();
    let mut out = Vec::with_capacity(stored.len() + name.len() + value.len() + 16);
    if stored.is_empty() {
        out.extend_from_slice(b"NATS/1.0\r\n");
    } else if let Some(head) = stored.strip_suffix(b"\r\n\r\n") {
        out.extend_from_slice(head);
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(stored);
        if !stored.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    msg.headers = Some(Bytes::from(out));
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(headers: Option<&'static [u8]>) -> StoredMsg {
        StoredMsg {
            seq: 1,
            subject: Bytes::from_static(b"a"),
            headers: headers.map(Bytes::from_static),
            payload: Bytes::from_static(b"hello"),
            time: 0,
        }
    }

    #[test]
    fn status_blocks_are_nats_text() {
        let h = pending_headers(3, 0);
        assert_eq!(
            encode_status(408, "Request Timeout", &h),
            b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 0\r\n\r\n"
        );
        assert_eq!(
            encode_status(404, "No Messages", &[]),
            b"NATS/1.0 404 No Messages\r\n\r\n"
        );
    }

    #[test]
    fn headers_only_keeps_headers_and_adds_the_size() {
        let bare = to_headers_only(msg(None));
        assert_eq!(
            bare.headers.as_deref(),
            Some(&b"NATS/1.0\r\nNats-Msg-Size: 5\r\n\r\n"[..])
        );
        assert!(bare.payload.is_empty());
        let with = to_headers_only(msg(Some(b"NATS/1.0\r\nA: b\r\n\r\n")));
        assert_eq!(
            with.headers.as_deref(),
            Some(&b"NATS/1.0\r\nA: b\r\nNats-Msg-Size: 5\r\n\r\n"[..])
        );
    }

    #[test]
    fn appended_headers_follow_the_stored_ones() {
        let pinned = with_header(
            msg(Some(b"NATS/1.0\r\nNats-Pin-Id: old\r\n\r\n")),
            hdr::PIN_ID,
            "new",
        );
        assert_eq!(
            pinned.headers.as_deref(),
            Some(&b"NATS/1.0\r\nNats-Pin-Id: old\r\nNats-Pin-Id: new\r\n\r\n"[..])
        );
        assert_eq!(pinned.payload, Bytes::from_static(b"hello"));
        let bare = with_header(msg(None), hdr::PIN_ID, "p");
        assert_eq!(
            bare.headers.as_deref(),
            Some(&b"NATS/1.0\r\nNats-Pin-Id: p\r\n\r\n"[..])
        );
    }
}
