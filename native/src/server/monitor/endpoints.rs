//! The JSON documents of each monitoring path.

use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::Query;
use crate::logging::civil_utc;
use crate::server::client::{lock, Client};
use crate::server::state::Shared;

/// Go `time.Time` JSON form: RFC 3339 with nanoseconds, UTC.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (y, mo, day, h, mi, s) = civil_utc(d.as_secs());
    format!(
        "{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}.{:09}Z",
        d.subsec_nanos()
    )
}

/// Go duration string like nats-server's uptime (`1h2m3s`, `4s`).
pub fn go_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    let (days, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    match (days, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m{sec}s"),
        (0, _, _) => format!("{h}h{m}m{sec}s"),
        _ => format!("{days}d{h}h{m}m{sec}s"),
    }
}

/// Routes a path to its document. Returns the HTTP status and body.
pub fn dispatch(shared: &Shared, path: &str, q: &Query) -> (u16, Value) {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    shared.count_http(path);
    match path {
        "/" => (
            200,
            json!({"endpoints": ["/varz", "/connz", "/routez", "/subsz", "/healthz", "/jsz"]}),
        ),
        "/varz" => (200, varz(shared)),
        "/connz" => (200, connz(shared, q)),
        "/subsz" | "/subscriptionsz" => (200, subsz(shared, q)),
        "/routez" => (200, super::routez::routez(shared, q)),
        "/healthz" => healthz(shared),
        _ => (
            404,
            json!({"error": format!("unknown monitoring path {path}")}),
        ),
    }
}

/// `offset` and `limit` query parameters (nats-server's default limit is 1024).
fn paging(q: &Query) -> (usize, usize) {
    let num = |k: &str, d: usize| q.get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(d);
    (num("offset", 0), num("limit", 1024))
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn varz(shared: &Shared) -> Value {
    let o = &shared.opts;
    let st = &shared.stats;
    let now = SystemTime::now();
    let uptime = now.duration_since(shared.start).unwrap_or_default();
    let (http_host, http_port) = o.http.clone().unwrap_or_default();
    json!({
        "server_id": shared.info.server_id,
        "server_name": shared.info.server_name,
        "version": shared.info.version,
        "proto": 1,
        "go": shared.info.go,
        "host": o.host,
        "port": shared.info.port,
        "auth_required": shared.auth.required(),
        "max_connections": o.max_connections,
        "max_subscriptions": o.max_subscriptions,
        "ping_interval": o.ping_interval.as_nanos() as u64,
        "ping_max": o.ping_max,
        "http_host": http_host,
        "http_port": http_port,
        "auth_timeout": o.auth.timeout.map_or(2.0, |t| t.as_secs_f64()),
        "max_control_line": o.max_control_line,
        "max_payload": o.max_payload,
        "max_pending": o.max_pending,
        "write_deadline": o.write_deadline.as_nanos() as u64,
        "connect_urls": shared.connect_urls(),
        "cluster": super::routez::varz_cluster(shared),
        "start": rfc3339(shared.start),
        "now": rfc3339(now),
        "uptime": go_duration(uptime),
        "mem": rss_bytes(),
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "connections": lock(&shared.clients).len(),
        "total_connections": st.total_connections.load(Ordering::Relaxed),
        "routes": shared.cluster.as_ref().map_or(0, |c| c.routes().len()),
        "remotes": 0,
        "leafnodes": 0,
        "in_msgs": st.in_msgs.load(Ordering::Relaxed),
        "out_msgs": st.out_msgs.load(Ordering::Relaxed),
        "in_bytes": st.in_bytes.load(Ordering::Relaxed),
        "out_bytes": st.out_bytes.load(Ordering::Relaxed),
        "slow_consumers": st.slow_consumers.load(Ordering::Relaxed),
        "stale_connections": st.stale_connections.load(Ordering::Relaxed),
        "subscriptions": lock(&shared.sublist).count(),
        "http_req_stats": *lock(&shared.http_req_stats),
        "config_load_time": rfc3339(shared.start),
        "system_account": "$SYS",
        "slow_consumer_stats": {"clients": st.slow_consumers.load(Ordering::Relaxed), "routes": 0, "gateways": 0, "leafs": 0},
    })
}

fn conn_json(c: &Client, subs: Option<&str>, now: SystemTime) -> Value {
    let meta = lock(&c.meta).clone();
    let last = meta.last_activity.unwrap_or(c.start);
    let subs_list = c.subscriptions();
    let mut v = json!({
        "cid": c.cid,
        "kind": "Client",
        "type": "nats",
        "ip": c.addr.ip().to_string(),
        "port": c.addr.port(),
        "start": rfc3339(c.start),
        "last_activity": rfc3339(last),
        "uptime": go_duration(now.duration_since(c.start).unwrap_or_default()),
        "idle": go_duration(now.duration_since(last).unwrap_or_default()),
        "pending_bytes": c.pending_bytes(),
        "in_msgs": c.stats.in_msgs.load(Ordering::Relaxed),
        "out_msgs": c.stats.out_msgs.load(Ordering::Relaxed),
        "in_bytes": c.stats.in_bytes.load(Ordering::Relaxed),
        "out_bytes": c.stats.out_bytes.load(Ordering::Relaxed),
        "subscriptions": subs_list.len(),
        "name": meta.name.unwrap_or_default(),
        "lang": meta.lang.unwrap_or_default(),
        "version": meta.version.unwrap_or_default(),
        "account": meta.account,
    });
    if let Some(u) = meta.user {
        v["authorized_user"] = json!(u);
    }
    match subs {
        Some("detail") => {
            v["subscriptions_list_detail"] = subs_list
                .iter()
                .map(|s| {
                    json!({
                        "account": "$G",
                        "subject": String::from_utf8_lossy(&s.subject),
                        "qgroup": s.queue.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()),
                        "sid": String::from_utf8_lossy(&s.sid),
                        "msgs": s.delivered.load(Ordering::Relaxed),
                        "max": s.max.load(Ordering::Relaxed),
                        "cid": c.cid,
                    })
                })
                .collect();
        }
        Some(_) => {
            v["subscriptions_list"] = subs_list
                .iter()
                .map(|s| String::from_utf8_lossy(&s.subject).into_owned())
                .collect();
        }
        None => {}
    }
    v
}

