//! `rill context` as a process: the seed's `context save` block and `context ls` table, the
//! JSON file natscli writes, selection, editing, removal, and contexts used by other commands.

use rill_tests::tool::{dead_url, Tool};
use rill_tests::TestServer;
use serde_json::Value;

/// The exact file natscli writes for a context with a URL and a description.
fn natscli_file(url: &str, description: &str) -> String {
    format!(
        "{{\n  \"description\": \"{description}\",\n  \"url\": \"{url}\",\n  \"socks_proxy\": \"\",\n  \"token\": \"\",\n  \"user\": \"\",\n  \"password\": \"\",\n  \"creds\": \"\",\n  \"nkey\": \"\",\n  \"cert\": \"\",\n  \"key\": \"\",\n  \"ca\": \"\",\n  \"nsc\": \"\",\n  \"jetstream_domain\": \"\",\n  \"jetstream_api_prefix\": \"\",\n  \"jetstream_event_prefix\": \"\",\n  \"inbox_prefix\": \"\",\n  \"user_jwt\": \"\",\n  \"color_scheme\": \"\",\n  \"tls_first\": false\n}}"
    )
}

#[test]
fn save_prints_the_seeds_block_and_writes_natscli_json() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let out = tool.run(&[
        "context",
        "save",
        "computenest-nats",
        "--server",
        &url,
        "--description",
        "ComputeNest NATS Cluster",
        "--select",
    ]);
    out.assert_ok();
    let path = tool
        .config_home()
        .join("nats/context/computenest-nats.json");
    let expected = format!(
        "NATS Configuration Context \"computenest-nats\"\n\nDescription: ComputeNest NATS Cluster\nServer URLs: {url}\nPath: {}\nConnection: OK\n",
        path.display()
    );
    assert_eq!(out.stdout, expected);
    let file = std::fs::read_to_string(&path).expect("context file");
    assert_eq!(file, natscli_file(&url, "ComputeNest NATS Cluster"));
    let selected =
        std::fs::read_to_string(tool.config_home().join("nats/context.txt")).expect("context.txt");
    assert_eq!(selected, "computenest-nats");
}

#[test]
fn ls_stars_the_selected_context_and_select_moves_the_star() {
    let tool = Tool::new();
    let dead = dead_url();
    tool.run(&[
        "context",
        "save",
        "computenest-nats",
        "--server",
        &dead,
        "--description",
        "ComputeNest NATS Cluster",
        "--select",
    ])
    .assert_ok();
    tool.run(&[
        "context",
        "save",
        "local",
        "--server",
        &dead,
        "--description",
        "Local Host",
    ])
    .assert_ok();
    let out = tool.run(&["context", "ls"]);
    out.assert_ok();
    let expected = "\
╭──────────────────────────────────────────────╮
│                Known Contexts                │
├───────────────────┬──────────────────────────┤
│ Name              │ Description              │
├───────────────────┼──────────────────────────┤
│ computenest-nats* │ ComputeNest NATS Cluster │
│ local             │ Local Host               │
╰───────────────────┴──────────────────────────╯
";
    assert_eq!(out.stdout, expected);

    tool.run(&["context", "select", "local"]).assert_ok();
    let json: Value =
        serde_json::from_str(&tool.run(&["context", "ls", "--json"]).stdout).expect("ls --json");
    assert_eq!(json[0]["name"], "computenest-nats");
    assert_eq!(json[0]["selected"], false);
    assert_eq!(json[1]["selected"], true);

    let info: Value = serde_json::from_str(&tool.run(&["context", "info", "--json"]).stdout)
        .expect("info --json");
    assert_eq!(info["name"], "local");
    assert_eq!(info["url"], dead.as_str());
    assert_eq!(info["description"], "Local Host");
}

#[test]
fn save_against_a_dead_server_reports_the_connection_error() {
    let tool = Tool::new();
    let dead = dead_url();
    let out = tool.run(&["context", "save", "gone", "--server", &dead]);
    out.assert_ok();
    assert!(
        out.stdout.contains(&format!(
            "Connection: cannot connect to {dead}: connection refused"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn edit_changes_fields_and_keeps_unknown_keys() {
    let tool = Tool::new();
    let dead = dead_url();
    tool.run(&["context", "save", "c", "--server", &dead])
        .assert_ok();
    let path = tool.config_home().join("nats/context/c.json");
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
    value["future_key"] = Value::from("kept");
    std::fs::write(&path, value.to_string()).expect("write");
    let out = tool.run(&[
        "context",
        "edit",
        "c",
        "--description",
        "Edited",
        "--user",
        "bob",
    ]);
    out.assert_ok();
    assert!(
        out.stdout.contains("Description: Edited\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Username: bob\n"), "{}", out.stdout);
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
    assert_eq!(after["description"], "Edited");
    assert_eq!(after["user"], "bob");
    assert_eq!(after["future_key"], "kept");

    // No flags, stdin not a terminal: refuses instead of opening an editor.
    let out = tool.run(&["context", "edit", "c"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.starts_with("rill: nothing to change"),
        "{}",
        out.stderr
    );
}

#[test]
fn rm_needs_force_without_a_terminal_and_refuses_the_selected_one() {
    let tool = Tool::new();
    let dead = dead_url();
    tool.run(&["context", "save", "a", "--server", &dead, "--select"])
        .assert_ok();
    tool.run(&["context", "save", "b", "--server", &dead])
        .assert_ok();
    let out = tool.run(&["context", "rm", "b"]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("pass --force"), "{}", out.stderr);
    let out = tool.run(&["context", "rm", "a", "--force"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains("cannot remove the selected context"),
        "{}",
        out.stderr
    );
    tool.run(&["context", "rm", "b", "--force"]).assert_ok();
    assert!(!tool.config_home().join("nats/context/b.json").exists());
}

#[test]
fn unknown_contexts_fail_with_one_line() {
    let tool = Tool::new();
    for args in [
        &["context", "select", "nope"][..],
        &["context", "info", "nope"],
        &["pub", "foo", "x", "--context", "nope"],
    ] {
        let out = tool.run(args);
        assert_eq!(out.code(), 1, "{args:?}");
        assert_eq!(out.stderr, "rill: unknown context \"nope\"\n", "{args:?}");
    }
}

#[test]
fn commands_use_the_selected_context_and_the_environment_overrides_it() {
    let server = TestServer::start();
    let mut tool = Tool::new();
    let dead = dead_url();
    tool.run(&["context", "save", "down", "--server", &dead, "--select"])
        .assert_ok();
    let out = tool.run(&["pub", "foo", "x"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains(&format!("cannot connect to {dead}")),
        "{}",
        out.stderr
    );

    tool.run(&["context", "save", "up", "--server", &server.url()])
        .assert_ok();
    tool.run(&["pub", "foo", "x", "--context", "up"])
        .assert_ok();
    tool.env("NATS_CONTEXT", "up");
    tool.run(&["pub", "foo", "x"]).assert_ok();

    let mut tool2 = Tool::new();
    tool2
        .run(&["context", "save", "down", "--server", &dead, "--select"])
        .assert_ok();
    tool2.env("NATS_URL", &server.url());
    tool2.run(&["pub", "foo", "x"]).assert_ok();
    // A flag beats the environment.
    let out = tool2.run(&["pub", "foo", "x", "--server", &dead]);
    assert_eq!(out.code(), 1);
}
