//! The `rill-server` command line, parsed with Go `flag` package semantics as nats-server does.
//!
//! * Spellings: `-flag value`, `-flag=value`, `--flag value`, `--flag=value`. A flag that takes
//!   a value takes the next argument whatever it looks like, so `-p -1` works.
//! * Booleans are bare (`-js`) or `-js=true|false` (Go `strconv.ParseBool` spellings); never
//!   `-js true`. Multi-letter flags (`-DV`, `-VV`, `-DVV`, `-sd`, `-js`) are single flags.
//! * The configuration file (`-c`) is applied first, then the flags, in command-line order.
//! * Flags of features rill does not have yet (TLS, syslog, profiling, ...) are refused with
//!   [`FlagsError::Unsupported`], never silently ignored.

use std::path::PathBuf;

use crate::conf::{self, ConfError};
use crate::options::{ServerOptions, UserEntry};

/// What the command line asks for.
#[derive(Debug)]
pub enum FlagsOutcome {
    /// Start a server with these options; the strings are configuration warnings to log.
    Run(Box<ServerOptions>, Vec<String>),
    /// `-h`: print this usage text and exit 0.
    Help(String),
    /// `-v`: print this (`rill-server: v<version>`) and exit 0.
    Version(String),
    /// `-t -c file`: the configuration is valid; print `message` and exit 0.
    TestConfig {
        /// The configuration file that was checked.
        file: PathBuf,
        /// `rill-server: configuration file <file> is valid`.
        message: String,
    },
    /// `-sl signal[=pid]`: send `signal` (ldm, stop, quit, term, reopen, reload) to a server.
    Signal {
        /// The signal name as given.
        signal: String,
        /// A PID or the path of a PID file, when given after `=`.
        pid_target: Option<String>,
    },
}

