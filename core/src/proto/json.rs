//! The JSON bodies of INFO and CONNECT, with nats-server's field names.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// The server's `INFO` (fields nats-server marks omitempty are skipped when empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Server id: 56 characters starting with `N`.
    pub server_id: String,
    /// Server name (defaults to the id).
    pub server_name: String,
    /// Version reported to clients (clients gate features on it).
    pub version: String,
    /// Protocol version (1).
    pub proto: i8,
    /// Runtime description (nats-server sends its Go version).
    pub go: String,
    /// Listen host.
    pub host: String,
    /// Listen port.
    pub port: u16,
    /// Headers supported.
    pub headers: bool,
    /// Largest payload accepted.
    pub max_payload: usize,
    /// Clients must authenticate.
    #[serde(default, skip_serializing_if = "is_false")]
    pub auth_required: bool,
    /// TLS required.
    #[serde(default, skip_serializing_if = "is_false")]
    pub tls_required: bool,
    /// TLS available.
    #[serde(default, skip_serializing_if = "is_false")]
    pub tls_available: bool,
    /// JetStream enabled.
    #[serde(default, skip_serializing_if = "is_false")]
    pub jetstream: bool,
    /// The connection's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<u64>,
    /// The client's IP as the server sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// Nonce to sign (NKEY/JWT auth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// JetStream domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Client URLs of the cluster (`host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    /// Lame duck mode: clients should reconnect elsewhere.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ldm: bool,
    /// Set on the INFO sent after the first PONG.
    #[serde(default, skip_serializing_if = "is_false")]
    pub connect_info: bool,
    /// Account the connection is bound to (post-CONNECT INFO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_account: Option<String>,
    /// The account is the system account.
    #[serde(default, skip_serializing_if = "is_false")]
    pub acc_is_sys: bool,
    /// JetStream API level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_lvl: Option<u32>,
}

fn yes() -> bool {
    true
}

/// A client's `CONNECT` options. Absent booleans default as in nats-server
/// (`verbose`, `pedantic` and `echo` default to true).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectInfo {
    /// Acknowledge each operation with `+OK`.
    #[serde(default = "yes")]
    pub verbose: bool,
    /// Extra checks (publish subjects).
    #[serde(default = "yes")]
    pub pedantic: bool,
    /// Client requires TLS.
    #[serde(default)]
    pub tls_required: bool,
    /// Token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// User.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    /// NKEY public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    /// User JWT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// Nonce signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// Client name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Client language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Client library version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Protocol: 0 original, 1 async INFO.
    #[serde(default)]
    pub protocol: i32,
    /// Deliver this connection's own messages to its subscriptions.
    #[serde(default = "yes")]
    pub echo: bool,
    /// Client supports headers.
    #[serde(default)]
    pub headers: bool,
    /// Client wants 503 no-responders statuses.
    #[serde(default)]
    pub no_responders: bool,
    /// Legacy account field (any value is an authorization violation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Default for ConnectInfo {
    fn default() -> Self {
        ConnectInfo {
            verbose: true,
            pedantic: true,
            tls_required: false,
            auth_token: None,
            user: None,
            pass: None,
            nkey: None,
            jwt: None,
            sig: None,
            name: None,
            lang: None,
            version: None,
            protocol: 0,
            echo: true,
            headers: false,
            no_responders: false,
            account: None,
        }
    }
}

/// The `INFO` servers exchange on a route (nats-server's field names). Also sent on an
/// established route to tell the peer about another server of the cluster (gossip): then
/// `server_id` is that other server's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteInfo {
    /// The described server's id.
    pub server_id: String,
    /// The described server's name.
    #[serde(default)]
    pub server_name: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Protocol version.
    #[serde(default)]
    pub proto: i8,
    /// Route listen host.
    #[serde(default)]
    pub host: String,
    /// Route listen port.
    #[serde(default)]
    pub port: u16,
    /// Headers supported.
    #[serde(default)]
    pub headers: bool,
    /// Largest payload accepted.
    #[serde(default)]
    pub max_payload: usize,
    /// Cluster name.
    #[serde(default)]
    pub cluster: String,
    /// The cluster name was generated, not configured (the peer may adopt ours).
    #[serde(default, skip_serializing_if = "is_false")]
    pub cluster_dynamic: bool,
    /// The route URL other servers dial: `nats-route://host:port/`.
    #[serde(default)]
    pub ip: String,
    /// The described server's client URLs (`host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    /// JetStream enabled on the described server.
    #[serde(default, skip_serializing_if = "is_false")]
    pub jetstream: bool,
    /// The described server is in lame duck mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ldm: bool,
}

/// The `CONNECT` the soliciting side of a route sends (nats-server's field names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteConnect {
    /// Echo (always true for routes).
    #[serde(default)]
    pub echo: bool,
    /// Verbose (always false for routes).
    #[serde(default)]
    pub verbose: bool,
    /// Pedantic (always false for routes).
    #[serde(default)]
    pub pedantic: bool,
    /// TLS in use.
    #[serde(default)]
    pub tls_required: bool,
    /// Headers supported.
    #[serde(default)]
    pub headers: bool,
    /// The soliciting server's id.
    #[serde(default)]
    pub name: String,
    /// Its cluster name.
    #[serde(default)]
    pub cluster: String,
    /// Its cluster name was generated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cluster_dynamic: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_defaults_follow_nats_server() {
        let c: ConnectInfo = serde_json::from_str("{}").unwrap();
        assert!(c.verbose && c.pedantic && c.echo && !c.headers);
        let c: ConnectInfo =
            serde_json::from_str(r#"{"verbose":false,"pedantic":false,"headers":true,"x":1}"#)
                .unwrap();
        assert!(!c.verbose && c.headers);
    }

    #[test]
    fn info_omits_empty_fields() {
        let info = ServerInfo {
            server_id: "N".into(),
            proto: 1,
            ..Default::default()
        };
        let s = serde_json::to_string(&info).unwrap();
        assert!(!s.contains("auth_required") && !s.contains("connect_urls") && !s.contains("ldm"));
        assert!(s.contains("\"headers\":false"));
    }
}
