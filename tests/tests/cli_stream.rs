//! `rill stream add` and `rill stream info` as processes against a JetStream server: the
//! seed's questions on a pseudo-terminal (util-linux `script`) and the same stream by flags,
//! the info block in the seed's layout, `pub --count 1000` then `stream info`. The other
//! commands are in `cli_stream_admin.rs`. Both pass against `RILL_SERVER_BIN=nats-server`.

#[path = "cli_stream/common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{add_seed_stream, js_server, on_terminal_answering, run};
use rill_tests::tool::have_script;
use rill_tests::tool::Tool;

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
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let (_store, server) = js_server();
    let tool = Tool::new();
    // The seed's answers: foo, file, 1 (one node), then the defaults.
    let answers = format!("foo\nfile\n1\n{}", "\n".repeat(12));
    let (shown, ok) = on_terminal_answering(&tool, &server, "stream add my_stream", &answers);
    assert!(ok, "{shown}");
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
fn a_bad_answer_on_a_terminal_is_explained_and_asked_again() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let (_store, server) = js_server();
    let tool = Tool::new();
    let answers = format!("s1\nfoo\ndisk\nmemory\n{}", "\n".repeat(12));
    let (shown, ok) = on_terminal_answering(&tool, &server, "stream add", &answers);
    assert!(ok, "{shown}");
    let at = shown.find("? Stream Name ").expect("name asked first");
    let rest = &shown[at..];
    let bad = rest
        .find("\"disk\" is not one of file, memory")
        .expect("explained");
    assert!(
        rest[bad..].contains("? Storage (file) "),
        "asked again: {shown}"
    );
    assert!(shown.contains("Stream s1 was created"), "{shown}");
    assert!(shown.contains("              Storage: Memory\n"), "{shown}");
}

#[test]
fn stream_rm_on_a_terminal_asks_first() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    let (shown, ok) = on_terminal_answering(&tool, &server, "stream rm my_stream", "n\n");
    assert!(ok, "{shown}");
    assert!(
        shown.contains("? Really delete Stream my_stream? (No) "),
        "{shown}"
    );
    run(&tool, &server, &["stream", "info", "my_stream"]).assert_ok();
    let (shown, ok) = on_terminal_answering(&tool, &server, "stream rm my_stream", "y\n");
    assert!(ok, "{shown}");
    let gone = run(&tool, &server, &["stream", "info", "my_stream"]);
    assert_eq!(gone.stderr, "rill: stream \"my_stream\" not found\n");
}

#[test]
fn stream_info_without_a_name_asks_on_a_terminal_only() {
    let (_store, server) = js_server();
    let tool = Tool::new();
    add_seed_stream(&tool, &server, "my_stream");
    let piped = run(&tool, &server, &["stream", "info"]);
    assert_eq!(piped.code(), 1);
    assert_eq!(
        piped.stderr,
        "rill: a stream name is required when not on a terminal\n"
    );
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let (shown, ok) = on_terminal_answering(&tool, &server, "stream info", "\n");
    assert!(ok, "{shown}");
    assert!(
        shown.contains("? Select a Stream [my_stream] (my_stream) "),
        "{shown}"
    );
    assert!(
        shown.contains("Information for Stream my_stream created "),
        "{shown}"
    );
}
