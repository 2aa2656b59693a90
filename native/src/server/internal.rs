//! Subscribers and publishers inside the server: how JetStream (and later system services)
//! take part in routing without a socket.
//!
//! An internal subscription sits in the same interest index as client subscriptions, so a
//! client's publish reaches it through the normal path; its messages go to an
//! [`InternalSink`] instead of an outbound buffer. An [`InternalPublisher`] routes messages
//! from the server's own pseudo-client, batching receiver flushes like a reader task does.

use std::sync::Arc;

use bytes::Bytes;
use rill_core::proto::Publish;

use super::client::{lock, FlushList, InternalSink, SubTarget, Subscription};
use super::deliver::{route, route_to, RouteCache};
use super::state::Shared;

impl Shared {
    /// Subscribes `sink` to `subject` (optionally in queue group `queue`). The interest is
    /// announced to the other servers of the cluster, so their clients' (and internal
    /// publishers') messages reach it over routes.
    pub fn subscribe_internal(
        &self,
        subject: &str,
        queue: Option<&str>,
        sink: Arc<dyn InternalSink>,
    ) -> Result<Arc<Subscription>, rill_core::sublist::SublistError> {
        self.subscribe_internal_with(subject, queue, sink, true)
    }

    /// Like [`Shared::subscribe_internal`], but only this server's publishers reach it: the
    /// interest is not announced to routes.
    pub fn subscribe_internal_local(
        &self,
        subject: &str,
        queue: Option<&str>,
        sink: Arc<dyn InternalSink>,
    ) -> Result<Arc<Subscription>, rill_core::sublist::SublistError> {
        self.subscribe_internal_with(subject, queue, sink, false)
    }

    fn subscribe_internal_with(
        &self,
        subject: &str,
        queue: Option<&str>,
        sink: Arc<dyn InternalSink>,
        propagate: bool,
    ) -> Result<Arc<Subscription>, rill_core::sublist::SublistError> {
        let sub = Arc::new(Subscription {
            propagate,
            weight: 1.into(),
            target: SubTarget::Internal(sink),
            sid: Bytes::new(),
            subject: Bytes::copy_from_slice(subject.as_bytes()),
            queue: queue.map(|q| Bytes::copy_from_slice(q.as_bytes())),
            max: Default::default(),
            delivered: Default::default(),
        });
        self.add_subscription(&sub)?;
        lock(&self.internal_subs).push(sub.clone());
        Ok(sub)
    }

    /// Removes an internal subscription.
    pub fn unsubscribe_internal(&self, sub: &Arc<Subscription>) {
        self.remove_subscription(sub);
        lock(&self.internal_subs).retain(|s| !Arc::ptr_eq(s, sub));
    }
}

/// Publishes on behalf of the server. Keep one per task: it carries a route cache.
#[derive(Debug)]
pub struct InternalPublisher {
    shared: Arc<Shared>,
    cache: RouteCache,
    flush: FlushList,
    /// Sends nothing while set (see [`InternalPublisher::set_muted`]).
    muted: bool,
}

impl InternalPublisher {
    /// A publisher for `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        InternalPublisher {
            shared,
            cache: RouteCache::default(),
            flush: FlushList::default(),
            muted: false,
        }
    }

    /// While muted, `publish` and `deliver_to` send nothing and return 0: a replica applying
    /// a replicated JetStream entry computes what the leader computes but only the leader
    /// answers and delivers.
    pub fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
    }

    /// Whether the publisher is muted.
    pub fn muted(&self) -> bool {
        self.muted
    }

    /// Routes one message; receivers are woken on [`InternalPublisher::flush`]. Returns the
    /// number of deliveries.
    pub fn publish(&mut self, msg: &Publish) -> usize {
        if self.muted {
            return 0;
        }
        let from = self.shared.system_client.clone();
        route(
            &self.shared,
            &mut self.cache,
            &from,
            false,
            msg,
            &mut self.flush,
        )
    }

    /// Routes `msg` to the subscribers of `to`, showing `msg.subject` in the frames.
    pub fn deliver_to(&mut self, to: &Bytes, msg: &Publish) -> usize {
        if self.muted {
            return 0;
        }
        let from = self.shared.system_client.clone();
        route_to(
            &self.shared,
            &mut self.cache,
            &from,
            false,
            to,
            msg,
            &mut self.flush,
        )
    }

    /// Whether anything subscribes to `subject` (push consumers deliver only then).
    pub fn has_interest(&mut self, subject: &Bytes) -> bool {
        !lock(&self.shared.sublist).matches(subject).is_empty()
    }

    /// Wakes the writers of every receiver of the messages published since the last flush.
    pub fn flush(&mut self) {
        let _ = self.flush.flush();
    }
}

