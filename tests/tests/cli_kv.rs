//! Process tests for `rill kv`: a put/get/history/watch/del round trip, bucket pages and
//! tables, and the error paths (unknown bucket or key, bad flag value, server down).

use std::time::Duration;

use rill_tests::tool::{dead_url, Tool};
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn js_server(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

#[test]
fn kv_put_get_history_watch_del_round_trip() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    let add = tool.run(&["kv", "add", "CFG", "--history", "5", "--server", &url]);
    add.assert_ok();
    for line in [
        "Information for Key-Value Store Bucket CFG created ",
        "\nConfiguration:\n\n",
        "         Bucket Name: CFG\n",
        "        History Kept: 5\n",
        "  Backing Store Kind: JetStream\n",
        " Maximum Bucket Size: unlimited\n",
        "    JetStream Stream: KV_CFG\n",
    ] {
        assert!(add.stdout.contains(line), "{line:?} in {}", add.stdout);
    }
    let put = tool.run(&["kv", "put", "CFG", "color", "red", "--server", &url]);
    put.assert_ok();
    assert_eq!(put.stdout, "red\n");
    let mut watch = tool.spawn(&[
        "kv", "watch", "CFG", "color", "--count", "3", "--server", &url,
    ]);
    watch.wait_stderr("Watching CFG > color", Duration::from_secs(10));
    tool.run(&["kv", "put", "CFG", "color", "blue", "--server", &url])
        .assert_ok();
    let get = tool.run(&["kv", "get", "CFG", "color", "--server", &url]);
    get.assert_ok();
    assert!(
        get.stdout.starts_with("CFG > color revision: 2 created @ "),
        "{}",
        get.stdout
    );
    assert!(get.stdout.ends_with("\n\nblue\n\n"), "{}", get.stdout);
    let raw = tool.run(&["kv", "get", "CFG", "color", "--raw", "--server", &url]);
    assert_eq!(raw.stdout, "blue");
    let del = tool.run(&["kv", "del", "CFG", "color", "--force", "--server", &url]);
    del.assert_ok();
    let watched = watch.finish(Duration::from_secs(20));
    watched.assert_ok();
    let lines: Vec<&str> = watched.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", watched.stdout);
    assert!(lines[0].ends_with("] PUT CFG > color: red"), "{}", lines[0]);
    assert!(
        lines[1].ends_with("] PUT CFG > color: blue"),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with("] DEL CFG > color"), "{}", lines[2]);
    let history = tool.run(&["kv", "history", "CFG", "color", "--server", &url]);
    history.assert_ok();
    let h = &history.stdout;
    assert!(h.contains("History for CFG > color"), "{h}");
    assert!(
        h.contains("│ Key   │ Revision │ Op  │ Created             │ Length │ Value │"),
        "{h}"
    );
    assert!(h.contains("│ color │ 1        │ PUT │"), "{h}");
    assert!(h.contains("│ color │ 3        │ DEL │"), "{h}");
    let gone = tool.run(&["kv", "get", "CFG", "color", "--server", &url]);
    assert_eq!(gone.code(), 1);
    assert_eq!(
        gone.stderr.trim(),
        "rill: key \"color\" not found in bucket \"CFG\""
    );
    let json: Value = serde_json::from_str(
        &tool
            .run(&["kv", "history", "CFG", "color", "--json", "--server", &url])
            .assert_ok()
            .stdout,
    )
    .expect("json");
    assert_eq!(json[1]["value"], "blue");
    assert_eq!(json[2]["operation"], "DEL");
}

#[test]
fn kv_ls_lists_buckets_and_keys() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    let none = tool.run(&["kv", "ls", "--server", &url]);
    none.assert_ok();
    assert_eq!(none.stdout, "No Key-Value buckets found\n");
    tool.run(&["kv", "add", "B", "--server", &url]).assert_ok();
    let empty = tool.run(&["kv", "ls", "B", "--server", &url]);
    assert_eq!(empty.stdout, "No keys found in bucket\n");
    for key in ["y", "x"] {
        tool.run(&["kv", "put", "B", key, "1", "--server", &url])
            .assert_ok();
    }
    let keys = tool.run(&["kv", "ls", "B", "--server", &url]);
    assert_eq!(keys.stdout, "x\ny\n");
    let buckets = tool.run(&["kv", "ls", "--server", &url]);
    buckets.assert_ok();
    assert!(
        buckets.stdout.contains("Key-Value Buckets"),
        "{}",
        buckets.stdout
    );
    assert!(
        buckets.stdout.contains(
            "│ Bucket │ Description │ Created             │ Size │ Values │ Last Update │"
        ),
        "{}",
        buckets.stdout
    );
    let names: Value =
        serde_json::from_str(&tool.run(&["kv", "ls", "--json", "--server", &url]).stdout)
            .expect("json");
    assert_eq!(names, serde_json::json!(["B"]));
    let rm = tool.run(&["kv", "del", "B", "--force", "--server", &url]);
    rm.assert_ok();
    assert_eq!(
        tool.run(&["kv", "ls", "--server", &url]).stdout,
        "No Key-Value buckets found\n"
    );
}

#[test]
fn kv_errors_name_the_bucket_or_flag() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    let missing = tool.run(&["kv", "get", "NOPE", "k", "--server", &url]);
    assert_eq!(missing.code(), 1);
    assert_eq!(missing.stderr.trim(), "rill: bucket \"NOPE\" not found");
    let put = tool.run(&["kv", "put", "NOPE", "k", "v", "--server", &url]);
    assert_eq!(put.stderr.trim(), "rill: bucket \"NOPE\" not found");
    let bad = tool.run(&["kv", "add", "B", "--max-bytes", "lots", "--server", &url]);
    assert_eq!(bad.code(), 1);
    assert!(
        bad.stderr
            .starts_with("rill: invalid value for --max-bytes"),
        "{}",
        bad.stderr
    );
    let ttl = tool.run(&["kv", "add", "B", "--ttl", "soon", "--server", &url]);
    assert!(
        ttl.stderr.starts_with("rill: invalid value for --ttl"),
        "{}",
        ttl.stderr
    );
    tool.run(&["kv", "add", "B", "--server", &url]).assert_ok();
    let refused = tool.run(&["kv", "del", "B", "k", "--server", &url]);
    assert_eq!(refused.code(), 1);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    let down = tool.run(&["kv", "ls", "--server", &dead_url()]);
    assert_eq!(down.code(), 1);
    assert!(
        down.stderr.starts_with("rill: cannot connect"),
        "{}",
        down.stderr
    );
}
