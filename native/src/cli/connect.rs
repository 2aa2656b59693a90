//! Connection options shared by every `rill` command, and the connection itself.
//!
//! Each setting is taken from, in order: the command-line flag, the environment variable the
//! `nats` CLI reads (`NATS_URL`, `NATS_USER`, `NATS_PASSWORD`, `NATS_TOKEN`, `NATS_CREDS`,
//! `NATS_NKEY`, `NATS_CERT`, `NATS_KEY`, `NATS_CA`, `NATS_TIMEOUT`), the context (`--context`,
//! else `NATS_CONTEXT`, else the selected one), and finally the default
//! `nats://127.0.0.1:4222` with a 5 s timeout.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};

use super::context::store::{ContextSettings, ContextStore};
use super::format::parse_duration;

/// The server used when nothing else names one.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";
/// The default `--timeout`, as the nats CLI's.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The connection name servers show for rill's clients.
pub const CONNECTION_NAME: &str = "rill";

/// Connection flags, flattened into every command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// NATS server URLs, comma separated [env: NATS_URL].
    #[arg(short = 's', long = "server", value_name = "URLS")]
    pub server: Option<String>,
    /// Configuration context to use [env: NATS_CONTEXT].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// User name [env: NATS_USER].
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Password [env: NATS_PASSWORD].
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Authentication token [env: NATS_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// User credentials file [env: NATS_CREDS].
    #[arg(long, value_name = "FILE")]
    pub creds: Option<String>,
    /// User nkey seed file [env: NATS_NKEY].
    #[arg(long, value_name = "FILE")]
    pub nkey: Option<String>,
    /// TLS client certificate [env: NATS_CERT].
    #[arg(long, value_name = "FILE")]
    pub tlscert: Option<String>,
    /// TLS client key [env: NATS_KEY].
    #[arg(long, value_name = "FILE")]
    pub tlskey: Option<String>,
    /// TLS certificate authority chain [env: NATS_CA].
    #[arg(long, value_name = "FILE")]
    pub tlsca: Option<String>,
    /// Time to wait for connections and responses, e.g. 5s [env: NATS_TIMEOUT].
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// The settings a connection is made with, after flags, environment and context.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Server URLs.
    pub servers: Vec<String>,
    /// The context they came from, if any.
    pub context: Option<String>,
    /// User name.
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Token.
    pub token: Option<String>,
    /// Credentials file.
    pub creds: Option<String>,
    /// Nkey seed file.
    pub nkey: Option<String>,
    /// TLS certificate.
    pub cert: Option<String>,
    /// TLS key.
    pub key: Option<String>,
    /// TLS CA.
    pub ca: Option<String>,
    /// Connect and request timeout.
    pub timeout: Duration,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

/// Splits a comma-separated server list, dropping blanks.
pub fn split_servers(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl ConnectArgs {
    /// Resolves against the process environment and the context store.
    pub fn resolve(&self) -> anyhow::Result<Resolved> {
        let store = ContextStore::from_env().ok();
        self.resolve_with(|k| std::env::var(k).ok(), store.as_ref())
    }

    /// Resolves with an explicit environment lookup and store (for tests).
    pub fn resolve_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
        store: Option<&ContextStore>,
    ) -> anyhow::Result<Resolved> {
        let env = |k: &str| env(k).and_then(|v| non_empty(&v));
        let named = self.context.clone().or_else(|| env("NATS_CONTEXT"));
        let (context, settings) = match (named, store) {
            (Some(name), Some(store)) => {
                let s = store.load(&name)?;
                (Some(name), s)
            }
            (Some(name), None) => bail!("unknown context {name:?}: no configuration directory"),
            (None, Some(store)) => match store.selected() {
                Some(name) => {
                    let s = store
                        .load(&name)
                        .with_context(|| format!("selected context {name:?}"))?;
                    (Some(name), s)
                }
                None => (None, ContextSettings::default()),
            },
            (None, None) => (None, ContextSettings::default()),
        };
        let pick = |flag: &Option<String>, var: &str, ctx: &str| {
            flag.clone().or_else(|| env(var)).or_else(|| non_empty(ctx))
        };
        let url = pick(&self.server, "NATS_URL", &settings.url)
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let servers = split_servers(&url);
        if servers.is_empty() {
            bail!("no server URL given");
        }
        let timeout = match self.timeout.clone().or_else(|| env("NATS_TIMEOUT")) {
            Some(t) => parse_duration(&t).map_err(|e| anyhow!("--timeout: {e}"))?,
            None => DEFAULT_TIMEOUT,
        };
        Ok(Resolved {
            servers,
            context,
            user: pick(&self.user, "NATS_USER", &settings.user),
            password: pick(&self.password, "NATS_PASSWORD", &settings.password),
            token: pick(&self.token, "NATS_TOKEN", &settings.token),
            creds: pick(&self.creds, "NATS_CREDS", &settings.creds),
            nkey: pick(&self.nkey, "NATS_NKEY", &settings.nkey),
            cert: pick(&self.tlscert, "NATS_CERT", &settings.cert),
            key: pick(&self.tlskey, "NATS_KEY", &settings.key),
            ca: pick(&self.tlsca, "NATS_CA", &settings.ca),
            timeout,
        })
    }

    /// These flags with those not given here taken from `outer` (the flags written before
    /// the command name, `rill --context prod pub ...`).
    pub fn or(mut self, outer: &ConnectArgs) -> ConnectArgs {
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        };
        fill(&mut self.server, &outer.server);
        fill(&mut self.context, &outer.context);
        fill(&mut self.user, &outer.user);
        fill(&mut self.password, &outer.password);
        fill(&mut self.token, &outer.token);
        fill(&mut self.creds, &outer.creds);
        fill(&mut self.nkey, &outer.nkey);
        fill(&mut self.tlscert, &outer.tlscert);
        fill(&mut self.tlskey, &outer.tlskey);
        fill(&mut self.tlsca, &outer.tlsca);
        fill(&mut self.timeout, &outer.timeout);
        self
    }

    /// Resolves and connects: see [`Resolved::connect`].
    pub async fn connect(&self) -> anyhow::Result<async_nats::Client> {
        self.resolve()?.connect().await
    }
}

