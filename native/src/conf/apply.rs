//! Filling [`ServerOptions`] from a parsed configuration (top-level options).
//!
//! Keys are matched case-insensitively and applied in file order, so a later key wins.
//! Options of nats-server that rill does not implement yet, and unknown options, produce a
//! [`Warning`]; a value of the wrong type or out of range is a [`ConfError`].

use std::fmt;
use std::path::PathBuf;

use super::convert::{boolean, host_port, int_in, map, parse_duration, port, string, u32_of};
use super::error::ConfError;
use super::sections;
use super::value::{Entry, Map, Pos};
use crate::options::ServerOptions;

/// A configuration problem that does not stop the server: an unknown or unsupported option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where the option's key is.
    pub pos: Pos,
    /// What is wrong, e.g. `unknown configuration option "foo"`.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Top-level nats-server options that rill accepts and ignores, with a warning.
const NOT_YET_SUPPORTED: &[&str] = &[
    "allow_non_tls",
    "connect_error_reports",
    "default_js_domain",
    "disable_sublist_cache",
    "gateway",
    "http_base_path",
    "https",
    "https_port",
    "leaf",
    "leafnodes",
    "log_max_num",
    "log_size_limit",
    "logtime_utc",
    "mappings",
    "max_closed_clients",
    "max_sub_tokens",
    "max_traced_msg_len",
    "mqtt",
    "no_fast_producer_stall",
    "no_system_account",
    "ocsp",
    "ocsp_cache",
    "operator",
    "operators",
    "prof_block_rate",
    "prof_port",
    "proxies",
    "reconnect_error_reports",
    "remote_syslog",
    "resolver",
    "resolver_pinned_accounts",
    "resolver_preload",
    "resolver_tls",
    "server_metadata",
    "server_tags",
    "syslog",
    "tls",
    "trace_verbose",
    "trusted",
    "trusted_keys",
    "websocket",
    "write_timeout",
    "ws",
];

/// Records an unknown option, unless the entry served as a `$variable`.
pub(crate) fn unknown(warnings: &mut Vec<Warning>, name: &str, entry: &Entry) {
    if !entry.used_as_variable {
        warnings.push(Warning {
            pos: entry.key_pos.clone(),
            message: format!("unknown configuration option \"{name}\""),
        });
    }
}

/// Options that protect clients or data: ignoring one would silently weaken the server, so
/// a configuration that sets one is refused until rill implements it.
const SECURITY_OPTIONS: &[&str] = &[
    "tls",
    "operator",
    "operators",
    "resolver",
    "resolver_preload",
    "resolver_tls",
    "trusted",
    "trusted_keys",
    "nkey",
    "nkeys",
    "permissions",
    "default_permissions",
    "exports",
    "imports",
    "allow_non_tls",
    "verify",
    "verify_and_map",
    "auth_callout",
];

/// Whether the dotted option `name` ends in a security option.
fn is_security_option(name: &str) -> bool {
    name.split('.').any(|part| SECURITY_OPTIONS.contains(&part))
}

/// Records a nats-server option that rill does not implement yet. Security options are
/// marked to be refused (see [`SECURITY_OPTIONS`]).
pub(crate) fn unsupported(warnings: &mut Vec<Warning>, name: &str, pos: &Pos) {
    if is_security_option(name) {
        warnings.push(Warning {
            pos: pos.clone(),
            message: format!(
                "option \"{name}\" is not yet supported by rill; refusing to start without the protection it asks for"
            ),
        });
        return;
    }
    warnings.push(Warning {
        pos: pos.clone(),
        message: format!("option \"{name}\" is not yet supported by rill and is ignored"),
    });
}

/// Applies a parsed configuration to `opts` and returns the warnings.
///
/// The monitoring host defaults to the client host when `http` gives only a port.
pub fn apply(map: &Map, opts: &mut ServerOptions) -> Result<Vec<Warning>, ConfError> {
    let mut state = State::default();
    for entry in map.entries() {
        apply_entry(entry, opts, &mut state)?;
    }
    if let Some((host, port)) = state.http.take() {
        opts.http = Some((host.unwrap_or_else(|| opts.host.clone()), port));
    }
    check_limits(opts, &state)?;
    if let (Some(name), Some(pos)) = (&opts.auth.no_auth_user, &state.no_auth_user_pos) {
        if !opts.auth.users.iter().any(|u| &u.user == name) {
            return Err(ConfError::invalid(
                pos,
                format!(
                    "no_auth_user \"{name}\" is not a user of the authorization or accounts blocks"
                ),
            ));
        }
    }
    if let Some(w) = state
        .warnings
        .iter()
        .find(|w| w.message.contains("refusing to start"))
    {
        return Err(ConfError::invalid(&w.pos, w.message.clone()));
    }
    Ok(state.warnings)
}

