//! Requests the server itself sends and waits for: the meta leader asking stream leaders for
//! their info, a new server probing its peers. A one-off inbox subscription, one publish, then
//! the first answer ([`request`]) or every answer within a wait ([`collect`]).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use rill_core::proto::Publish;
use tokio::sync::Notify;

use crate::server::client::InternalSink;
use crate::server::internal::InternalPublisher;
use crate::server::state::Shared;

/// Most answers one request keeps.
pub const ANSWERS_MAX: usize = 1024;
/// How long the inbox's interest is given to reach the other servers before asking.
const INTEREST_SPREAD_MS: u64 = 20;

#[derive(Debug, Default)]
struct Answers {
    got: Mutex<Vec<Bytes>>,
    arrived: Notify,
}

impl InternalSink for Answers {
    fn deliver(&self, msg: &Publish) -> bool {
        let mut got = self.got.lock().unwrap_or_else(PoisonError::into_inner);
        if got.len() < ANSWERS_MAX {
            got.push(msg.payload.clone());
        }
        self.arrived.notify_one();
        true
    }
}

/// Subscribes a fresh inbox, publishes the request and returns the answers sink and the
/// subscription (to remove when done).
async fn ask(
    shared: &Arc<Shared>,
    subject: &str,
    payload: Bytes,
) -> Option<(Arc<Answers>, Arc<crate::server::client::Subscription>)> {
    let inbox = format!(
        "_INBOX.rill.{}",
        crate::server::ids::random_token::<16>(b"abcdefghijklmnopqrstuvwxyz0123456789")
    );
    let answers = Arc::new(Answers::default());
    let sub = shared
        .subscribe_internal(&inbox, None, answers.clone())
        .ok()?;
    tokio::time::sleep(Duration::from_millis(INTEREST_SPREAD_MS)).await;
    let mut publisher = InternalPublisher::new(shared.clone());
    publisher.publish(&Publish {
        subject: Bytes::from(subject.to_string()),
        reply: Some(Bytes::from(inbox)),
        headers: None,
        payload,
    });
    publisher.flush();
    Some((answers, sub))
}

/// Sends `payload` to `subject` and returns the first reply within `timeout`.
pub async fn request(
    shared: &Arc<Shared>,
    subject: &str,
    payload: Bytes,
    timeout: Duration,
) -> Option<Bytes> {
    let (answers, sub) = ask(shared, subject, payload).await?;
    let first = tokio::time::timeout(timeout, async {
        loop {
            let notified = answers.arrived.notified();
            if let Some(b) = answers
                .got
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .first()
                .cloned()
            {
                return b;
            }
            notified.await;
        }
    })
    .await
    .ok();
    shared.unsubscribe_internal(&sub);
    first
}

/// Sends `payload` to `subject` and returns every reply received within `wait`.
pub async fn collect(
    shared: &Arc<Shared>,
    subject: &str,
    payload: Bytes,
    wait: Duration,
) -> Vec<Bytes> {
    let Some((answers, sub)) = ask(shared, subject, payload).await else {
        return Vec::new();
    };
    tokio::time::sleep(wait).await;
    shared.unsubscribe_internal(&sub);
    let got = answers
        .got
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    got
}
