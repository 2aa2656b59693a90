//! A TCP proxy on loopback that tests put in front of a server's port to cut its links.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection on its own port to a target port; [`TcpProxy::cut`] drops them,
/// [`TcpProxy::freeze`] keeps them open but silent (a peer that stopped answering).
#[derive(Debug)]
pub struct TcpProxy {
    /// The port clients dial.
    pub port: u16,
    listener: Option<TcpListener>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: Option<JoinHandle<()>>,
    frozen: Arc<AtomicBool>,
}

/// Copies one direction, holding bytes back while frozen.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, frozen: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl TcpProxy {
    /// Binds a random loopback port; call [`TcpProxy::forward_to`] once the target is known.
    pub async fn bind() -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        TcpProxy {
            port,
            listener: Some(listener),
            links: Arc::default(),
            accept: None,
            frozen: Arc::default(),
        }
    }

    /// Starts forwarding connections to `127.0.0.1:<target>`.
    pub fn forward_to(&mut self, target: u16) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        let links = self.links.clone();
        let frozen = self.frozen.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let frozen = frozen.clone();
                let link = tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await {
                        let (ri, wi) = inbound.into_split();
                        let (ro, wo) = outbound.into_split();
                        tokio::select! {
                            _ = pump(ri, wo, frozen.clone()) => {}
                            _ = pump(ro, wi, frozen) => {}
                        }
                    }
                });
                if let Ok(mut l) = links.lock() {
                    l.push(link);
                }
            }
        }));
    }

    /// Stops forwarding bytes (both ways, all links, new ones too) without closing anything.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::Release);
    }

    /// Forwards again, held bytes first.
    pub fn thaw(&self) {
        self.frozen.store(false, Ordering::Release);
    }

    /// Drops every connection made through the proxy so far (new ones still go through).
    pub fn cut(&self) {
        if let Ok(mut l) = self.links.lock() {
            for link in l.drain(..) {
                link.abort();
            }
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        if let Some(a) = self.accept.take() {
            a.abort();
        }
    }
}
