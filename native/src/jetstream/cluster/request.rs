//! Requests the server itself sends and waits for (the meta leader asking stream leaders for
//! their info): a one-off inbox subscription, one publish, the first answer or a timeout.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use rill_core::proto::Publish;
use tokio::sync::oneshot;

use crate::server::client::InternalSink;
use crate::server::internal::InternalPublisher;
use crate::server::state::Shared;

#[derive(Debug)]
struct Once(Mutex<Option<oneshot::Sender<Bytes>>>);

impl InternalSink for Once {
    fn deliver(&self, msg: &Publish) -> bool {
        if let Some(tx) = self.0.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = tx.send(msg.payload.clone());
        }
        true
    }
}

/// Sends `payload` to `subject` and returns the first reply within `timeout`.
pub async fn request(
    shared: &Arc<Shared>,
    subject: &str,
    payload: Bytes,
    timeout: Duration,
) -> Option<Bytes> {
    let inbox = format!(
        "_INBOX.rill.{}",
        crate::server::ids::random_token::<16>(b"abcdefghijklmnopqrstuvwxyz0123456789")
    );
    let (tx, rx) = oneshot::channel();
    let sub = shared
        .subscribe_internal(&inbox, None, Arc::new(Once(Mutex::new(Some(tx)))))
        .ok()?;
    // Let the inbox's interest reach the other servers before asking.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut publisher = InternalPublisher::new(shared.clone());
    publisher.publish(&Publish {
        subject: Bytes::from(subject.to_string()),
        reply: Some(Bytes::from(inbox)),
        headers: None,
        payload,
    });
    publisher.flush();
    let answer = tokio::time::timeout(timeout, rx)
        .await
        .ok()
        .and_then(Result::ok);
    shared.unsubscribe_internal(&sub);
    answer
}

#[derive(Debug)]
struct Many(Mutex<Vec<Bytes>>);

impl InternalSink for Many {
    fn deliver(&self, msg: &Publish) -> bool {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if all.len() < ANSWERS_MAX {
            all.push(msg.payload.clone());
        }
        true
    }
}

/// Most answers [`collect`] keeps.
pub const ANSWERS_MAX: usize = 1024;

/// Sends `payload` to `subject` and returns every reply received within `wait`.
pub async fn collect(
    shared: &Arc<Shared>,
    subject: &str,
    payload: Bytes,
    wait: Duration,
) -> Vec<Bytes> {
    let inbox = format!(
        "_INBOX.rill.{}",
        crate::server::ids::random_token::<16>(b"abcdefghijklmnopqrstuvwxyz0123456789")
    );
    let sink = Arc::new(Many(Mutex::new(Vec::new())));
    let Ok(sub) = shared.subscribe_internal(&inbox, None, sink.clone()) else {
        return Vec::new();
    };
    // Let the inbox's interest reach the other servers before asking.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut publisher = InternalPublisher::new(shared.clone());
    publisher.publish(&Publish {
        subject: Bytes::from(subject.to_string()),
        reply: Some(Bytes::from(inbox)),
        headers: None,
        payload,
    });
    publisher.flush();
    tokio::time::sleep(wait).await;
    shared.unsubscribe_internal(&sub);
    let answers = sink
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    answers
}
