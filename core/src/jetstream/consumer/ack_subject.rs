//! The ack reply subject of a delivery, and the ack payloads clients send back to it.
//!
//! Subject (v1, what we send): `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`.
//! Accepted back: those 9 tokens, or the v2 form of 11 or more tokens
//! (`$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>...[.<more>]`), as
//! nats-server's `ackReplyInfo`. Clients read message metadata from these tokens, so their
//! order is load-bearing.

use alloc::string::String;
use serde::Deserialize;

use crate::jetstream::api::{parse_go_duration, Nanos};
use crate::jetstream::store::UnixNanos;

/// Prefix of every ack subject.
pub const ACK_PREFIX: &str = "$JS.ACK.";

/// Tokens of the v1 ack subject.
const TOKENS_V1: usize = 9;
/// Least tokens of the v2 ack subject.
const TOKENS_V2_MIN: usize = 11;

/// The numbers an ack subject carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckTokens {
    /// How often the message has been delivered, this delivery included.
    pub delivered: u64,
    /// Stream sequence.
    pub stream_seq: u64,
    /// Consumer sequence of this delivery.
    pub consumer_seq: u64,
    /// When the message was stored, Unix ns.
    pub timestamp: UnixNanos,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

/// A parsed ack subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckSubject<'a> {
    /// Stream name token.
    pub stream: &'a [u8],
    /// Consumer name token.
    pub consumer: &'a [u8],
    /// The numbers.
    pub tokens: AckTokens,
}

/// The v1 ack subject of a delivery.
pub fn ack_subject(stream: &str, consumer: &str, t: &AckTokens) -> String {
    let mut out = String::with_capacity(ACK_PREFIX.len() + stream.len() + consumer.len() + 72);
    out.push_str(ACK_PREFIX);
    out.push_str(stream);
    out.push('.');
    out.push_str(consumer);
    let mut buf = itoa::Buffer::new();
    for n in [t.delivered, t.stream_seq, t.consumer_seq] {
        out.push('.');
        out.push_str(buf.format(n));
    }
    out.push('.');
    out.push_str(buf.format(t.timestamp));
    out.push('.');
    out.push_str(buf.format(t.pending));
    out
}

/// Parses an ack subject (9 tokens, or 11 and more); `None` when it is not one or a number
/// does not parse.
pub fn parse_ack_subject(subject: &[u8]) -> Option<AckSubject<'_>> {
    let count = subject.iter().filter(|b| **b == b'.').count() + 1;
    if count != TOKENS_V1 && count < TOKENS_V2_MIN {
        return None;
    }
    let mut it = subject.split(|b| *b == b'.');
    if it.next()? != b"$JS" || it.next()? != b"ACK" {
        return None;
    }
    if count >= TOKENS_V2_MIN {
        it.next()?; // domain (or `_`)
        it.next()?; // account hash
    }
    let stream = it.next()?;
    let consumer = it.next()?;
    let delivered = number(it.next()?)?;
    let stream_seq = number(it.next()?)?;
    let consumer_seq = number(it.next()?)?;
    let timestamp = i64::try_from(number(it.next()?)?).ok()?;
    let pending = number(it.next()?)?;
    let tokens = AckTokens {
        delivered,
        stream_seq,
        consumer_seq,
        timestamp,
        pending,
    };
    Some(AckSubject {
        stream,
        consumer,
        tokens,
    })
}

