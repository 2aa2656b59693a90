//! Connection scenarios on virtual time: no runtime, no sockets.

use super::*;
use alloc::vec::Vec;

fn config(auth_required: bool) -> ConnConfig {
    ConnConfig {
        limits: DecodeLimits::default(),
        auth_required,
        auth_timeout: Duration::from_secs(2),
        ping_interval: Duration::from_secs(10),
        pings_out_max: 2,
        headers_supported: true,
    }
}

fn info() -> ServerInfo {
    ServerInfo {
        server_id: "NTEST".into(),
        proto: 1,
        headers: true,
        max_payload: 1 << 20,
        ..Default::default()
    }
}

fn feed(conn: &mut ServerConn, now: Instant, bytes: &[u8]) -> Vec<ConnEvent> {
    let mut buf = BytesMut::from(bytes);
    let mut events = Vec::new();
    while let Some(ev) = conn.next_event(now, &mut buf) {
        if let ConnEvent::Connect(c) = &ev {
            conn.accept_connect((**c).clone(), "$G");
        }
        events.push(ev);
    }
    events
}

fn sent(conn: &mut ServerConn) -> alloc::string::String {
    let mut out = BytesMut::new();
    conn.transmit_into(&mut out);
    alloc::string::String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn sends_info_first_and_answers_ping() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    assert!(sent(&mut c).starts_with("INFO {\"server_id\":\"NTEST\""));
    feed(
        &mut c,
        Instant(1),
        b"CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n",
    );
    assert_eq!(sent(&mut c), "PONG\r\n");
    assert!(c.is_open());
}

#[test]
fn verbose_mode_acknowledges_each_operation() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    sent(&mut c);
    let evs = feed(
        &mut c,
        Instant(1),
        b"CONNECT {\"verbose\":true}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n",
    );
    assert_eq!(evs.len(), 3);
    c.subscribe_done(Ok(()));
    assert_eq!(sent(&mut c), "+OK\r\n+OK\r\n+OK\r\n");
}

#[test]
fn auth_required_rejects_ops_before_connect() {
    let mut c = ServerConn::new(config(true), &info(), Instant(0));
    sent(&mut c);
    assert!(feed(&mut c, Instant(1), b"PUB foo 1\r\nx\r\n").is_empty());
    assert_eq!(sent(&mut c), "-ERR 'Authorization Violation'\r\n");
    assert_eq!(c.close_reason(), Some(&ProtoError::AuthorizationViolation));
}

#[test]
fn rejected_connect_closes_with_authorization_violation() {
    let mut c = ServerConn::new(config(true), &info(), Instant(0));
    sent(&mut c);
    let mut buf = BytesMut::from(&b"CONNECT {\"user\":\"x\"}\r\nPING\r\n"[..]);
    assert!(matches!(
        c.next_event(Instant(1), &mut buf),
        Some(ConnEvent::Connect(_))
    ));
    assert!(
        c.next_event(Instant(1), &mut buf).is_none(),
        "waits for the auth answer"
    );
    c.reject_connect();
    assert_eq!(sent(&mut c), "-ERR 'Authorization Violation'\r\n");
    assert!(c.next_event(Instant(1), &mut buf).is_none());
}

#[test]
fn authentication_times_out() {
    let mut c = ServerConn::new(config(true), &info(), Instant(0));
    sent(&mut c);
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(deadline, Instant(0).plus(Duration::from_secs(2)));
    c.handle_timeout(deadline);
    assert_eq!(sent(&mut c), "-ERR 'Authentication Timeout'\r\n");
    assert!(c.close_reason().is_some());
}

#[test]
fn unanswered_pings_make_the_connection_stale() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    feed(&mut c, Instant(0), b"CONNECT {\"verbose\":false}\r\n");
    sent(&mut c);
    let mut now = Instant(0);
    let mut pings = 0;
    for _ in 0..10 {
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        let out = sent(&mut c);
        if out == "PING\r\n" {
            pings += 1;
        } else {
            assert_eq!(out, "-ERR 'Stale Connection'\r\n");
            break;
        }
    }
    assert_eq!(pings, 2);
    assert_eq!(c.close_reason(), Some(&ProtoError::StaleConnection));
    assert!(now > Instant(0));
}

#[test]
fn pong_resets_outstanding_pings() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    feed(&mut c, Instant(0), b"CONNECT {\"verbose\":false}\r\n");
    for _ in 0..5 {
        let now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        feed(&mut c, now, b"PONG\r\n");
    }
    assert!(c.close_reason().is_none());
}

#[test]
fn invalid_subscription_is_not_fatal() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    sent(&mut c);
    let evs = feed(
        &mut c,
        Instant(0),
        b"CONNECT {\"verbose\":false}\r\nSUB foo..bar 1\r\nSUB ok 2\r\n",
    );
    assert_eq!(evs.len(), 2);
    assert_eq!(sent(&mut c), "-ERR 'Invalid Subject'\r\n");
    assert!(c.close_reason().is_none());
}

#[test]
fn pedantic_mode_reports_wildcard_publish_and_still_routes_it() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    sent(&mut c);
    let evs = feed(
        &mut c,
        Instant(0),
        b"CONNECT {\"verbose\":false,\"pedantic\":true}\r\nPUB foo.* 1\r\nx\r\n",
    );
    assert_eq!(
        evs.len(),
        2,
        "reported and still routed, as nats-server does"
    );
    assert_eq!(sent(&mut c), "-ERR 'Invalid Publish Subject'\r\n");
}

#[test]
fn headers_need_negotiation() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    sent(&mut c);
    feed(
        &mut c,
        Instant(0),
        b"CONNECT {\"verbose\":false}\r\nHPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n",
    );
    assert_eq!(c.close_reason(), Some(&ProtoError::HeadersNotSupported));
}

#[test]
fn no_responders_requires_headers() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    feed(&mut c, Instant(0), b"CONNECT {\"no_responders\":true}\r\n");
    assert_eq!(
        c.close_reason(),
        Some(&ProtoError::NoRespondersRequiresHeaders)
    );
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    feed(&mut c, Instant(0), b"CONNECT {\"protocol\":2}\r\n");
    assert_eq!(c.close_reason(), Some(&ProtoError::InvalidClientProtocol));
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    feed(&mut c, Instant(0), b"CONNECT {not json}\r\n");
    assert!(matches!(
        c.close_reason(),
        Some(ProtoError::InvalidConnect(_))
    ));
}

#[test]
fn first_pong_is_followed_by_connect_info_for_protocol_1() {
    let mut c = ServerConn::new(config(false), &info(), Instant(0));
    sent(&mut c);
    feed(
        &mut c,
        Instant(0),
        b"CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n",
    );
    let out = sent(&mut c);
    assert!(out.starts_with("PONG\r\nINFO {"), "{out}");
    assert!(
        out.contains("\"connect_info\":true") && out.contains("\"remote_account\":\"$G\""),
        "{out}"
    );
    feed(&mut c, Instant(0), b"PING\r\n");
    assert_eq!(sent(&mut c), "PONG\r\n");
}
