//! Encoders: the exact bytes of each operation.

use bytes::{BufMut, BytesMut};

use super::{ClientOp, ServerOp};

fn put_usize(buf: &mut BytesMut, n: usize) {
    let mut b = itoa::Buffer::new();
    buf.put_slice(b.format(n).as_bytes());
}

/// Appends a `MSG` (or `HMSG` when `headers` is given) frame to `buf`.
///
/// This is the delivery hot path: one reservation, no intermediate allocation.
pub fn write_msg(
    buf: &mut BytesMut,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    headers: Option<&[u8]>,
    payload: &[u8],
) {
    let hdr_len = headers.map_or(0, <[u8]>::len);
    let total = hdr_len + payload.len();
    buf.reserve(subject.len() + sid.len() + reply.map_or(0, <[u8]>::len) + total + 48);
    buf.put_slice(if headers.is_some() { b"HMSG " } else { b"MSG " });
    buf.put_slice(subject);
    buf.put_u8(b' ');
    buf.put_slice(sid);
    buf.put_u8(b' ');
    if let Some(r) = reply {
        buf.put_slice(r);
        buf.put_u8(b' ');
    }
    if let Some(h) = headers {
        put_usize(buf, h.len());
        buf.put_u8(b' ');
    }
    put_usize(buf, total);
    buf.put_slice(b"\r\n");
    if let Some(h) = headers {
        buf.put_slice(h);
    }
    buf.put_slice(payload);
    buf.put_slice(b"\r\n");
}

/// Appends `-ERR '<text>'\r\n`.
pub fn write_err(buf: &mut BytesMut, text: &str) {
    buf.reserve(text.len() + 9);
    buf.put_slice(b"-ERR '");
    buf.put_slice(text.as_bytes());
    buf.put_slice(b"'\r\n");
}

fn put_pub(buf: &mut BytesMut, p: &super::Publish) {
    buf.put_slice(if p.headers.is_some() {
        b"HPUB "
    } else {
        b"PUB "
    });
    buf.put_slice(&p.subject);
    buf.put_u8(b' ');
    if let Some(r) = &p.reply {
        buf.put_slice(r);
        buf.put_u8(b' ');
    }
    let hdr_len = p.headers.as_ref().map_or(0, |h| h.len());
    if p.headers.is_some() {
        put_usize(buf, hdr_len);
        buf.put_u8(b' ');
    }
    put_usize(buf, hdr_len + p.payload.len());
    buf.put_slice(b"\r\n");
    if let Some(h) = &p.headers {
        buf.put_slice(h);
    }
    buf.put_slice(&p.payload);
    buf.put_slice(b"\r\n");
}

/// Appends the wire form of a client operation.
pub fn encode_client_op(op: &ClientOp, buf: &mut BytesMut) {
    match op {
        ClientOp::Connect(json) => {
            buf.put_slice(b"CONNECT ");
            buf.put_slice(json);
            buf.put_slice(b"\r\n");
        }
        ClientOp::Pub(p) => put_pub(buf, p),
        ClientOp::Sub {
            subject,
            queue,
            sid,
        } => {
            buf.put_slice(b"SUB ");
            buf.put_slice(subject);
            buf.put_u8(b' ');
            if let Some(q) = queue {
                buf.put_slice(q);
                buf.put_u8(b' ');
            }
            buf.put_slice(sid);
            buf.put_slice(b"\r\n");
        }
        ClientOp::Unsub { sid, max } => {
            buf.put_slice(b"UNSUB ");
            buf.put_slice(sid);
            if let Some(m) = max {
                buf.put_u8(b' ');
                let mut b = itoa::Buffer::new();
                buf.put_slice(b.format(*m).as_bytes());
            }
            buf.put_slice(b"\r\n");
        }
        ClientOp::Ping => buf.put_slice(b"PING\r\n"),
        ClientOp::Pong => buf.put_slice(b"PONG\r\n"),
    }
}

/// Appends the wire form of a server operation.
pub fn encode_server_op(op: &ServerOp, buf: &mut BytesMut) {
    match op {
        ServerOp::Info(json) => {
            buf.put_slice(b"INFO ");
            buf.put_slice(json);
            buf.put_slice(b"\r\n");
        }
        ServerOp::Msg(m) => write_msg(
            buf,
            &m.subject,
            &m.sid,
            m.reply.as_deref(),
            m.headers.as_deref(),
            &m.payload,
        ),
        ServerOp::Ping => buf.put_slice(b"PING\r\n"),
        ServerOp::Pong => buf.put_slice(b"PONG\r\n"),
        ServerOp::Ok => buf.put_slice(b"+OK\r\n"),
        ServerOp::Err(text) => {
            buf.put_slice(b"-ERR '");
            buf.put_slice(text);
            buf.put_slice(b"'\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_msg_and_hmsg_frames() {
        let mut buf = BytesMut::new();
        write_msg(&mut buf, b"foo", b"1", None, None, b"hello");
        write_msg(
            &mut buf,
            b"foo",
            b"2",
            Some(b"r"),
            Some(b"NATS/1.0\r\n\r\n"),
            b"hi",
        );
        assert_eq!(
            &buf[..],
            &b"MSG foo 1 5\r\nhello\r\nHMSG foo 2 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"[..]
        );
    }

    #[test]
    fn writes_err_with_quotes() {
        let mut buf = BytesMut::new();
        write_err(&mut buf, "Stale Connection");
        assert_eq!(&buf[..], b"-ERR 'Stale Connection'\r\n");
    }
}
