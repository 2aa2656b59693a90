//! The cluster options, checked: listen address, route URLs, advertise address, name.

use crate::options::ServerOptions;

/// What is wrong with a cluster configuration (the server refuses to start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterConfigError {
    /// Routes or a cluster name were given without a listen address.
    #[error("cluster routes need a cluster listen address (cluster {{ listen: host:port }} or --cluster nats://host:port)")]
    NoListen,
    /// The listen address is not `host:port`.
    #[error("invalid cluster listen address {0:?}: expected host:port")]
    BadListen(String),
    /// A route URL that cannot be dialled.
    #[error("invalid route URL {url:?}: {reason}")]
    BadRoute {
        /// The URL as given.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The advertise address is not `host:port`.
    #[error("invalid cluster advertise address {0:?}: expected host:port")]
    BadAdvertise(String),
    /// A cluster name with spaces.
    #[error("invalid cluster name {0:?}: it cannot be empty or contain spaces")]
    BadName(String),
}

/// A route to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteUrl {
    /// The URL as configured.
    pub url: String,
    /// Host to dial.
    pub host: String,
    /// Port to dial.
    pub port: u16,
}

impl RouteUrl {
    /// Parses `scheme://host:port[/]` (schemes `nats-route`, `nats`, `route`).
    pub fn parse(url: &str) -> Result<RouteUrl, ClusterConfigError> {
        let bad = |reason| ClusterConfigError::BadRoute {
            url: url.to_string(),
            reason,
        };
        let (scheme, rest) = url
            .trim()
            .split_once("://")
            .ok_or(bad("expected nats-route://host:port"))?;
        if !["nats-route", "nats", "route"].contains(&scheme.to_ascii_lowercase().as_str()) {
            return Err(bad("the scheme must be nats-route, nats or route"));
        }
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err(bad("route authorization is not supported by rill yet"));
        }
        let (host, port) = split_host_port(rest).ok_or(bad("expected host:port"))?;
        if port == 0 {
            return Err(bad("the port must be between 1 and 65535"));
        }
        Ok(RouteUrl {
            url: url.trim().to_string(),
            host,
            port,
        })
    }
}

/// Splits `host:port` (IPv6 hosts in brackets). The port must be a number.
pub fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains('/') {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

/// `host:port` with IPv6 hosts bracketed.
pub fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A checked cluster configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// Configured cluster name; `None` means a generated (dynamic) one.
    pub name: Option<String>,
    /// Listen host.
    pub listen_host: String,
    /// Listen port (0 = pick one).
    pub listen_port: u16,
    /// Routes to dial, forever.
    pub routes: Vec<RouteUrl>,
    /// `host:port` other servers should dial instead of the listen address.
    pub advertise: Option<(String, u16)>,
    /// Do not advertise client URLs of the cluster.
    pub no_advertise: bool,
    /// Attempts (after the first) for routes learned from other servers.
    pub connect_retries: u32,
}

/// Attempts after the first for routes learned by gossip, when not configured.
pub const IMPLICIT_CONNECT_RETRIES_DEFAULT: u32 = 3;

impl ClusterConfig {
    /// The cluster configuration of `opts`, `None` when no cluster listen address is set.
    pub fn from_options(opts: &ServerOptions) -> Result<Option<ClusterConfig>, ClusterConfigError> {
        let c = &opts.cluster;
        let Some(listen) = &c.listen else {
            if !c.routes.is_empty() {
                return Err(ClusterConfigError::NoListen);
            }
            return Ok(None);
        };
        let (listen_host, port) = listen
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<i32>().ok()?)))
            .filter(|(_, p)| (-1..=65535).contains(p))
            .ok_or_else(|| ClusterConfigError::BadListen(listen.clone()))?;
        let listen_host = listen_host.trim_start_matches('[').trim_end_matches(']');
        if let Some(name) = &c.name {
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(ClusterConfigError::BadName(name.clone()));
            }
        }
        let advertise = match &c.advertise {
            Some(a) => {
                let bare = a.split_once("://").map_or(a.as_str(), |(_, r)| r);
                Some(
                    split_host_port(bare.trim_end_matches('/'))
                        .ok_or_else(|| ClusterConfigError::BadAdvertise(a.clone()))?,
                )
            }
            None => None,
        };
        let routes = c
            .routes
            .iter()
            .map(|r| RouteUrl::parse(r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ClusterConfig {
            name: c.name.clone(),
            listen_host: if listen_host.is_empty() {
                "0.0.0.0".to_string()
            } else {
                listen_host.to_string()
            },
            listen_port: u16::try_from(port).unwrap_or(0),
            routes,
            advertise,
            no_advertise: c.no_advertise,
            connect_retries: c
                .connect_retries
                .unwrap_or(IMPLICIT_CONNECT_RETRIES_DEFAULT),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(
        f: impl FnOnce(&mut ServerOptions),
    ) -> Result<Option<ClusterConfig>, ClusterConfigError> {
        let mut o = ServerOptions::default();
        f(&mut o);
        ClusterConfig::from_options(&o)
    }

    #[test]
    fn no_listen_means_no_cluster_unless_routes_are_given() {
        assert_eq!(with(|_| {}), Ok(None));
        assert_eq!(
            with(|o| o.cluster.routes = vec!["nats://a:1".into()]),
            Err(ClusterConfigError::NoListen)
        );
    }

    #[test]
    fn parses_listen_routes_and_advertise() {
        let c = with(|o| {
            o.cluster.listen = Some("127.0.0.1:-1".into());
            o.cluster.routes = vec!["nats-route://h:6222/".into(), "nats://[::1]:7".into()];
            o.cluster.advertise = Some("proxy:9000".into());
        })
        .unwrap()
        .unwrap();
        assert_eq!((c.listen_host.as_str(), c.listen_port), ("127.0.0.1", 0));
        assert_eq!((c.routes[0].host.as_str(), c.routes[0].port), ("h", 6222));
        assert_eq!((c.routes[1].host.as_str(), c.routes[1].port), ("::1", 7));
        assert_eq!(c.advertise, Some(("proxy".into(), 9000)));
        assert_eq!(c.connect_retries, IMPLICIT_CONNECT_RETRIES_DEFAULT);
    }

    #[test]
    fn refuses_bad_route_urls() {
        for bad in [
            "h:6222",
            "http://h:1",
            "nats://h",
            "nats://u:p@h:1",
            "nats://h:0",
            "nats://:5",
        ] {
            let r = with(|o| {
                o.cluster.listen = Some("127.0.0.1:0".into());
                o.cluster.routes = vec![bad.into()];
            });
            assert!(
                matches!(r, Err(ClusterConfigError::BadRoute { .. })),
                "{bad}: {r:?}"
            );
        }
    }
}
