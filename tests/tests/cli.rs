//! The server's command line: log, pid and ports files, debug level, and flags or options of
//! features not built yet being refused (never silently ignored).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rill_tests::server::{reference_server, server_command};
use rill_tests::{run_to_exit, send_signal, ServerBuilder, TempDir};

fn wait_for_file_containing(path: &Path, needle: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.contains(needle) {
                return text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never contained {needle:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn log_pid_and_ports_files_are_written_and_ports_file_removed_at_exit() {
    let dir = TempDir::new();
    let log = dir.path().join("server.log");
    let pid_file = dir.path().join("server.pid");
    let cmd = server_command();
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(["-a", "127.0.0.1", "-p", "-1", "-l"])
        .arg(&log)
        .arg("-P")
        .arg(&pid_file)
        .arg("--ports_file_dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let text = wait_for_file_containing(&log, "Server is ready", Duration::from_secs(10));
    assert!(
        text.contains("Listening for client connections on 127.0.0.1:"),
        "{text}"
    );
    let pid = std::fs::read_to_string(&pid_file).expect("pid file");
    assert_eq!(pid.trim(), child.id().to_string());
    let ports_file = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "ports"))
        .expect("a .ports file");
    let ports: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ports_file).expect("ports")).expect("json");
    let url = ports["nats"][0].as_str().expect("nats url").to_string();
    let client = async_nats::connect(url.as_str())
        .await
        .expect("connect via ports file");
    client.flush().await.expect("flush");
    send_signal(child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!ports_file.exists(), "ports file left behind");
}

#[test]
fn debug_flag_logs_debug_lines() {
    let server = ServerBuilder::new().arg("-D").start();
    let _c = std::net::TcpStream::connect(server.addr()).expect("connect");
    assert!(
        server.wait_for_log("[DBG]", Duration::from_secs(5)),
        "no [DBG] line with -D:\n{}",
        server.log()
    );
}

#[test]
fn flags_of_features_not_built_yet_are_refused() {
    if reference_server() {
        return; // nats-server has these features
    }
    for (args, needle) in [
        (vec!["--tls"], "TLS"),
        // Routes need a listen address to be told to peers.
        (
            vec!["--routes", "nats://127.0.0.1:4248"],
            "cluster listen address",
        ),
    ] {
        let mut all = vec!["-a", "127.0.0.1", "-p", "-1"];
        all.extend(args.iter().copied());
        let out = run_to_exit(&all, Duration::from_secs(10));
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn security_options_rill_cannot_enforce_stop_the_server() {
    if reference_server() {
        return;
    }
    let dir = TempDir::new();
    let conf = dir.write("tls.conf", "tls { cert_file: a.pem, key_file: a.key }\n");
    let out = run_to_exit(
        &[
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
            "-c",
            conf.to_str().expect("utf8"),
        ],
        Duration::from_secs(10),
    );
    assert!(!out.status.success(), "started with a tls block");
    assert!(
        out.stderr.contains("tls.conf:1:1") && out.stderr.contains("refusing to start"),
        "{}",
        out.stderr
    );
}

#[test]
fn later_issue_options_in_a_config_warn_and_the_server_runs() {
    if reference_server() {
        return;
    }
    let server = ServerBuilder::new()
        .config("cluster { name: C1 }\njetstream { store_dir: \"./js\" }\nmqtt { port: 1883 }\n")
        .start();
    let log = server.log();
    assert!(log.contains("[WRN]") && log.contains("mqtt"), "{log}");
    assert!(log.contains("running as a single node"), "{log}");
    std::net::TcpStream::connect(server.addr()).expect("server accepts clients");
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let dir = TempDir::new();
    let conf = dir.write("bad.conf", "port: 4222\nlisten: {\n");
    let out = run_to_exit(
        &["-c", conf.to_str().expect("utf8"), "-t"],
        Duration::from_secs(10),
    );
    assert!(!out.status.success());
    let all = format!("{}{}", out.stdout, out.stderr);
    if reference_server() {
        assert!(all.contains("line 3"), "{all}");
    } else {
        assert!(
            all.contains("bad.conf:2:") || all.contains("bad.conf:3:"),
            "{all}"
        );
    }
}
