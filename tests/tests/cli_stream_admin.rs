//! `rill stream ls | edit | rm | purge | get | view | report` as processes against a JetStream
//! server, each with its output and an error path. Passes against `RILL_SERVER_BIN=nats-server`.

#[path = "cli_stream/common.rs"]
mod common;

use common::{add_seed_stream, js_server, publish, run};
use rill_tests::tool::{dead_url, Tool};

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
    for line in [
        "\n  max_bytes: -1 -> 1048576\n",
        "\n  max_msgs: -1 -> 100\n",
        "\nStream my_stream was updated\n",
        "\n     Maximum Messages: 100\n",
        "\n        Maximum Bytes: 1.0 MiB\n",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in\n{}", out.stdout);
    }
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
    let json = run(
        &tool,
        &server,
        &["stream", "view", "s", "--subject", "b", "--json"],
    );
    json.assert_ok();
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON message per line"))
        .collect();
    let seqs: Vec<u64> = lines.iter().filter_map(|m| m["seq"].as_u64()).collect();
    assert_eq!(seqs, [3, 4], "{}", json.stdout);
    assert!(lines.iter().all(|m| m["subject"] == "b"), "{}", json.stdout);
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
