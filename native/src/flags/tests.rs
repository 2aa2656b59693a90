//! Tests of `crate::flags` (kept under `conf/` so that `flags.rs` stays one file).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use super::*;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn run(list: &[&str]) -> (ServerOptions, Vec<String>) {
    match parse_flags(&args(list)) {
        Ok(FlagsOutcome::Run(opts, warnings)) => (*opts, warnings),
        other => panic!("expected Run for {list:?}, got {other:?}"),
    }
}

fn err(list: &[&str]) -> String {
    match parse_flags(&args(list)) {
        Err(e) => e.to_string(),
        Ok(other) => panic!("expected an error for {list:?}, got {other:?}"),
    }
}

/// A configuration file in its own temporary directory (removed on drop).
struct ConfFile {
    _dir: crate::conf::tests_parse::TempDir,
    path: PathBuf,
}

impl std::ops::Deref for ConfFile {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.path
    }
}

fn write_conf(name: &str, text: &str) -> ConfFile {
    let dir = crate::conf::tests_parse::temp_dir(name);
    let path = dir.join("server.conf");
    std::fs::write(&path, text).unwrap();
    ConfFile { _dir: dir, path }
}

#[test]
fn no_arguments_gives_default_options() {
    let (o, w) = run(&[]);
    assert_eq!(o, ServerOptions::default());
    assert!(w.is_empty());
}

#[test]
fn all_four_go_spellings_of_a_value_flag() {
    assert_eq!(run(&["-p", "1"]).0.port, 1);
    assert_eq!(run(&["-p=2"]).0.port, 2);
    assert_eq!(run(&["--port", "3"]).0.port, 3);
    assert_eq!(run(&["--port=4"]).0.port, 4);
    assert_eq!(run(&["-a", "127.0.0.1"]).0.host, "127.0.0.1");
    assert_eq!(run(&["--net=10.0.0.1"]).0.host, "10.0.0.1");
    assert_eq!(run(&["--addr", "::1"]).0.host, "::1");
}

#[test]
fn a_value_starting_with_dash_is_taken_as_the_value() {
    assert_eq!(run(&["-p", "-1"]).0.port, -1);
    assert_eq!(run(&["-m", "-1"]).0.http, Some(("0.0.0.0".to_string(), -1)));
    assert_eq!(
        run(&["-n", "-odd-name"]).0.server_name.as_deref(),
        Some("-odd-name")
    );
}

#[test]
fn booleans_are_bare_or_take_an_inline_value() {
    assert!(run(&["-js"]).0.jetstream.enabled);
    assert!(!run(&["-js", "-js=false"]).0.jetstream.enabled);
    assert!(run(&["--jetstream=true"]).0.jetstream.enabled);
    assert!(run(&["-D=1"]).0.debug);
    assert!(!run(&["-T=false"]).0.logtime);
    assert!(run(&["--trace=T"]).0.trace);
    assert_eq!(
        err(&["-js=maybe"]),
        "invalid boolean value \"maybe\" for -js: parse error"
    );
    // Go flag never takes a separate value for a boolean: `true` is a stray argument.
    assert_eq!(err(&["-js", "true"]), "unrecognized command: \"true\"");
}

#[test]
fn multi_letter_flags_are_single_flags() {
    let (o, _) = run(&["-DV"]);
    assert!(o.debug && o.trace);
    let (o, _) = run(&["-VV"]);
    assert!(o.trace && !o.debug);
    let (o, _) = run(&["-DVV"]);
    assert!(o.debug && o.trace);
    let (o, _) = run(&["-sd", "/data/js", "-js"]);
    assert_eq!(o.jetstream.store_dir, Some(PathBuf::from("/data/js")));
    assert!(o.jetstream.enabled);
    assert_eq!(
        run(&["--store_dir=/x"]).0.jetstream.store_dir,
        Some(PathBuf::from("/x"))
    );
}

#[test]
fn unknown_flags_and_bad_syntax() {
    assert_eq!(err(&["-x"]), "flag provided but not defined: -x");
    assert_eq!(err(&["--nope=1"]), "flag provided but not defined: -nope");
    assert_eq!(err(&["-ldm"]), "flag needs an argument: -ldm");
    assert_eq!(err(&["---p"]), "bad flag syntax: ---p");
    assert_eq!(err(&["-=1"]), "bad flag syntax: -=1");
    assert_eq!(err(&["serve"]), "unrecognized command: \"serve\"");
    assert_eq!(err(&["-"]), "unrecognized command: \"-\"");
    assert_eq!(run(&["-p", "5", "--"]).0.port, 5);
    assert_eq!(err(&["--", "-p"]), "unrecognized command: \"-p\"");
}

