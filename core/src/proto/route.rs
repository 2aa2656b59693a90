//! The route protocol: what the servers of one cluster send each other.
//!
//! Both ends of a route speak the same language: `INFO` and `CONNECT` (JSON), `RS+`/`RS-`
//! (interest in a subject, optionally for a queue group with a weight), `RMSG`/`HMSG` (a
//! message with the queue groups the sender picked a remote member for), `PING`, `PONG`,
//! `+OK` and `-ERR`. Framing and limits are the client codec's ([`super::line`]): the decoder
//! returns `Ok(None)` for "need more bytes", checks the control line and payload limits before
//! buffering, and hands out payloads as zero-copy slices.
//!
//! Message lines, as nats-server writes them:
//! `RMSG <account> <subject> [reply] <size>`, `RMSG <account> <subject> + <reply> <queue>... <size>`,
//! `RMSG <account> <subject> | <queue>... <size>`; `HMSG` adds `<header size>` before `<size>`.

use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};

use super::line::{finish_body, op_is, parse_size, split_op, take_line, BodySizes, PendingBody};
use super::DecodeLimits;
use crate::error::ProtoError;

/// Most queue group names one `RMSG` line may carry.
pub const ROUTE_QUEUES_MAX: usize = 64;
/// Most arguments of a route line: account, subject, marker, reply, queues, two sizes.
const ROUTE_ARGS_MAX: usize = ROUTE_QUEUES_MAX + 6;

/// Interest in a subject announced over a route (`RS+`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSub {
    /// Account (`$G` for the global account).
    pub account: Bytes,
    /// Subject (may hold wildcards).
    pub subject: Bytes,
    /// Queue group and its weight (the number of members behind the sending server).
    pub queue: Option<(Bytes, u32)>,
}

/// Interest withdrawn over a route (`RS-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteUnsub {
    /// Account.
    pub account: Bytes,
    /// Subject.
    pub subject: Bytes,
    /// Queue group.
    pub queue: Option<Bytes>,
}

/// A message carried over a route (`RMSG` or `HMSG`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedMsg {
    /// Account.
    pub account: Bytes,
    /// Literal subject.
    pub subject: Bytes,
    /// Reply subject.
    pub reply: Option<Bytes>,
    /// Queue groups the receiver must deliver to (one local member each).
    pub queues: Vec<Bytes>,
    /// Header block (`HMSG`).
    pub headers: Option<Bytes>,
    /// Body.
    pub payload: Bytes,
}

/// One operation on a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteOp {
    /// `INFO {json}`.
    Info(Bytes),
    /// `CONNECT {json}`.
    Connect(Bytes),
    /// `RS+`.
    Sub(RouteSub),
    /// `RS-`.
    Unsub(RouteUnsub),
    /// `RMSG` / `HMSG`.
    Msg(RoutedMsg),
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
    /// `+OK`.
    Ok,
    /// `-ERR '<text>'`: the text without quotes.
    Err(Bytes),
}

/// What an `RMSG`/`HMSG` control line said before its body.
#[derive(Debug)]
struct MsgHead {
    account: Bytes,
    subject: Bytes,
    reply: Option<Bytes>,
    queues: Vec<Bytes>,
}

/// Decodes route operations from a byte stream fed in arbitrary chunks.
#[derive(Debug)]
pub struct RouteDecoder {
    limits: DecodeLimits,
    pending: Option<PendingBody<MsgHead>>,
}

impl RouteDecoder {
    /// A decoder enforcing `limits` (route INFO lines are long: give a generous control line).
    pub fn new(limits: DecodeLimits) -> Self {
        RouteDecoder {
            limits,
            pending: None,
        }
    }

