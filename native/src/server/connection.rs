//! The two tasks of one client connection: a reader driving the core's [`ServerConn`] and a
//! writer draining the client's outbound buffer to the socket.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use rill_core::conn::{ConnConfig, ConnEvent, ServerConn};
use rill_core::proto::json::ConnectInfo;
use rill_core::proto::DecodeLimits;
use rill_core::ProtoError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tracing::{debug, info, warn};

use super::client::{lock, Client, CloseKind, FlushList, SubTarget, Subscription};
use super::deliver::{no_interest, route, RouteCache};
use super::state::Shared;

/// Smallest read size: an idle connection holds little memory.
const READ_BUF_MIN_BYTES: usize = 1024;
/// Largest read size a busy connection grows to (payloads larger than this still fit: the
/// decoder reserves what a declared payload needs).
const READ_BUF_MAX_BYTES: usize = 64 * 1024;
/// Longest a publisher waits for one stalled receiver per read batch.
const STALL_WAIT_MAX: Duration = Duration::from_millis(5);
/// Writer's swap buffer above this size is released after a flush.
const WRITE_BUF_KEEP_BYTES: usize = 1024 * 1024;

/// The core connection settings for this server.
pub fn conn_config(shared: &Shared) -> ConnConfig {
    let o = &shared.opts;
    ConnConfig {
        limits: DecodeLimits {
            control_line_bytes_max: o.max_control_line as usize,
            payload_bytes_max: o.max_payload as usize,
        },
        auth_required: shared.auth.required(),
        auth_timeout: o.auth.timeout.unwrap_or(Duration::from_secs(2)),
        ping_interval: o.ping_interval,
        pings_out_max: o.ping_max,
        headers_supported: !o.no_header_support,
    }
}

/// Serves one accepted connection until it closes. Generic over the transport so TCP, TLS
/// and WebSocket streams share this path.
pub async fn serve<S>(shared: Arc<Shared>, stream: S, addr: SocketAddr)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let cid = shared.next_cid.fetch_add(1, Ordering::Relaxed);
    let mut info = shared.info.clone();
    info.connect_urls = shared.connect_urls();
    info.client_id = Some(cid);
    info.client_ip = Some(addr.ip().to_string());
    let mut conn = ServerConn::new(conn_config(&shared), &info, shared.now());
    let (rd, wr) = tokio::io::split(stream);
    let client = Client::new(cid, addr, shared.opts.max_pending as usize);

    let at_limit = lock(&shared.clients).len() >= shared.opts.max_connections as usize;
    if at_limit || shared.lame_duck.load(Ordering::Acquire) {
        conn.send_error(ProtoError::MaxConnectionsExceeded);
        let _ = client.enqueue(0, |b| {
            conn.transmit_into(b);
        });
        client.close(CloseKind::ServerShutdown);
        write_loop(shared.clone(), client, wr).await;
        warn!(cid, %addr, "maximum connections exceeded");
        return;
    }
    lock(&shared.clients).insert(cid, client.clone());
    shared
        .stats
        .total_connections
        .fetch_add(1, Ordering::Relaxed);
    debug!(cid, %addr, "client connection created");

    let writer = tokio::spawn(write_loop(shared.clone(), client.clone(), wr));
    read_loop(&shared, &client, &mut conn, rd).await;
    shared.remove_client(&client);
    let _ = writer.await;
    debug!(cid, %addr, reason = ?client.close_kind(), "client connection closed");
}

