//! `rill stream ...` as processes against a JetStream server: the seed's `stream add` by
//! prompts (on a pseudo-terminal under util-linux `script`) and by flags, the info block in the
//! seed's layout, `pub --count 1000` then `stream info`, and each other command with one
//! error path. Passes against `RILL_SERVER_BIN=nats-server` too.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rill_tests::tool::{dead_url, rill_bin, Tool, ToolOutput};
use rill_tests::{ServerBuilder, TempDir, TestServer};

/// A JetStream server with its own store directory (kept alive with it).
fn js_server() -> (TempDir, TestServer) {
    let store = TempDir::new();
    let server = ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start();
    (store, server)
}

fn run(tool: &Tool, server: &TestServer, args: &[&str]) -> ToolOutput {
    let url = server.url();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--server", &url]);
    tool.run(&all)
}

/// `stream add NAME --subjects foo --defaults`, checked.
fn add_seed_stream(tool: &Tool, server: &TestServer, name: &str) -> ToolOutput {
    let out = run(
        tool,
        server,
        &["stream", "add", name, "--subjects", "foo", "--defaults"],
    );
    out.assert_ok();
    out
}

fn publish(tool: &Tool, server: &TestServer, subject: &str, count: &str) {
    run(
        tool,
        server,
        &[
            "pub",
            subject,
            "--count",
            count,
            "--jetstream",
            "publication #{{Count}}",
        ],
    )
    .assert_ok();
}

/// The seed's block for a new stream, after the title line.
const SEED_BLOCK_BODY: &str = "
             Subjects: foo
             Replicas: 1
              Storage: File

Options:

            Retention: Limits
     Acknowledgements: true
       Discard Policy: Old
     Duplicate Window: 2m0s
    Allows Msg Delete: true
         Allows Purge: true
       Allows Rollups: false

Limits:

     Maximum Messages: unlimited
  Maximum Per Subject: unlimited
        Maximum Bytes: unlimited
          Maximum Age: unlimited
 Maximum Message Size: unlimited
    Maximum Consumers: unlimited


State:

             Messages: 0
                Bytes: 0 B
             FirstSeq: 0
              LastSeq: 0
     Active Consumers: 0

";

fn assert_seed_block(text: &str, name: &str) {
    let (title, body) = text.split_once('\n').expect("a title line");
    let prefix = format!("Information for Stream {name} created 20");
    assert!(title.starts_with(&prefix), "{title:?}");
    assert_eq!(
        title.len(),
        prefix.len() + 17,
        "YYYY-MM-DD HH:MM:SS: {title:?}"
    );
    assert_eq!(body, SEED_BLOCK_BODY, "{text}");
}

#[test]
fn stream_add_by_flags_with_defaults_prints_the_seeds_block() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    let out = add_seed_stream(&tool, &server, "my_stream");
    let block = out
        .stdout
        .strip_prefix("Stream my_stream was created\n\n")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert_seed_block(block, "my_stream");
    let info = run(&tool, &server, &["stream", "info", "my_stream"]);
    info.assert_ok();
    assert_seed_block(&info.stdout, "my_stream");
}

#[test]
fn stream_add_takes_sizes_durations_and_refuses_bad_values_by_flag() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    let out = run(
        &tool,
        &server,
        &[
            "stream",
            "add",
            "limited",
            "--subjects",
            "a.*,b",
            "--storage",
            "memory",
            "--max-bytes",
            "1GB",
            "--max-msg-size",
            "512KiB",
            "--max-age",
            "1h",
            "--max-msgs",
            "1000",
            "--dupe-window",
            "1m",
            "--allow-rollup",
            "--deny-delete",
            "--discard",
            "new",
            "--defaults",
        ],
    );
    out.assert_ok();
    for line in [
        "             Subjects: a.*, b\n",
        "              Storage: Memory\n",
        "       Discard Policy: New\n",
        "     Duplicate Window: 1m0s\n",
        "    Allows Msg Delete: false\n",
        "       Allows Rollups: true\n",
        "     Maximum Messages: 1,000\n",
        "        Maximum Bytes: 1.0 GiB\n",
        "          Maximum Age: 1h0m0s\n",
        " Maximum Message Size: 512 KiB\n",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in\n{}", out.stdout);
    }
    let bad = run(
        &tool,
        &server,
        &["stream", "add", "x", "--storage", "disk", "--defaults"],
    );
    assert_eq!(bad.code(), 1);
    assert_eq!(
        bad.stderr,
        "rill: invalid value for --storage: \"disk\" is not one of file, memory\n"
    );
    let bad = run(
        &tool,
        &server,
        &["stream", "add", "x", "--max-bytes", "lots", "--defaults"],
    );
    assert!(bad.stderr.contains("--max-bytes"), "{}", bad.stderr);
    let unnamed = run(&tool, &server, &["stream", "add", "--defaults"]);
    assert_eq!(unnamed.code(), 1);
    assert!(
        unnamed.stderr.contains("stream name is required"),
        "{}",
        unnamed.stderr
    );
}

