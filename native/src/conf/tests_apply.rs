//! Applying configurations to `ServerOptions`: values, sections, warnings and type errors.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::options::{ServerOptions, UserEntry};

/// The configuration from the seed task, verbatim (blank line inside `routes` included).
pub(crate) const SEED_CONF: &str = include_str!("../../../tests/fixtures/seed.conf");

fn load(text: &str) -> Result<(ServerOptions, Vec<Warning>), ConfError> {
    let map = parse_str(text, "t.conf", Path::new("."))?;
    let mut opts = ServerOptions::default();
    let warnings = apply(&map, &mut opts)?;
    Ok((opts, warnings))
}

fn load_ok(text: &str) -> (ServerOptions, Vec<Warning>) {
    load(text).unwrap_or_else(|e| panic!("{e}\n--- input ---\n{text}"))
}

fn load_err(text: &str) -> String {
    match load(text) {
        Ok((o, _)) => panic!("expected an error, got {o:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn seed_configuration_loads_without_errors_or_warnings() {
    let (o, w) = load_ok(SEED_CONF);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        o.server_name.as_deref(),
        Some("iZbp139ju1kmizva7adgdbZ-172-16-0-155")
    );
    assert_eq!((o.host.as_str(), o.port), ("0.0.0.0", 4222));
    assert_eq!(o.http, Some(("0.0.0.0".to_string(), 8222)));
    assert_eq!(
        o.auth.users,
        vec![UserEntry {
            user: "admin".into(),
            password: "$2a$11$GUizXsS82Y.dll.uZXDic.qMDePF2IT6d3t5iWIs.rQ3lY1p6mDKC".into(),
            account: Some("$SYS".into()),
        }]
    );
    assert!(o.jetstream.enabled);
    assert_eq!(
        o.jetstream.store_dir,
        Some(PathBuf::from("/data/nats-storage"))
    );
    assert_eq!(o.cluster.name.as_deref(), Some("C1"));
    assert_eq!(o.cluster.listen.as_deref(), Some("0.0.0.0:4248"));
    assert_eq!(o.cluster.routes.len(), 3);
    assert_eq!(o.cluster.routes[1], "nats-route://172.16.0.157:4248");
}

#[test]
fn listen_accepts_host_port_colon_port_and_port() {
    let (o, _) = load_ok("listen: 127.0.0.1:4333");
    assert_eq!((o.host.as_str(), o.port), ("127.0.0.1", 4333));
    let (o, _) = load_ok("host: 10.0.0.1\nlisten: \":4444\"");
    assert_eq!((o.host.as_str(), o.port), ("10.0.0.1", 4444));
    let (o, _) = load_ok("listen: 5555");
    assert_eq!((o.host.as_str(), o.port), ("0.0.0.0", 5555));
    let (o, _) = load_ok("listen: \"[::1]:-1\"");
    assert_eq!((o.host.as_str(), o.port), ("::1", -1));
    let (o, _) = load_ok("net: 1.2.3.4\nport: -1");
    assert_eq!((o.host.as_str(), o.port), ("1.2.3.4", -1));
}

#[test]
fn http_monitoring_forms() {
    let (o, _) = load_ok("http: \"127.0.0.1:8222\"");
    assert_eq!(o.http, Some(("127.0.0.1".to_string(), 8222)));
    let (o, _) = load_ok("http: 127.0.0.1:-1");
    assert_eq!(o.http, Some(("127.0.0.1".to_string(), -1)));
    let (o, _) = load_ok("http_port: 8000\nhost: 10.1.1.1");
    assert_eq!(o.http, Some(("10.1.1.1".to_string(), 8000)));
    let (o, _) = load_ok("monitor_port: 8001");
    assert_eq!(o.http, Some(("0.0.0.0".to_string(), 8001)));
}

#[test]
fn limits_durations_flags_and_paths() {
    let (o, w) = load_ok(
        "max_payload: 2MB\nmax_control_line: 8kb\nmax_pending: 128MB\nmax_conn: 100\nmax_subs: 50\n\
         ping_interval: \"30s\"\nping_max: 5\nwrite_deadline: \"2s\"\nlame_duck_duration: \"1m\"\n\
         lame_duck_grace_period: 3\nno_header_support: true\ndebug: yes\ntrace: on\nlogtime: false\n\
         log_file: /tmp/x.log\npid_file: /tmp/x.pid\nports_file_dir: /tmp\nclient_advertise: a.b:1\n",
    );
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(o.max_payload, 2 * 1024 * 1024);
    assert_eq!(o.max_control_line, 8192);
    assert_eq!(o.max_pending, 128 * 1024 * 1024);
    assert_eq!(
        (o.max_connections, o.max_subscriptions, o.ping_max),
        (100, 50, 5)
    );
    assert_eq!(o.ping_interval, Duration::from_secs(30));
    assert_eq!(o.write_deadline, Duration::from_secs(2));
    assert_eq!(o.lame_duck_duration, Duration::from_secs(60));
    assert_eq!(o.lame_duck_grace_period, Duration::from_secs(3));
    assert!(o.no_header_support && o.debug && o.trace && !o.logtime);
    assert_eq!(o.log_file, Some(PathBuf::from("/tmp/x.log")));
    assert_eq!(o.pid_file, Some(PathBuf::from("/tmp/x.pid")));
    assert_eq!(o.ports_file_dir, Some(PathBuf::from("/tmp")));
    assert_eq!(o.client_advertise.as_deref(), Some("a.b:1"));
    let (o, _) = load_ok("MAX_CONNECTIONS: 7\nLogFile: a\nPidFile: b\nmax_subscriptions: 3");
    assert_eq!((o.max_connections, o.max_subscriptions), (7, 3));
    assert_eq!(o.log_file, Some(PathBuf::from("a")));
}

#[test]
fn wrong_types_are_errors_at_the_value() {
    let e = load_err("port: \"abc\"");
    assert_eq!(
        e,
        "t.conf:1:7: invalid value for \"port\": expected an integer, found string \"abc\""
    );
    let e = load_err("\n  port: abc");
    assert!(e.starts_with("t.conf:2:9: "), "{e}");
    assert!(load_err("port: 70000").contains("between -1 and 65535"));
    assert!(load_err("debug: 1").starts_with("t.conf:1:8: invalid value for \"debug\""));
    assert!(load_err("max_payload: 1T").contains("max_payload"));
    assert!(load_err("cluster { routes: 1 }").starts_with("t.conf:1:19: "));
    assert!(load_err("ping_interval: \"soon\"").contains("invalid duration"));
    assert!(load_err("server_name: \"a b\"").contains("spaces"));
    assert!(load_err("max_payload: 2MB\nmax_pending: 1MB").contains("max_pending"));
}

#[test]
fn unknown_and_unsupported_options_warn_with_positions() {
    let (_, w) = load_ok(
        "foo: 1\nmqtt { port: 1 }\n  websocket { port: 1 }\ncluster { pool_size: 3 , bar: 2 }\nleafnodes {}\n",
    );
    let got: Vec<String> = w.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "t.conf:1:1: unknown configuration option \"foo\"",
            "t.conf:2:1: option \"mqtt\" is not yet supported by rill and is ignored",
            "t.conf:3:3: option \"websocket\" is not yet supported by rill and is ignored",
            "t.conf:4:11: option \"cluster.pool_size\" is not yet supported by rill and is ignored",
            "t.conf:4:26: unknown configuration option \"cluster.bar\"",
            "t.conf:5:1: option \"leafnodes\" is not yet supported by rill and is ignored",
        ]
    );
}

