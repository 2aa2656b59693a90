//! A TCP proxy on loopback that tests put in front of a server's port to cut its links.

use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection on its own port to a target port; [`TcpProxy::cut`] drops them.
#[derive(Debug)]
pub struct TcpProxy {
    /// The port clients dial.
    pub port: u16,
    listener: Option<TcpListener>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: Option<JoinHandle<()>>,
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
        }
    }

    /// Starts forwarding connections to `127.0.0.1:<target>`.
    pub fn forward_to(&mut self, target: u16) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        let links = self.links.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                if let Ok(mut l) = links.lock() {
                    l.push(link);
                }
            }
        }));
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