async fn read_loop<R: AsyncRead>(
    shared: &Arc<Shared>,
    client: &Arc<Client>,
    conn: &mut ServerConn,
    rd: R,
) {
    tokio::pin!(rd);
    let mut rbuf = BytesMut::new();
    let mut read_size = READ_BUF_MIN_BYTES;
    let mut closed = client.closed_watch();
    let mut cache = RouteCache::default();
    let mut flush = FlushList::default();
    loop {
        if conn.has_transmit() {
            // Control frames are tiny and must not be refused for size: hint 0.
            let _ = client.enqueue(0, |b| {
                conn.transmit_into(b);
            });
            flush.add(client);
        }
        if let Some(stalled) = flush.flush() {
            if !Arc::ptr_eq(&stalled, client) {
                let _ = tokio::time::timeout(STALL_WAIT_MAX, stalled.drained.notified()).await;
            }
        }
        if let Some(reason) = conn.close_reason() {
            close_for(shared, client, reason);
            return;
        }
        if client.close_kind().is_some() {
            return;
        }
        let deadline = conn
            .poll_timeout()
            .map(|t| shared.origin + Duration::from_nanos(t.0))
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        if rbuf.is_empty() && rbuf.capacity() > 4 * read_size {
            // Back to a small buffer once a burst is over.
            rbuf = BytesMut::new();
        }
        if rbuf.capacity() - rbuf.len() < read_size / 2 {
            rbuf.reserve(read_size);
        }
        let room = rbuf.capacity() - rbuf.len();
        tokio::select! {
            _ = closed.changed() => return,
            r = rd.read_buf(&mut rbuf) => match r {
                Ok(0) | Err(_) => {
                    client.close(CloseKind::ClientClosed);
                    return;
                }
                // Grow while reads fill the buffer, shrink when they are small (nats-server
                // adapts its read buffer the same way).
                Ok(n) if n >= room => read_size = (read_size * 2).min(READ_BUF_MAX_BYTES),
                Ok(n) if n < read_size / 4 => read_size = (read_size / 2).max(READ_BUF_MIN_BYTES),
                Ok(_) => {}
            },
            _ = tokio::time::sleep_until(deadline) => {
                conn.handle_timeout(shared.now());
                continue;
            }
        }
        let now = shared.now();
        let mut batch = InCounts::default();
        while let Some(ev) = conn.next_event(now, &mut rbuf) {
            if conn.has_transmit() {
                // Keep order: a `+OK` or `-ERR` for this operation precedes what it delivers.
                let _ = client.enqueue(0, |b| {
                    conn.transmit_into(b);
                });
                flush.add(client);
            }
            match ev {
                // The only event that waits (bcrypt runs off the executor).
                ConnEvent::Connect(info) => connect(shared, client, conn, *info).await,
                ev => handle_event(shared, client, conn, ev, &mut cache, &mut flush, &mut batch),
            }
        }
        batch.add_to(shared, client);
        lock(&client.meta).last_activity = Some(SystemTime::now());
    }
}

fn close_for(shared: &Shared, client: &Arc<Client>, reason: &ProtoError) {
    match reason {
        ProtoError::StaleConnection => {
            shared
                .stats
                .stale_connections
                .fetch_add(1, Ordering::Relaxed);
            debug!(cid = client.cid, "stale client connection, closing");
        }
        ProtoError::AuthorizationViolation | ProtoError::AuthenticationTimeout => {
            warn!(cid = client.cid, addr = %client.addr, "{reason}");
        }
        _ => info!(cid = client.cid, addr = %client.addr, "closing connection: {reason}"),
    }
    client.close(CloseKind::ProtocolViolation);
}

/// Inbound counters of one read batch, added to the shared atomics once per batch.
#[derive(Debug, Default)]
struct InCounts {
    msgs: u64,
    bytes: u64,
}

impl InCounts {
    fn add_to(&self, shared: &Shared, client: &Client) {
        if self.msgs > 0 {
            client.stats.in_msgs.fetch_add(self.msgs, Ordering::Relaxed);
            client
                .stats
                .in_bytes
                .fetch_add(self.bytes, Ordering::Relaxed);
            shared.stats.in_msgs.fetch_add(self.msgs, Ordering::Relaxed);
            shared
                .stats
                .in_bytes
                .fetch_add(self.bytes, Ordering::Relaxed);
        }
    }
}

/// Acts on one non-CONNECT event. Synchronous on purpose: the publish path must not build a
/// future per message.
#[inline]
fn handle_event(
    shared: &Arc<Shared>,
    client: &Arc<Client>,
    conn: &mut ServerConn,
    ev: ConnEvent,
    cache: &mut RouteCache,
    flush: &mut FlushList,
    batch: &mut InCounts,
) {
    match ev {
        ConnEvent::Publish(msg) => {
            batch.msgs += 1;
            batch.bytes +=
                msg.payload.len() as u64 + msg.headers.as_ref().map_or(0, |h| h.len() as u64);
            let no_responders = conn.options().no_responders;
            if is_system_subject(&msg.subject) && !client.system_account.load(Ordering::Acquire) {
                // As in nats-server, where these live in the system account: nobody in the
                // client's account listens.
                no_interest(client, no_responders, &msg, flush);
                return;
            }
            route(shared, cache, client, no_responders, &msg, flush);
        }
        ConnEvent::Subscribe {
            subject,
            queue,
            sid,
        } => {
            let result = subscribe(shared, client, subject, queue, sid);
            conn.subscribe_done(result);
        }
        ConnEvent::Unsubscribe { sid, max } => unsubscribe(shared, client, &sid, max),
        ConnEvent::Connect(_) => {}
    }
}

