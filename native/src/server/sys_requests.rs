//! Requests to the servers themselves on `$SYS.REQ.SERVER.*`, as nats-server answers them:
//! `$SYS.REQ.SERVER.PING.JSZ` (every server answers with its JetStream usage and, in a
//! cluster, the meta group) and `$SYS.REQ.SERVER.<id>.JSZ` (one server). Tools such as
//! `rill server report jetstream` gather a cluster's picture from them.
//!
//! Only clients of the system account reach these subjects (`connection.rs`,
//! `is_system_subject`), as with nats-server.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rill_core::proto::Publish;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::client::InternalSink;
use super::internal::publish_once;
use super::monitor::endpoints::rfc3339;
use super::state::Shared;
use crate::jetstream::jsz::{JszOptions, JszRequest};
use crate::jetstream::service::Input;

/// How long a server waits for its JetStream service before not answering.
const JSZ_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Jsz {
    shared: Arc<Shared>,
}

impl InternalSink for Jsz {
    fn deliver(&self, msg: &Publish) -> bool {
        let Some(reply) = msg.reply.clone() else {
            return false;
        };
        let shared = self.shared.clone();
        let opts = serde_json::from_slice::<Value>(&msg.payload).unwrap_or(Value::Null);
        tokio::spawn(async move {
            if let Some(body) = answer(&shared, &opts).await {
                publish_once(&shared, reply, Bytes::from(body.to_string()));
            }
        });
        true
    }
}

/// The `server` object every answer carries.
fn server_object(shared: &Shared) -> Value {
    let mut v = json!({
        "name": shared.info.server_name,
        "host": shared.info.host,
        "id": shared.info.server_id,
        "ver": shared.info.version,
        "jetstream": shared.jetstream.get().is_some(),
        "time": rfc3339(SystemTime::now()),
    });
    if let Some(c) = &shared.cluster {
        v["cluster"] = json!(c.name);
    }
    v
}

async fn answer(shared: &Arc<Shared>, opts: &Value) -> Option<Value> {
    let tx = shared.jetstream.get()?.clone();
    let flag = |k: &str| opts[k].as_bool().unwrap_or(false);
    let opts = JszOptions {
        accounts: flag("accounts"),
        streams: flag("streams"),
        consumers: flag("consumers"),
        config: flag("config"),
    };
    let (reply, rx) = oneshot::channel();
    tx.send(Input::Jsz(JszRequest { opts, reply })).await.ok()?;
    let data = tokio::time::timeout(JSZ_WAIT, rx).await.ok()?.ok()?;
    Some(json!({ "server": server_object(shared), "data": data }))
}

/// Subscribes the `$SYS.REQ.SERVER` requests this server answers.
pub fn start(shared: &Arc<Shared>) -> anyhow::Result<()> {
    let sink = Arc::new(Jsz {
        shared: shared.clone(),
    });
    shared.subscribe_internal("$SYS.REQ.SERVER.PING.JSZ", None, sink.clone())?;
    let own = format!("$SYS.REQ.SERVER.{}.JSZ", shared.info.server_id);
    shared.subscribe_internal(&own, None, sink)?;
    Ok(())
}
