//! The nested blocks of a configuration: `authorization`, `accounts`, `jetstream`, `cluster`.

use std::path::PathBuf;

use super::apply::{unknown, unsupported, Warning};
use super::convert::{array, boolean, host_port, int_in, map, parse_duration, port, string};
use super::error::ConfError;
use super::value::{Item, Map, Pos, Value};
use crate::options::{JetStreamOptions, ServerOptions, UserEntry};

/// `authorization { token, user, password, users [...], timeout }`.
pub(crate) fn authorization(
    m: &Map,
    pos: &Pos,
    opts: &mut ServerOptions,
    w: &mut Vec<Warning>,
) -> Result<(), ConfError> {
    let (mut token, mut user, mut password, mut users) = (None, None, None, None);
    for e in m.entries() {
        let (key, item) = (e.key.as_str(), &e.item);
        match key.to_ascii_lowercase().as_str() {
            "token" => token = Some(string(key, item)?.to_string()),
            "user" | "username" => user = Some(string(key, item)?.to_string()),
            "password" | "pass" => password = Some(string(key, item)?.to_string()),
            "users" => users = Some(parse_users("authorization.users", item, None, w)?),
            "timeout" => opts.auth.timeout = Some(parse_duration(item)?),
            "default_permissions" | "permissions" | "auth_callout" | "proxy_required" => {
                unsupported(w, &format!("authorization.{key}"), &e.key_pos)
            }
            _ => unknown(w, &format!("authorization.{key}"), e),
        }
    }
    let conflict = |msg: &str| Err(ConfError::invalid(pos, msg));
    match (&token, &user, &users) {
        (Some(_), Some(_), _) => return conflict("cannot have a user/password and a token"),
        (Some(_), _, Some(_)) => return conflict("cannot have a token and a users array"),
        (_, Some(_), Some(_)) => {
            return conflict("cannot have a single user/password and a users array")
        }
        _ => {}
    }
    if password.is_some() && user.is_none() {
        return conflict("a password needs a user");
    }
    if token.is_some() {
        opts.auth.token = token;
    }
    let mut list = users.unwrap_or_default();
    if let Some(user) = user {
        let entry = UserEntry {
            user,
            password: password.unwrap_or_default(),
            account: None,
        };
        list.push((entry, pos.clone()));
    }
    add_users(opts, list)
}

/// Adds users, refusing a name that is already configured (as nats-server does).
fn add_users(opts: &mut ServerOptions, users: Vec<(UserEntry, Pos)>) -> Result<(), ConfError> {
    for (user, pos) in users {
        if opts.auth.users.iter().any(|u| u.user == user.user) {
            return Err(ConfError::invalid(
                &pos,
                format!("duplicate user \"{}\"", user.user),
            ));
        }
        opts.auth.users.push(user);
    }
    Ok(())
}

/// `users = [ {user, password|pass}, ... ]`. Users with only an `nkey` are skipped (warned).
fn parse_users(
    path: &str,
    item: &Item,
    account: Option<&str>,
    w: &mut Vec<Warning>,
) -> Result<Vec<(UserEntry, Pos)>, ConfError> {
    let mut out = Vec::new();
    for u in array(path, item)? {
        let m = map(path, u)?;
        let (mut name, mut password, mut has_nkey) = (None, None, false);
        for e in m.entries() {
            let (key, item) = (e.key.as_str(), &e.item);
            match key.to_ascii_lowercase().as_str() {
                "user" | "username" => name = Some(string(key, item)?.to_string()),
                "password" | "pass" => password = Some(string(key, item)?.to_string()),
                "nkey" => {
                    string(key, item)?;
                    has_nkey = true;
                    unsupported(w, &format!("{path}.nkey"), &e.key_pos);
                }
                "permissions" | "allowed_connection_types" | "proxy_required" => {
                    unsupported(w, &format!("{path}.{key}"), &e.key_pos)
                }
                _ => unknown(w, &format!("{path}.{key}"), e),
            }
        }
        match name {
            Some(user) => out.push((
                UserEntry {
                    user,
                    password: password.unwrap_or_default(),
                    account: account.map(str::to_string),
                },
                u.pos.clone(),
            )),
            None if has_nkey => {}
            None => {
                return Err(ConfError::invalid(
                    &u.pos,
                    format!("an entry of \"{path}\" has no \"user\""),
                ))
            }
        }
    }
    Ok(out)
}

