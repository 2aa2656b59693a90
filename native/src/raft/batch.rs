//! Proposal batching: concurrent `propose` calls are queued, and one task turns whatever is
//! queued into a single log entry (up to `batch_commands_max` commands or `batch_bytes_max`
//! bytes). openraft flushes and replicates entry by entry, so batching is what lets many
//! proposals share one fsync and one round trip.

use std::sync::Arc;

use openraft::error::ClientWriteError;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::error::ProposeError;
use super::group::Inner;
use super::types::Command;

/// One queued proposal and where its outcome goes.
pub(crate) struct Pending {
    pub command: Vec<u8>,
    pub reply: oneshot::Sender<Result<Vec<u8>, ProposeError>>,
}

/// Starts the batching task of a group.
pub(crate) fn spawn(inner: Arc<Inner>, mut rx: mpsc::Receiver<Pending>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let commands_max = inner.config.batch_commands_max.max(1);
        let bytes_max = inner.config.batch_bytes_max;
        while let Some(first) = rx.recv().await {
            let mut bytes = first.command.len();
            let mut batch = vec![first];
            while batch.len() < commands_max && bytes < bytes_max {
                match rx.try_recv() {
                    Ok(p) => {
                        bytes += p.command.len();
                        batch.push(p);
                    }
                    Err(_) => break,
                }
            }
            // Handed to openraft here, in order; the commit is awaited on its own so the
            // next batch forms while this one commits.
            write(&inner, batch).await;
        }
    })
}

async fn write(inner: &Arc<Inner>, batch: Vec<Pending>) {
    let (commands, replies): (Vec<Vec<u8>>, Vec<_>) =
        batch.into_iter().map(|p| (p.command, p.reply)).unzip();
    let n = commands.len();
    let fail = |replies: Vec<oneshot::Sender<Result<Vec<u8>, ProposeError>>>, err: ProposeError| {
        for reply in replies {
            let _ = reply.send(Err(err.clone()));
        }
    };
    let committed = match inner.raft().client_write_ff(Command(commands)).await {
        Ok(rx) => rx,
        Err(e) => return fail(replies, ProposeError::Fatal(e.to_string())),
    };
    tokio::spawn(async move {
        match committed.await {
            Ok(Ok(resp)) => {
                let mut out = resp.data.0.into_iter();
                for reply in replies {
                    let r = out.next().ok_or_else(|| {
                        ProposeError::Fatal(format!("the machine answered fewer than {n} commands"))
                    });
                    let _ = reply.send(r);
                }
            }
            Ok(Err(ClientWriteError::ForwardToLeader(f))) => fail(
                replies,
                ProposeError::NotLeader {
                    leader: f.leader_id,
                    server: f.leader_node.map(|m| m.server),
                },
            ),
            Ok(Err(e)) => fail(replies, ProposeError::Fatal(e.to_string())),
            Err(_) => fail(replies, ProposeError::Fatal("group stopped".into())),
        }
    });
}
