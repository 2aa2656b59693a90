//! A raw TCP NATS connection for wire-level assertions (exact `-ERR` texts, `+OK`, PING/PONG).
//!
//! Every read takes a timeout, so a server that stays silent fails the test instead of hanging it.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// The default wait for one expected line.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a read attempt saw.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Some bytes arrived.
    Data(usize),
    /// The peer closed the connection (EOF or reset).
    Closed,
    /// Nothing arrived before the deadline.
    TimedOut,
}

/// One delivered message (`MSG` or `HMSG`), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMsg {
    /// The control line without its CRLF, e.g. `MSG foo 1 5`.
    pub line: String,
    /// Subject.
    pub subject: String,
    /// Subscription id.
    pub sid: String,
    /// Reply subject, if any.
    pub reply: Option<String>,
    /// Header block (HMSG only), including the trailing blank line.
    pub headers: Option<Vec<u8>>,
    /// Payload.
    pub payload: Vec<u8>,
}

/// A raw client connection: the server's first INFO is read on connect.
#[derive(Debug)]
pub struct RawClient {
    stream: TcpStream,
    buf: BytesMut,
    /// The INFO JSON the server sent on accept.
    pub info: serde_json::Value,
}

impl RawClient {
    /// Connects to `addr` and reads the initial `INFO {json}` line.
    pub async fn connect(addr: &str) -> RawClient {
        let stream = tokio::time::timeout(LINE_TIMEOUT, TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("TCP connect to {addr} timed out"))
            .unwrap_or_else(|e| panic!("TCP connect to {addr} failed: {e}"));
        let mut client = RawClient {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            info: serde_json::Value::Null,
        };
        let line = client.expect_line().await;
        client.info = parse_info(&line);
        client
    }

    /// Connects, sends `CONNECT <json>` and `PING`, and waits for the `PONG` (skipping any
    /// `INFO`/`+OK` on the way); panics on anything else.
    pub async fn connect_with(addr: &str, connect_json: &str) -> RawClient {
        let mut client = RawClient::connect(addr).await;
        client
            .send(format!("CONNECT {connect_json}\r\nPING\r\n"))
            .await;
        client.expect_pong_skipping_info().await;
        client
    }

    /// Writes raw bytes.
    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream
            .write_all(bytes.as_ref())
            .await
            .unwrap_or_else(|e| panic!("write to server failed: {e}"));
    }

    /// Like [`RawClient::send`] but returns the error (the server may already have closed).
    pub async fn try_send(&mut self, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        self.stream.write_all(bytes.as_ref()).await
    }

    /// Reads more bytes into the buffer until `deadline`.
    async fn fill(&mut self, deadline: Instant) -> ReadOutcome {
        match timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
            Err(_) => ReadOutcome::TimedOut,
            Ok(Ok(0)) | Ok(Err(_)) => ReadOutcome::Closed,
            Ok(Ok(n)) => ReadOutcome::Data(n),
        }
    }

    /// The next line (without CRLF), or the reason there is none before `timeout`.
    pub async fn read_line(&mut self, timeout: Duration) -> Result<String, ReadOutcome> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let raw = self.buf.split_to(pos + 1);
                let line = String::from_utf8_lossy(&raw);
                return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
            }
            match self.fill(deadline).await {
                ReadOutcome::Data(_) => continue,
                other => return Err(other),
            }
        }
    }

    /// The next line; panics on EOF or after [`LINE_TIMEOUT`].
    pub async fn expect_line(&mut self) -> String {
        match self.read_line(LINE_TIMEOUT).await {
            Ok(line) => line,
            Err(why) => panic!(
                "expected a line from the server, got {why:?}; unparsed: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
        }
    }

    /// Asserts the next line equals `expected`.
    pub async fn expect_exact(&mut self, expected: &str) {
        let line = self.expect_line().await;
        assert_eq!(line, expected, "unexpected line from server");
    }

    /// Reads lines until `PONG`, allowing only `INFO ...` and `+OK` before it.
    pub async fn expect_pong_skipping_info(&mut self) {
        loop {
            let line = self.expect_line().await;
            match line.as_str() {
                "PONG" => return,
                "+OK" => continue,
                l if l.starts_with("INFO ") => continue,
                other => panic!("expected PONG, got {other:?}"),
            }
        }
    }

    /// Sends `PING` and expects `PONG` (everything sent before has been processed).
    pub async fn ping_pong(&mut self) {
        self.send("PING\r\n").await;
        self.expect_exact("PONG").await;
    }

    /// Reads one `MSG`/`HMSG` with its payload; panics on anything else.
    pub async fn expect_msg(&mut self) -> RawMsg {
        let line = self.expect_line().await;
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (has_headers, args) = match parts.first().copied() {
            Some("MSG") => (false, &parts[1..]),
            Some("HMSG") => (true, &parts[1..]),
            _ => panic!("expected MSG or HMSG, got {line:?}"),
        };
        let sizes = if has_headers { 2 } else { 1 };
        assert!(
            args.len() == 2 + sizes || args.len() == 3 + sizes,
            "malformed {line:?}"
        );
        let reply = (args.len() == 3 + sizes).then(|| args[2].to_owned());
        let num = |s: &str| {
            s.parse::<usize>()
                .unwrap_or_else(|_| panic!("bad size in {line:?}"))
        };
        let total = num(args[args.len() - 1]);
        let hdr_len = if has_headers {
            num(args[args.len() - 2])
        } else {
            0
        };
        let body = self.read_exact_bytes(total + 2).await;
        assert_eq!(
            &body[total..],
            b"\r\n",
            "payload not followed by CRLF in {line:?}"
        );
        RawMsg {
            subject: args[0].to_owned(),
            sid: args[1].to_owned(),
            reply,
            headers: has_headers.then(|| body[..hdr_len].to_vec()),
            payload: body[hdr_len..total].to_vec(),
            line,
        }
    }

    async fn read_exact_bytes(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + LINE_TIMEOUT;
        while self.buf.len() < n {
            if let other @ (ReadOutcome::Closed | ReadOutcome::TimedOut) = self.fill(deadline).await
            {
                panic!(
                    "expected {n} payload bytes, got {} then {other:?}",
                    self.buf.len()
                );
            }
        }
        self.buf.split_to(n).to_vec()
    }

    /// Waits until the server closes the connection; returns everything received before the
    /// close (including already buffered bytes). Panics if it stays open past `timeout`.
    pub async fn expect_closed(&mut self, timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.fill(deadline).await {
                ReadOutcome::Data(_) => continue,
                ReadOutcome::Closed => return self.buf.split().to_vec(),
                ReadOutcome::TimedOut => panic!(
                    "connection still open after {timeout:?}; received: {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
    }

    /// Collects whatever arrives for `duration`; the flag says whether the peer closed.
    pub async fn read_for(&mut self, duration: Duration) -> (Vec<u8>, bool) {
        let deadline = Instant::now() + duration;
        loop {
            match self.fill(deadline).await {
                ReadOutcome::Data(_) => continue,
                ReadOutcome::Closed => return (self.buf.split().to_vec(), true),
                ReadOutcome::TimedOut => return (self.buf.split().to_vec(), false),
            }
        }
    }
}

/// Parses an `INFO {json}` line; panics if it is not one.
pub fn parse_info(line: &str) -> serde_json::Value {
    let json = line
        .strip_prefix("INFO ")
        .unwrap_or_else(|| panic!("expected INFO line, got {line:?}"));
    serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("INFO is not JSON ({e}): {json}"))
}