#[derive(Default)]
struct State {
    warnings: Vec<Warning>,
    http: Option<(Option<String>, i32)>,
    no_auth_user_pos: Option<Pos>,
    /// The last of `max_payload` / `max_pending`, where a conflict between them is reported.
    limit_pos: Option<Pos>,
}

fn apply_entry(e: &Entry, opts: &mut ServerOptions, st: &mut State) -> Result<(), ConfError> {
    let (key, item) = (e.key.as_str(), &e.item);
    let lower = key.to_ascii_lowercase();
    let max_i32 = i64::from(i32::MAX);
    match lower.as_str() {
        "server_name" => {
            let name = string(key, item)?;
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(ConfError::invalid(
                    &item.pos,
                    "server_name cannot be empty or contain spaces",
                ));
            }
            opts.server_name = Some(name.to_string());
        }
        "listen" => {
            let (host, port) = host_port(key, item)?;
            if let Some(host) = host {
                opts.host = host;
            }
            opts.port = port;
        }
        "host" | "net" => opts.host = string(key, item)?.to_string(),
        "port" => opts.port = port(key, item)?,
        "client_advertise" => opts.client_advertise = Some(string(key, item)?.to_string()),
        "http" => st.http = Some(host_port(key, item)?),
        "http_port" | "monitor_port" => st.http = Some((None, port(key, item)?)),
        "max_payload" => {
            let n = int_in(key, item, 0, max_i32)?;
            opts.max_payload = u32::try_from(n).unwrap_or(u32::MAX);
            st.limit_pos = Some(item.pos.clone());
        }
        "max_control_line" => {
            let n = int_in(key, item, 1, max_i32)?;
            opts.max_control_line = u32::try_from(n).unwrap_or(u32::MAX);
        }
        "max_pending" => {
            opts.max_pending = int_in(key, item, 0, i64::MAX)?.unsigned_abs();
            st.limit_pos = Some(item.pos.clone());
        }
        "max_connections" | "max_conn" => opts.max_connections = u32_of(key, item)?,
        "max_subscriptions" | "max_subs" => opts.max_subscriptions = u32_of(key, item)?,
        "ping_interval" => opts.ping_interval = parse_duration(item)?,
        "ping_max" => opts.ping_max = u32_of(key, item)?,
        "write_deadline" => opts.write_deadline = parse_duration(item)?,
        "lame_duck_duration" => opts.lame_duck_duration = parse_duration(item)?,
        "lame_duck_grace_period" => opts.lame_duck_grace_period = parse_duration(item)?,
        "no_header_support" => opts.no_header_support = boolean(key, item)?,
        "debug" => opts.debug = boolean(key, item)?,
        "trace" => opts.trace = boolean(key, item)?,
        "logtime" => opts.logtime = boolean(key, item)?,
        "logfile" | "log_file" => opts.log_file = Some(PathBuf::from(string(key, item)?)),
        "pidfile" | "pid_file" => opts.pid_file = Some(PathBuf::from(string(key, item)?)),
        "ports_file_dir" => opts.ports_file_dir = Some(PathBuf::from(string(key, item)?)),
        "authorization" => {
            sections::authorization(map(key, item)?, &item.pos, opts, &mut st.warnings)?
        }
        "no_auth_user" => {
            opts.auth.no_auth_user = Some(string(key, item)?.to_string());
            st.no_auth_user_pos = Some(item.pos.clone());
        }
        "accounts" => sections::accounts(item, opts, &mut st.warnings)?,
        "system_account" | "system" => {
            // `$SYS` is what rill always uses; naming another system account is not supported.
            if string(key, item)? != "$SYS" {
                unsupported(&mut st.warnings, key, &e.key_pos);
            }
        }
        "jetstream" => sections::jetstream(item, opts, &mut st.warnings)?,
        "store_dir" => opts.jetstream.store_dir = Some(PathBuf::from(string(key, item)?)),
        "cluster" => sections::cluster(map(key, item)?, opts, &mut st.warnings)?,
        other if NOT_YET_SUPPORTED.contains(&other) => {
            unsupported(&mut st.warnings, key, &e.key_pos)
        }
        _ => unknown(&mut st.warnings, key, e),
    }
    Ok(())
}

/// nats-server refuses a `max_payload` above `max_pending`: such messages could never be sent.
fn check_limits(opts: &ServerOptions, st: &State) -> Result<(), ConfError> {
    if u64::from(opts.max_payload) > opts.max_pending {
        if let Some(pos) = &st.limit_pos {
            return Err(ConfError::invalid(
                pos,
                format!(
                    "max_payload ({}) cannot be higher than max_pending ({})",
                    opts.max_payload, opts.max_pending
                ),
            ));
        }
    }
    Ok(())
}