/// A non-empty run of ASCII digits that fits a `u64`.
fn number(token: &[u8]) -> Option<u64> {
    if token.is_empty() {
        return None;
    }
    token.iter().try_fold(0u64, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// What an ack payload asks for (nats-server `processAck`, in its order of checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AckKind<'a> {
    /// Empty, `+ACK` or the legacy `+OK`.
    Ack,
    /// `+NXT[ <pull request>]`: ack, then a pull request on the ack's reply.
    Next(&'a [u8]),
    /// `-NAK[ <delay>]`: redeliver (after the delay).
    Nak(&'a [u8]),
    /// `+WPI`: still working, restart the ack timer.
    Progress,
    /// `+TERM[ <reason>]`: never redeliver.
    Term(&'a [u8]),
    /// Anything else (ignored, but an AckSync is still answered, as nats-server does).
    Other,
}

impl<'a> AckKind<'a> {
    pub(super) fn parse(payload: &'a [u8]) -> AckKind<'a> {
        match payload {
            b"" | b"+ACK" | b"+OK" => AckKind::Ack,
            b"+WPI" => AckKind::Progress,
            p if p.starts_with(b"+NXT") => AckKind::Next(&p[4..]),
            p if p.starts_with(b"-NAK") => AckKind::Nak(&p[4..]),
            p if p.starts_with(b"+TERM") => AckKind::Term(&p[5..]),
            _ => AckKind::Other,
        }
    }
}

/// The delay of `-NAK <arg>`: `{"delay": <ns>}` or a Go duration (`5s`). `None` for no or a
/// bad argument, which nats-server treats as a plain NAK.
pub(super) fn nak_delay(arg: &[u8]) -> Option<Nanos> {
    #[derive(Deserialize)]
    struct NakOptions {
        #[serde(default)]
        delay: Nanos,
    }
    let arg = arg.trim_ascii();
    match arg.first()? {
        b'{' => serde_json::from_slice::<NakOptions>(arg)
            .ok()
            .map(|o| o.delay),
        _ => core::str::from_utf8(arg)
            .ok()
            .and_then(|s| parse_go_duration(s).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_round_trip() {
        let t = AckTokens {
            delivered: 2,
            stream_seq: 10,
            consumer_seq: 7,
            timestamp: 1_700_000_000_123,
            pending: 3,
        };
        let s = ack_subject("S", "C", &t);
        assert_eq!(s, "$JS.ACK.S.C.2.10.7.1700000000123.3");
        let parsed = parse_ack_subject(s.as_bytes()).unwrap();
        assert_eq!(
            (parsed.stream, parsed.consumer, parsed.tokens),
            (&b"S"[..], &b"C"[..], t)
        );
    }

    #[test]
    fn v2_subjects_and_extensions_parse() {
        let v2 = parse_ack_subject(b"$JS.ACK._.HASH1234.S.C.1.5.5.99.0").unwrap();
        assert_eq!((v2.stream, v2.tokens.stream_seq), (&b"S"[..], 5));
        let ext = parse_ack_subject(b"$JS.ACK.dom.HASH1234.S.C.1.5.6.99.0.rand.more").unwrap();
        assert_eq!(ext.tokens.consumer_seq, 6);
    }

    #[test]
    fn other_subjects_do_not_parse() {
        for bad in [
            &b"$JS.ACK.S.C.1.5.5.99"[..],
            b"$JS.ACK.S.C.1.5.5.99.0.1",
            b"$JS.NAK.S.C.1.5.5.99.0",
            b"$JS.ACK.S.C.1.x.5.99.0",
            b"$JS.ACK.S.C.1..5.99.0",
            b"$JS.ACK.S.C.1.99999999999999999999999.5.99.0",
        ] {
            assert_eq!(
                parse_ack_subject(bad),
                None,
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
    }

    #[test]
    fn ack_payloads_parse_like_nats_server() {
        assert_eq!(AckKind::parse(b""), AckKind::Ack);
        assert_eq!(AckKind::parse(b"+OK"), AckKind::Ack);
        assert_eq!(AckKind::parse(b"+NXT 5"), AckKind::Next(b" 5"));
        assert_eq!(
            AckKind::parse(b"-NAK {\"delay\":1}"),
            AckKind::Nak(b" {\"delay\":1}")
        );
        assert_eq!(AckKind::parse(b"+WPI"), AckKind::Progress);
        assert_eq!(AckKind::parse(b"+TERM bad"), AckKind::Term(b" bad"));
        assert_eq!(AckKind::parse(b"+ACK "), AckKind::Other);
        assert_eq!(nak_delay(b" {\"delay\": 2000000000}"), Some(2_000_000_000));
        assert_eq!(nak_delay(b" 5s"), Some(5_000_000_000));
        assert_eq!(nak_delay(b" 1m30s"), Some(90_000_000_000));
        assert_eq!(nak_delay(b""), None);
        assert_eq!(nak_delay(b" soon"), None);
        assert_eq!(nak_delay(b" {bad"), None);
    }
}