/// `accounts { NAME { users [...] } }`, or `accounts [ NAME, ... ]` (accounts without users).
pub(crate) fn accounts(
    item: &Item,
    opts: &mut ServerOptions,
    w: &mut Vec<Warning>,
) -> Result<(), ConfError> {
    if let Value::Array(names) = &item.value {
        for name in names {
            string("accounts", name)?;
        }
        return Ok(());
    }
    for acc in map("accounts", item)?.entries() {
        let path = format!("accounts.{}", acc.key);
        for e in map(&path, &acc.item)?.entries() {
            let key = e.key.as_str();
            match key.to_ascii_lowercase().as_str() {
                "users" => {
                    let users = parse_users(&format!("{path}.users"), &e.item, Some(&acc.key), w)?;
                    add_users(opts, users)?;
                }
                "jetstream"
                | "exports"
                | "imports"
                | "mappings"
                | "limits"
                | "default_permissions"
                | "nkey"
                | "msg_trace"
                | "trace_dest" => unsupported(w, &format!("{path}.{key}"), &e.key_pos),
                _ => unknown(w, &format!("{path}.{key}"), e),
            }
        }
    }
    Ok(())
}

/// `jetstream: true|false|"enabled"|"disabled"` or `jetstream { ... }` (enabled unless
/// `enabled: false`).
pub(crate) fn jetstream(
    item: &Item,
    opts: &mut ServerOptions,
    w: &mut Vec<Warning>,
) -> Result<(), ConfError> {
    let js = &mut opts.jetstream;
    let m = match &item.value {
        Value::Bool(b) => {
            js.enabled = *b;
            return Ok(());
        }
        Value::Str(s) => {
            js.enabled = match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => true,
                "disabled" | "disable" => false,
                _ => {
                    return Err(ConfError::invalid(
                        &item.pos,
                        format!("invalid value for \"jetstream\": expected \"enabled\" or \"disabled\", found {s:?}"),
                    ))
                }
            };
            return Ok(());
        }
        _ => map("jetstream", item)?,
    };
    js.enabled = true;
    let size = |key: &str, item: &Item| -> Result<Option<i64>, ConfError> {
        let n = int_in(key, item, -1, i64::MAX)?;
        Ok((n >= 0).then_some(n))
    };
    for e in m.entries() {
        let (key, item) = (e.key.as_str(), &e.item);
        match key.to_ascii_lowercase().as_str() {
            "enabled" => js.enabled = boolean(key, item)?,
            "store_dir" => js.store_dir = Some(PathBuf::from(string(key, item)?)),
            "max_memory_store" | "max_mem_store" | "max_mem" => {
                js.max_memory_store = size(key, item)?
            }
            "max_file_store" | "max_file" => js.max_file_store = size(key, item)?,
            "domain" => {
                let domain = string(key, item)?;
                check_domain(domain).map_err(|why| ConfError::invalid(&item.pos, why))?;
                js.domain = Some(domain.to_string());
            }
            "sync_interval" => {
                js.sync_interval = match &item.value {
                    Value::Str(s) if s.eq_ignore_ascii_case("always") => None,
                    _ => Some(parse_duration(item)?),
                }
            }
            "limits" => jetstream_limits(item, js, w)?,
            "strict"
            | "unique_tag"
            | "key"
            | "cipher"
            | "prev_key"
            | "max_outstanding_catchup"
            | "request_queue_limit"
            | "max_buffered_msgs"
            | "max_buffered_size"
            | "extension_hint"
            | "tpm" => unsupported(w, &format!("jetstream.{key}"), &e.key_pos),
            _ => unknown(w, &format!("jetstream.{key}"), e),
        }
    }
    Ok(())
}