/// Publishes one message with no reply subject on behalf of `shared` (an answer to a request
/// received by an internal subscriber) and wakes its receivers.
pub fn publish_once(shared: &Arc<Shared>, subject: Bytes, payload: Bytes) {
    let mut p = InternalPublisher::new(shared.clone());
    p.publish(&Publish {
        subject,
        reply: None,
        headers: None,
        payload,
    });
    p.flush();
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use futures::StreamExt;

    use super::*;
    use crate::options::ServerOptions;
    use crate::server::Server;

    #[derive(Debug, Default)]
    struct Collect(Mutex<Vec<Publish>>);

    impl InternalSink for Collect {
        fn deliver(&self, msg: &Publish) -> bool {
            self.0.lock().unwrap().push(msg.clone());
            true
        }
    }

    async fn server() -> (Server, async_nats::Client) {
        let opts = ServerOptions {
            host: "127.0.0.1".into(),
            port: -1,
            ..ServerOptions::default()
        };
        let server = Server::start(opts).await.unwrap();
        let client = async_nats::connect(format!("nats://{}", server.client_addr))
            .await
            .unwrap();
        (server, client)
    }

    #[tokio::test]
    async fn internal_subscriber_receives_client_publishes() {
        let (server, client) = server().await;
        let sink = Arc::new(Collect::default());
        let sub = server
            .shared
            .subscribe_internal("orders.>", None, sink.clone())
            .unwrap();
        client.publish("orders.new", "a".into()).await.unwrap();
        client.publish("other", "b".into()).await.unwrap();
        // A request round trip through the server orders our publishes before the check.
        let mut inbox = client.subscribe("sync").await.unwrap();
        client.publish("sync", "".into()).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), inbox.next())
            .await
            .unwrap();
        let got = sink.0.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(&got[0].subject[..], b"orders.new");
        server.shared.unsubscribe_internal(&sub);
        client.publish("orders.new", "c".into()).await.unwrap();
        client.publish("sync", "".into()).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), inbox.next())
            .await
            .unwrap();
        assert_eq!(sink.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn internal_publisher_reaches_client_subscribers() {
        let (server, client) = server().await;
        let mut sub = client.subscribe("events.*").await.unwrap();
        client.flush().await.unwrap();
        let mut publisher = InternalPublisher::new(server.shared.clone());
        let msg = Publish {
            subject: Bytes::from_static(b"events.x"),
            reply: None,
            headers: None,
            payload: Bytes::from_static(b"hi"),
        };
        // The SUB may still be in flight: publish until it lands.
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                publisher.publish(&msg);
                publisher.flush();
                if let Ok(Some(m)) =
                    tokio::time::timeout(Duration::from_millis(50), sub.next()).await
                {
                    return m;
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(&got.payload[..], b"hi");
    }

    #[tokio::test]
    async fn deliver_to_routes_by_inbox_but_shows_the_original_subject() {
        let (server, client) = server().await;
        let mut sub = client.subscribe("inbox.1").await.unwrap();
        client.flush().await.unwrap();
        let mut publisher = InternalPublisher::new(server.shared.clone());
        let msg = Publish {
            subject: Bytes::from_static(b"orders.x"),
            reply: Some(Bytes::from_static(b"$JS.ACK.S.C.1.1.1.0.0")),
            headers: None,
            payload: Bytes::from_static(b"hi"),
        };
        let to = Bytes::from_static(b"inbox.1");
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                // The SUB may still be in flight: deliver until it has interest and lands.
                if !publisher.has_interest(&to) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                publisher.deliver_to(&to, &msg);
                publisher.flush();
                if let Ok(Some(m)) =
                    tokio::time::timeout(Duration::from_millis(50), sub.next()).await
                {
                    return m;
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(got.subject.as_str(), "orders.x");
        assert_eq!(got.reply.as_deref(), Some("$JS.ACK.S.C.1.1.1.0.0"));
    }
}