#[test]
fn missing_and_invalid_values_name_the_flag() {
    assert_eq!(err(&["-p"]), "flag needs an argument: -p");
    assert_eq!(err(&["--config"]), "flag needs an argument: -config");
    assert_eq!(
        err(&["-p", "abc"]),
        "invalid value \"abc\" for flag -p: parse error"
    );
    assert!(err(&["--http_port=70000"]).starts_with("invalid value \"70000\" for flag -http_port"));
    assert!(err(&["-p", "-2"]).contains("between -1 (random) and 65535"));
}

#[test]
fn flags_of_missing_features_are_refused_not_ignored() {
    assert_eq!(
        err(&["--tls"]),
        "flag --tls: TLS is not supported by this build of rill-server yet"
    );
    assert_eq!(
        err(&["-tlscert=x.pem"]),
        "flag -tlscert: TLS is not supported by this build of rill-server yet"
    );
    let refused: &[&[&str]] = &[
        &["--tlskey", "k"],
        &["--tlsverify"],
        &["--tlscacert", "ca"],
        &["--help_tls"],
        &["-ms", "8443"],
        &["--https_port", "8443"],
        &["--profile", "6060"],
        &["-s"],
        &["--syslog"],
        &["-r", "udp://h:514"],
        &["--remote_syslog=udp://h:514"],
        &["--logtime_utc"],
        &["--log_size_limit", "1GB"],
        &["--max_traced_msg_len", "10"],
    ];
    for list in refused {
        let e = err(list);
        assert!(
            e.contains("is not supported by this build of rill-server yet"),
            "{list:?}: {e}"
        );
    }
}