#[test]
fn stream_add_on_a_terminal_asks_the_seeds_questions_in_order() {
    let have_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_script {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let (_store, server) = js_server();
    let tool = Tool::new();
    let line = format!(
        "{} stream add my_stream --server {}",
        rill_bin().display(),
        server.url()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env("XDG_CONFIG_HOME", tool.config_home())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env_remove("NATS_URL")
        .env_remove("NATS_CONTEXT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    // The seed's answers: foo, file, 1 (one node), then the defaults.
    let answers = format!("foo\nfile\n1\n{}", "\n".repeat(12));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answers.as_bytes())
        .expect("answers");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rill stream add still asking after 30s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "{shown}");
    let questions = [
        "? Subjects (my_stream) ",
        "? Storage (file) ",
        "? Replication (1) ",
        "? Retention Policy (Limits) ",
        "? Discard Policy (Old) ",
        "? Stream Messages Limit (-1) ",
        "? Per Subject Messages Limit (-1) ",
        "? Total Stream Size (-1) ",
        "? Message TTL (-1) ",
        "? Max Message Size (-1) ",
        "? Duplicate tracking time window (2m0s) ",
        "? Allow message Roll-ups (No) ",
        "? Allow message deletion (Yes) ",
        "? Allow purging subjects or the entire stream (Yes) ",
        "Stream my_stream was created\n\n",
    ];
    let mut at = 0;
    for q in questions {
        let found = shown[at..]
            .find(q)
            .unwrap_or_else(|| panic!("{q:?} after {at} in {shown:?}"));
        at += found + q.len();
    }
    assert_seed_block(&shown[at..], "my_stream");
}

#[test]
fn pub_count_1000_then_stream_info_shows_1000_messages() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    run(
        &tool,
        &server,
        &[
            "pub",
            "foo",
            "--count=1000",
            "publication #{{Count}} @ {{TimeStamp}}",
        ],
    )
    .assert_ok();
    // A core publish is not acknowledged: ask until the last one is stored.
    let deadline = Instant::now() + Duration::from_secs(10);
    let info = loop {
        let info = run(&tool, &server, &["stream", "info", "my_stream"]);
        info.assert_ok();
        if info.stdout.contains("LastSeq: 1000 @") || Instant::now() > deadline {
            break info;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = &info.stdout;
    assert!(text.contains("\n             Messages: 1,000\n"), "{text}");
    assert!(text.contains("\n             FirstSeq: 1 @ 20"), "{text}");
    assert!(
        text.contains(" UTC\n              LastSeq: 1000 @ 20"),
        "{text}"
    );
    assert!(text.contains("\n   Number of Subjects: 1\n"), "{text}");
    assert!(text.contains(" KiB\n"), "{text}");
    let json = run(&tool, &server, &["stream", "info", "my_stream", "--json"]);
    json.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["state"]["messages"], 1000);
    assert_eq!(v["config"]["name"], "my_stream");
}

#[test]
fn stream_info_of_an_unknown_stream_fails_in_one_line() {
    let (_store, server) = js_server();
    let out = run(&Tool::new(), &server, &["stream", "info", "nope"]);
    assert_eq!(out.code(), 1);
    assert_eq!(out.stderr, "rill: stream \"nope\" not found\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn stream_ls_prints_a_table_and_names() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    let empty = run(&tool, &server, &["stream", "ls"]);
    empty.assert_ok();
    assert_eq!(empty.stdout, "No Streams defined\n");
    add_seed_stream(&tool, &server, "b_stream");
    run(
        &tool,
        &server,
        &[
            "stream",
            "add",
            "a_stream",
            "--subjects",
            "bar",
            "--description",
            "first",
            "--defaults",
        ],
    )
    .assert_ok();
    publish(&tool, &server, "foo", "3");
    let ls = run(&tool, &server, &["stream", "ls"]);
    ls.assert_ok();
    let lines: Vec<&str> = ls.stdout.lines().collect();
    assert!(lines[1].contains("Streams"), "{}", ls.stdout);
    assert!(
        lines[3].starts_with(
            "│ Name     │ Description │ Created             │ Messages │ Size  │ Last Message │"
        ),
        "{}",
        ls.stdout
    );
    assert!(
        lines[5].starts_with("│ a_stream │ first       │ 20"),
        "{}",
        ls.stdout
    );
    assert!(
        lines[5].ends_with("│ 0        │ 0 B   │ never        │"),
        "{}",
        ls.stdout
    );
    assert!(
        lines[6].starts_with("│ b_stream │             │ 20"),
        "{}",
        ls.stdout
    );
    assert!(lines[6].contains("│ 3        │"), "{}", ls.stdout);
    let names = run(&tool, &server, &["stream", "ls", "--names"]);
    names.assert_ok();
    assert_eq!(names.stdout, "a_stream\nb_stream\n");
    let down = tool.run(&["stream", "ls", "--server", &dead_url()]);
    assert_eq!(down.code(), 1);
    assert!(down.stderr.starts_with("rill: "), "{}", down.stderr);
    assert_eq!(down.stderr.lines().count(), 1, "{}", down.stderr);
}

#[test]
fn stream_edit_shows_changes_and_refuses_what_the_server_refuses() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    let out = run(
        &tool,
        &server,
        &[
            "stream",
            "edit",
            "my_stream",
            "--max-msgs",
            "100",
            "--max-bytes",
            "1MiB",
        ],
    );
    out.assert_ok();
    assert!(
        out.stdout.starts_with("Differences (-old +new):\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  max_bytes: -1 -> 1048576\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  max_msgs: -1 -> 100\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Stream my_stream was updated\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("     Maximum Messages: 100\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("        Maximum Bytes: 1.0 MiB\n"),
        "{}",
        out.stdout
    );
    let refused = run(
        &tool,
        &server,
        &["stream", "edit", "my_stream", "--storage", "memory"],
    );
    assert_eq!(refused.code(), 1);
    assert_eq!(
        refused.stderr,
        "rill: could not update stream \"my_stream\": stream configuration update can not change storage type (err_code 10052)\n"
    );
    let unknown = run(
        &tool,
        &server,
        &["stream", "edit", "nope", "--max-msgs", "1"],
    );
    assert_eq!(unknown.stderr, "rill: stream \"nope\" not found\n");
}

#[test]
fn stream_rm_needs_force_without_a_terminal() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    let refused = run(&tool, &server, &["stream", "rm", "my_stream"]);
    assert_eq!(refused.code(), 1);
    assert_eq!(
        refused.stderr,
        "rill: refusing to delete stream \"my_stream\" without --force when not on a terminal\n"
    );
    run(&tool, &server, &["stream", "info", "my_stream"]).assert_ok();
    run(&tool, &server, &["stream", "rm", "my_stream", "--force"]).assert_ok();
    let gone = run(&tool, &server, &["stream", "rm", "my_stream", "--force"]);
    assert_eq!(gone.stderr, "rill: stream \"my_stream\" not found\n");
}

#[test]
fn stream_purge_by_subject_and_keep() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    run(
        &tool,
        &server,
        &["stream", "add", "s", "--subjects", "a,b", "--defaults"],
    )
    .assert_ok();
    publish(&tool, &server, "a", "4");
    publish(&tool, &server, "b", "6");
    let refused = run(&tool, &server, &["stream", "purge", "s"]);
    assert_eq!(refused.code(), 1);
    assert!(
        refused.stderr.contains("without --force"),
        "{}",
        refused.stderr
    );
    let out = run(
        &tool,
        &server,
        &["stream", "purge", "s", "--subject", "a", "--force"],
    );
    out.assert_ok();
    assert!(
        out.stdout
            .starts_with("Purged 4 messages from stream s\n\nInformation for Stream s"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("             Messages: 6\n"),
        "{}",
        out.stdout
    );
    let kept = run(
        &tool,
        &server,
        &["stream", "purge", "s", "--keep", "2", "--force"],
    );
    kept.assert_ok();
    assert!(
        kept.stdout.contains("             Messages: 2\n"),
        "{}",
        kept.stdout
    );
    let unknown = run(&tool, &server, &["stream", "purge", "nope", "--force"]);
    assert_eq!(unknown.stderr, "rill: stream \"nope\" not found\n");
}

#[test]
fn stream_get_prints_a_message_by_sequence_or_last_for_subject() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    run(
        &tool,
        &server,
        &["stream", "add", "s", "--subjects", "a,b", "--defaults"],
    )
    .assert_ok();
    publish(&tool, &server, "a", "2");
    publish(&tool, &server, "b", "1");
    let out = run(&tool, &server, &["stream", "get", "s", "2"]);
    out.assert_ok();
    assert!(
        out.stdout.starts_with("Item: s#2 received 20"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with(" on Subject a\n\npublication #2\n"),
        "{}",
        out.stdout
    );
    let last = run(&tool, &server, &["stream", "get", "s", "--last-for", "a"]);
    last.assert_ok();
    assert!(last.stdout.starts_with("Item: s#2 "), "{}", last.stdout);
    let json = run(&tool, &server, &["stream", "get", "s", "3", "--json"]);
    json.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["message"]["subject"], "b");
    let missing = run(&tool, &server, &["stream", "get", "s", "99"]);
    assert_eq!(missing.code(), 1);
    assert_eq!(
        missing.stderr,
        "rill: no message with sequence 99 in stream \"s\"\n"
    );
}

