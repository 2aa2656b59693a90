//! Asking a freshly started node whether it is up: its client port accepts connections and
//! its monitoring port answers `GET /healthz` with 200. A minimal HTTP/1.0 client over tokio
//! (the monitoring endpoints close the connection after the answer).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest answer read from a monitoring endpoint.
const ANSWER_BYTES_MAX: usize = 1 << 20;

/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a node said when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Client port open and `/healthz` answered 200.
    Ready,
    /// Something answered, but not yet healthy (the text says what).
    NotYet(String),
}

/// One `GET path` on `host:port`: (status code, body).
pub async fn http_get(host: &str, port: u16, path: &str) -> Result<(u16, String), String> {
    let fetch = async {
        let mut stream = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("monitoring port {port}: {e}"))?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("monitoring port {port}: {e}"))?;
        let mut answer = Vec::new();
        let mut limited = (&mut stream).take(ANSWER_BYTES_MAX as u64);
        limited
            .read_to_end(&mut answer)
            .await
            .map_err(|e| format!("monitoring port {port}: {e}"))?;
        parse_answer(&answer)
    };
    tokio::time::timeout(PROBE_TIMEOUT, fetch)
        .await
        .map_err(|_| format!("monitoring port {port}: no answer within 2s"))?
}

/// Splits an HTTP answer into status code and body.
fn parse_answer(answer: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "incomplete HTTP answer".to_string())?;
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad HTTP status line in {head:?}"))?;
    Ok((status, body.to_string()))
}

/// Whether the node on `host` with these ports is ready.
pub async fn health(host: &str, client_port: u16, http_port: u16) -> Health {
    let connect = TcpStream::connect((host, client_port));
    match tokio::time::timeout(PROBE_TIMEOUT, connect).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Health::NotYet(format!("client port {client_port}: {e}")),
        Err(_) => return Health::NotYet(format!("client port {client_port}: no answer")),
    }
    match http_get(host, http_port, "/healthz").await {
        Ok((200, _)) => Health::Ready,
        Ok((status, body)) => Health::NotYet(format!("/healthz {status}: {}", body.trim())),
        Err(e) => Health::NotYet(e),
    }
}

/// The number of routes a node reports on `/routez` (`num_routes`).
pub async fn routes(host: &str, http_port: u16) -> Result<u64, String> {
    let (status, body) = http_get(host, http_port, "/routez").await?;
    if status != 200 {
        return Err(format!("/routez answered {status}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("/routez is not JSON: {e}"))?;
    Ok(json.get("num_routes").and_then(|n| n.as_u64()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_split_into_status_and_body() {
        let (status, body) =
            parse_answer(b"HTTP/1.1 503 Service Unavailable\r\nA: b\r\n\r\n{\"status\":\"x\"}")
                .expect("parsed");
        assert_eq!(status, 503);
        assert_eq!(body, "{\"status\":\"x\"}");
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(parse_answer(b"garbage\r\n\r\n").is_err());
    }
}