async fn connect(
    shared: &Arc<Shared>,
    client: &Arc<Client>,
    conn: &mut ServerConn,
    info: ConnectInfo,
) {
    let identity = if shared.auth.required() {
        let s = shared.clone();
        let ci = info.clone();
        tokio::task::spawn_blocking(move || s.auth.authenticate(&ci))
            .await
            .ok()
            .flatten()
    } else {
        shared.auth.authenticate(&info)
    };
    let Some(identity) = identity else {
        conn.reject_connect();
        return;
    };
    client.headers.store(
        info.headers && !shared.opts.no_header_support,
        Ordering::Relaxed,
    );
    client.echo.store(info.echo, Ordering::Relaxed);
    client
        .async_info
        .store(info.protocol >= 1, Ordering::Release);
    {
        let mut meta = lock(&client.meta);
        meta.name = info.name.clone();
        meta.lang = info.lang.clone();
        meta.version = info.version.clone();
        meta.user = identity.user;
        meta.account = identity.account.clone();
        client
            .system_account
            .store(identity.account == SYSTEM_ACCOUNT, Ordering::Release);
    }
    conn.accept_connect(info, &identity.account);
}

fn subscribe(
    shared: &Shared,
    client: &Arc<Client>,
    subject: Bytes,
    queue: Option<Bytes>,
    sid: Bytes,
) -> Result<(), ProtoError> {
    let mut subs = lock(&client.subs);
    if subs.contains_key(&sid) {
        return Ok(());
    }
    let max = shared.opts.max_subscriptions as usize;
    if max > 0 && subs.len() >= max {
        return Err(ProtoError::MaxSubscriptionsExceeded);
    }
    let sub = Arc::new(Subscription {
        target: SubTarget::Client(client.clone()),
        sid: sid.clone(),
        subject,
        queue,
        max: Default::default(),
        delivered: Default::default(),
        propagate: true,
        weight: 1.into(),
    });
    shared
        .add_subscription(&sub)
        .map_err(|_| ProtoError::InvalidSubject)?;
    subs.insert(sid, sub);
    Ok(())
}

fn unsubscribe(shared: &Shared, client: &Arc<Client>, sid: &Bytes, max: Option<u64>) {
    let mut subs = lock(&client.subs);
    let Some(sub) = subs.get(sid).cloned() else {
        return;
    };
    if let Some(max) = max.filter(|m| *m > 0) {
        sub.max.store(max, Ordering::Release);
        if sub.delivered.load(Ordering::Acquire) < max {
            return;
        }
    }
    subs.remove(sid);
    drop(subs);
    shared.remove_subscription(&sub);
}

/// Drains a client's (or route's) outbound buffer to the socket until the connection closes.
pub(crate) async fn write_loop<W: AsyncWrite>(shared: Arc<Shared>, client: Arc<Client>, wr: W) {
    tokio::pin!(wr);
    let deadline = shared.opts.write_deadline;
    let mut spare = BytesMut::new();
    loop {
        let closed = {
            let mut out = client.outbound();
            std::mem::swap(&mut out.buf, &mut spare);
            out.inflight = spare.len();
            out.closed
        };
        if !spare.is_empty() {
            if client.close_kind() == Some(CloseKind::SlowConsumer) {
                break;
            }
            match tokio::time::timeout(deadline, wr.write_all(&spare)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    client.close(CloseKind::ClientClosed);
                    break;
                }
                Err(_) => {
                    warn!(cid = client.cid, addr = %client.addr, "slow consumer detected: write deadline exceeded");
                    shared.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
                    client.close(CloseKind::SlowConsumer);
                    break;
                }
            }
            spare.clear();
            client.outbound().inflight = 0;
            client.drained.notify_waiters();
            if spare.capacity() > WRITE_BUF_KEEP_BYTES {
                spare = BytesMut::new();
            }
            continue;
        }
        if closed {
            break;
        }
        client.flush.notified().await;
    }
    if client.close_kind() == Some(CloseKind::SlowConsumer) {
        warn!(cid = client.cid, addr = %client.addr, "slow consumer detected: client disconnected");
    }
    let _ = wr.shutdown().await;
}

/// The system account's name.
pub const SYSTEM_ACCOUNT: &str = "$SYS";

/// Subjects only the system account reaches: server requests and JetStream's cluster-wide
/// administration (meta leader step-down, server removal).
pub fn is_system_subject(subject: &[u8]) -> bool {
    subject.starts_with(b"$SYS.")
        || subject.starts_with(b"$JS.API.META.")
        || subject.starts_with(b"$JS.API.SERVER.")
}
