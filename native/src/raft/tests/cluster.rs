//! In-process 3-node clusters over the in-memory transport.

use std::time::Duration;

use futures::StreamExt;

use super::harness::{members, temp_dir, test_config, Cluster};
use crate::raft::{GroupConfig, Member, RaftLayerError, Role};

const SEC: Duration = Duration::from_secs(1);

async fn started(config: GroupConfig, seed: u64) -> Cluster {
    let mut c = Cluster::new(&[1, 2, 3], config, seed, None);
    c.start_all().await;
    c
}

fn assert_replicas_equal(c: &Cluster) {
    let ids = c.running();
    let first = c.state(ids[0]);
    for &id in &ids[1..] {
        assert_eq!(c.state(id), first, "node {id} differs from node {}", ids[0]);
    }
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_elects_and_replicates_10k_concurrent_proposals() {
    let c = started(test_config(), 1).await;
    let leader = c.wait_leader(10 * SEC).await;
    let g = c.group(leader);
    let results: Vec<_> = futures::stream::iter(0..10_000u64)
        .map(|v| g.propose(v.to_le_bytes().to_vec()))
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(results.iter().all(|r| r.is_ok()));
    let last = g.status().last_log_index;
    c.wait_applied(last, 10 * SEC).await;
    assert_replicas_equal(&c);
    let mut values = c.state(leader).values;
    assert_eq!(values.len(), 10_000);
    values.sort_unstable();
    assert_eq!(values, (0..10_000).collect::<Vec<_>>());
    let st = g.status();
    assert_eq!(st.role, Role::Leader);
    assert!(st.replicas.iter().all(|r| r.voter && !r.offline), "{st:?}");
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_leader_shutdown_elects_new_leader_and_restart_catches_up() {
    let mut c = started(test_config(), 2).await;
    let old = c.wait_leader(10 * SEC).await;
    for v in 0..100 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    c.stop(old).await;
    let new = c.wait_leader(10 * SEC).await;
    assert_ne!(new, old);
    for v in 100..200 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    tokio::time::sleep(2 * SEC).await;
    let st = c.group(new).status();
    let gone = st.replicas.iter().find(|r| r.node == old).unwrap();
    assert!(gone.offline && !gone.current, "{gone:?}");
    assert!(gone.lag.is_some_and(|l| l >= 100), "{gone:?}");
    let live = st.replicas.iter().find(|r| r.node != old).unwrap();
    assert!(
        !live.offline && live.current && live.lag == Some(0),
        "{live:?}"
    );
    // The old leader comes back from its own disk and catches up from the log.
    c.start(old, None).await;
    let last = c.group(new).status().last_log_index;
    c.wait_applied(last, 10 * SEC).await;
    assert_replicas_equal(&c);
    assert_eq!(c.state(old).values, (0..200).collect::<Vec<_>>());
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_far_behind_node_catches_up_by_snapshot() {
    let config = GroupConfig {
        checkpoint_every_entries: 50,
        entries_kept_after_checkpoint: 5,
        ..test_config()
    };
    let mut c = started(config, 3).await;
    let leader = c.wait_leader(10 * SEC).await;
    let behind = c.running().into_iter().find(|&id| id != leader).unwrap();
    c.stop(behind).await;
    for v in 0..500 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    let purged = c.group(leader).raft().metrics().borrow().purged;
    assert!(
        purged.is_some_and(|p| p.index > 100),
        "leader purged its log: {purged:?}"
    );
    c.start(behind, None).await;
    let last = c.group(leader).status().last_log_index;
    c.wait_applied(last, 20 * SEC).await;
    assert_replicas_equal(&c);
    let snap = c.group(behind).raft().metrics().borrow().snapshot;
    assert!(snap.is_some(), "the lagging node installed a snapshot");
    // And it survives a restart from its imported checkpoint plus its log.
    c.stop(behind).await;
    c.start(behind, None).await;
    c.propose(1_000, 5 * SEC).await.unwrap();
    let last = c.group(leader).status().last_log_index;
    c.wait_applied(last, 10 * SEC).await;
    assert_replicas_equal(&c);
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_step_down_moves_leadership() {
    let c = started(test_config(), 4).await;
    let old = c.wait_leader(10 * SEC).await;
    c.propose(1, 5 * SEC).await.unwrap();
    let follower = c.running().into_iter().find(|&id| id != old).unwrap();
    assert!(matches!(
        c.group(follower).step_down().await,
        Err(RaftLayerError::NotLeader { .. })
    ));
    let new = c.group(old).step_down().await.unwrap();
    assert_ne!(new, old);
    assert_eq!(c.wait_leader(10 * SEC).await, new);
    c.propose(2, 5 * SEC).await.unwrap();
    c.wait_applied(c.group(new).status().last_log_index, 5 * SEC)
        .await;
    assert_replicas_equal(&c);
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_adds_and_removes_members() {
    let mut c = Cluster::new(&[1, 2, 3, 4], test_config(), 5, None);
    for id in [1, 2, 3] {
        c.start(id, Some(&[1, 2, 3])).await;
    }
    let leader = c.wait_leader(10 * SEC).await;
    for v in 0..50 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    c.start(4, None).await;
    c.group(leader)
        .add_member(4, Member::new("n4"))
        .await
        .unwrap();
    let voters: Vec<u64> = c
        .group(leader)
        .raft()
        .metrics()
        .borrow()
        .membership_config
        .membership()
        .voter_ids()
        .collect();
    assert_eq!(voters, vec![1, 2, 3, 4]);
    let removed = c
        .running()
        .into_iter()
        .find(|&id| id != leader && id != 4)
        .unwrap();
    c.group(leader).remove_member(removed).await.unwrap();
    c.stop(removed).await;
    for v in 50..100 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    c.wait_applied(c.group(leader).status().last_log_index, 10 * SEC)
        .await;
    assert_replicas_equal(&c);
    assert_eq!(c.state(4).values, (0..100).collect::<Vec<_>>());
    let st = c.group(leader).status();
    assert_eq!(st.replicas.len(), 2, "{st:?}");
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_minority_cannot_commit_majority_can_and_heal_converges() {
    let c = started(test_config(), 6).await;
    let old = c.wait_leader(10 * SEC).await;
    c.propose(0, 5 * SEC).await.unwrap();
    let others: Vec<u64> = c.running().into_iter().filter(|&id| id != old).collect();
    c.net.partition(&[&[old], &others]);
    // The isolated leader cannot commit.
    let stuck =
        tokio::time::timeout(3 * SEC, c.group(old).propose(7u64.to_le_bytes().to_vec())).await;
    assert!(
        !matches!(stuck, Ok(Ok(_))),
        "a minority committed: {stuck:?}"
    );
    // The majority elects a leader and commits.
    let new = loop {
        let l = others
            .iter()
            .copied()
            .find(|&id| c.group(id).leadership().borrow().is_leader);
        if let Some(l) = l {
            break l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    c.group(new)
        .propose(8u64.to_le_bytes().to_vec())
        .await
        .unwrap();
    c.net.heal();
    c.wait_applied(c.group(new).status().last_log_index, 10 * SEC)
        .await;
    tokio::time::sleep(SEC).await;
    c.wait_applied(c.group(new).status().last_log_index, 10 * SEC)
        .await;
    assert_replicas_equal(&c);
    assert!(c.state(old).values.contains(&8));
    c.shutdown().await;
}

#[tokio::test]
async fn raft_cluster_on_real_files_survives_a_full_restart() {
    let dir = temp_dir("fs");
    let mut c = Cluster::new(&[1, 2, 3], test_config(), 7, Some(dir.clone()));
    c.start_all().await;
    c.wait_leader(10 * SEC).await;
    for v in 0..200 {
        c.propose(v, 5 * SEC).await.unwrap();
    }
    for id in [1, 2, 3] {
        c.stop(id).await;
    }
    for id in [1, 2, 3] {
        c.start(id, Some(&[1, 2, 3])).await;
    }
    let leader = c.wait_leader(10 * SEC).await;
    c.propose(200, 5 * SEC).await.unwrap();
    c.wait_applied(c.group(leader).status().last_log_index, 10 * SEC)
        .await;
    assert_replicas_equal(&c);
    assert_eq!(c.state(leader).values, (0..=200).collect::<Vec<_>>());
    let _ = members(&[1]);
    c.shutdown().await;
    assert!(!dir.join("n1").exists());
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_follower_refuses_proposals_naming_the_leader() {
    let c = started(test_config(), 8).await;
    let leader = c.wait_leader(10 * SEC).await;
    let follower = c.running().into_iter().find(|&id| id != leader).unwrap();
    match c.group(follower).propose(1u64.to_le_bytes().to_vec()).await {
        Err(crate::raft::ProposeError::NotLeader {
            leader: Some(l),
            server: Some(s),
        }) => {
            assert_eq!((l, s), (leader, format!("n{leader}")));
        }
        other => panic!("expected NotLeader, got {other:?}"),
    }
    let big = vec![0u8; test_config().command_bytes_max + 1];
    assert!(matches!(
        c.group(leader).propose(big).await,
        Err(crate::raft::ProposeError::TooLarge { .. })
    ));
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_registry_refuses_unknown_groups_and_garbage() {
    let c = started(test_config(), 10).await;
    c.wait_leader(10 * SEC).await;
    let reg = crate::raft::Registry::new();
    assert!(matches!(
        reg.handle("nope", crate::raft::RpcKind::Vote, b"").await,
        Err(RaftLayerError::UnknownGroup(_))
    ));
    let transport = c.net.transport(1);
    let err = transport
        .call(2, "g1", crate::raft::RpcKind::AppendEntries, vec![0xff; 3])
        .await;
    assert!(
        matches!(err, Err(crate::raft::TransportError::Remote(_))),
        "{err:?}"
    );
    c.shutdown().await;
}

#[tokio::test]
async fn raft_cluster_delete_removes_the_group_files() {
    let dir = temp_dir("delete");
    let mut c = Cluster::new(&[1], test_config(), 11, Some(dir.clone()));
    c.start(1, Some(&[1])).await;
    c.wait_leader(10 * SEC).await;
    c.propose(5, 5 * SEC).await.unwrap();
    let log_dir = dir.join("n1").join("log");
    assert!(log_dir.exists());
    let g = c.nodes.get_mut(&1).unwrap().group.take().unwrap();
    g.delete().await.unwrap();
    assert!(!log_dir.exists());
    c.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn raft_cluster_splits_append_entries_above_rpc_bytes_max() {
    let config = GroupConfig {
        rpc_bytes_max: 4 * 1024,
        batch_bytes_max: 512,
        ..test_config()
    };
    let mut c = started(config, 12).await;
    let leader = c.wait_leader(10 * SEC).await;
    let behind = c.running().into_iter().find(|&id| id != leader).unwrap();
    c.stop(behind).await;
    let g = c.group(leader);
    let ok = futures::stream::iter(0..2_000u64)
        .map(|v| g.propose(v.to_le_bytes().to_vec()))
        .buffer_unordered(256)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;
    assert_eq!(ok, 2_000);
    c.start(behind, None).await;
    c.wait_applied(c.group(leader).status().last_log_index, 20 * SEC)
        .await;
    assert_replicas_equal(&c);
    assert_eq!(c.state(behind).values.len(), 2_000);
    c.shutdown().await;
}
