use super::*;

/// Three replies shaped like nats-server 2.15's (trimmed), n2 leading the meta group and n3
/// down as n2 sees it.
fn replies() -> Vec<JszReply> {
    let raw = serde_json::json!([
        {"server": {"name": "n3", "id": "NC", "cluster": "C1"},
         "data": {"memory": 0, "storage": 200, "api": {"total": 4, "errors": 0},
                  "streams": 1, "consumers": 1, "messages": 5, "bytes": 200,
                  "meta_cluster": {"name": "C1", "leader": "n2", "peer": "p3",
                                   "replicas": [], "cluster_size": 3}}},
        {"server": {"name": "n1", "id": "NA", "cluster": "C1"},
         "data": {"memory": 0, "storage": 200, "api": {"total": 3, "errors": 1},
                  "streams": 1, "consumers": 1, "messages": 5, "bytes": 200,
                  "meta_cluster": {"name": "C1", "leader": "n2", "peer": "p1",
                                   "replicas": [], "cluster_size": 3}}},
        {"server": {"name": "n2", "id": "NB", "cluster": "C1"},
         "data": {"memory": 1024, "storage": 200, "api": {"total": 1200, "errors": 0},
                  "streams": 1, "consumers": 1, "messages": 5, "bytes": 200,
                  "meta_cluster": {"name": "C1", "leader": "n2", "peer": "p2", "cluster_size": 3,
                                   "replicas": [
                                     {"name": "n1", "current": true, "active": 975656483, "peer": "p1"},
                                     {"name": "n3", "current": false, "offline": true,
                                      "active": 20640000000_i64, "lag": 548, "peer": "p3"}]}}}
    ]);
    serde_json::from_value(raw).expect("fixture parses")
}

#[test]
fn summary_marks_the_meta_leader_and_totals() {
    let out = render(&replies());
    let first_line = out.lines().next().unwrap_or_default();
    assert!(first_line.starts_with('╭'), "{out}");
    assert!(out.contains("│ n2*    │ C1 "), "{out}");
    assert!(out.contains("│ n1     │ C1 "), "{out}");
    assert!(out.contains(" 1 / 33.33% "), "{out}");
    assert!(out.contains(" 1,200 "), "{out}");
    assert!(out.contains(" 1,207 "), "totals: {out}");
    assert!(out.contains(" 1.0 KiB "), "{out}");
    // Rows are sorted by cluster and name.
    let n1 = out.find("│ n1 ").unwrap_or(usize::MAX);
    let n2 = out.find("│ n2*").unwrap_or(0);
    assert!(n1 < n2, "{out}");
}

#[test]
fn meta_group_table_comes_from_the_leaders_view() {
    let out = render(&replies());
    let meta = &out[out.find("RAFT Meta Group Information").expect("meta table")..];
    let rows: Vec<&str> = meta.lines().filter(|l| l.starts_with("│ n")).collect();
    assert_eq!(rows.len(), 3, "{meta}");
    assert!(
        rows[0].starts_with("│ n1   │ p1 │        │ true    │ true   │ 975ms  │ 0   │"),
        "{meta}"
    );
    assert!(
        rows[1].starts_with("│ n2   │ p2 │ yes    │ true    │ true   │ 0s     │ 0   │"),
        "{meta}"
    );
    assert!(
        rows[2].starts_with("│ n3   │ p3 │        │ false   │ false  │ 20.64s │ 548 │"),
        "{meta}"
    );
}

#[test]
fn without_a_meta_leader_the_report_warns() {
    let mut r = replies();
    r.retain(|x| x.server.name != "n2");
    let out = render(&r);
    assert!(!out.contains("RAFT Meta Group Information"), "{out}");
    assert!(
        out.contains("WARNING: no meta group leader found. The cluster expects 3 nodes and 2 answered; JetStream needs at least 2 of them up."),
        "{out}"
    );
}
