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
