//! Process tests for `rill object`: put/get of a multi-megabyte file (same bytes back), the
//! contents table, the progress bar on a terminal only, and the error paths.

use std::process::Command;
use std::time::Duration;

use rill_tests::tool::{dead_url, have_script, rill_bin, Running, Tool};
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn js_server(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

/// `len` bytes of a fixed pseudo-random pattern (xorshift), so chunks differ.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn object_put_get_returns_the_same_bytes() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    let dir = TempDir::new();
    let data = pattern(3 * 1024 * 1024 + 12345);
    let src = dir.path().join("big.bin");
    std::fs::write(&src, &data).expect("write");
    let put = tool.run(&[
        "object",
        "put",
        "FILES",
        src.to_str().expect("utf8"),
        "--server",
        &url,
    ]);
    put.assert_ok();
    assert!(
        put.stdout
            .starts_with("Object information for FILES > big.bin\n\n"),
        "{}",
        put.stdout
    );
    assert!(
        put.stdout.contains("              Size: 3.0 MiB\n"),
        "{}",
        put.stdout
    );
    assert!(
        put.stdout.contains("            Digest: SHA-256 "),
        "{}",
        put.stdout
    );
    assert!(
        !put.stderr.contains(" / "),
        "no bar off a terminal: {}",
        put.stderr
    );
    let out = dir.path().join("copy.bin");
    let get = tool.run(&[
        "object",
        "get",
        "FILES",
        "big.bin",
        "--output",
        out.to_str().expect("utf8"),
        "--server",
        &url,
    ]);
    get.assert_ok();
    assert!(
        get.stdout.starts_with("Wrote: 3.0 MiB to "),
        "{}",
        get.stdout
    );
    assert_eq!(std::fs::read(&out).expect("read"), data, "same bytes back");
    let again = tool.run(&[
        "object",
        "get",
        "FILES",
        "big.bin",
        "--output",
        out.to_str().expect("utf8"),
        "--server",
        &url,
    ]);
    assert_eq!(again.code(), 1);
    assert!(
        again.stderr.contains("--force is required to replace"),
        "{}",
        again.stderr
    );
    let ls = tool.run(&["object", "ls", "FILES", "--server", &url]);
    ls.assert_ok();
    assert!(ls.stdout.contains("Bucket Contents"), "{}", ls.stdout);
    assert!(
        ls.stdout.contains("│ Name    │ Size    │ Time"),
        "{}",
        ls.stdout
    );
    assert!(ls.stdout.contains("│ big.bin │ 3.0 MiB │"), "{}", ls.stdout);
    let json: Value = serde_json::from_str(
        &tool
            .run(&["object", "ls", "FILES", "--json", "--server", &url])
            .assert_ok()
            .stdout,
    )
    .expect("json");
    assert_eq!(json[0]["size"].as_u64(), Some(data.len() as u64));
    let rm = tool.run(&[
        "object", "rm", "FILES", "big.bin", "--force", "--server", &url,
    ]);
    rm.assert_ok();
    let empty = tool.run(&["object", "ls", "FILES", "--server", &url]);
    assert_eq!(empty.stdout, "No entries found\n");
}

#[test]
fn object_errors_name_the_bucket_object_or_file() {
    let store = TempDir::new();
    let server = js_server(&store);
    let url = server.url();
    let tool = Tool::new();
    let missing = tool.run(&["object", "ls", "NOPE", "--server", &url]);
    assert_eq!(missing.code(), 1);
    assert_eq!(missing.stderr.trim(), "rill: bucket \"NOPE\" not found");
    let none = tool.run(&["object", "ls", "--server", &url]);
    assert_eq!(none.stdout, "No Object Store buckets found\n");
    tool.run(&["object", "add", "B", "--server", &url])
        .assert_ok();
    let buckets = tool.run(&["object", "ls", "--server", &url]);
    assert!(
        buckets
            .stdout
            .contains("│ Bucket │ Description │ Created             │ Size │ Last Update │"),
        "{}",
        buckets.stdout
    );
    let names: Value = serde_json::from_str(
        &tool
            .run(&["object", "ls", "--json", "--server", &url])
            .stdout,
    )
    .expect("json");
    assert_eq!(names, serde_json::json!(["B"]));
    let twice = tool.run(&["object", "add", "B", "--server", &url]);
    assert_eq!(twice.stderr.trim(), "rill: bucket \"B\" already exists");
    let no_obj = tool.run(&["object", "get", "B", "nope", "--server", &url]);
    assert_eq!(no_obj.code(), 1);
    assert_eq!(
        no_obj.stderr.trim(),
        "rill: object \"nope\" not found in bucket \"B\""
    );
    let no_file = tool.run(&["object", "put", "B", "/nonexistent/f", "--server", &url]);
    assert_eq!(no_file.code(), 1);
    assert!(
        no_file
            .stderr
            .starts_with("rill: cannot open /nonexistent/f"),
        "{}",
        no_file.stderr
    );
    let down = tool.run(&["object", "ls", "B", "--server", &dead_url()]);
    assert_eq!(down.code(), 1);
    assert!(
        down.stderr.starts_with("rill: cannot connect"),
        "{}",
        down.stderr
    );
}

#[test]
fn object_put_draws_a_progress_bar_on_a_terminal() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let store = TempDir::new();
    let server = js_server(&store);
    let tool = Tool::new();
    let dir = TempDir::new();
    let src = dir.path().join("f.bin");
    let len = 2 * 1024 * 1024;
    std::fs::write(&src, pattern(len)).expect("write");
    let mut cmd = Command::new("script");
    cmd.args([
        "-qfec",
        &format!(
            "{} object put B {} --server {}",
            rill_bin().display(),
            src.display(),
            server.url()
        ),
        "/dev/null",
    ])
    .env("XDG_CONFIG_HOME", tool.config_home())
    .env("NO_COLOR", "1")
    .env_remove("NATS_URL");
    let out = Running::start(cmd, "script rill object put".into()).finish(Duration::from_secs(30));
    out.assert_ok();
    let bar = format!(" {len} / {len} [==================================================]");
    assert!(out.stdout.contains(&bar), "{:?}", out.stdout);
    assert!(
        out.stdout.contains("Object information for B > f.bin"),
        "{:?}",
        out.stdout
    );
}