#[test]
fn authorization_token_single_user_and_users() {
    let (o, _) = load_ok("authorization { token: s3cr3t, timeout: 0.5 }");
    assert_eq!(o.auth.token.as_deref(), Some("s3cr3t"));
    assert_eq!(o.auth.timeout, Some(Duration::from_millis(500)));
    let (o, _) = load_ok("authorization { user: u, password: p, timeout: 2 }");
    assert_eq!(
        o.auth.users,
        vec![UserEntry {
            user: "u".into(),
            password: "p".into(),
            account: None
        }]
    );
    assert_eq!(o.auth.timeout, Some(Duration::from_secs(2)));
    let (o, w) = load_ok(
        "authorization {\n users = [\n  {user: a, password: x}\n  {user: b, pass: y}\n ]\n}\nno_auth_user: a\n",
    );
    let names: Vec<&str> = o.auth.users.iter().map(|u| u.user.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(o.auth.users[1].password, "y");
    assert_eq!(o.auth.no_auth_user.as_deref(), Some("a"));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn security_options_rill_cannot_enforce_are_refused() {
    for (text, option) in [
        (
            "authorization { users = [ {user: b, pass: y, permissions: {publish: \">\"}} ] }",
            "authorization.users.permissions",
        ),
        (
            "authorization { users = [ {nkey: UABC} ] }",
            "authorization.users.nkey",
        ),
        ("tls { cert_file: x }", "\"tls\""),
        ("operator: abc\n", "operator"),
        (
            "accounts { A: { users: [ {user: a, password: a} ], exports: [ {stream: \"x.>\"} ] } }",
            "accounts.A.exports",
        ),
    ] {
        let err = load_err(text);
        assert!(
            err.contains(option) && err.contains("refusing to start"),
            "{text}: {err}"
        );
    }
}

#[test]
fn authorization_conflicts_and_duplicates_are_errors() {
    assert!(
        load_err("authorization { user: a, password: b, users: [ {user: c, password: d} ] }")
            .contains("single user/password and a users array")
    );
    assert!(load_err("authorization { token: a, user: b, password: c }").contains("token"));
    let e =
        load_err("authorization { users: [ {user: c, password: d},\n {user: c, password: e} ] }");
    assert_eq!(e, "t.conf:2:2: duplicate user \"c\"");
    assert!(load_err("no_auth_user: ghost").contains("ghost"));
}

#[test]
fn accounts_users_carry_their_account() {
    let (o, w) = load_ok(
        "accounts {\n  A: { users: [ {user: a, password: a} ], mappings: { x: y } }\n  B { users = [ {user: b, password: b} ] }\n}\nsystem_account: \"$SYS\"\n",
    );
    let accts: Vec<(&str, Option<&str>)> = o
        .auth
        .users
        .iter()
        .map(|u| (u.user.as_str(), u.account.as_deref()))
        .collect();
    assert_eq!(accts, [("a", Some("A")), ("b", Some("B"))]);
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("accounts.A.mappings"), "{w:?}");
    let (_, w) = load_ok("system_account: SYS\naccounts [ SYS ]");
    assert!(w[0].message.contains("system_account"), "{w:?}");
    assert!(load_err("accounts { A: 1 }").contains("expected a map"));
    // Unquoted, `$SYS` is a variable reference, as in nats-server.
    assert!(load_err("system_account: $SYS").contains("variable reference for 'SYS'"));
}

#[test]
fn jetstream_forms() {
    assert!(load_ok("jetstream: true").0.jetstream.enabled);
    assert!(load_ok("jetstream: enabled").0.jetstream.enabled);
    assert!(!load_ok("jetstream: \"disabled\"").0.jetstream.enabled);
    assert!(!load_ok("jetstream { enabled: false }").0.jetstream.enabled);
    let (o, w) = load_ok(
        "jetstream {\n store_dir: \"/js\"\n max_mem: 1G\n max_file_store: 10GB\n domain: hub\n sync_interval: always\n strict: true\n}\n",
    );
    let js = &o.jetstream;
    assert!(js.enabled);
    assert_eq!(js.store_dir, Some(PathBuf::from("/js")));
    assert_eq!(js.max_memory_store, Some(1_000_000_000));
    assert_eq!(js.max_file_store, Some(10 << 30));
    assert_eq!(js.domain.as_deref(), Some("hub"));
    assert_eq!(js.sync_interval, None);
    assert_eq!(w.len(), 1);
    let (o, _) =
        load_ok("jetstream { sync_interval: \"2m\", max_memory_store: -1 }\nstore_dir: /x");
    assert_eq!(o.jetstream.sync_interval, Some(Duration::from_secs(120)));
    assert_eq!(o.jetstream.max_memory_store, None);
    assert_eq!(o.jetstream.store_dir, Some(PathBuf::from("/x")));
    assert!(load_err("jetstream: maybe").contains("\"enabled\" or \"disabled\""));
    // Domains become subject tokens (nats-server's texts).
    assert!(load_err("jetstream { domain: \"a.b\" }").contains("may not contain ., * or >"));
    assert!(load_err("jetstream { domain: \"a b\" }").contains("is not a valid subject"));
}

#[test]
fn jetstream_limits_reach_the_consumer_checks() {
    let (o, w) = load_ok(
        "jetstream { limits { max_request_batch: 100, MAX_ACK_PENDING: 500, max_ha_assets: 2, x: 1 } }",
    );
    assert_eq!(o.jetstream.limits.max_request_batch, 100);
    assert_eq!(o.jetstream.limits.max_ack_pending, 500);
    let got: Vec<String> = w.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].contains("\"jetstream.limits.max_ha_assets\" is not yet supported"));
    assert!(got[1].contains("unknown configuration option \"jetstream.limits.x\""));
    assert!(load_err("jetstream { limits: 5 }").contains("limits"));
}

