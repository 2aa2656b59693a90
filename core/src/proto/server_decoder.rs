//! Streaming decoder for what servers send to a client (used by the browser client and tests).

use bytes::{Bytes, BytesMut};

use super::line::{
    finish_body, op_is, parse_frame_line, split_op, take_line, FrameLine, PendingBody,
};
use super::{DecodeLimits, Delivery, ServerOp};
use crate::error::ProtoError;

/// What a MSG/HMSG control line said: subject, sid and reply.
type MsgHead = (Bytes, Bytes, Option<Bytes>);

/// Decodes server→client operations from a byte stream fed in arbitrary chunks.
#[derive(Debug)]
pub struct ServerDecoder {
    limits: DecodeLimits,
    pending: Option<PendingBody<MsgHead>>,
}

impl ServerDecoder {
    /// A decoder enforcing `limits` (INFO lines may be long: give a generous control line).
    pub fn new(limits: DecodeLimits) -> Self {
        ServerDecoder {
            limits,
            pending: None,
        }
    }

    /// Decodes the next operation; `Ok(None)` means more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtoError> {
        loop {
            if self.pending.is_some() {
                return self.decode_payload(buf);
            }
            let Some(line) = take_line(buf, self.limits.control_line_bytes_max)? else {
                return Ok(None);
            };
            let (op, rest) = split_op(&line);
            if op.is_empty() {
                continue;
            }
            if op_is(op, b"MSG") {
                self.start_msg(&line, rest, false)?;
            } else if op_is(op, b"HMSG") {
                self.start_msg(&line, rest, true)?;
            } else if op_is(op, b"PING") {
                return Ok(Some(ServerOp::Ping));
            } else if op_is(op, b"PONG") {
                return Ok(Some(ServerOp::Pong));
            } else if op_is(op, b"+OK") {
                return Ok(Some(ServerOp::Ok));
            } else if op_is(op, b"INFO") {
                return Ok(Some(ServerOp::Info(line.slice(rest..))));
            } else if op_is(op, b"-ERR") {
                let mut text = line.slice(rest..);
                if text.len() >= 2 && text.first() == Some(&b'\'') && text.last() == Some(&b'\'') {
                    text = text.slice(1..text.len() - 1);
                }
                return Ok(Some(ServerOp::Err(text)));
            } else {
                return Err(ProtoError::UnknownOperation);
            }
        }
    }

    fn start_msg(
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
        } = parse_frame_line(line, rest, 2, with_headers, max)?;
        self.pending = Some(PendingBody {
            head: (args.take(0), args.take(1), reply),
            sizes,
        });
        Ok(())
    }

    fn decode_payload(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtoError> {
        Ok(
            finish_body(&mut self.pending, buf)?.map(
                |((subject, sid, reply), headers, payload)| {
                    ServerOp::Msg(Delivery {
                        subject,
                        sid,
                        reply,
                        headers,
                        payload,
                    })
                },
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn decodes_every_server_op() {
        let mut d = ServerDecoder::new(DecodeLimits {
            control_line_bytes_max: 1 << 16,
            payload_bytes_max: 1 << 20,
        });
        let mut buf = BytesMut::from(
            &b"INFO {\"server_id\":\"x\"}\r\nMSG foo 1 5\r\nhello\r\nMSG foo 1 r.1 0\r\n\r\n\
               HMSG foo 2 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\nPONG\r\n+OK\r\n-ERR 'Stale Connection'\r\n"[..],
        );
        let mut ops = Vec::new();
        while let Some(op) = d.decode(&mut buf).unwrap() {
            ops.push(op);
        }
        assert_eq!(ops.len(), 8);
        assert_eq!(
            ops[7],
            ServerOp::Err(Bytes::from_static(b"Stale Connection"))
        );
        let ServerOp::Msg(m) = &ops[2] else {
            panic!("not a msg")
        };
        assert_eq!(m.reply.as_deref(), Some(&b"r.1"[..]));
    }
}