/// Why the command line was refused. Messages follow Go's `flag` package where it has one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlagsError {
    /// A flag that does not exist.
    #[error("flag provided but not defined: -{0}")]
    Undefined(String),
    /// A flag that needs a value was last on the command line.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// A value that does not parse or is out of range.
    #[error("invalid value {value:?} for flag -{flag}: {reason}")]
    InvalidValue {
        /// The flag name, without dashes.
        flag: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A boolean flag given a value other than Go's true/false spellings.
    #[error("invalid boolean value {value:?} for -{flag}: parse error")]
    InvalidBool {
        /// The flag name, without dashes.
        flag: String,
        /// The value given.
        value: String,
    },
    /// Something like `---x` or `-=x`.
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    /// A flag of a feature this build does not have yet.
    #[error("flag {flag}: {feature} is not supported by this build of rill-server yet")]
    Unsupported {
        /// The flag as written (without any `=value`).
        flag: String,
        /// The missing feature.
        feature: &'static str,
    },
    /// A non-flag argument (nats-server: `unrecognized command`).
    #[error("unrecognized command: {0:?}")]
    UnexpectedArgument(String),
    /// `-t` without `-c`.
    #[error("must specify [-c, --config] option to check configuration file syntax")]
    TestWithoutConfig,
    /// Flags that contradict each other or the configuration file.
    #[error("{0}")]
    Conflict(String),
    /// The configuration file could not be read, parsed or applied.
    #[error(transparent)]
    Config(#[from] ConfError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    Addr,
    Port,
    Name,
    Pid,
    HttpPort,
    Config,
    Test,
    Signal,
    Ldm,
    ClientAdvertise,
    PortsFileDir,
    Log,
    LogTime,
    Debug,
    Trace,
    VerboseTrace,
    DebugTrace,
    User,
    Pass,
    Auth,
    JetStream,
    StoreDir,
    Routes,
    Cluster,
    ClusterName,
    ClusterAdvertise,
    NoAdvertise,
    ConnectRetries,
    Help,
    Version,
}

/// Flag names (without dashes), what they set, and whether they take a value.
const FLAGS: &[(&[&str], Flag, bool)] = &[
    (&["a", "addr", "net"], Flag::Addr, true),
    (&["p", "port"], Flag::Port, true),
    (&["n", "name", "server_name"], Flag::Name, true),
    (&["P", "pid"], Flag::Pid, true),
    (&["m", "http_port"], Flag::HttpPort, true),
    (&["c", "config"], Flag::Config, true),
    (&["t"], Flag::Test, false),
    (&["sl", "signal"], Flag::Signal, true),
    // Rill's shorthand for `--signal ldm=<pid>`.
    (&["ldm"], Flag::Ldm, true),
    (&["client_advertise"], Flag::ClientAdvertise, true),
    (&["ports_file_dir"], Flag::PortsFileDir, true),
    (&["l", "log"], Flag::Log, true),
    (&["T", "logtime"], Flag::LogTime, false),
    (&["D", "debug"], Flag::Debug, false),
    (&["V", "trace"], Flag::Trace, false),
    (&["VV"], Flag::VerboseTrace, false),
    (&["DV", "DVV"], Flag::DebugTrace, false),
    (&["user"], Flag::User, true),
    (&["pass"], Flag::Pass, true),
    (&["auth"], Flag::Auth, true),
    (&["js", "jetstream"], Flag::JetStream, false),
    (&["sd", "store_dir"], Flag::StoreDir, true),
    (&["routes"], Flag::Routes, true),
    (&["cluster", "cluster_listen"], Flag::Cluster, true),
    (&["cluster_name"], Flag::ClusterName, true),
    (&["cluster_advertise"], Flag::ClusterAdvertise, true),
    (&["no_advertise"], Flag::NoAdvertise, false),
    (&["connect_retries"], Flag::ConnectRetries, true),
    (&["h", "help"], Flag::Help, false),
    (&["v", "version"], Flag::Version, false),
];

/// Flags of nats-server features rill does not have yet: name, feature, takes a value.
const UNSUPPORTED: &[(&str, &str, bool)] = &[
    ("tls", "TLS", false),
    ("tlsverify", "TLS", false),
    ("help_tls", "TLS", false),
    ("tlscert", "TLS", true),
    ("tlskey", "TLS", true),
    ("tlscacert", "TLS", true),
    ("ms", "HTTPS monitoring", true),
    ("https_port", "HTTPS monitoring", true),
    ("profile", "the profiling server", true),
    ("s", "syslog logging", false),
    ("syslog", "syslog logging", false),
    ("r", "remote syslog logging", true),
    ("remote_syslog", "remote syslog logging", true),
    ("logtime_utc", "UTC log timestamps", false),
    ("log_size_limit", "log file rotation", true),
    ("max_traced_msg_len", "limiting traced message length", true),
];

/// One flag as found on the command line. Boolean flags carry `on`, others `value`.
struct Given {
    flag: Flag,
    name: String,
    value: String,
    on: bool,
}

/// Parses the arguments after the program name (`std::env::args().skip(1)`).
pub fn parse_flags(args: &[String]) -> Result<FlagsOutcome, FlagsError> {
    let given = scan(args)?;
    let is_on = |f: Flag| {
        given
            .iter()
            .rev()
            .find(|g| g.flag == f)
            .is_some_and(|g| g.on)
    };
    let last = |f: Flag| given.iter().rev().find(|g| g.flag == f);
    if is_on(Flag::Version) {
        return Ok(FlagsOutcome::Version(version()));
    }
    if is_on(Flag::Help) {
        return Ok(FlagsOutcome::Help(usage()));
    }
    if let Some(g) = last(Flag::Signal) {
        return signal(g);
    }
    if let Some(g) = last(Flag::Ldm) {
        return Ok(FlagsOutcome::Signal {
            signal: "ldm".into(),
            pid_target: Some(g.value.clone()),
        });
    }
    let config = last(Flag::Config).map(|g| PathBuf::from(&g.value));
    let mut opts = ServerOptions::default();
    let mut warnings = Vec::new();
    if let Some(path) = &config {
        let map = conf::parse_file(path)?;
        warnings = conf::apply(&map, &mut opts)?
            .iter()
            .map(ToString::to_string)
            .collect();
        opts.config_file = Some(path.clone());
    }
    apply_flags(&given, &mut opts)?;
    if is_on(Flag::Test) {
        let file = config.ok_or(FlagsError::TestWithoutConfig)?;
        let message = format!(
            "rill-server: configuration file {} is valid",
            file.display()
        );
        return Ok(FlagsOutcome::TestConfig { file, message });
    }
    Ok(FlagsOutcome::Run(Box::new(opts), warnings))
}

/// `rill-server: v<version>`.
pub fn version() -> String {
    format!("rill-server: v{}", env!("CARGO_PKG_VERSION"))
}

/// Splits the command line into flags, with Go `flag` rules.
fn scan(args: &[String]) -> Result<Vec<Given>, FlagsError> {
    let mut out = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
            return Err(FlagsError::UnexpectedArgument(arg.clone()));
        };
        let body = match body.strip_prefix('-') {
            // `--` ends the flags; nothing may follow.
            Some("") => match rest.next() {
                Some(extra) => return Err(FlagsError::UnexpectedArgument(extra.clone())),
                None => break,
            },
            Some(b) => b,
            None => body,
        };
        if body.starts_with('-') || body.starts_with('=') {
            return Err(FlagsError::BadSyntax(arg.clone()));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if let Some(&(_, feature, _)) = UNSUPPORTED.iter().find(|(n, _, _)| *n == name) {
            let written = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
            return Err(FlagsError::Unsupported {
                flag: written.to_string(),
                feature,
            });
        }
        let &(_, flag, takes_value) = FLAGS
            .iter()
            .find(|(names, _, _)| names.contains(&name))
            .ok_or_else(|| FlagsError::Undefined(name.to_string()))?;
        let mut given = Given {
            flag,
            name: name.to_string(),
            value: String::new(),
            on: true,
        };
        if takes_value {
            given.value = match inline {
                Some(v) => v.to_string(),
                None => rest
                    .next()
                    .cloned()
                    .ok_or_else(|| FlagsError::MissingValue(name.to_string()))?,
            };
        } else if let Some(v) = inline {
            given.on = go_bool(v).ok_or_else(|| FlagsError::InvalidBool {
                flag: name.to_string(),
                value: v.to_string(),
            })?;
        }
        out.push(given);
    }
    Ok(out)
}

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn invalid(g: &Given, reason: &str) -> FlagsError {
    FlagsError::InvalidValue {
        flag: g.name.clone(),
        value: g.value.clone(),
        reason: reason.to_string(),
    }
}

