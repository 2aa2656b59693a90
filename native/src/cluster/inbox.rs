//! Deliveries to an inbox under another subject, across a route.
//!
//! JetStream delivers a stored message to a consumer's inbox (a pull request's reply subject,
//! a push consumer's deliver subject) while the client must see the message's own subject.
//! Locally that is `InternalPublisher::deliver_to`. Across a route the `RMSG` names the inbox
//! (that is what the receiving server routes on) and the subject to show travels as the last
//! header, `Rill-Delivered-Subject: <h> <subject>` (`h` is 1 when the message had headers of
//! its own, 0 when not); the receiving server removes it before delivering. Only Rill servers
//! read it: JetStream clusters are not mixed with nats-server.

use bytes::{Bytes, BytesMut};
use rill_core::proto::Publish;

/// The header carrying the subject to show.
pub const DELIVERED_SUBJECT_HEADER: &[u8] = b"Rill-Delivered-Subject: ";

/// `msg` addressed to `inbox`, with its own subject in the header (see the module docs).
pub fn to_inbox(msg: &Publish, inbox: &Bytes) -> Publish {
    let mut block = BytesMut::new();
    let had = match &msg.headers {
        Some(h) if h.len() >= 12 && h.ends_with(b"\r\n\r\n") => {
            block.extend_from_slice(&h[..h.len() - 2]);
            b'1'
        }
        _ => {
            block.extend_from_slice(b"NATS/1.0\r\n");
            b'0'
        }
    };
    block.extend_from_slice(DELIVERED_SUBJECT_HEADER);
    block.extend_from_slice(&[had, b' ']);
    block.extend_from_slice(&msg.subject);
    block.extend_from_slice(b"\r\n\r\n");
    Publish {
        subject: inbox.clone(),
        reply: msg.reply.clone(),
        headers: Some(block.freeze()),
        payload: msg.payload.clone(),
    }
}

/// Undoes [`to_inbox`]: (subject to show, original headers), or `None` for a plain message.
pub fn from_inbox(headers: Option<&Bytes>) -> Option<(Bytes, Option<Bytes>)> {
    let h = headers?;
    let body = h.strip_suffix(b"\r\n\r\n")?;
    let mut marker = Vec::with_capacity(DELIVERED_SUBJECT_HEADER.len() + 2);
    marker.extend_from_slice(b"\r\n");
    marker.extend_from_slice(DELIVERED_SUBJECT_HEADER);
    let at = body
        .windows(marker.len())
        .rposition(|w| w == marker.as_slice())?;
    let value = &body[at + marker.len()..];
    let (&had, rest) = value.split_first()?;
    let subject = rest.strip_prefix(b" ")?;
    if subject.is_empty() || subject.contains(&b'\r') || subject.contains(&b'\n') {
        return None;
    }
    let original = match had {
        b'0' => None,
        b'1' => {
            let mut b = BytesMut::with_capacity(at + 4);
            b.extend_from_slice(&body[..at]);
            b.extend_from_slice(b"\r\n\r\n");
            Some(b.freeze())
        }
        _ => return None,
    };
    Some((h.slice_ref(subject), original))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(headers: Option<&'static [u8]>) -> Publish {
        Publish {
            subject: Bytes::from_static(b"orders.1"),
            reply: Some(Bytes::from_static(b"$JS.ACK.S.C.1.1.1.0.0")),
            headers: headers.map(Bytes::from_static),
            payload: Bytes::from_static(b"data"),
        }
    }

    #[test]
    fn a_message_without_headers_comes_back_without_headers() {
        let routed = to_inbox(&msg(None), &Bytes::from_static(b"_INBOX.x"));
        assert_eq!(&routed.subject[..], b"_INBOX.x");
        let (subject, headers) = from_inbox(routed.headers.as_ref()).unwrap();
        assert_eq!(&subject[..], b"orders.1");
        assert_eq!(headers, None);
    }

    #[test]
    fn headers_and_status_lines_survive() {
        let h: &'static [u8] = b"NATS/1.0 100 Idle Heartbeat\r\nNats-Msg-Id: 7\r\n\r\n";
        let routed = to_inbox(&msg(Some(h)), &Bytes::from_static(b"_INBOX.y"));
        let (subject, headers) = from_inbox(routed.headers.as_ref()).unwrap();
        assert_eq!(&subject[..], b"orders.1");
        assert_eq!(headers.as_deref(), Some(h));
    }

    #[test]
    fn ordinary_headers_are_not_mistaken_for_a_delivery() {
        let h = Bytes::from_static(b"NATS/1.0\r\nRill-Delivered-Subject: x\r\n\r\n");
        assert_eq!(from_inbox(Some(&h)), None);
        assert_eq!(from_inbox(None), None);
    }
}