/// A connect failure in a few words: `connection refused`, `authorization violation`.
fn reason(err: &async_nats::ConnectError) -> String {
    use async_nats::ConnectErrorKind as K;
    let text = err.to_string();
    let detail = text.split_once(": ").map(|(_, d)| d).unwrap_or(&text);
    let detail = detail.split(" (os error").next().unwrap_or(detail);
    match err.kind() {
        K::Io | K::Tls | K::Dns => detail.to_lowercase(),
        K::TimedOut => "timed out".to_string(),
        other => other.to_string(),
    }
}

impl Resolved {
    /// Connects with the connection name `rill`; the error reads
    /// `cannot connect to nats://...: connection refused`.
    pub async fn connect(&self) -> anyhow::Result<async_nats::Client> {
        let urls = self.servers.join(",");
        let opts = async_nats::ConnectOptions::new()
            .name(CONNECTION_NAME)
            .connection_timeout(self.timeout)
            .request_timeout(Some(self.timeout));
        let opts = self.apply_auth(opts).await?;
        let addrs = self.server_addrs()?;
        let connecting = opts.connect(addrs);
        match tokio::time::timeout(self.timeout + Duration::from_secs(1), connecting).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => bail!("cannot connect to {urls}: {}", reason(&e)),
            Err(_) => bail!("cannot connect to {urls}: timed out"),
        }
    }

    /// The server URLs parsed.
    pub fn server_addrs(&self) -> anyhow::Result<Vec<async_nats::ServerAddr>> {
        self.servers
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|e| anyhow!("invalid server URL {s:?}: {e}"))
            })
            .collect()
    }

    /// Adds the credentials and TLS settings to `opts` (other tools' own options, e.g. the
    /// benchmark's buffer sizes, stay as they are).
    pub async fn apply_auth(
        &self,
        mut opts: async_nats::ConnectOptions,
    ) -> anyhow::Result<async_nats::ConnectOptions> {
        if let Some(user) = &self.user {
            opts = opts.user_and_password(user.clone(), self.password.clone().unwrap_or_default());
        }
        if let Some(token) = &self.token {
            opts = opts.token(token.clone());
        }
        if let Some(creds) = &self.creds {
            opts = opts
                .credentials_file(creds)
                .await
                .with_context(|| format!("cannot read credentials {creds}"))?;
        }
        if let Some(nkey) = &self.nkey {
            let seed = std::fs::read_to_string(nkey)
                .with_context(|| format!("cannot read nkey seed {nkey}"))?;
            opts = opts.nkey(seed.trim().to_string());
        }
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                opts = opts.add_client_certificate(PathBuf::from(cert), PathBuf::from(key))
            }
            (None, None) => {}
            _ => bail!("--tlscert and --tlskey must be given together"),
        }
        if let Some(ca) = &self.ca {
            opts = opts
                .add_root_certificates(PathBuf::from(ca))
                .require_tls(true);
        }
        Ok(opts)
    }
}

