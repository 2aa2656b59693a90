//! Control-line framing shared by both decoders.

use bytes::{Bytes, BytesMut};

use crate::error::ProtoError;

/// Up to this many whitespace-separated arguments are looked at; more is a grammar error.
pub(crate) const ARGS_MAX: usize = 6;

/// Takes one complete control line off the front of `buf`, without its line ending.
///
/// Returns `Ok(None)` if no full line is buffered yet. A line (or a partial one) longer than
/// `max` is an error, so a peer cannot make us buffer without bound.
pub(crate) fn take_line(buf: &mut BytesMut, max: usize) -> Result<Option<Bytes>, ProtoError> {
    let window = buf.len().min(max.saturating_add(2));
    let Some(nl) = memchr::memchr(b'\n', &buf[..window]) else {
        if buf.len() > max {
            return Err(ProtoError::MaxControlLineExceeded);
        }
        return Ok(None);
    };
    let mut line = buf.split_to(nl + 1).freeze();
    line.truncate(nl);
    if line.last() == Some(&b'\r') {
        line.truncate(nl - 1);
    }
    if line.len() > max {
        return Err(ProtoError::MaxControlLineExceeded);
    }
    Ok(Some(line))
}

/// The operation name (first token) and the rest of the line after whitespace.
pub(crate) fn split_op(line: &[u8]) -> (&[u8], usize) {
    let end = line
        .iter()
        .position(|b| *b == b' ' || *b == b'\t')
        .unwrap_or(line.len());
    let mut rest = end;
    while rest < line.len() && (line[rest] == b' ' || line[rest] == b'\t') {
        rest += 1;
    }
    (&line[..end], rest)
}

/// Splits `line[from..]` on spaces and tabs into at most [`ARGS_MAX`] slices of `line`.
///
/// Returns `None` when there are more arguments than that.
pub(crate) fn split_args(line: &Bytes, from: usize) -> Option<heapless_args::Args> {
    let mut args = heapless_args::Args::default();
    let bytes = &line[..];
    let mut i = from;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b' ' && bytes[i] != b'\t' {
            i += 1;
        }
        if !args.push(line.slice(start..i)) {
            return None;
        }
    }
    Some(args)
}

/// Parses a non-negative decimal size (no sign, no spaces, at most 18 digits).
pub(crate) fn parse_size(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.len() > 18 {
        return None;
    }
    let mut n: usize = 0;
    for b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
    }
    Some(n)
}

/// Body sizes a control line declares: `<total>` or `<header> <total>`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodySizes {
    /// Header block length (HPUB/HMSG).
    pub(crate) header_len: Option<usize>,
    /// Header block plus payload.
    pub(crate) total_len: usize,
}

/// Reads the size arguments at the end of `args` and checks them against `payload_max`,
/// before any of the body is buffered.
fn parse_body_sizes(
    args: &heapless_args::Args,
    with_headers: bool,
    payload_max: usize,
) -> Result<BodySizes, ProtoError> {
    let n = args.len();
    let total_len = parse_size(args.get(n - 1)).ok_or(ProtoError::BadArguments("invalid size"))?;
    let header_len = if with_headers {
        let h = parse_size(args.get(n - 2)).ok_or(ProtoError::BadArguments("invalid size"))?;
        if h > total_len {
            return Err(ProtoError::BadArguments(
                "header size greater than total size",
            ));
        }
        Some(h)
    } else {
        None
    };
    if total_len > payload_max {
        return Err(ProtoError::MaxPayloadViolation);
    }
    Ok(BodySizes {
        header_len,
        total_len,
    })
}

/// Takes a declared body and its `\r\n` off the front of `buf`, split into headers and payload.
/// `Ok(None)` until all of it is buffered.
fn take_body(
    buf: &mut BytesMut,
    sizes: BodySizes,
) -> Result<Option<(Option<Bytes>, Bytes)>, ProtoError> {
    let need = sizes.total_len + 2;
    if buf.len() < need {
        buf.reserve(need - buf.len());
        return Ok(None);
    }
    if &buf[sizes.total_len..need] != b"\r\n" {
        return Err(ProtoError::UnknownOperation);
    }
    let mut body = buf.split_to(sizes.total_len).freeze();
    bytes::Buf::advance(buf, 2);
    let headers = sizes.header_len.map(|h| body.split_to(h));
    Ok(Some((headers, body)))
}

/// The control line of a frame with a body (`PUB`/`HPUB`/`MSG`/`HMSG`), read: the
/// leading arguments (subject, and sid for MSG) stay in `args`, the reply and sizes are out.
pub(crate) struct FrameLine {
    /// Arguments; the first `fixed` are the leading ones.
    pub(crate) args: heapless_args::Args,
    /// Reply subject, if the line has one.
    pub(crate) reply: Option<Bytes>,
    /// Declared body sizes (checked against the payload limit).
    pub(crate) sizes: BodySizes,
}