fn port_of(g: &Given) -> Result<i32, FlagsError> {
    let n: i64 = g.value.parse().map_err(|_| invalid(g, "parse error"))?;
    if !(-1..=65535).contains(&n) {
        return Err(invalid(g, "port must be between -1 (random) and 65535"));
    }
    i32::try_from(n).map_err(|_| invalid(g, "parse error"))
}

/// `-sl signal[=pid|pidfile]`.
fn signal(g: &Given) -> Result<FlagsOutcome, FlagsError> {
    let (name, pid) = match g.value.split_once('=') {
        Some((n, p)) if !p.is_empty() && !p.contains('=') => (n, Some(p.to_string())),
        Some(_) => return Err(invalid(g, "the signal format is <signal>[=<pid>]")),
        None => (g.value.as_str(), None),
    };
    if !["ldm", "stop", "quit", "term", "reopen", "reload"].contains(&name) {
        return Err(invalid(
            g,
            "unknown signal (use ldm, stop, quit, term, reopen or reload)",
        ));
    }
    Ok(FlagsOutcome::Signal {
        signal: name.to_string(),
        pid_target: pid,
    })
}

/// `--cluster nats://host:port`: the route listen address.
fn cluster_listen(g: &Given) -> Result<String, FlagsError> {
    let rest = g
        .value
        .split_once("://")
        .map_or(g.value.as_str(), |(_, r)| r);
    if rest.contains('@') {
        return Err(FlagsError::Unsupported {
            flag: format!("--{}", g.name),
            feature: "route authorization in the cluster URL",
        });
    }
    let rest = rest.trim_end_matches('/');
    let bad = || invalid(g, "expected a URL such as nats://0.0.0.0:6222");
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: i32 = port.parse().map_err(|_| bad())?;
    if !(-1..=65535).contains(&port) {
        return Err(bad());
    }
    Ok(match host {
        "" => format!("0.0.0.0:{port}"),
        h if h.contains(':') => format!("[{h}]:{port}"),
        h => format!("{h}:{port}"),
    })
}

