//! The monitoring HTTP endpoint (`http:` / `-m`): `/varz`, `/connz`, `/subsz`, `/healthz`,
//! `/routez`, with nats-server's JSON field names for the fields we fill.
//!
//! A deliberately small HTTP/1.1 server: GET only, one request per connection, bounded
//! request size, JSON (or JSONP with `?callback=`) out.

pub(crate) mod endpoints;
mod jsz;
mod routez;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::debug;

use super::state::Shared;

/// Largest request head accepted.
const REQUEST_BYTES_MAX: usize = 16 * 1024;
/// Time a client has to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts monitoring connections until shutdown.
pub async fn serve(shared: Arc<Shared>, listener: TcpListener) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            r = listener.accept() => if let Ok((stream, _)) = r {
                tokio::spawn(handle(shared.clone(), stream));
            }
        }
    }
}

/// Query parameters of a request.
pub type Query = HashMap<String, String>;

fn parse_query(q: &str) -> Query {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            return String::from_utf8(buf).ok();
        }
        if buf.len() > REQUEST_BYTES_MAX {
            return None;
        }
    }
}

async fn handle(shared: Arc<Shared>, mut stream: TcpStream) {
    let Ok(Some(head)) = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await else {
        return;
    };
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or("/"),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = parse_query(query);
    debug!(path, "monitoring request");
    let (status, body) = if method != "GET" && method != "HEAD" {
        (405, serde_json::json!({"error": "method not allowed"}))
    } else if path.trim_end_matches('/') == "/jsz" {
        jsz::jsz(&shared, &query).await
    } else {
        endpoints::dispatch(&shared, path, &query)
    };
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    let mut ctype = "application/json";
    if let Some(cb) = query
        .get("callback")
        .filter(|c| c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
    {
        text = format!("{cb}({text})");
        ctype = "application/javascript";
    }
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
