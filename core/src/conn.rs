//! The server side of one client connection, as a sans-IO state machine.
//!
//! The runtime feeds received bytes to [`ServerConn::next_event`] and gets back what needs the
//! rest of the server (CONNECT to authorize, PUB to route, SUB/UNSUB to index). The connection
//! answers PING, sends `+OK` in verbose mode, enforces the protocol's limits and grammar, runs
//! the ping and authentication timers, and queues its control frames for
//! [`ServerConn::transmit_into`]. Time comes in as [`Instant`]; nothing here blocks.
//!
//! Call order per wake-up: `next_event` until `None` (acting on each event, and answering a
//! `Connect` with `accept_connect`/`reject_connect`), then `transmit_into`, then sleep until
//! `poll_timeout` or more bytes, calling `handle_timeout` when the deadline passes.

use alloc::boxed::Box;
use alloc::string::ToString;
use bytes::{BufMut, Bytes, BytesMut};
use core::time::Duration;

use crate::error::ProtoError;
use crate::proto::json::{ConnectInfo, ServerInfo};
use crate::proto::{write_err, ClientDecoder, ClientOp, DecodeLimits, Publish};
use crate::subject;
use crate::time::Instant;

/// The first PING after a connection opens is sent this early (nats-server: 2s for clients).
pub const FIRST_PING_DELAY_MAX: Duration = Duration::from_secs(2);

/// Settings for one connection, derived from the server options.
#[derive(Debug, Clone)]
pub struct ConnConfig {
    /// Decoder limits (control line, payload).
    pub limits: DecodeLimits,
    /// Clients must authenticate in CONNECT.
    pub auth_required: bool,
    /// Time allowed to send CONNECT when authentication is required.
    pub auth_timeout: Duration,
    /// Interval between server PINGs.
    pub ping_interval: Duration,
    /// Unanswered PINGs tolerated before `Stale Connection`.
    pub pings_out_max: u32,
    /// The server supports headers (`no_header_support` false).
    pub headers_supported: bool,
}

/// What the runtime must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnEvent {
    /// CONNECT arrived: authorize, then call `accept_connect` or `reject_connect`.
    Connect(Box<ConnectInfo>),
    /// Route this message.
    Publish(Publish),
    /// Add a subscription, then call `subscribe_done`.
    Subscribe {
        /// Subject (validated).
        subject: Bytes,
        /// Queue group (validated).
        queue: Option<Bytes>,
        /// Client-chosen id.
        sid: Bytes,
    },
    /// Remove a subscription now, or after `max` deliveries in total.
    Unsubscribe {
        /// Client-chosen id.
        sid: Bytes,
        /// Total deliveries after which to remove it.
        max: Option<u64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingConnect,
    Authorizing,
    Open,
    Closed,
}

/// The server side of one client connection. See the module docs for the call order.
#[derive(Debug)]
pub struct ServerConn {
    config: ConnConfig,
    decoder: ClientDecoder,
    phase: Phase,
    opts: ConnectInfo,
    out: BytesMut,
    close_reason: Option<ProtoError>,
    auth_deadline: Option<Instant>,
    next_ping: Instant,
    last_rx: Instant,
    pings_out: u32,
    pings_sent: u64,
    info: ServerInfo,
    first_pong_sent: bool,
}

impl ServerConn {
    /// A new connection; queues the `INFO` that must be its first bytes.
    pub fn new(config: ConnConfig, info: &ServerInfo, now: Instant) -> Self {
        let auth_deadline = config.auth_required.then(|| now.plus(config.auth_timeout));
        let first_ping = now.plus(config.ping_interval.min(FIRST_PING_DELAY_MAX));
        let mut conn = ServerConn {
            decoder: ClientDecoder::new(config.limits),
            config,
            phase: Phase::AwaitingConnect,
            opts: ConnectInfo::default(),
            out: BytesMut::with_capacity(512),
            close_reason: None,
            auth_deadline,
            next_ping: first_ping,
            last_rx: now,
            pings_out: 0,
            pings_sent: 0,
            info: info.clone(),
            first_pong_sent: false,
        };
        conn.send_info(info);
        conn
    }

