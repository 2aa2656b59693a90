//! `/routez` and the `cluster` section of `/varz`, in nats-server's JSON shape.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::endpoints::{go_duration, rfc3339};
use super::Query;
use crate::cluster::Route;
use crate::server::client::lock;
use crate::server::state::Shared;

/// `/routez` (`?subs=1` adds each route's `subscriptions_list`).
pub fn routez(shared: &Shared, q: &Query) -> Value {
    let with_subs = q
        .get("subs")
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "detail"));
    let now = SystemTime::now();
    let mut routes = shared
        .cluster
        .as_ref()
        .map(|c| c.routes())
        .unwrap_or_default();
    routes.sort_by_key(|r| r.rid);
    let list: Vec<Value> = routes
        .iter()
        .map(|r| route_json(r, with_subs, now))
        .collect();
    json!({
        "server_id": shared.info.server_id,
        "server_name": shared.info.server_name,
        "now": rfc3339(now),
        "num_routes": list.len(),
        "routes": list,
    })
}

fn route_json(r: &Route, with_subs: bool, now: SystemTime) -> Value {
    let remote = r.remote.get().cloned().unwrap_or_default();
    let c = &r.conn;
    let last = lock(&c.meta).last_activity.unwrap_or(c.start);
    let mut v = json!({
        "rid": r.rid,
        "remote_id": remote.server_id,
        "remote_name": remote.server_name,
        "did_solicit": r.did_solicit,
        "is_configured": r.is_configured,
        "ip": c.addr.ip().to_string(),
        "port": c.addr.port(),
        "start": rfc3339(c.start),
        "last_activity": rfc3339(last),
        "uptime": go_duration(now.duration_since(c.start).unwrap_or_default()),
        "idle": go_duration(now.duration_since(last).unwrap_or_default()),
        "pending_size": c.pending_bytes(),
        "in_msgs": c.stats.in_msgs.load(Ordering::Relaxed),
        "out_msgs": c.stats.out_msgs.load(Ordering::Relaxed),
        "in_bytes": c.stats.in_bytes.load(Ordering::Relaxed),
        "out_bytes": c.stats.out_bytes.load(Ordering::Relaxed),
        "subscriptions": r.remote_sub_count(),
    });
    if with_subs {
        let mut subs: Vec<String> = lock(&r.remote_subs)
            .keys()
            .map(|(subject, queue)| match queue {
                Some(q) => format!(
                    "{} {}",
                    String::from_utf8_lossy(subject),
                    String::from_utf8_lossy(q)
                ),
                None => String::from_utf8_lossy(subject).into_owned(),
            })
            .collect();
        subs.sort();
        v["subscriptions_list"] = json!(subs);
    }
    v
}

/// The `cluster` object of `/varz` (empty when no cluster is configured, as nats-server).
pub fn varz_cluster(shared: &Shared) -> Value {
    let Some(c) = &shared.cluster else {
        return json!({});
    };
    let urls: Vec<String> = c.config.routes.iter().map(|r| r.url.clone()).collect();
    json!({
        "name": c.name,
        "addr": c.listen_addr.ip().to_string(),
        "cluster_port": c.listen_addr.port(),
        "auth_timeout": 2,
        "urls": urls,
        "pool_size": 1,
    })
}
