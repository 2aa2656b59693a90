//! Process tests for `rill consumer add | info | ls | rm | next`: the seed's consumer steps
//! (add by prompts on a pseudo-terminal and by flags, `next --count 1000` with acks, two
//! `next` processes sharing one consumer), each command's output and an error path.

use std::collections::BTreeSet;
use std::time::Duration;

use rill_tests::tool::{dead_url, have_script, on_terminal_typing, Tool};
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn js_server(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

/// Creates stream `name` on `foo` with `rill req` and publishes `count` messages to it.
fn stream_with_messages(tool: &Tool, url: &str, name: &str, count: u64) {
    let config = format!(r#"{{"name":"{name}","subjects":["foo"]}}"#);
    let subject = format!("$JS.API.STREAM.CREATE.{name}");
    let out = tool.run(&["req", &subject, &config, "--server", url]);
    out.assert_ok();
    assert!(out.stdout.contains("did_create"), "{}", out.stdout);
    if count > 0 {
        let n = count.to_string();
        tool.run(&[
            "pub",
            "foo",
            "publication #{{Count}}",
            "--count",
            &n,
            "--jetstream",
            "--server",
            url,
        ])
        .assert_ok();
    }
}

fn add_by_flags(tool: &Tool, url: &str, stream: &str, name: &str) {
    let out = tool.run(&[
        "consumer",
        "add",
        stream,
        name,
        "--pull",
        "--deliver",
        "all",
        "--ack",
        "explicit",
        "--replay",
        "instant",
        "--max-deliver",
        "-1",
        "--max-pending",
        "0",
        "--no-headers-only",
        "--backoff",
        "none",
        "--server",
        url,
    ]);
    out.assert_ok();
}

#[test]
fn consumer_add_asks_the_seeds_questions_in_order_on_a_terminal() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let store = TempDir::new();
    let server = js_server(&store);
    let tool = Tool::new();
    stream_with_messages(&tool, &server.url(), "my_stream", 45);
    // The seed's answers: a name, then Enter for every default, then the stream.
    let input = "foo_consumer\n\n\n\n\n\n\n\n\n\nmy_stream\n";
    let shown = on_terminal_typing(
        &tool,
        &format!("consumer add --server {}", server.url()),
        input,
    );
    let questions = [
        "? Consumer name ",
        "? Delivery target (empty for Pull Consumers) ",
        "? Start policy (all, new, last, subject, 1h, msg sequence) (all) ",
        "? Acknowledgement policy [explicit/all/none] (explicit) ",
        "? Replay policy [instant/original] (instant) ",
        "? Filter Stream by subject (blank for all) ",
        "? Maximum Allowed Deliveries (-1) ",
        "? Maximum Acknowledgements Pending (0) ",
        "? Deliver headers only without bodies (No) ",
        "? Add a Retry Backoff Policy (No) ",
        "? Select a Stream [my_stream] (my_stream) ",
        "Information for Consumer my_stream > foo_consumer created ",
    ];
    let mut from = 0;
    for q in questions {
        let at = shown[from..]
            .find(q)
            .unwrap_or_else(|| panic!("{q:?} not found in order in {shown:?}"));
        from += at + q.len();
    }
    let shown = shown.replace('\r', "");
    for line in [
        "        Durable Name: foo_consumer\n",
        "           Pull Mode: true\n",
        "      Deliver Policy: All\n",
        "          Ack Policy: Explicit\n",
        "            Ack Wait: 30s\n",
        "       Replay Policy: Instant\n",
        "     Unprocessed Messages: 45\n",
    ] {
        assert!(shown.contains(line), "{line:?} in {shown}");
    }
}

#[test]
fn consumer_add_by_flags_prints_the_information_page_or_names_the_bad_flag() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    stream_with_messages(&tool, &url, "my_stream", 0);
    let out = tool.run(&[
        "consumer",
        "add",
        "my_stream",
        "c1",
        "--defaults",
        "--filter",
        "foo",
        "--max-pending",
        "50",
        "--server",
        &url,
    ]);
    out.assert_ok();
    let page = &out.stdout;
    assert!(
        page.starts_with("Information for Consumer my_stream > c1 created "),
        "{page}"
    );
    assert!(page.contains("\nConfiguration:\n\n"), "{page}");
    assert!(page.contains("      Filter Subject: foo\n"), "{page}");
    assert!(page.contains("     Max Ack Pending: 50\n"), "{page}");
    assert!(
        page.contains(
            "\nState:\n\n   Last Delivered Message: Consumer sequence: 0 Stream sequence: 0\n"
        ),
        "{page}"
    );
    let bad = tool.run(&[
        "consumer",
        "add",
        "my_stream",
        "c2",
        "--ack",
        "sometimes",
        "--server",
        &url,
    ]);
    assert_eq!(bad.code(), 1);
    assert_eq!(
        bad.stderr.trim(),
        "rill: invalid value for --ack: \"sometimes\" is not one of explicit, all, none"
    );
    let unnamed = tool.run(&["consumer", "add", "my_stream", "--server", &url]);
    assert_eq!(unnamed.code(), 1);
    assert!(
        unnamed
            .stderr
            .contains("NAME is required when not asking interactively"),
        "{}",
        unnamed.stderr
    );
    let missing = tool.run(&[
        "consumer",
        "add",
        "nope",
        "c3",
        "--defaults",
        "--server",
        &url,
    ]);
    assert_eq!(missing.code(), 1);
    assert_eq!(missing.stderr.trim(), "rill: stream \"nope\" not found");
}

