//! Process-level integration tests for Rill: spawn the server binary and drive it with real
//! NATS clients (async-nats here, nats-py in `tests/python/`) and with raw TCP.
//!
//! Contract: every helper is bounded in time (a silent server fails the test, it never hangs
//! it), every server gets a random port and its own temp dir, so tests run in parallel. Point
//! `RILL_SERVER_BIN` at `nats-server` to check the tests themselves against the reference
//! server; unset, they run `target/debug/rill-server`.
//!
//! ```text
//! cargo build -p rill --bins && cargo nextest run -p rill-tests
//! RILL_SERVER_BIN=nats-server cargo nextest run -p rill-tests     # validate the tests
//! RILL_SERVER_BIN=nats-server python -m pytest tests/python -q    # the nats-py suite
//! ```
//!
//! Clustered JetStream (the `cluster_js_*` tests): [`jscluster::JsCluster`] runs nodes with
//! fixed run-time ports and stores (kill, stop, restart, partition through [`proxy::Proxy`]),
//! [`jsquery`] asks the `$JS.API` (info, leaders, step-downs, whole-stream reads) and
//! [`jsload`] keeps a publisher going through failovers. They skip, printing `SKIPPED`, while
//! the server under test refuses the cluster flags:
//!
//! ```text
//! RILL_SERVER_BIN=nats-server cargo nextest run -p rill-tests -E 'test(cluster_js)'
//! ```
//!
//! Barrier rule: `async_nats::Client::flush` does not wait for the server (no PING/PONG in
//! async-nats 0.51); use [`sync`] before another connection relies on a SUB being registered.

pub mod cluster;
pub mod cluster_up;
pub mod http;
pub mod jscluster;
pub mod jsload;
pub mod jsquery;
pub mod proxy;
pub mod raw;
pub mod server;
pub mod tcp_proxy;
pub mod tool;

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

pub use raw::{RawClient, RawMsg};
pub use server::{run_to_exit, send_signal, ServerBuilder, TempDir, TestServer};

/// The default wait for one expected message.
pub const MSG_TIMEOUT: Duration = Duration::from_secs(5);

/// Awaits `fut` for at most `limit`; panics naming `what` if it takes longer.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

/// The subscriber's next message; panics after [`MSG_TIMEOUT`] or if the subscription ended.
pub async fn next_msg(sub: &mut async_nats::Subscriber) -> async_nats::Message {
    within(MSG_TIMEOUT, "a message", sub.next())
        .await
        .expect("subscription ended while a message was expected")
}

/// Asserts that nothing arrives on `sub` for `quiet` (an ended subscription also counts).
pub async fn assert_no_msg(sub: &mut async_nats::Subscriber, quiet: Duration) {
    if let Ok(Some(msg)) = tokio::time::timeout(quiet, sub.next()).await {
        panic!(
            "unexpected message on {}: {:?}",
            msg.subject,
            String::from_utf8_lossy(&msg.payload)
        );
    }
}

/// A round-trip barrier: when it returns, the server has processed everything `client` sent
/// before (SUBs registered, PUBs routed).
///
/// `async_nats::Client::flush` is not enough: in async-nats 0.51 it only flushes the socket
/// buffer and does not wait for a PONG, so a SUB may still be in flight when it returns. This
/// publishes to a fresh inbox the client subscribed to and waits for the message to come back
/// (so it needs echo; see [`sync_no_echo`]).
pub async fn sync(client: &async_nats::Client) {
    let inbox = client.new_inbox();
    let mut sub = client
        .subscribe(inbox.clone())
        .await
        .expect("sync subscribe");
    client
        .publish(inbox, bytes::Bytes::new())
        .await
        .expect("sync publish");
    within(
        MSG_TIMEOUT,
        "sync round trip (own message echoed back)",
        sub.next(),
    )
    .await
    .expect("sync subscription ended");
    sub.unsubscribe().await.expect("sync unsubscribe");
}

/// [`sync`] for a client connected with `no_echo`: a request to a subject nobody listens on is
/// answered by the server with a no-responders status, after everything sent before it.
pub async fn sync_no_echo(client: &async_nats::Client) {
    let subject = format!("_SYNC.{}", client.new_inbox());
    let result = within(
        MSG_TIMEOUT,
        "no-responders round trip",
        client.request(subject, "".into()),
    )
    .await;
    match result {
        Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders => {}
        other => panic!("expected a no-responders error as a sync barrier, got {other:?}"),
    }
}