    /// The client's CONNECT options (defaults until CONNECT is accepted).
    pub fn options(&self) -> &ConnectInfo {
        &self.opts
    }

    /// True once CONNECT has been accepted.
    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Why the connection must close, once it must. The runtime flushes, then closes.
    pub fn close_reason(&self) -> Option<&ProtoError> {
        self.close_reason.as_ref()
    }

    /// Whether delivered messages may carry headers (`HMSG`).
    pub fn headers_enabled(&self) -> bool {
        self.config.headers_supported && self.opts.headers
    }

    /// Decodes `buf` until an event needs the runtime. `None`: need more bytes, waiting on
    /// a `Connect` answer, or closed (see [`ServerConn::close_reason`]).
    pub fn next_event(&mut self, now: Instant, buf: &mut BytesMut) -> Option<ConnEvent> {
        if !buf.is_empty() {
            self.last_rx = now;
        }
        loop {
            if matches!(self.phase, Phase::Authorizing | Phase::Closed) {
                return None;
            }
            let op = match self.decoder.decode(buf) {
                Ok(Some(op)) => op,
                Ok(None) => return None,
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            };
            if let Some(ev) = self.handle_op(op) {
                return Some(ev);
            }
        }
    }

    fn handle_op(&mut self, op: ClientOp) -> Option<ConnEvent> {
        if self.phase == Phase::AwaitingConnect
            && self.config.auth_required
            && !matches!(op, ClientOp::Connect(_))
        {
            self.fail(ProtoError::AuthorizationViolation);
            return None;
        }
        match op {
            ClientOp::Connect(json) => self.handle_connect(&json),
            ClientOp::Pub(p) => self.handle_pub(p),
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => {
                let queue_ok = queue.as_deref().is_none_or(subject::is_valid_queue);
                if !subject::is_valid_subject(&subject) || !queue_ok {
                    self.send_error(ProtoError::InvalidSubject);
                    return None;
                }
                Some(ConnEvent::Subscribe {
                    subject,
                    queue,
                    sid,
                })
            }
            ClientOp::Unsub { sid, max } => {
                self.ok();
                Some(ConnEvent::Unsubscribe { sid, max })
            }
            ClientOp::Ping => {
                self.out.put_slice(b"PONG\r\n");
                if self.phase == Phase::Open && !self.first_pong_sent {
                    self.first_pong_sent = true;
                    if self.opts.protocol >= 1 {
                        // nats-server follows the first PONG with an INFO confirming the
                        // connection's account (`connect_info`).
                        let info = ServerInfo {
                            connect_info: true,
                            ..self.info.clone()
                        };
                        self.send_info(&info);
                    }
                }
                None
            }
            ClientOp::Pong => {
                self.pings_out = 0;
                None
            }
        }
    }

    fn handle_connect(&mut self, json: &[u8]) -> Option<ConnEvent> {
        if self.phase == Phase::Open {
            // A repeated CONNECT changes nothing; acknowledge it like nats-server does.
            self.ok();
            return None;
        }
        let info: ConnectInfo = match serde_json::from_slice(json) {
            Ok(i) => i,
            Err(e) => {
                self.fail(ProtoError::InvalidConnect(e.to_string()));
                return None;
            }
        };
        if !(0..=1).contains(&info.protocol) {
            self.fail(ProtoError::InvalidClientProtocol);
            return None;
        }
        if info.no_responders && !info.headers {
            self.fail(ProtoError::NoRespondersRequiresHeaders);
            return None;
        }
        if info.account.is_some() {
            self.fail(ProtoError::AuthorizationViolation);
            return None;
        }
        self.phase = Phase::Authorizing;
        Some(ConnEvent::Connect(Box::new(info)))
    }

