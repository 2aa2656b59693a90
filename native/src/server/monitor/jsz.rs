//! `/jsz`: JetStream usage, asked of the JetStream service task (which owns the streams).

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::endpoints::rfc3339;
use super::Query;
use crate::jetstream::jsz::{JszOptions, JszRequest};
use crate::jetstream::service::Input;
use crate::server::state::Shared;

/// How long `/jsz` waits for the service before answering 503.
const JSZ_TIMEOUT: Duration = Duration::from_secs(5);

fn flag(q: &Query, key: &str) -> bool {
    q.get(key)
        .is_some_and(|v| matches!(v.as_str(), "true" | "1" | ""))
}

/// The `/jsz` document, or `disabled` when JetStream is off.
pub async fn jsz(shared: &Shared, q: &Query) -> (u16, Value) {
    shared.count_http("/jsz");
    let Some(tx) = shared.jetstream.get() else {
        return (
            200,
            json!({
                "server_id": shared.info.server_id,
                "now": rfc3339(SystemTime::now()),
                "disabled": true,
            }),
        );
    };
    let opts = JszOptions {
        accounts: flag(q, "accounts"),
        streams: flag(q, "streams"),
        consumers: flag(q, "consumers"),
        config: flag(q, "config"),
    };
    let (reply, answer) = oneshot::channel();
    if tx
        .send(Input::Jsz(JszRequest { opts, reply }))
        .await
        .is_err()
    {
        return (503, json!({"error": "JetStream is shutting down"}));
    }
    match tokio::time::timeout(JSZ_TIMEOUT, answer).await {
        Ok(Ok(doc)) => (200, doc),
        _ => (503, json!({"error": "JetStream did not answer"})),
    }
}
