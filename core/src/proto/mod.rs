//! The NATS client protocol: operations, streaming decoders and encoders.
//!
//! Two directions share one framing ([`line`]): [`ClientDecoder`] parses what clients send
//! (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG) and [`ServerDecoder`] parses what servers send
//! (INFO, MSG, HMSG, PING, PONG, +OK, -ERR). Both are fed arbitrary chunks in a `BytesMut`:
//! `decode` returns `Ok(None)` when more bytes are needed, checks limits before waiting for a
//! payload, and hands out payloads as zero-copy [`Bytes`] slices of the input.

use bytes::Bytes;

mod client_decoder;
mod encode;
pub mod headers;
pub mod json;
mod line;
pub mod route;
mod server_decoder;

pub use client_decoder::ClientDecoder;
pub use encode::{encode_client_op, encode_server_op, write_err, write_msg};
pub use route::{encode_route_op, RouteDecoder, RouteOp};
pub use server_decoder::ServerDecoder;

/// Size limits a decoder enforces before buffering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Longest control line accepted, in bytes (nats-server default 4096).
    pub control_line_bytes_max: usize,
    /// Largest payload (headers + body) accepted, in bytes (default 1 MiB).
    pub payload_bytes_max: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            control_line_bytes_max: 4096,
            payload_bytes_max: 1024 * 1024,
        }
    }
}

/// A message published by a client (`PUB` or `HPUB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// Literal subject.
    pub subject: Bytes,
    /// Reply subject, if any.
    pub reply: Option<Bytes>,
    /// The raw header block (`NATS/1.0...\r\n\r\n`) for `HPUB`.
    pub headers: Option<Bytes>,
    /// The body.
    pub payload: Bytes,
}

/// An operation a client sends to a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOp {
    /// `CONNECT {json}`: the raw JSON.
    Connect(Bytes),
    /// `PUB` / `HPUB`.
    Pub(Publish),
    /// `SUB <subject> [queue] <sid>`.
    Sub {
        /// Subject (may contain wildcards).
        subject: Bytes,
        /// Queue group.
        queue: Option<Bytes>,
        /// Subscription id chosen by the client.
        sid: Bytes,
    },
    /// `UNSUB <sid> [max]`.
    Unsub {
        /// Subscription id.
        sid: Bytes,
        /// Unsubscribe after this many messages in total.
        max: Option<u64>,
    },
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
}

/// A message delivered to a client (`MSG` or `HMSG`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Subject the message was published to.
    pub subject: Bytes,
    /// The receiving subscription's id.
    pub sid: Bytes,
    /// Reply subject, if any.
    pub reply: Option<Bytes>,
    /// Header block for `HMSG`.
    pub headers: Option<Bytes>,
    /// The body.
    pub payload: Bytes,
}

/// An operation a server sends to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`: the raw JSON.
    Info(Bytes),
    /// `MSG` / `HMSG`.
    Msg(Delivery),
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
    /// `+OK`.
    Ok,
    /// `-ERR '<text>'`: the text without quotes.
    Err(Bytes),
}

#[cfg(test)]
mod tests;