#[test]
fn consumer_next_acks_a_thousand_and_info_shows_the_ack_floor() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    stream_with_messages(&tool, &url, "my_stream", 1000);
    add_by_flags(&tool, &url, "my_stream", "foo_consumer");
    let out = tool.run(&[
        "consumer",
        "next",
        "my_stream",
        "foo_consumer",
        "--count",
        "1000",
        "--server",
        &url,
    ]);
    out.assert_ok();
    let blocks: Vec<&str> = out.stdout.split("\n\nAcknowledged message\n\n").collect();
    assert_eq!(blocks.len(), 1001, "{}", &out.stdout[..500]);
    let first = blocks[0];
    assert!(
        first.contains(
            "] subj: foo / tries: 1 / cons seq: 1 / str seq: 1 / pending: 999\n\npublication #1"
        ),
        "{first}"
    );
    assert!(first.starts_with('['), "{first}");
    assert!(
        blocks[999].contains("/ cons seq: 1000 / str seq: 1000 / pending: 0\n\npublication #1000"),
        "{}",
        blocks[999]
    );
    let info = tool.run(&[
        "consumer",
        "info",
        "my_stream",
        "foo_consumer",
        "--server",
        &url,
    ]);
    info.assert_ok();
    let page = &info.stdout;
    assert!(
        page.contains(
            "     Acknowledgment floor: Consumer sequence: 1,000 Stream sequence: 1,000\n"
        ),
        "{page}"
    );
    assert!(
        page.contains("         Outstanding Acks: 0 out of maximum 1,000\n"),
        "{page}"
    );
    assert!(page.contains("     Unprocessed Messages: 0\n"), "{page}");
    let json: Value = serde_json::from_str(
        &tool
            .run(&[
                "consumer",
                "info",
                "my_stream",
                "foo_consumer",
                "--json",
                "--server",
                &url,
            ])
            .assert_ok()
            .stdout,
    )
    .expect("json");
    assert_eq!(json["ack_floor"]["stream_seq"].as_u64(), Some(1000));
    assert_eq!(json["num_ack_pending"].as_u64(), Some(0));
    // Nothing left: the next pull ends with a message, not a hang.
    let empty = tool.run(&[
        "consumer",
        "next",
        "my_stream",
        "foo_consumer",
        "--timeout",
        "1s",
        "--server",
        &url,
    ]);
    assert_eq!(empty.code(), 1);
    assert!(
        empty.stderr.starts_with("rill: no message received"),
        "{}",
        empty.stderr
    );
}