/// Reads `<fixed args> [reply] [<header size>] <total size>` from `line[rest..]`.
pub(crate) fn parse_frame_line(
    line: &Bytes,
    rest: usize,
    fixed: usize,
    with_headers: bool,
    payload_max: usize,
) -> Result<FrameLine, ProtoError> {
    let mut args = split_args(line, rest).ok_or(ProtoError::BadArguments("too many arguments"))?;
    let size_args = if with_headers { 2 } else { 1 };
    let n = args.len();
    if n < fixed + size_args || n > fixed + 1 + size_args {
        return Err(ProtoError::BadArguments("wrong number of arguments"));
    }
    let sizes = parse_body_sizes(&args, with_headers, payload_max)?;
    let reply = (n == fixed + 1 + size_args).then(|| args.take(fixed));
    Ok(FrameLine { args, reply, sizes })
}

/// A frame whose control line was read (`head` holds what it said) and whose body is
/// still arriving.
#[derive(Debug)]
pub(crate) struct PendingBody<H> {
    pub(crate) head: H,
    pub(crate) sizes: BodySizes,
}

/// Completes a pending frame once its whole body is buffered: its head, headers, payload.
pub(crate) fn finish_body<H>(
    pending: &mut Option<PendingBody<H>>,
    buf: &mut BytesMut,
) -> Result<Option<(H, Option<Bytes>, Bytes)>, ProtoError> {
    let Some(sizes) = pending.as_ref().map(|p| p.sizes) else {
        return Ok(None);
    };
    let Some((headers, payload)) = take_body(buf, sizes)? else {
        return Ok(None);
    };
    Ok(pending.take().map(|p| (p.head, headers, payload)))
}

/// Case-insensitive comparison of an operation name.
pub(crate) fn op_is(op: &[u8], name: &[u8]) -> bool {
    op.eq_ignore_ascii_case(name)
}

/// A tiny fixed-capacity argument list (no allocation on the message path).
pub(crate) mod heapless_args {
    use bytes::Bytes;

    /// Fixed-capacity list of argument slices.
    #[derive(Default)]
    pub(crate) struct Args {
        items: [Option<Bytes>; super::ARGS_MAX],
        len: usize,
    }

    impl Args {
        /// Appends; false when full.
        pub(crate) fn push(&mut self, b: Bytes) -> bool {
            if self.len == super::ARGS_MAX {
                return false;
            }
            self.items[self.len] = Some(b);
            self.len += 1;
            true
        }

        /// Number of arguments.
        pub(crate) fn len(&self) -> usize {
            self.len
        }

        /// Moves argument `i` out (empty if out of range or taken).
        pub(crate) fn take(&mut self, i: usize) -> Bytes {
            self.items
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or_default()
        }

        /// Borrows argument `i`.
        pub(crate) fn get(&self, i: usize) -> &[u8] {
            self.items
                .get(i)
                .and_then(Option::as_ref)
                .map(|b| &b[..])
                .unwrap_or(&[])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_lines_with_crlf_or_lf() {
        let mut buf = BytesMut::from(&b"PING\r\nPONG\nPUB"[..]);
        assert_eq!(
            take_line(&mut buf, 10).unwrap().unwrap(),
            Bytes::from_static(b"PING")
        );
        assert_eq!(
            take_line(&mut buf, 10).unwrap().unwrap(),
            Bytes::from_static(b"PONG")
        );
        assert_eq!(take_line(&mut buf, 10).unwrap(), None);
        assert_eq!(&buf[..], b"PUB");
    }

    #[test]
    fn rejects_overlong_lines_before_newline() {
        let mut buf = BytesMut::from(&[b'a'; 20][..]);
        assert_eq!(
            take_line(&mut buf, 10),
            Err(ProtoError::MaxControlLineExceeded)
        );
    }

    #[test]
    fn splits_arguments_on_spaces_and_tabs() {
        let line = Bytes::from_static(b"PUB  foo\tbar 5");
        let (op, rest) = split_op(&line);
        assert_eq!(op, b"PUB");
        let args = split_args(&line, rest).unwrap();
        assert_eq!(args.len(), 3);
        assert_eq!(args.get(0), b"foo");
        assert_eq!(args.get(1), b"bar");
        assert_eq!(args.get(2), b"5");
    }

    #[test]
    fn parses_sizes_strictly() {
        assert_eq!(parse_size(b"0"), Some(0));
        assert_eq!(parse_size(b"1048576"), Some(1_048_576));
        assert_eq!(parse_size(b"-1"), None);
        assert_eq!(parse_size(b"1a"), None);
        assert_eq!(parse_size(b""), None);
        assert_eq!(parse_size(b"9999999999999999999999"), None);
    }
}
