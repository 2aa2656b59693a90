//! A fault-injecting TCP forwarder for partition tests.
//!
//! A [`Proxy`] listens on a loopback port chosen at run time and forwards every connection to
//! one target address, byte for byte in both directions. [`Proxy::cut`] closes every live
//! connection and refuses new ones (they are accepted and closed at once, so the port stays
//! ours); [`Proxy::heal`] forwards again. Clustered servers routed through one proxy per
//! directed peer pair can then be partitioned link by link (see `jscluster.rs`).
//!
//! The proxy runs on the caller's tokio runtime; dropping it stops the listener and closes
//! every connection it forwards.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a forwarded connection may take to reach the target before it is given up.
const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// State shared by the listener and the forwarding tasks.
#[derive(Debug)]
struct Shared {
    target: SocketAddr,
    cut: AtomicBool,
    /// Bumped by every `cut`; forwarding tasks close when it changes or the proxy is dropped.
    epoch: watch::Sender<u64>,
    accepted: AtomicU64,
    refused: AtomicU64,
}

/// A TCP forwarder from a local port to `target` that can be cut and healed.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: JoinHandle<()>,
}

impl Proxy {
    /// Binds `127.0.0.1:0` and starts forwarding to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind proxy listener");
        let addr = listener.local_addr().expect("proxy local addr");
        let (epoch, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            target,
            cut: AtomicBool::new(false),
            epoch,
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Proxy {
            addr,
            shared,
            listener: task,
        }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address connections are forwarded to.
    pub fn target(&self) -> SocketAddr {
        self.shared.target
    }

    /// Closes every live connection and refuses new ones until [`Proxy::heal`].
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        self.shared.epoch.send_modify(|e| *e += 1);
    }

    /// Forwards new connections again.
    pub fn heal(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// Whether the proxy is cut.
    pub fn is_cut(&self) -> bool {
        self.shared.cut.load(Ordering::SeqCst)
    }

    /// How many connections were forwarded so far.
    pub fn forwarded(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// How many connections were refused while cut.
    pub fn refused(&self) -> u64 {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.listener.abort();
        // Live connections watch the epoch: a final bump closes them.
        self.shared.epoch.send_modify(|e| *e += 1);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((inbound, _)) = listener.accept().await else {
            // Accept errors (e.g. out of descriptors) are transient; do not spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if shared.cut.load(Ordering::SeqCst) {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            drop(inbound);
            continue;
        }
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(forward(inbound, Arc::clone(&shared)));
    }
}

/// Copies bytes both ways until either side closes or the proxy is cut or dropped.
async fn forward(mut inbound: TcpStream, shared: Arc<Shared>) {
    let mut epoch = shared.epoch.subscribe();
    epoch.borrow_and_update();
    let connect = tokio::time::timeout(TARGET_CONNECT_TIMEOUT, TcpStream::connect(shared.target));
    let Ok(Ok(mut outbound)) = connect.await else {
        return;
    };
    // A cut between accept and connect must not leave this connection alive.
    if shared.cut.load(Ordering::SeqCst) {
        return;
    }
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = epoch.changed() => {}
    }
    // Dropping both streams closes them; a cut peer sees the connection end.
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = sock.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn round_trip(addr: SocketAddr) -> std::io::Result<Vec<u8>> {
        let mut sock = TcpStream::connect(addr).await?;
        sock.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        sock.read_exact(&mut buf).await?;
        Ok(buf.to_vec())
    }

    #[tokio::test]
    async fn proxy_forwards_refuses_while_cut_and_forwards_again_after_heal() {
        let proxy = Proxy::start(echo_server().await).await;
        assert_eq!(round_trip(proxy.addr()).await.expect("forwarded"), b"ping");

        let mut live = TcpStream::connect(proxy.addr()).await.expect("connect");
        live.write_all(b"x").await.expect("write");
        let mut one = [0u8; 1];
        live.read_exact(&mut one).await.expect("echo");
        proxy.cut();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), live.read_to_end(&mut rest));
        assert!(closed.await.is_ok(), "a live connection is closed by cut");
        assert!(round_trip(proxy.addr()).await.is_err(), "cut refuses");
        assert!(proxy.refused() >= 1);

        proxy.heal();
        assert_eq!(round_trip(proxy.addr()).await.expect("healed"), b"ping");
        assert_eq!(proxy.forwarded(), 3);
    }
}