fn sequences(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .filter_map(|l| l.split(" / str seq: ").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .map(|n| n.parse().expect("sequence"))
        .collect()
}

#[test]
fn two_next_processes_split_the_messages_of_one_consumer() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    stream_with_messages(&tool, &url, "my_stream", 1000);
    add_by_flags(&tool, &url, "my_stream", "foo_consumer");
    let args = [
        "consumer",
        "next",
        "my_stream",
        "foo_consumer",
        "--count",
        "500",
        "--server",
        &url,
    ];
    let a = tool.spawn(&args);
    let b = tool.spawn(&args);
    let (a, b) = (
        a.finish(Duration::from_secs(60)),
        b.finish(Duration::from_secs(60)),
    );
    a.assert_ok();
    b.assert_ok();
    let (sa, sb) = (sequences(&a.stdout), sequences(&b.stdout));
    assert_eq!((sa.len(), sb.len()), (500, 500));
    let set_a: BTreeSet<u64> = sa.into_iter().collect();
    let set_b: BTreeSet<u64> = sb.into_iter().collect();
    assert!(set_a.is_disjoint(&set_b), "a message went to both");
    let union: BTreeSet<u64> = set_a.union(&set_b).copied().collect();
    assert_eq!(union, (1..=1000).collect::<BTreeSet<u64>>());
}

#[test]
fn next_raw_and_no_ack() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    stream_with_messages(&tool, &url, "S", 3);
    add_by_flags(&tool, &url, "S", "C");
    let raw = tool.run(&[
        "consumer", "next", "S", "C", "--count", "2", "--raw", "--no-ack", "--server", &url,
    ]);
    raw.assert_ok();
    assert_eq!(raw.stdout, "publication #1\npublication #2\n");
    let info: Value = serde_json::from_str(
        &tool
            .run(&["consumer", "info", "S", "C", "--json", "--server", &url])
            .assert_ok()
            .stdout,
    )
    .expect("json");
    assert_eq!(
        info["num_ack_pending"].as_u64(),
        Some(2),
        "not acknowledged"
    );
    let missing = tool.run(&["consumer", "next", "S", "nope", "--server", &url]);
    assert_eq!(missing.code(), 1);
    assert_eq!(
        missing.stderr.trim(),
        "rill: consumer \"nope\" not found in \"S\""
    );
}

#[test]
fn consumer_ls_info_and_rm() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    stream_with_messages(&tool, &url, "S", 0);
    let empty = tool.run(&["consumer", "ls", "S", "--server", &url]);
    empty.assert_ok();
    assert_eq!(empty.stdout, "No Consumers defined\n");
    add_by_flags(&tool, &url, "S", "alpha");
    add_by_flags(&tool, &url, "S", "beta");
    let ls = tool.run(&["consumer", "ls", "S", "--server", &url]);
    ls.assert_ok();
    assert!(
        ls.stdout.contains("Consumers for Stream S"),
        "{}",
        ls.stdout
    );
    assert!(
        ls.stdout
            .contains("│ Name  │ Description │ Created             │ Ack Pending │"),
        "{}",
        ls.stdout
    );
    assert!(ls.stdout.contains("│ alpha │"), "{}", ls.stdout);
    let names = tool.run(&["consumer", "ls", "S", "--json", "--server", &url]);
    let names: Value = serde_json::from_str(&names.stdout).expect("json");
    assert_eq!(names, serde_json::json!(["alpha", "beta"]));
    let refused = tool.run(&["consumer", "rm", "S", "alpha", "--server", &url]);
    assert_eq!(refused.code(), 1);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    let rm = tool.run(&["consumer", "rm", "S", "alpha", "--force", "--server", &url]);
    rm.assert_ok();
    assert_eq!(rm.stdout, "Deleted Consumer S > alpha\n");
    let gone = tool.run(&["consumer", "info", "S", "alpha", "--server", &url]);
    assert_eq!(gone.code(), 1);
    assert_eq!(
        gone.stderr.trim(),
        "rill: consumer \"alpha\" not found in \"S\""
    );
    let no_stream = tool.run(&["consumer", "ls", "nope", "--server", &url]);
    assert_eq!(no_stream.stderr.trim(), "rill: stream \"nope\" not found");
    let down = tool.run(&["consumer", "ls", "S", "--server", &dead_url()]);
    assert_eq!(down.code(), 1);
    assert!(
        down.stderr.starts_with("rill: cannot connect"),
        "{}",
        down.stderr
    );
}