    /// Decodes the next operation; `Ok(None)` means more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RouteOp>, ProtoError> {
        loop {
            if self.pending.is_some() {
                return Ok(
                    finish_body(&mut self.pending, buf)?.map(|(h, headers, payload)| {
                        RouteOp::Msg(RoutedMsg {
                            account: h.account,
                            subject: h.subject,
                            reply: h.reply,
                            queues: h.queues,
                            headers,
                            payload,
                        })
                    }),
                );
            }
            let Some(line) = take_line(buf, self.limits.control_line_bytes_max)? else {
                return Ok(None);
            };
            let (op, rest) = split_op(&line);
            if op.is_empty() {
                continue;
            }
            let args = || split_route_args(&line, rest);
            let done = if op_is(op, b"RMSG") {
                self.start_msg(args()?, false)?;
                None
            } else if op_is(op, b"HMSG") {
                self.start_msg(args()?, true)?;
                None
            } else if op_is(op, b"RS+") {
                Some(RouteOp::Sub(parse_sub(args()?)?))
            } else if op_is(op, b"RS-") {
                Some(RouteOp::Unsub(parse_unsub(args()?)?))
            } else if op_is(op, b"PING") {
                Some(RouteOp::Ping)
            } else if op_is(op, b"PONG") {
                Some(RouteOp::Pong)
            } else if op_is(op, b"+OK") {
                Some(RouteOp::Ok)
            } else if op_is(op, b"INFO") {
                Some(RouteOp::Info(line.slice(rest..)))
            } else if op_is(op, b"CONNECT") {
                Some(RouteOp::Connect(line.slice(rest..)))
            } else if op_is(op, b"-ERR") {
                Some(RouteOp::Err(unquote(line.slice(rest..))))
            } else {
                return Err(ProtoError::UnknownOperation);
            };
            if done.is_some() {
                return Ok(done);
            }
        }
    }

    fn start_msg(&mut self, mut args: Vec<Bytes>, with_headers: bool) -> Result<(), ProtoError> {
        let size_args = if with_headers { 2 } else { 1 };
        if args.len() < 2 + size_args {
            return Err(ProtoError::BadArguments("wrong number of arguments"));
        }
        let sizes = body_sizes(&args[args.len() - size_args..], self.limits)?;
        args.truncate(args.len() - size_args);
        let mut it = args.into_iter();
        let (account, subject) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
        let middle: Vec<Bytes> = it.collect();
        let (reply, queues) = match middle.split_first() {
            None => (None, Vec::new()),
            Some((only, [])) => (Some(only.clone()), Vec::new()),
            Some((mark, rest)) if &mark[..] == b"+" && rest.len() >= 2 => {
                (Some(rest[0].clone()), rest[1..].to_vec())
            }
            Some((mark, rest)) if &mark[..] == b"|" => (None, rest.to_vec()),
            Some(_) => return Err(ProtoError::BadArguments("malformed routed message")),
        };
        self.pending = Some(PendingBody {
            head: MsgHead {
                account,
                subject,
                reply,
                queues,
            },
            sizes,
        });
        Ok(())
    }
}

fn unquote(text: Bytes) -> Bytes {
    if text.len() >= 2 && text.first() == Some(&b'\'') && text.last() == Some(&b'\'') {
        return text.slice(1..text.len() - 1);
    }
    text
}

/// Splits the arguments of a route line (more than a client line may carry).
fn split_route_args(line: &Bytes, from: usize) -> Result<Vec<Bytes>, ProtoError> {
    let mut args = Vec::new();
    for part in line[from..].split(|b| *b == b' ' || *b == b'\t') {
        if part.is_empty() {
            continue;
        }
        if args.len() == ROUTE_ARGS_MAX {
            return Err(ProtoError::BadArguments("too many arguments"));
        }
        args.push(line.slice_ref(part));
    }
    Ok(args)
}

/// `<total>` or `<header> <total>`, checked against the payload limit before buffering.
fn body_sizes(sizes: &[Bytes], limits: DecodeLimits) -> Result<BodySizes, ProtoError> {
    let bad = ProtoError::BadArguments("invalid size");
    let total_len = parse_size(&sizes[sizes.len() - 1]).ok_or(bad.clone())?;
    let header_len = match sizes.len() {
        2 => {
            let h = parse_size(&sizes[0]).ok_or(bad)?;
            if h > total_len {
                return Err(ProtoError::BadArguments(
                    "header size greater than total size",
                ));
            }
            Some(h)
        }
        _ => None,
    };
    if total_len > limits.payload_bytes_max {
        return Err(ProtoError::MaxPayloadViolation);
    }
    Ok(BodySizes {
        header_len,
        total_len,
    })
}

fn parse_sub(args: Vec<Bytes>) -> Result<RouteSub, ProtoError> {
    let mut it = args.into_iter();
    match (it.next(), it.next(), it.next(), it.next(), it.next()) {
        (Some(account), Some(subject), queue, weight, None) => {
            let queue = match (queue, weight) {
                (None, _) => None,
                (Some(q), None) => Some((q, 1)),
                (Some(q), Some(w)) => {
                    let w = parse_size(&w)
                        .and_then(|w| u32::try_from(w).ok())
                        .ok_or(ProtoError::BadArguments("invalid queue weight"))?;
                    Some((q, w))
                }
            };
            Ok(RouteSub {
                account,
                subject,
                queue,
            })
        }
        _ => Err(ProtoError::BadArguments("wrong number of arguments")),
    }
}

fn parse_unsub(args: Vec<Bytes>) -> Result<RouteUnsub, ProtoError> {
    let mut it = args.into_iter();
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(account), Some(subject), queue, None) => Ok(RouteUnsub {
            account,
            subject,
            queue,
        }),
        _ => Err(ProtoError::BadArguments("wrong number of arguments")),
    }
}

fn put_usize(buf: &mut BytesMut, n: usize) {
    let mut b = itoa::Buffer::new();
    buf.put_slice(b.format(n).as_bytes());
}

