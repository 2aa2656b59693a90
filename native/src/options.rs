//! Server options: the one struct that the config file and the command line both fill.
//!
//! Defaults follow nats-server (see `shared/nats-spec.md` §0 and §8). Units are last in
//! our names (`ping_interval`, a `Duration`, is the exception the type makes obvious).

use std::path::PathBuf;
use std::time::Duration;

/// One configured user of the `authorization { users = [...] }` list (or `--user/--pass`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    /// The user name clients send in CONNECT `user`.
    pub user: String,
    /// Plain text or a bcrypt hash (`$2a$...`, `$2b$...`, `$2x$...`, `$2y$...`).
    pub password: String,
    /// Account the user belongs to, when it comes from an `accounts {}` block.
    pub account: Option<String>,
}

/// Client authentication, from `authorization {}`, `accounts {}` or the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthOptions {
    /// Single token (`authorization { token }` or `--auth`); may be a bcrypt hash.
    pub token: Option<String>,
    /// Users (single user/password counts as a list of one).
    pub users: Vec<UserEntry>,
    /// Seconds a client has to send CONNECT (`authorization { timeout }`), default 2s.
    pub timeout: Option<Duration>,
    /// `no_auth_user`: connections without credentials become this user.
    pub no_auth_user: Option<String>,
}

impl AuthOptions {
    /// True when clients must present credentials.
    pub fn required(&self) -> bool {
        self.token.is_some() || !self.users.is_empty()
    }
}

/// JetStream settings (`jetstream {}`, `-js`, `-sd`). Used by a later issue; parsed now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JetStreamOptions {
    /// JetStream enabled.
    pub enabled: bool,
    /// Storage directory (`store_dir`, `-sd`).
    pub store_dir: Option<PathBuf>,
    /// `max_memory_store` in bytes (-1 / None = default).
    pub max_memory_store: Option<i64>,
    /// `max_file_store` in bytes.
    pub max_file_store: Option<i64>,
    /// `domain`.
    pub domain: Option<String>,
    /// `sync_interval`: `None` = fsync before ack (our default), `Some(d)` = fsync on a timer.
    pub sync_interval: Option<Duration>,
    /// `limits { max_request_batch, max_ack_pending }`: server-wide consumer limits.
    pub limits: rill_core::jetstream::api::ServerLimits,
}

/// Cluster settings (`cluster {}`, `--cluster`, `--routes`, `--cluster_name`,
/// `--cluster_advertise`, `--no_advertise`, `--connect_retries`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterOptions {
    /// Cluster name.
    pub name: Option<String>,
    /// Listen address `host:port` for routes.
    pub listen: Option<String>,
    /// Seed routes (URLs).
    pub routes: Vec<String>,
    /// The route address other servers should dial (`advertise`, `--cluster_advertise`).
    pub advertise: Option<String>,
    /// Do not tell clients about the other servers (`no_advertise`, `--no_advertise`).
    pub no_advertise: bool,
    /// Attempts for a route learned from another server before giving up (`connect_retries`);
    /// configured routes are retried forever.
    pub connect_retries: Option<u32>,
}

/// Everything a server needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerOptions {
    /// `server_name` (defaults to the generated server id).
    pub server_name: Option<String>,
    /// Client listen host (`host`, `net`, `listen`, `-a`).
    pub host: String,
    /// Client port (`port`, `listen`, `-p`); -1 = random.
    pub port: i32,
    /// Advertised client URL (`client_advertise`).
    pub client_advertise: Option<String>,
    /// Monitoring host and port (`http`, `http_port`, `-m`); None = off, port -1 = random.
    pub http: Option<(String, i32)>,
    /// `max_payload` in bytes (default 1 MiB).
    pub max_payload: u32,
    /// `max_control_line` in bytes (default 4096).
    pub max_control_line: u32,
    /// `max_pending`: per-connection outbound buffer limit in bytes (default 64 MiB).
    pub max_pending: u64,
    /// `max_connections` (default 64K).
    pub max_connections: u32,
    /// `max_subscriptions` per connection (0 = unlimited).
    pub max_subscriptions: u32,
    /// `ping_interval` (default 2m).
    pub ping_interval: Duration,
    /// `ping_max` outstanding pings before the connection is stale (default 2).
    pub ping_max: u32,
    /// `write_deadline` (default 10s).
    pub write_deadline: Duration,
    /// `lame_duck_duration` (default 2m).
    pub lame_duck_duration: Duration,
    /// `lame_duck_grace_period` (default 10s).
    pub lame_duck_grace_period: Duration,
    /// `no_header_support`.
    pub no_header_support: bool,
    /// Authentication.
    pub auth: AuthOptions,
    /// JetStream.
    pub jetstream: JetStreamOptions,
    /// Cluster.
    pub cluster: ClusterOptions,
    /// `debug` / `-D`.
    pub debug: bool,
    /// `trace` / `-V`.
    pub trace: bool,
    /// `logtime` (default true).
    pub logtime: bool,
    /// `logfile` / `-l`.
    pub log_file: Option<PathBuf>,
    /// `pidfile` / `-P`.
    pub pid_file: Option<PathBuf>,
    /// `ports_file_dir` / `--ports_file_dir`.
    pub ports_file_dir: Option<PathBuf>,
    /// Config file this came from, if any (for `/varz` and reload).
    pub config_file: Option<PathBuf>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            server_name: None,
            host: "0.0.0.0".to_string(),
            port: 4222,
            client_advertise: None,
            http: None,
            max_payload: 1024 * 1024,
            max_control_line: 4096,
            max_pending: 64 * 1024 * 1024,
            max_connections: 64 * 1024,
            max_subscriptions: 0,
            ping_interval: Duration::from_secs(120),
            ping_max: 2,
            write_deadline: Duration::from_secs(10),
            lame_duck_duration: Duration::from_secs(120),
            lame_duck_grace_period: Duration::from_secs(10),
            no_header_support: false,
            auth: AuthOptions::default(),
            jetstream: JetStreamOptions::default(),
            cluster: ClusterOptions::default(),
            debug: false,
            trace: false,
            logtime: true,
            log_file: None,
            pid_file: None,
            ports_file_dir: None,
            config_file: None,
        }
    }
}