#[test]
fn stream_view_prints_messages_in_order() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    run(
        &tool,
        &server,
        &["stream", "add", "s", "--subjects", "a,b", "--defaults"],
    )
    .assert_ok();
    publish(&tool, &server, "a", "2");
    publish(&tool, &server, "b", "2");
    publish(&tool, &server, "a", "1");
    let all = run(&tool, &server, &["stream", "view", "s"]);
    all.assert_ok();
    let titles: Vec<&str> = all.stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(titles.len(), 5, "{}", all.stdout);
    assert!(
        titles[0].starts_with("[1] Subject: a Received: 20"),
        "{}",
        all.stdout
    );
    assert!(
        all.stdout.contains("\npublication #2\n\n[3] Subject: b"),
        "{}",
        all.stdout
    );
    let some = run(
        &tool,
        &server,
        &["stream", "view", "s", "--subject", "a", "--count", "2"],
    );
    some.assert_ok();
    let seqs: Vec<&str> = some
        .stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| &l[..3])
        .collect();
    assert_eq!(seqs, ["[1]", "[2]"], "{}", some.stdout);
    let tail = run(
        &tool,
        &server,
        &["stream", "view", "s", "--subject", "a", "--seq", "3"],
    );
    assert!(tail.stdout.starts_with("[5] Subject: a"), "{}", tail.stdout);
    let unknown = run(&tool, &server, &["stream", "view", "nope"]);
    assert_eq!(unknown.stderr, "rill: stream \"nope\" not found\n");
}

#[test]
fn stream_report_tables_every_stream() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    run(
        &tool,
        &server,
        &[
            "stream",
            "add",
            "mem",
            "--subjects",
            "m",
            "--storage",
            "memory",
            "--defaults",
        ],
    )
    .assert_ok();
    publish(&tool, &server, "foo", "10");
    let out = run(&tool, &server, &["stream", "report"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[1].contains("Stream Report"), "{}", out.stdout);
    assert!(
        lines[3].starts_with(
            "│ Stream    │ Storage │ Consumers │ Messages │ Bytes │ Lost │ Deleted │ Replicas"
        ),
        "{}",
        out.stdout
    );
    assert!(
        lines[5]
            .starts_with("│ mem       │ Memory  │ 0         │ 0        │ 0 B   │ 0    │ 0       │"),
        "{}",
        out.stdout
    );
    assert!(
        lines[6].starts_with("│ my_stream │ File    │ 0         │ 10       │"),
        "{}",
        out.stdout
    );
    let down = tool.run(&["stream", "report", "--server", &dead_url()]);
    assert_eq!(down.code(), 1);
    assert!(
        down.stderr.starts_with("rill: cannot connect"),
        "{}",
        down.stderr
    );
}