    fn handle_pub(&mut self, p: Publish) -> Option<ConnEvent> {
        if p.headers.is_some() && !self.headers_enabled() {
            self.fail(ProtoError::HeadersNotSupported);
            return None;
        }
        if self.opts.pedantic && !subject::is_valid_literal_subject(&p.subject) {
            // As nats-server: the error is reported, the message is still routed.
            self.send_error(ProtoError::InvalidPublishSubject);
        }
        self.ok();
        Some(ConnEvent::Publish(p))
    }

    /// Accepts the pending CONNECT with these options, bound to `account`.
    pub fn accept_connect(&mut self, info: ConnectInfo, account: &str) {
        if self.phase != Phase::Authorizing {
            return;
        }
        self.info.remote_account = Some(account.to_string());
        self.info.acc_is_sys = account == "$SYS";
        self.info.client_id = self.info.client_id.or(Some(0));
        self.opts = info;
        self.phase = Phase::Open;
        self.auth_deadline = None;
        self.ok();
    }

    /// Rejects the pending CONNECT: `Authorization Violation`, then close.
    pub fn reject_connect(&mut self) {
        self.fail(ProtoError::AuthorizationViolation);
    }

    /// Completes a `Subscribe` event: `+OK` in verbose mode, or the error.
    pub fn subscribe_done(&mut self, result: Result<(), ProtoError>) {
        match result {
            Ok(()) => self.ok(),
            Err(e) => self.send_error(e),
        }
    }

    /// Queues `-ERR '<text>'`; a fatal error also closes the connection.
    pub fn send_error(&mut self, err: ProtoError) {
        if err.is_fatal() {
            self.fail(err);
        } else {
            write_err(&mut self.out, &err.to_string());
        }
    }

    /// Queues an `INFO` (initial, cluster change, lame duck).
    pub fn send_info(&mut self, info: &ServerInfo) {
        self.out.put_slice(b"INFO ");
        // Serializing a struct of strings and numbers cannot fail.
        if let Ok(json) = serde_json::to_vec(info) {
            self.out.put_slice(&json);
        }
        self.out.put_slice(b"\r\n");
    }

    /// Runs the timers: authentication timeout, keep-alive PING, stale detection.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.auth_deadline.is_some_and(|d| now >= d) {
            self.fail(ProtoError::AuthenticationTimeout);
            return;
        }
        if now < self.next_ping {
            return;
        }
        let idle = now.since(self.last_rx) >= self.config.ping_interval;
        if idle || self.pings_sent == 0 {
            if self.pings_out + 1 > self.config.pings_out_max {
                self.fail(ProtoError::StaleConnection);
                return;
            }
            self.pings_out += 1;
            self.pings_sent += 1;
            self.out.put_slice(b"PING\r\n");
        }
        self.next_ping = now.plus(self.config.ping_interval);
    }

    /// The next instant `handle_timeout` must run, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        Some(match self.auth_deadline {
            Some(d) => d.min(self.next_ping),
            None => self.next_ping,
        })
    }

    /// Moves queued control frames to `dst`. Returns whether anything was moved.
    pub fn transmit_into(&mut self, dst: &mut BytesMut) -> bool {
        if self.out.is_empty() {
            return false;
        }
        dst.extend_from_slice(&self.out);
        self.out.clear();
        true
    }

    /// True when control frames are waiting.
    pub fn has_transmit(&self) -> bool {
        !self.out.is_empty()
    }

    fn ok(&mut self) {
        if self.opts.verbose {
            self.out.put_slice(b"+OK\r\n");
        }
    }

    fn fail(&mut self, err: ProtoError) {
        if self.phase == Phase::Closed {
            return;
        }
        write_err(&mut self.out, &err.to_string());
        self.phase = Phase::Closed;
        self.close_reason = Some(err);
    }
}

#[cfg(test)]
mod tests;