/// Applies the flags over options that already hold the configuration file's values.
fn apply_flags(given: &[Given], opts: &mut ServerOptions) -> Result<(), FlagsError> {
    let host_before = opts.host.clone();
    let (mut addr_given, mut http_port) = (false, None);
    let (mut user, mut pass, mut token) = (None, None, None);
    for g in given {
        let v = || g.value.clone();
        match g.flag {
            Flag::Addr => {
                opts.host = v();
                addr_given = true;
            }
            Flag::Port => opts.port = port_of(g)?,
            Flag::Name => opts.server_name = Some(v()),
            Flag::Pid => opts.pid_file = Some(PathBuf::from(v())),
            Flag::HttpPort => http_port = Some(port_of(g)?),
            Flag::ClientAdvertise => opts.client_advertise = Some(v()),
            Flag::PortsFileDir => opts.ports_file_dir = Some(PathBuf::from(v())),
            Flag::Log => opts.log_file = Some(PathBuf::from(v())),
            Flag::LogTime => opts.logtime = g.on,
            Flag::Debug => opts.debug = g.on,
            Flag::Trace => opts.trace = g.on,
            // As in nats-server, the combined flags only ever switch things on.
            Flag::VerboseTrace => opts.trace |= g.on,
            Flag::DebugTrace => {
                opts.debug |= g.on;
                opts.trace |= g.on;
            }
            Flag::User => user = Some(v()),
            Flag::Pass => pass = Some(v()),
            Flag::Auth => token = Some(v()),
            Flag::JetStream => opts.jetstream.enabled = g.on,
            Flag::StoreDir => opts.jetstream.store_dir = Some(PathBuf::from(v())),
            Flag::Routes => {
                let routes: Vec<String> = g
                    .value
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect();
                if routes.iter().any(|r| !r.contains("://")) {
                    return Err(invalid(g, "expected URLs such as nats-route://host:6222"));
                }
                opts.cluster.routes = routes;
            }
            Flag::Cluster => opts.cluster.listen = Some(cluster_listen(g)?),
            Flag::ClusterName => opts.cluster.name = Some(v()),
            Flag::ClusterAdvertise => opts.cluster.advertise = Some(v()),
            Flag::NoAdvertise => opts.cluster.no_advertise = g.on,
            Flag::ConnectRetries => {
                let n = g
                    .value
                    .parse::<u32>()
                    .map_err(|_| invalid(g, "expected a non-negative number"))?;
                opts.cluster.connect_retries = Some(n);
            }
            Flag::Config | Flag::Test | Flag::Signal | Flag::Ldm | Flag::Help | Flag::Version => {}
        }
    }
    // The monitoring host follows the client host unless the configuration set another one.
    if let Some((h, _)) = &mut opts.http {
        if addr_given && *h == host_before {
            *h = opts.host.clone();
        }
    }
    if let Some(port) = http_port {
        let host = opts
            .http
            .take()
            .map_or_else(|| opts.host.clone(), |(h, _)| h);
        opts.http = Some((host, port));
    }
    apply_auth_flags(opts, user, pass, token)
}

/// `--user/--pass` replace a single configured user (or add one); `--auth` sets the token.
fn apply_auth_flags(
    opts: &mut ServerOptions,
    user: Option<String>,
    pass: Option<String>,
    token: Option<String>,
) -> Result<(), FlagsError> {
    let conflict = |m: &str| Err(FlagsError::Conflict(m.to_string()));
    if user.is_some() || pass.is_some() {
        let users = &mut opts.auth.users;
        match users.as_mut_slice() {
            [single] if single.account.is_none() => {
                if let Some(u) = user {
                    single.user = u;
                }
                if let Some(p) = pass {
                    single.password = p;
                }
            }
            [] => match user {
                Some(user) => users.push(UserEntry {
                    user,
                    password: pass.unwrap_or_default(),
                    account: None,
                }),
                None => return conflict("flag --pass needs --user"),
            },
            _ => {
                return conflict(
                    "flags --user/--pass cannot be combined with the users list of the \
                     configuration file",
                )
            }
        }
    }
    if token.is_some() {
        opts.auth.token = token;
    }
    if opts.auth.token.is_some() && !opts.auth.users.is_empty() {
        return conflict("cannot have both a token (--auth) and users (--user/--pass)");
    }
    Ok(())
}

/// The `-h` text, in the layout of nats-server's usage.
pub fn usage() -> String {
    USAGE.to_string()
}

const USAGE: &str = "
Usage: rill-server [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222, -1 for random)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to rill-server process (ldm, stop, quit, term, reopen, reload)
        --ldm <pid|pid file>         Put the server with this pid in lame duck mode (same as --signal ldm=<pid>)
                                     <pid> can be either a PID (e.g. 1) or the path to a PID file
        --client_advertise <string>  Client URL to advertise to other servers
        --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports).

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -VV                              Verbose trace (traces system account as well)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace (traces system account as well)

JetStream Options:
    -js, --jetstream                 Enable JetStream functionality
    -sd, --store_dir <dir>           Set the storage directory

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

Cluster Options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect
        --cluster <cluster-url>      Cluster URL for solicited routes
        --cluster_name <string>      Cluster Name, if not set one will be dynamically generated
        --cluster_listen <url>       Cluster url from which members can solicit routes
        --cluster_advertise <str>    Cluster URL to advertise to other servers
        --no_advertise <bool>        Advertise known cluster IPs to clients
        --connect_retries <number>   For implicit routes, number of connect retries

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version

Not supported by this build yet (refused with an error):
    -ms/--https_port, --tls, --tlscert, --tlskey, --tlsverify, --tlscacert, --help_tls,
    -s/--syslog, -r/--remote_syslog, --logtime_utc, --log_size_limit, --max_traced_msg_len,
    --profile
";

#[cfg(test)]
mod tests;