/// A round trip through the server: when it returns, the server has processed everything this
/// client sent before (subscriptions registered, messages routed). Returns the time it took.
///
/// `async_nats::Client::flush` only writes the socket, so this publishes to a fresh inbox the
/// client subscribes to and waits for its own message.
pub async fn round_trip(
    client: &async_nats::Client,
    timeout: Duration,
) -> anyhow::Result<Duration> {
    use futures::StreamExt;
    let inbox = client.new_inbox();
    let mut sub = client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe")?;
    let started = std::time::Instant::now();
    client
        .publish(inbox, bytes::Bytes::new())
        .await
        .context("cannot publish")?;
    client.flush().await.context("cannot flush")?;
    match tokio::time::timeout(timeout, sub.next()).await {
        Ok(Some(_)) => Ok(started.elapsed()),
        Ok(None) => bail!("connection closed"),
        Err(_) => bail!("no response from the server within {timeout:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn store_with(tag: &str, name: &str, url: &str, select: bool) -> ContextStore {
        let dir = std::env::temp_dir().join(format!("rill-conn-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = ContextStore::at(dir.join("nats"));
        let settings = ContextSettings {
            url: url.into(),
            user: "ctxuser".into(),
            ..ContextSettings::default()
        };
        store.save(name, &settings).expect("saves");
        if select {
            store.select(name).expect("selects");
        }
        store
    }

    #[test]
    fn defaults_without_anything() {
        let r = ConnectArgs::default()
            .resolve_with(env_of(&[]), None)
            .expect("resolves");
        assert_eq!(r.servers, [DEFAULT_URL]);
        assert_eq!(r.timeout, DEFAULT_TIMEOUT);
        assert_eq!(r.context, None);
    }

    #[test]
    fn flags_beat_environment_beats_selected_context() {
        let store = store_with("prec", "c1", "nats://ctx:1", true);
        let env = env_of(&[("NATS_URL", "nats://env:2"), ("NATS_TIMEOUT", "2s")]);
        let r = ConnectArgs::default()
            .resolve_with(&env, Some(&store))
            .expect("resolves");
        assert_eq!(r.servers, ["nats://env:2"]);
        assert_eq!(r.user.as_deref(), Some("ctxuser"));
        assert_eq!(r.context.as_deref(), Some("c1"));
        assert_eq!(r.timeout, Duration::from_secs(2));
        let flags = ConnectArgs {
            server: Some("nats://flag:3, nats://flag:4".into()),
            user: Some("me".into()),
            ..ConnectArgs::default()
        };
        let r = flags.resolve_with(&env, Some(&store)).expect("resolves");
        assert_eq!(r.servers, ["nats://flag:3", "nats://flag:4"]);
        assert_eq!(r.user.as_deref(), Some("me"));
        let r = ConnectArgs::default()
            .resolve_with(env_of(&[]), Some(&store))
            .expect("resolves");
        assert_eq!(r.servers, ["nats://ctx:1"]);
    }

    #[test]
    fn flags_after_the_command_beat_flags_before_it() {
        let outer = ConnectArgs {
            server: Some("nats://outer:1".into()),
            context: Some("ctx".into()),
            ..ConnectArgs::default()
        };
        let inner = ConnectArgs {
            server: Some("nats://inner:2".into()),
            ..ConnectArgs::default()
        };
        let merged = inner.or(&outer);
        assert_eq!(merged.server.as_deref(), Some("nats://inner:2"));
        assert_eq!(merged.context.as_deref(), Some("ctx"));
    }

    #[test]
    fn unknown_context_and_bad_timeout_fail() {
        let store = store_with("unk", "c1", "nats://ctx:1", false);
        let args = ConnectArgs {
            context: Some("nope".into()),
            ..ConnectArgs::default()
        };
        let err = args
            .resolve_with(env_of(&[]), Some(&store))
            .expect_err("unknown");
        assert!(
            err.to_string().contains("unknown context \"nope\""),
            "{err}"
        );
        let err = ConnectArgs::default()
            .resolve_with(env_of(&[("NATS_TIMEOUT", "soon")]), Some(&store))
            .expect_err("bad timeout");
        assert!(err.to_string().contains("--timeout"), "{err}");
        let r = ConnectArgs::default()
            .resolve_with(env_of(&[("NATS_CONTEXT", "c1")]), Some(&store))
            .expect("env context");
        assert_eq!(r.servers, ["nats://ctx:1"]);
    }
}