/// `jetstream { limits { max_request_batch, max_ack_pending } }`: server-wide consumer limits.
fn jetstream_limits(
    item: &Item,
    js: &mut JetStreamOptions,
    w: &mut Vec<Warning>,
) -> Result<(), ConfError> {
    for e in map("jetstream.limits", item)?.entries() {
        let (key, item) = (e.key.as_str(), &e.item);
        match key.to_ascii_lowercase().as_str() {
            "max_request_batch" => {
                js.limits.max_request_batch = int_in(key, item, i64::MIN, i64::MAX)?
            }
            "max_ack_pending" => js.limits.max_ack_pending = int_in(key, item, i64::MIN, i64::MAX)?,
            "max_ha_assets" | "duplicate_window" => {
                unsupported(w, &format!("jetstream.limits.{key}"), &e.key_pos)
            }
            _ => unknown(w, &format!("jetstream.limits.{key}"), e),
        }
    }
    Ok(())
}

/// `cluster { name, listen, host, port, routes }`.
pub(crate) fn cluster(
    m: &Map,
    opts: &mut ServerOptions,
    w: &mut Vec<Warning>,
) -> Result<(), ConfError> {
    let (mut host, mut port_num, mut host_pos) = (None, None, None);
    for e in m.entries() {
        let (key, item) = (e.key.as_str(), &e.item);
        match key.to_ascii_lowercase().as_str() {
            "name" => {
                let name = string(key, item)?;
                if name.is_empty() || name.contains(char::is_whitespace) {
                    return Err(ConfError::invalid(
                        &item.pos,
                        "cluster name cannot be empty or contain spaces",
                    ));
                }
                opts.cluster.name = Some(name.to_string());
            }
            "listen" => {
                let (h, p) = host_port(key, item)?;
                if h.is_some() {
                    host = h;
                    host_pos = Some(e.key_pos.clone());
                }
                port_num = Some(p);
            }
            "host" | "net" => {
                host = Some(string(key, item)?.to_string());
                host_pos = Some(e.key_pos.clone());
            }
            "port" => port_num = Some(port(key, item)?),
            "routes" => opts.cluster.routes = routes(key, item)?,
            "advertise" | "cluster_advertise" => {
                opts.cluster.advertise = Some(string(key, item)?.to_string())
            }
            "no_advertise" => opts.cluster.no_advertise = boolean(key, item)?,
            "connect_retries" => {
                let n = int_in(key, item, 0, i64::from(u32::MAX))?;
                opts.cluster.connect_retries = u32::try_from(n).ok();
            }
            // Routes without the authentication asked for would let anyone join the cluster.
            "authorization" => {
                return Err(ConfError::invalid(
                    &e.key_pos,
                    "option \"cluster.authorization\" is not yet supported by rill; refusing to start without the protection it asks for",
                ))
            }
            // `tls` is a security option: `unsupported` makes the server refuse to start.
            "tls" | "connect_backoff" | "pool_size" | "accounts"
            | "compression" | "ping_interval" | "ping_max" | "permissions" | "write_deadline"
            | "write_timeout" => unsupported(w, &format!("cluster.{key}"), &e.key_pos),
            _ => unknown(w, &format!("cluster.{key}"), e),
        }
    }
    match (port_num, host, host_pos) {
        (Some(p), h, _) => {
            let h = h.unwrap_or_else(|| "0.0.0.0".to_string());
            opts.cluster.listen = Some(join_host_port(&h, p));
        }
        (None, Some(_), Some(pos)) => w.push(Warning {
            pos,
            message: "cluster host has no effect without a port".to_string(),
        }),
        _ => {}
    }
    Ok(())
}

/// `routes = [url, ...]` (a single string is accepted too).
fn routes(key: &str, item: &Item) -> Result<Vec<String>, ConfError> {
    if let Value::Str(s) = &item.value {
        return Ok(vec![s.clone()]);
    }
    array(key, item)?
        .iter()
        .map(|r| string(key, r).map(str::to_string))
        .collect()
}

/// `host:port`, bracketing IPv6 hosts.
pub(crate) fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A JetStream domain becomes a subject token (`$JS.<domain>.API.>`): nats-server's rules.
fn check_domain(domain: &str) -> Result<(), String> {
    if domain.contains(['.', '*', '>']) {
        return Err("invalid domain name: may not contain ., * or >".to_string());
    }
    let derived = format!("$JS.{domain}.API.>");
    if domain.is_empty() || !rill_core::subject::is_valid_subject(derived.as_bytes()) {
        return Err(format!(
            "invalid domain name: derived {derived:?} is not a valid subject"
        ));
    }
    Ok(())
}