#[test]
fn cluster_host_and_port_compose_listen() {
    let (o, _) =
        load_ok("cluster { host: 127.0.0.1, port: 6222, routes: [nats://a:1, nats://b:2] }");
    assert_eq!(o.cluster.listen.as_deref(), Some("127.0.0.1:6222"));
    assert_eq!(o.cluster.routes, ["nats://a:1", "nats://b:2"]);
    let (o, _) = load_ok("cluster { port: 6222 }");
    assert_eq!(o.cluster.listen.as_deref(), Some("0.0.0.0:6222"));
    let (o, _) = load_ok("cluster { listen: 7000 }");
    assert_eq!(o.cluster.listen.as_deref(), Some("0.0.0.0:7000"));
}

#[test]
fn variables_and_includes_feed_options() {
    let dir = super::tests_parse::temp_dir("apply-include");
    std::fs::write(
        dir.join("auth.conf"),
        "PASS: \"secret\"\nauthorization { user: u, password: $PASS }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.conf"),
        "PORT: 4555\nport: $PORT\ninclude auth.conf\nUNUSED: 1\n",
    )
    .unwrap();
    let map = parse_file(&dir.join("main.conf")).unwrap();
    let mut o = ServerOptions::default();
    let w = apply(&map, &mut o).unwrap();
    assert_eq!(o.port, 4555);
    assert_eq!(o.auth.users[0].password, "secret");
    // Keys used as variables are not unknown options (as in nats-server); unused ones are.
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0]
        .to_string()
        .ends_with("main.conf:4:1: unknown configuration option \"UNUSED\""));
}

#[test]
fn cluster_advertise_no_advertise_and_connect_retries_are_read() {
    let (o, w) = load_ok(
        "cluster { listen: 127.0.0.1:7000, advertise: \"proxy:9000\", no_advertise: true, connect_retries: 5 }",
    );
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(o.cluster.advertise.as_deref(), Some("proxy:9000"));
    assert!(o.cluster.no_advertise);
    assert_eq!(o.cluster.connect_retries, Some(5));
    assert!(
        load_err("cluster { authorization { user: a, password: b } }")
            .contains("refusing to start")
    );
}