/// Appends an `RMSG` (or `HMSG` when `headers` is given) frame: the route hot path.
pub fn write_rmsg(buf: &mut BytesMut, msg: &RoutedMsgRef<'_>) {
    let hdr_len = msg.headers.map_or(0, <[u8]>::len);
    let total = hdr_len + msg.payload.len();
    let queues_len: usize = msg.queues.iter().map(|q| q.len() + 1).sum();
    buf.reserve(
        msg.account.len()
            + msg.subject.len()
            + msg.reply.map_or(0, <[u8]>::len)
            + queues_len
            + total
            + 56,
    );
    buf.put_slice(if msg.headers.is_some() {
        b"HMSG "
    } else {
        b"RMSG "
    });
    buf.put_slice(msg.account);
    buf.put_u8(b' ');
    buf.put_slice(msg.subject);
    buf.put_u8(b' ');
    match (msg.reply, msg.queues.is_empty()) {
        (Some(r), true) => {
            buf.put_slice(r);
            buf.put_u8(b' ');
        }
        (Some(r), false) => {
            buf.put_slice(b"+ ");
            buf.put_slice(r);
            buf.put_u8(b' ');
        }
        (None, false) => buf.put_slice(b"| "),
        (None, true) => {}
    }
    for q in msg.queues {
        buf.put_slice(q);
        buf.put_u8(b' ');
    }
    if let Some(h) = msg.headers {
        put_usize(buf, h.len());
        buf.put_u8(b' ');
    }
    put_usize(buf, total);
    buf.put_slice(b"\r\n");
    if let Some(h) = msg.headers {
        buf.put_slice(h);
    }
    buf.put_slice(msg.payload);
    buf.put_slice(b"\r\n");
}

/// A routed message by reference, for [`write_rmsg`] (no copies on the publish path).
#[derive(Debug, Clone, Copy)]
pub struct RoutedMsgRef<'a> {
    /// Account.
    pub account: &'a [u8],
    /// Subject.
    pub subject: &'a [u8],
    /// Reply subject.
    pub reply: Option<&'a [u8]>,
    /// Queue groups picked on the receiver.
    pub queues: &'a [Bytes],
    /// Header block.
    pub headers: Option<&'a [u8]>,
    /// Body.
    pub payload: &'a [u8],
}

/// Appends `RS+ <account> <subject> [<queue> <weight>]`.
pub fn write_rs_plus(
    buf: &mut BytesMut,
    account: &[u8],
    subject: &[u8],
    queue: Option<(&[u8], u32)>,
) {
    buf.put_slice(b"RS+ ");
    buf.put_slice(account);
    buf.put_u8(b' ');
    buf.put_slice(subject);
    if let Some((q, w)) = queue {
        buf.put_u8(b' ');
        buf.put_slice(q);
        buf.put_u8(b' ');
        put_usize(buf, w as usize);
    }
    buf.put_slice(b"\r\n");
}

/// Appends `RS- <account> <subject> [<queue>]`.
pub fn write_rs_minus(buf: &mut BytesMut, account: &[u8], subject: &[u8], queue: Option<&[u8]>) {
    buf.put_slice(b"RS- ");
    buf.put_slice(account);
    buf.put_u8(b' ');
    buf.put_slice(subject);
    if let Some(q) = queue {
        buf.put_u8(b' ');
        buf.put_slice(q);
    }
    buf.put_slice(b"\r\n");
}

/// Appends the wire form of a route operation.
pub fn encode_route_op(op: &RouteOp, buf: &mut BytesMut) {
    let json_line = |buf: &mut BytesMut, verb: &[u8], json: &[u8]| {
        buf.put_slice(verb);
        buf.put_slice(json);
        buf.put_slice(b"\r\n");
    };
    match op {
        RouteOp::Info(json) => json_line(buf, b"INFO ", json),
        RouteOp::Connect(json) => json_line(buf, b"CONNECT ", json),
        RouteOp::Sub(s) => write_rs_plus(
            buf,
            &s.account,
            &s.subject,
            s.queue.as_ref().map(|(q, w)| (&q[..], *w)),
        ),
        RouteOp::Unsub(u) => write_rs_minus(buf, &u.account, &u.subject, u.queue.as_deref()),
        RouteOp::Msg(m) => write_rmsg(
            buf,
            &RoutedMsgRef {
                account: &m.account,
                subject: &m.subject,
                reply: m.reply.as_deref(),
                queues: &m.queues,
                headers: m.headers.as_deref(),
                payload: &m.payload,
            },
        ),
        RouteOp::Ping => buf.put_slice(b"PING\r\n"),
        RouteOp::Pong => buf.put_slice(b"PONG\r\n"),
        RouteOp::Ok => buf.put_slice(b"+OK\r\n"),
        RouteOp::Err(text) => {
            buf.put_slice(b"-ERR '");
            buf.put_slice(text);
            buf.put_slice(b"'\r\n");
        }
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