#[test]
fn help_and_version() {
    match parse_flags(&args(&["-h"])).unwrap() {
        FlagsOutcome::Help(text) => {
            assert!(text.contains("Usage: rill-server [options]"));
            for flag in [
                "--addr",
                "--http_port",
                "-sl,--signal",
                "-DVV",
                "--store_dir",
                "--routes",
            ] {
                assert!(text.contains(flag), "usage lacks {flag}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_flags(&args(&["--help"])).unwrap(),
        FlagsOutcome::Help(_)
    ));
    match parse_flags(&args(&["-p", "1", "--version"])).unwrap() {
        FlagsOutcome::Version(v) => {
            assert_eq!(v, format!("rill-server: v{}", env!("CARGO_PKG_VERSION")))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn signals_with_and_without_pid() {
    let sig = |list: &[&str]| match parse_flags(&args(list)).unwrap() {
        FlagsOutcome::Signal { signal, pid_target } => (signal, pid_target),
        other => panic!("{other:?}"),
    };
    assert_eq!(sig(&["-sl", "reload"]), ("reload".into(), None));
    assert_eq!(
        sig(&["--signal=stop=1234"]),
        ("stop".into(), Some("1234".into()))
    );
    assert_eq!(
        sig(&["-sl", "ldm=/var/run/rill.pid"]),
        ("ldm".into(), Some("/var/run/rill.pid".into()))
    );
    for s in ["quit", "term", "reopen"] {
        assert_eq!(sig(&["-sl", s]).0, s);
    }
    assert!(err(&["-sl", "kill"]).contains("unknown signal"));
    assert!(err(&["-sl", "stop="]).contains("<signal>[=<pid>]"));
}

#[test]
fn config_file_is_applied_first_then_flags_override() {
    let path = write_conf(
        "flags-override",
        "port: 4000\ndebug: true\nhttp: 8222\nserver_name: a\nbogus: 1\n",
    );
    let p = path.to_str().unwrap();
    let (o, w) = run(&["-c", p, "-p", "5000", "-D=false", "--name", "b"]);
    assert_eq!((o.port, o.debug), (5000, false));
    assert_eq!(o.server_name.as_deref(), Some("b"));
    assert_eq!(o.http, Some(("0.0.0.0".to_string(), 8222)));
    assert_eq!(o.config_file.as_deref(), Some(path.as_path()));
    assert_eq!(w.len(), 1);
    assert!(
        w[0].ends_with("server.conf:5:1: unknown configuration option \"bogus\""),
        "{w:?}"
    );
    // The monitoring host followed the client host in the file, so it follows -a.
    let (o, _) = run(&["--config", p, "-a", "127.0.0.1"]);
    assert_eq!(o.http, Some(("127.0.0.1".to_string(), 8222)));
}

#[test]
fn test_config_outcomes() {
    let path = write_conf("flags-test", "port: 4000\n");
    let p = path.to_str().unwrap();
    match parse_flags(&args(&["-t", "-c", p])).unwrap() {
        FlagsOutcome::TestConfig { file, message } => {
            assert_eq!(file, *path);
            assert_eq!(
                message,
                format!("rill-server: configuration file {p} is valid")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err(&["-t"]),
        "must specify [-c, --config] option to check configuration file syntax"
    );
    let bad = write_conf("flags-bad", "port: 1\nport: \"abc\"\n");
    let e = err(&["-t", "-c", bad.to_str().unwrap()]);
    assert!(e.ends_with("server.conf:2:7: invalid value for \"port\": expected an integer, found string \"abc\""), "{e}");
    assert!(err(&["-c", "/nonexistent/rill.conf"]).contains("/nonexistent/rill.conf"));
}

#[test]
fn monitoring_port_flag_uses_the_client_host() {
    let (o, _) = run(&["-m", "9000", "-a", "10.0.0.1"]);
    assert_eq!(o.http, Some(("10.0.0.1".to_string(), 9000)));
    let path = write_conf("flags-http", "http: \"127.0.0.1:8222\"\n");
    let (o, _) = run(&["-c", path.to_str().unwrap(), "-m", "9001", "-a", "0.0.0.0"]);
    assert_eq!(o.http, Some(("127.0.0.1".to_string(), 9001)));
}

#[test]
fn user_pass_and_token_flags() {
    let (o, _) = run(&["--user", "u", "--pass", "p"]);
    assert_eq!(
        o.auth.users,
        vec![UserEntry {
            user: "u".into(),
            password: "p".into(),
            account: None
        }]
    );
    assert_eq!(run(&["--auth", "tok"]).0.auth.token.as_deref(), Some("tok"));
    assert!(err(&["--user", "u", "--pass", "p", "--auth", "t"]).contains("token"));
    assert_eq!(err(&["--pass", "p"]), "flag --pass needs --user");
    let single = write_conf("flags-user", "authorization { user: a, password: b }\n");
    let (o, _) = run(&["-c", single.to_str().unwrap(), "--pass", "new"]);
    assert_eq!(
        (
            o.auth.users[0].user.as_str(),
            o.auth.users[0].password.as_str()
        ),
        ("a", "new")
    );
    let many = write_conf(
        "flags-users",
        "authorization { users: [ {user: a}, {user: b} ] }\n",
    );
    assert!(err(&["-c", many.to_str().unwrap(), "--user", "x"]).contains("users list"));
}

#[test]
fn cluster_advertise_flags_fill_cluster_options() {
    let (o, _) = run(&[
        "--cluster_advertise",
        "10.0.0.1:7000",
        "--no_advertise",
        "--connect_retries",
        "5",
    ]);
    assert_eq!(o.cluster.advertise.as_deref(), Some("10.0.0.1:7000"));
    assert!(o.cluster.no_advertise);
    assert_eq!(o.cluster.connect_retries, Some(5));
    assert!(err(&["--connect_retries", "x"]).contains("connect_retries"));
}

#[test]
fn cluster_flags_fill_cluster_options() {
    let (o, _) = run(&[
        "--cluster",
        "nats://0.0.0.0:6222",
        "--routes",
        "nats-route://a:6222, nats-route://b:6222",
        "--cluster_name",
        "C1",
    ]);
    assert_eq!(o.cluster.listen.as_deref(), Some("0.0.0.0:6222"));
    assert_eq!(
        o.cluster.routes,
        ["nats-route://a:6222", "nats-route://b:6222"]
    );
    assert_eq!(o.cluster.name.as_deref(), Some("C1"));
    assert_eq!(
        run(&["--cluster_listen=nats://:7000"])
            .0
            .cluster
            .listen
            .as_deref(),
        Some("0.0.0.0:7000")
    );
    assert_eq!(
        run(&["--cluster", "127.0.0.1:-1"])
            .0
            .cluster
            .listen
            .as_deref(),
        Some("127.0.0.1:-1")
    );
    assert!(err(&["--cluster", "nats://u:p@h:1"]).contains("not supported"));
    assert!(err(&["--cluster", "nats://host"]).contains("expected a URL"));
    assert!(err(&["--routes", "a:1"]).contains("expected URLs"));
}

#[test]
fn path_and_name_flags() {
    let (o, _) = run(&[
        "-P",
        "/tmp/r.pid",
        "-l",
        "/tmp/r.log",
        "--ports_file_dir",
        "/tmp",
        "--client_advertise",
        "h:4222",
        "--server_name",
        "n1",
    ]);
    assert_eq!(o.pid_file, Some(PathBuf::from("/tmp/r.pid")));
    assert_eq!(o.log_file, Some(PathBuf::from("/tmp/r.log")));
    assert_eq!(o.ports_file_dir, Some(PathBuf::from("/tmp")));
    assert_eq!(o.client_advertise.as_deref(), Some("h:4222"));
    assert_eq!(o.server_name.as_deref(), Some("n1"));
    assert_eq!(
        run(&["--log=/a", "--pid=/b"]).0.log_file,
        Some(PathBuf::from("/a"))
    );
}

#[test]
fn ldm_flag_is_a_lame_duck_signal() {
    let args: Vec<String> = ["--ldm", "1234"].iter().map(|s| s.to_string()).collect();
    match parse_flags(&args).unwrap() {
        FlagsOutcome::Signal { signal, pid_target } => {
            assert_eq!(signal, "ldm");
            assert_eq!(pid_target.as_deref(), Some("1234"));
        }
        other => panic!("unexpected {other:?}"),
    }
}
