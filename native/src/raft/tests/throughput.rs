//! Proposal throughput of a 3-node in-process group on real files (every append fsynced
//! before it counts). A measurement, not a test: run with
//! `cargo nextest run -p rill -E 'test(raft_throughput)' --run-ignored only --no-capture`.

use std::time::{Duration, Instant};

use futures::StreamExt;

use super::harness::{temp_dir, test_config, Cluster};

async fn measure(proposers: usize, total: u64) -> f64 {
    let dir = temp_dir("bench");
    let mut c = Cluster::new(&[1, 2, 3], test_config(), 9, Some(dir));
    c.start_all().await;
    let leader = c.wait_leader(Duration::from_secs(10)).await;
    let g = c.group(leader);
    let payload = vec![7u8; 8];
    let start = Instant::now();
    let ok = futures::stream::iter(0..total)
        .map(|_| g.propose(payload.clone()))
        .buffer_unordered(proposers)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;
    let rate = ok as f64 / start.elapsed().as_secs_f64();
    c.shutdown().await;
    rate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement"]
async fn raft_throughput_three_nodes_fsync() {
    let seq = measure(1, 2_000).await;
    let c64 = measure(64, 50_000).await;
    let c256 = measure(256, 100_000).await;
    eprintln!(
        "raft 3-node proposals/s with fsync: sequential {seq:.0}, 64 concurrent {c64:.0}, \
         256 concurrent {c256:.0}"
    );
}
