//! Streaming decoder for what clients send to a server.

use bytes::{Bytes, BytesMut};

use super::line::{
    finish_body, op_is, parse_frame_line, parse_size, split_args, split_op, take_line, FrameLine,
    PendingBody,
};
use super::{ClientOp, DecodeLimits, Publish};
use crate::error::ProtoError;

/// What a PUB/HPUB control line said: subject and reply.
type PubHead = (Bytes, Option<Bytes>);

/// Where the parts of a fully buffered PUB/HPUB frame lie in the buffer.
#[derive(Debug, Clone, Copy)]
struct WholePub {
    subject: (usize, usize),
    reply: Option<(usize, usize)>,
    /// Offset of the body (after the control line's `\n`).
    body: usize,
    header_len: Option<usize>,
    total: usize,
}

/// Decodes client→server operations from a byte stream fed in arbitrary chunks.
#[derive(Debug)]
pub struct ClientDecoder {
    limits: DecodeLimits,
    pending: Option<PendingBody<PubHead>>,
}

impl ClientDecoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: DecodeLimits) -> Self {
        ClientDecoder {
            limits,
            pending: None,
        }
    }

    /// Changes the payload limit (e.g. per-account limits known after CONNECT).
    pub fn set_limits(&mut self, limits: DecodeLimits) {
        self.limits = limits;
    }

    /// Decodes the next operation from the front of `buf`.
    ///
    /// `Ok(None)` means more bytes are needed; consumed bytes are removed from `buf`. After an
    /// `Err` the stream is unusable: the connection must be closed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        loop {
            if self.pending.is_some() {
                return self.decode_payload(buf);
            }
            if let Some(w) = self.scan_whole_pub(buf)? {
                return Ok(Some(Self::take_whole_pub(buf, w)));
            }
            let Some(line) = take_line(buf, self.limits.control_line_bytes_max)? else {
                return Ok(None);
            };
            if let Some(op) = self.decode_line(line)? {
                return Ok(Some(op));
            }
            // A line that yields no operation (blank, INFO from a client): keep going.
        }
    }

    /// The hot path: finds a `PUB`/`HPUB` whose whole frame is buffered, so that it can be cut
    /// off in one piece and sliced, with no intermediate line or argument handles. Anything
    /// else (other ops, partial frames, tabs, bad sizes) returns `Ok(None)` for the general
    /// path, which gives the same results.
    fn scan_whole_pub(&self, buf: &[u8]) -> Result<Option<WholePub>, ProtoError> {
        let start = match buf.get(..5) {
            Some([p, u, b, b' ', _]) if op_is(&[*p, *u, *b], b"PUB") => 4,
            Some([h, p, u, b, b' ']) if op_is(&[*h, *p, *u, *b], b"HPUB") => 5,
            _ => return Ok(None),
        };
        let with_headers = start == 5;
        let window = buf
            .len()
            .min(self.limits.control_line_bytes_max.saturating_add(2));
        let Some(nl) = memchr::memchr(b'\n', &buf[..window]) else {
            return Ok(None);
        };
        let line_end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        if line_end > self.limits.control_line_bytes_max {
            return Ok(None);
        }
        let mut args = [(0usize, 0usize); 4];
        let mut n = 0;
        let mut i = start;
        while i < line_end {
            if buf[i] == b' ' {
                i += 1;
                continue;
            }
            if buf[i] == b'\t' || n == args.len() {
                return Ok(None);
            }
            let s = i;
            while i < line_end && buf[i] != b' ' && buf[i] != b'\t' {
                i += 1;
            }
            args[n] = (s, i);
            n += 1;
        }
        let size_args = if with_headers { 2 } else { 1 };
        if n < 1 + size_args || n > 2 + size_args {
            return Ok(None);
        }
        let size_of = |r: (usize, usize)| parse_size(&buf[r.0..r.1]);
        let Some(total) = size_of(args[n - 1]) else {
            return Ok(None);
        };
        let header_len = match with_headers {
            false => None,
            true => match size_of(args[n - 2]) {
                Some(h) if h <= total => Some(h),
                _ => return Ok(None),
            },
        };
        if total > self.limits.payload_bytes_max {
            return Err(ProtoError::MaxPayloadViolation);
        }
        let body = nl + 1;
        if buf.len() < body + total + 2 || &buf[body + total..body + total + 2] != b"\r\n" {
            return Ok(None);
        }
        Ok(Some(WholePub {
            subject: args[0],
            reply: (n == 2 + size_args).then_some(args[1]),
            body,
            header_len,
            total,
        }))
    }

    fn take_whole_pub(buf: &mut BytesMut, w: WholePub) -> ClientOp {
        let frame = buf.split_to(w.body + w.total + 2).freeze();
        let hdr = w.header_len.unwrap_or(0);
        ClientOp::Pub(Publish {
            subject: frame.slice(w.subject.0..w.subject.1),
            reply: w.reply.map(|r| frame.slice(r.0..r.1)),
            headers: w.header_len.map(|h| frame.slice(w.body..w.body + h)),
            payload: frame.slice(w.body + hdr..w.body + w.total),
        })
    }

    fn decode_line(&mut self, line: Bytes) -> Result<Option<ClientOp>, ProtoError> {
        let (op, rest) = split_op(&line);
        if op.is_empty() {
            return Ok(None);
        }
        if op_is(op, b"PUB") {
            self.start_pub(&line, rest, false)?;
            return Ok(None);
        }
        if op_is(op, b"HPUB") {
            self.start_pub(&line, rest, true)?;
            return Ok(None);
        }
        if op_is(op, b"SUB") {
            return Self::decode_sub(&line, rest).map(Some);
        }
        if op_is(op, b"UNSUB") {
            return Self::decode_unsub(&line, rest).map(Some);
        }
        if op_is(op, b"PING") || op_is(op, b"PONG") {
            if rest != line.len() {
                return Err(ProtoError::UnknownOperation);
            }
            return Ok(Some(if op_is(op, b"PING") {
                ClientOp::Ping
            } else {
                ClientOp::Pong
            }));
        }
        if op_is(op, b"CONNECT") {
            return Ok(Some(ClientOp::Connect(line.slice(rest..))));
        }
        if op_is(op, b"INFO") {
            // nats-server accepts INFO from any connection kind; clients have no use for it.
            return Ok(None);
        }
        Err(ProtoError::UnknownOperation)
    }

    fn start_pub(
        &mut self,
        line: &Bytes,
        rest: usize,
        with_headers: bool,
    ) -> Result<(), ProtoError> {
        let max = self.limits.payload_bytes_max;
        let FrameLine {
            mut args,
            reply,
            sizes,
        } = parse_frame_line(line, rest, 1, with_headers, max)?;
        self.pending = Some(PendingBody {
            head: (args.take(0), reply),
            sizes,
        });
        Ok(())
    }

    fn decode_payload(&mut self, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        Ok(
            finish_body(&mut self.pending, buf)?.map(|((subject, reply), headers, payload)| {
                ClientOp::Pub(Publish {
                    subject,
                    reply,
                    headers,
                    payload,
                })
            }),
        )
    }

    fn decode_sub(line: &Bytes, rest: usize) -> Result<ClientOp, ProtoError> {
        let mut args =
            split_args(line, rest).ok_or(ProtoError::BadArguments("too many arguments"))?;
        match args.len() {
            2 => Ok(ClientOp::Sub {
                subject: args.take(0),
                queue: None,
                sid: args.take(1),
            }),
            3 => Ok(ClientOp::Sub {
                subject: args.take(0),
                queue: Some(args.take(1)),
                sid: args.take(2),
            }),
            _ => Err(ProtoError::BadArguments("wrong number of arguments")),
        }
    }

    fn decode_unsub(line: &Bytes, rest: usize) -> Result<ClientOp, ProtoError> {
        let mut args =
            split_args(line, rest).ok_or(ProtoError::BadArguments("too many arguments"))?;
        match args.len() {
            1 => Ok(ClientOp::Unsub {
                sid: args.take(0),
                max: None,
            }),
            2 => {
                let max = parse_size(args.get(1)).ok_or(ProtoError::BadArguments("invalid max"))?;
                Ok(ClientOp::Unsub {
                    sid: args.take(0),
                    max: Some(max as u64),
                })
            }
            _ => Err(ProtoError::BadArguments("wrong number of arguments")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn decode_all(input: &[u8]) -> Result<Vec<ClientOp>, ProtoError> {
        let mut d = ClientDecoder::new(DecodeLimits::default());
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(op) = d.decode(&mut buf)? {
            out.push(op);
        }
        Ok(out)
    }

    #[test]
    fn decodes_every_client_op() {
        let ops = decode_all(
            b"CONNECT {\"verbose\":false}\r\nPUB foo 5\r\nhello\r\nPUB foo INBOX.1 0\r\n\r\n\
              HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nSUB foo.* q1 7\r\nSUB bar 8\r\n\
              UNSUB 7 10\r\nUNSUB 8\r\nPING\r\nPONG\r\n",
        )
        .unwrap();
        assert_eq!(ops.len(), 10);
        assert_eq!(
            ops[0],
            ClientOp::Connect(Bytes::from_static(b"{\"verbose\":false}"))
        );
        let ClientOp::Pub(p) = &ops[3] else {
            panic!("not a pub")
        };
        assert_eq!(
            &p.headers.as_ref().unwrap()[..],
            b"NATS/1.0\r\nA: b\r\n\r\n"
        );
        assert_eq!(&p.payload[..], b"hello");
        assert_eq!(ops[8], ClientOp::Ping);
    }

    #[test]
    fn op_names_are_case_insensitive() {
        let ops = decode_all(b"pub foo 1\r\nx\r\nPiNg\r\nsub a 1\r\n").unwrap();
        assert_eq!(ops.len(), 3);
    }

    #[test]
    fn errors_have_nats_server_texts() {
        assert_eq!(decode_all(b"FOO\r\n"), Err(ProtoError::UnknownOperation));
        assert_eq!(
            decode_all(b"PUB foo 3\r\nabcd\r\n"),
            Err(ProtoError::UnknownOperation)
        );
        assert_eq!(
            decode_all(b"PUB foo 2000000\r\n"),
            Err(ProtoError::MaxPayloadViolation)
        );
        assert!(matches!(
            decode_all(b"PUB foo\r\n"),
            Err(ProtoError::BadArguments(_))
        ));
        assert!(matches!(
            decode_all(b"HPUB foo 5 2\r\n"),
            Err(ProtoError::BadArguments(_))
        ));
        assert!(matches!(
            decode_all(b"PING x\r\n"),
            Err(ProtoError::UnknownOperation)
        ));
    }

    #[test]
    fn max_payload_is_checked_before_the_payload_arrives() {
        let mut d = ClientDecoder::new(DecodeLimits {
            control_line_bytes_max: 64,
            payload_bytes_max: 4,
        });
        let mut buf = BytesMut::from(&b"PUB foo 5\r\n"[..]);
        assert_eq!(d.decode(&mut buf), Err(ProtoError::MaxPayloadViolation));
    }
}