fn connz(shared: &Shared, q: &Query) -> Value {
    let now = SystemTime::now();
    let mut clients = shared.client_list();
    if let Some(cid) = q.get("cid").and_then(|c| c.parse::<u64>().ok()) {
        clients.retain(|c| c.cid == cid);
    }
    match q.get("sort").map(String::as_str) {
        Some("subs") => clients.sort_by_key(|c| std::cmp::Reverse(lock(&c.subs).len())),
        Some("msgs_to") => {
            clients.sort_by_key(|c| std::cmp::Reverse(c.stats.out_msgs.load(Ordering::Relaxed)))
        }
        Some("msgs_from") => {
            clients.sort_by_key(|c| std::cmp::Reverse(c.stats.in_msgs.load(Ordering::Relaxed)))
        }
        Some("bytes_to") => {
            clients.sort_by_key(|c| std::cmp::Reverse(c.stats.out_bytes.load(Ordering::Relaxed)))
        }
        Some("bytes_from") => {
            clients.sort_by_key(|c| std::cmp::Reverse(c.stats.in_bytes.load(Ordering::Relaxed)))
        }
        Some("pending") => clients.sort_by_key(|c| std::cmp::Reverse(c.pending_bytes())),
        _ => clients.sort_by_key(|c| c.cid),
    }
    let total = clients.len();
    let (offset, limit) = paging(q);
    let subs = match q.get("subs").map(String::as_str) {
        Some("detail") => Some("detail"),
        Some("1") | Some("true") => Some("list"),
        _ => None,
    };
    let conns: Vec<Value> = clients
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| conn_json(c, subs, now))
        .collect();
    json!({
        "server_id": shared.info.server_id,
        "now": rfc3339(now),
        "num_connections": conns.len(),
        "total": total,
        "offset": offset,
        "limit": limit,
        "connections": conns,
    })
}

fn subsz(shared: &Shared, q: &Query) -> Value {
    let st = lock(&shared.sublist).stats();
    let hit_rate = if st.matches == 0 {
        0.0
    } else {
        st.cache_hits as f64 / st.matches as f64
    };
    let mut v = json!({
        "server_id": shared.info.server_id,
        "now": rfc3339(SystemTime::now()),
        "num_subscriptions": st.subscriptions,
        "num_cache": st.cache_entries,
        "num_inserts": st.inserts,
        "num_removes": st.removes,
        "num_matches": st.matches,
        "cache_hit_rate": hit_rate,
    });
    if matches!(
        q.get("subs").map(String::as_str),
        Some("1") | Some("true") | Some("detail")
    ) {
        let (offset, limit) = paging(q);
        let all: Vec<Value> = shared
            .client_list()
            .iter()
            .flat_map(|c| c.subscriptions().into_iter().map(move |s| (c.cid, s)))
            .filter(|(_, s)| q.get("test").is_none_or(|t| rill_core::subject::matches(&s.subject, t.as_bytes())))
            .map(|(cid, s)| {
                json!({"account": "$G", "subject": String::from_utf8_lossy(&s.subject),
                       "qgroup": s.queue.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()),
                       "sid": String::from_utf8_lossy(&s.sid), "msgs": s.delivered.load(Ordering::Relaxed), "cid": cid})
            })
            .collect();
        v["total"] = json!(all.len());
        v["offset"] = json!(offset);
        v["limit"] = json!(limit);
        v["subscriptions_list"] = Value::Array(all.into_iter().skip(offset).take(limit).collect());
    }
    v
}

fn healthz(shared: &Shared) -> (u16, Value) {
    if shared.lame_duck.load(Ordering::Acquire) {
        return (
            503,
            json!({"status": "unavailable", "error": "server is in lame duck mode"}),
        );
    }
    // Clustered JetStream is healthy once a meta leader is known (as nats-server says).
    let clustered = shared.opts.jetstream.enabled && shared.cluster.is_some();
    let leader_known = shared
        .jetstream_meta
        .read()
        .is_ok_and(|m| m.as_ref().is_some_and(|m| m.leader.is_some()));
    if clustered && !leader_known {
        return (
            503,
            json!({"status": "unavailable", "error": "JetStream has not established contact with a meta leader"}),
        );
    }
    (200, json!({"status": "ok"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_like_go() {
        let t = UNIX_EPOCH + std::time::Duration::new(1_764_042_645, 5);
        assert_eq!(rfc3339(t), "2025-11-25T03:50:45.000000005Z");
        assert_eq!(go_duration(std::time::Duration::from_secs(3723)), "1h2m3s");
        assert_eq!(go_duration(std::time::Duration::from_secs(4)), "4s");
    }
}
