//! The cluster commands against a running cluster: `rill cluster up` forming one and stopping
//! it, stream and consumer info with replicas (one of them offline), the three step-downs,
//! `rill server cluster peer-remove` and `rill server report jetstream`.
//!
//! Each test starts its own cluster with `rill cluster up --server-bin <server under test>`;
//! while that server refuses the cluster flags the tests print `SKIPPED` and return. Run them
//! with `RILL_SERVER_BIN=nats-server` until Rill clusters.

use std::time::{Duration, Instant};

use rill_tests::cluster_up::{
    can_cluster, clustering_server, process_exists, server_bin, LocalCluster,
};
use rill_tests::tool::{Tool, ToolOutput};

fn assert_fails_with(out: &ToolOutput, needle: &str) {
    assert_eq!(
        out.code(),
        1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stderr.contains(needle), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn cli_cluster_up_runs_nodes_that_form_a_cluster_and_sigterm_stops_them() {
    // Runs with any server; a server that cannot cluster yet gives separate nodes and a warning.
    let bin = server_bin();
    let clusters = can_cluster(&bin);
    let tool = Tool::new();
    let cluster = LocalCluster::start(&tool, &bin, 3, false);
    let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["n1", "n2", "n3"]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for node in &cluster.nodes {
            let client = async_nats::connect(&node.url).await.expect("connect");
            assert_eq!(client.server_info().server_name, node.name);
            if clusters {
                assert_eq!(client.server_info().cluster.as_deref(), Some("C1"));
            }
        }
    });
    if clusters {
        let out = cluster.run(
            &tool,
            false,
            &[
                "stream",
                "add",
                "ORDERS",
                "--subjects",
                "orders.>",
                "--replicas",
                "3",
                "--defaults",
            ],
        );
        out.assert_ok();
        assert!(
            out.stdout.contains("             Replicas: 3\n"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("Cluster Information:\n\n                 Name: C1\n"),
            "{}",
            out.stdout
        );
        assert_eq!(
            out.stdout.matches("              Replica: n").count(),
            2,
            "{}",
            out.stdout
        );
    } else {
        let warned = cluster.stderr_so_far();
        assert!(
            warned.contains("not connected to each other (n1 has 0 of 2 routes"),
            "{warned}"
        );
    }
    let pids: Vec<u32> = cluster.nodes.iter().map(|n| n.pid).collect();
    assert!(pids.iter().all(|p| process_exists(*p)));
    let stopped = cluster.stop();
    stopped.assert_ok();
    for (k, pid) in pids.iter().enumerate() {
        assert!(
            stopped
                .stdout
                .contains(&format!("Stopped n{} (pid {pid})", k + 1)),
            "{}",
            stopped.stdout
        );
        assert!(!process_exists(*pid), "node pid {pid} still exists");
    }
}

/// Polls `rill stream info` until its page contains `needle` (up to 20 s).
fn stream_page_with(tool: &Tool, cluster: &LocalCluster, stream: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = cluster.run(tool, false, &["stream", "info", stream]);
        if out.status.success() && out.stdout.contains(needle) {
            return out.stdout;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in time:\n{}{}",
            out.stdout,
            out.stderr
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The value of the first `Label: value` line of a page.
fn field<'a>(page: &'a str, label: &str) -> &'a str {
    page.lines()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} in:\n{page}"))
}

