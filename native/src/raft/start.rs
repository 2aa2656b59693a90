//! Starting a group's openraft instance from disk, and restarting it when openraft's core
//! stops on an internal error.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use openraft::error::{Fatal, RaftError};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::batch;
use super::error::RaftLayerError;
use super::group::{GroupOptions, Inner};
use super::log::LogStore;
use super::machine::{Checkpoint, Machine};
use super::network::{Network, PeerTracker, Transport};
use super::registry::Registry;
use super::sm::{Shared, StateMachine};
use super::status::Leadership;
use super::types::{Member, NodeId, Raft};

/// Most automatic restarts of one group on one node before it stays stopped.
pub const RESTARTS_MAX: u32 = 16;

/// What (re)starting the openraft instance needs.
struct Ctx<M> {
    shared: Arc<Shared<M>>,
    transport: Arc<dyn Transport>,
    io_failed: Arc<AtomicBool>,
}

/// Opens a group (see [`super::Group::open`]).
pub(crate) async fn open<M: Machine>(
    opts: GroupOptions,
    machine: M,
    transport: Arc<dyn Transport>,
    registry: Arc<Registry>,
) -> Result<(Arc<Inner>, Vec<JoinHandle<()>>), RaftLayerError> {
    if registry.contains(&opts.name) {
        return Err(RaftLayerError::GroupExists(opts.name));
    }
    let io_failed = Arc::new(AtomicBool::new(false));
    let ctx = Ctx {
        shared: Shared::new(machine, io_failed.clone()),
        transport,
        io_failed,
    };
    let peers = Arc::new(PeerTracker::default());
    let (raft, checkpoint) = start_raft(&opts, &ctx, &peers).await?;
    if let Some(members) = opts.initial_members.clone() {
        initialize(&raft, members).await?;
    }
    registry.insert(&opts.name, raft.clone())?;
    let (tx, _) = watch::channel(Leadership::default());
    watch_leadership(&raft, opts.node, tx.clone());
    tracing::info!(checkpoint = ?checkpoint.map(|c| c.index()), "raft group open");
    let (proposals, rx) = mpsc::channel(opts.config.proposals_pending_max.max(1));
    let inner = Arc::new(Inner {
        name: opts.name.clone(),
        node: opts.node,
        registry,
        disk: opts.disk.clone(),
        peers,
        raft: RwLock::new(raft),
        leadership: tx,
        stepping_down: AtomicBool::new(false),
        closing: AtomicBool::new(false),
        config: opts.config.clone(),
        proposals,
        transport: ctx.transport.clone(),
    });
    let batcher = batch::spawn(inner.clone(), rx);
    let span = tracing::Span::current();
    let supervisor = tokio::spawn(supervise(inner.clone(), opts, ctx).instrument(span));
    Ok((inner, vec![supervisor, batcher]))
}

/// Recovers the machine, opens the log and starts openraft.
async fn start_raft<M: Machine>(
    opts: &GroupOptions,
    ctx: &Ctx<M>,
    peers: &Arc<PeerTracker>,
) -> Result<(Raft, Option<Checkpoint>), RaftLayerError> {
    let config = opts.config.to_openraft(&opts.name)?;
    let checkpoint = ctx.shared.recover().await?;
    let log = LogStore::open(
        opts.disk.clone(),
        &opts.name,
        checkpoint.as_ref().map(|c| *c.last_applied()),
        ctx.shared.purge_floor.clone(),
        ctx.io_failed.clone(),
        opts.config.segment_bytes_max,
    )
    .await?;
    if let Some(purged) = log.purged() {
        if checkpoint.as_ref().is_none_or(|c| c.index() < purged.index) {
            return Err(RaftLayerError::CheckpointBehindLog {
                checkpoint: checkpoint.map(|c| c.index()),
                purged: purged.index,
            });
        }
    }
    let network = Network {
        group: opts.name.as_str().into(),
        transport: ctx.transport.clone(),
        peers: peers.clone(),
        retry_delay: Duration::from_millis(opts.config.heartbeat_interval_ms),
        rpc_bytes_max: opts.config.rpc_bytes_max,
    };
    let sm = StateMachine::new(ctx.shared.clone());
    let raft = Raft::new(opts.node, Arc::new(config), network, log, sm)
        .await
        .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
    ctx.shared.started.store(true, Ordering::Release);
    Ok((raft, checkpoint))
}

/// Waits until `raft`'s core stops; `Some(reason)` when it stopped on an error.
async fn stopped_on_error(raft: &Raft) -> Option<String> {
    let mut metrics = raft.metrics();
    loop {
        match &metrics.borrow_and_update().running_state {
            Ok(()) => {}
            Err(Fatal::Stopped) => return None,
            Err(e) => return Some(e.to_string()),
        }
        if metrics.changed().await.is_err() {
            return None;
        }
    }
}

/// Restarts the group from disk when openraft's core stops on an error that is not an i/o
/// failure of the log or the machine (those stop the group for good: its disk state is in
/// doubt).
async fn supervise<M: Machine>(inner: Arc<Inner>, opts: GroupOptions, ctx: Ctx<M>) {
    for restart in 1..=RESTARTS_MAX {
        let raft = inner.raft();
        let Some(reason) = stopped_on_error(&raft).await else {
            return;
        };
        if inner.closing.load(Ordering::Acquire) || ctx.io_failed.load(Ordering::Acquire) {
            tracing::error!(%reason, "raft group stopped on an i/o failure; not restarting");
            return;
        }
        tracing::warn!(%reason, restart, "raft core stopped; restarting the group from disk");
        let _ = raft.shutdown().await;
        match start_raft(&opts, &ctx, &inner.peers).await {
            Ok((new, _)) => {
                inner.registry.remove(&inner.name);
                if let Err(e) = inner.registry.insert(&inner.name, new.clone()) {
                    tracing::error!(error = %e, "raft group restart: registry");
                    return;
                }
                *inner.raft.write().unwrap_or_else(PoisonError::into_inner) = new.clone();
                watch_leadership(&new, inner.node, inner.leadership.clone());
            }
            Err(e) => {
                tracing::error!(error = %e, "raft group restart failed; the group stays stopped");
                return;
            }
        }
    }
    tracing::error!("raft group restarted {RESTARTS_MAX} times; not restarting again");
}

async fn initialize(raft: &Raft, members: BTreeMap<NodeId, Member>) -> Result<(), RaftLayerError> {
    let initialized = raft
        .is_initialized()
        .await
        .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
    if initialized {
        return Ok(());
    }
    match raft.initialize(members).await {
        Ok(()) => Ok(()),
        // Another member's identical initialization reached us first.
        Err(RaftError::APIError(openraft::error::InitializeError::NotAllowed(_))) => Ok(()),
        Err(e) => Err(RaftLayerError::Raft(e.to_string())),
    }
}

/// Publishes (term, leader) from `raft`'s metrics into `tx` while the instance runs.
fn watch_leadership(raft: &Raft, me: NodeId, tx: watch::Sender<Leadership>) {
    let mut metrics = raft.metrics();
    let of = move |m: &openraft::RaftMetrics<NodeId, Member>| Leadership {
        term: m.current_term,
        leader: m.current_leader,
        is_leader: m.current_leader == Some(me),
    };
    tokio::spawn(async move {
        loop {
            let now = of(&metrics.borrow_and_update());
            tx.send_if_modified(|cur| {
                let changed = *cur != now;
                *cur = now;
                changed
            });
            if metrics.changed().await.is_err() {
                return;
            }
        }
    });
}