#[test]
fn cli_cluster_step_downs_and_jetstream_report() {
    let Some(bin) = clustering_server() else {
        return;
    };
    let tool = Tool::new();
    let cluster = LocalCluster::start(&tool, &bin, 3, true);
    cluster
        .run(
            &tool,
            false,
            &[
                "stream",
                "add",
                "ORDERS",
                "--subjects",
                "orders.>",
                "--replicas",
                "3",
                "--defaults",
            ],
        )
        .assert_ok();
    cluster
        .run(
            &tool,
            false,
            &["pub", "orders.new", "hello", "--count", "3"],
        )
        .assert_ok();
    cluster
        .run(
            &tool,
            false,
            &["consumer", "add", "ORDERS", "PROC", "--pull", "--defaults"],
        )
        .assert_ok();

    let before = stream_page_with(&tool, &cluster, "ORDERS", "Leader: n");
    let old = field(&before, "Leader").to_string();
    let out = cluster.run(&tool, false, &["stream", "cluster", "step-down", "ORDERS"]);
    out.assert_ok();
    assert!(
        out.stderr.contains(&format!(
            "Requesting leader step down of \"{old}\" in a 3 peer RAFT group"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(" New leader elected \"n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .starts_with("\nInformation for Stream ORDERS created "),
        "{}",
        out.stdout
    );
    assert_ne!(field(&out.stdout, "Leader"), old, "{}", out.stdout);

    let out = cluster.run(
        &tool,
        false,
        &["consumer", "cluster", "step-down", "ORDERS", "PROC"],
    );
    out.assert_ok();
    assert!(
        out.stderr.contains("in a 3 peer RAFT group"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .contains("Information for Consumer ORDERS > PROC created "),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout.matches("             Replica: n").count(),
        2,
        "{}",
        out.stdout
    );

    let missing = cluster.run(&tool, false, &["stream", "cluster", "step-down", "NOPE"]);
    assert_fails_with(&missing, "stream \"NOPE\" not found");

    // The meta group and the report need the system account.
    let out = cluster.run(&tool, false, &["server", "cluster", "step-down"]);
    assert_fails_with(&out, "did not receive a response from the meta leader, ensure the account used has system privileges and appropriate permissions");
    let out = cluster.run(&tool, false, &["server", "report", "jetstream"]);
    assert_fails_with(&out, "no results received, ensure the account used has system privileges and appropriate permissions");

    let out = cluster.run(&tool, true, &["server", "report", "jetstream"]);
    out.assert_ok();
    assert!(out.stdout.contains("JetStream Summary"), "{}", out.stdout);
    let rows: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("│ n"))
        .collect();
    assert_eq!(rows.len(), 6, "3 servers and 3 meta peers:\n{}", out.stdout);
    assert_eq!(
        rows[..3].iter().filter(|r| r.contains("* ")).count(),
        1,
        "{}",
        out.stdout
    );
    assert!(
        rows[..3].iter().all(|r| r.contains("│ C1 ")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("RAFT Meta Group Information"),
        "{}",
        out.stdout
    );
    assert_eq!(
        rows[3..].iter().filter(|r| r.contains("│ yes ")).count(),
        1,
        "{}",
        out.stdout
    );

    let out = cluster.run(&tool, true, &["server", "report", "jetstream", "--json"]);
    out.assert_ok();
    let replies: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let replies = replies.as_array().expect("one reply per server");
    assert_eq!(replies.len(), 3, "{}", out.stdout);
    assert!(replies
        .iter()
        .all(|r| r["data"]["meta_cluster"]["cluster_size"] == 3));

    let out = cluster.run(&tool, true, &["server", "cluster", "step-down"]);
    out.assert_ok();
    assert!(
        out.stderr.contains("in a 3 peer RAFT group"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("New leader elected \"n"),
        "{}",
        out.stderr
    );
    cluster.stop().assert_ok();
}

#[test]
fn cli_cluster_shows_an_offline_replica_and_removes_the_peer() {
    let Some(bin) = clustering_server() else {
        return;
    };
    let tool = Tool::new();
    let cluster = LocalCluster::start(&tool, &bin, 3, true);
    cluster
        .run(
            &tool,
            false,
            &[
                "stream",
                "add",
                "ORDERS",
                "--subjects",
                "orders.>",
                "--replicas",
                "3",
                "--defaults",
            ],
        )
        .assert_ok();
    let page = stream_page_with(&tool, &cluster, "ORDERS", "Leader: n");
    let leader = field(&page, "Leader").to_string();
    let victim = cluster
        .nodes
        .iter()
        .find(|n| n.name != leader)
        .expect("a follower")
        .clone();
    // Let the leader hear from the follower before it goes.
    stream_page_with(
        &tool,
        &cluster,
        "ORDERS",
        &format!("Replica: {}, current, seen ", victim.name),
    );
    rill_tests::send_signal(victim.pid, "TERM");
    let wanted = format!("Replica: {}, current, OFFLINE, seen ", victim.name);
    let page = stream_page_with(&tool, &cluster, "ORDERS", &wanted);
    let line = page.lines().find(|l| l.contains(&wanted)).expect("line");
    assert!(line.ends_with("s ago"), "{line}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cluster
        .stderr_so_far()
        .contains(&format!("rill: node {} exited", victim.name))
    {
        assert!(Instant::now() < deadline, "{}", cluster.stderr_so_far());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(cluster
        .stderr_so_far()
        .contains("the other nodes keep running"));

    let out = cluster.run(
        &tool,
        true,
        &["server", "cluster", "peer-remove", "nX", "--force"],
    );
    assert_fails_with(&out, "did not find a replica named nX");
    let out = cluster.run(
        &tool,
        true,
        &["server", "cluster", "peer-remove", &victim.name],
    );
    assert_fails_with(&out, "without --force when not on a terminal");
    let out = cluster.run(
        &tool,
        true,
        &["server", "cluster", "peer-remove", &victim.name, "-f"],
    );
    out.assert_ok();
    assert!(
        out.stdout
            .starts_with(&format!("Removed peer {} (id ", victim.name)),
        "{}",
        out.stdout
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = cluster.run(&tool, true, &["server", "report", "jetstream"]);
        let meta = out
            .stdout
            .split("RAFT Meta Group Information")
            .nth(1)
            .unwrap_or_default();
        if out.status.success()
            && !meta.is_empty()
            && !meta.contains(&format!("│ {} ", victim.name))
        {
            break;
        }
        assert!(Instant::now() < deadline, "{}{}", out.stdout, out.stderr);
        std::thread::sleep(Duration::from_millis(250));
    }
    cluster.stop().assert_ok();
}
