//! An in-memory [`Transport`] for tests and simulations: every node's [`Registry`] in one
//! map, with seeded message loss, delays and partitions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use super::error::TransportError;
use super::network::{RpcKind, Transport};
use super::registry::Registry;
use super::types::NodeId;

#[derive(Debug, Default)]
struct Faults {
    /// Directed links that drop everything: (from, to).
    cut: BTreeSet<(NodeId, NodeId)>,
    /// Chance (per mille) that a request or its reply is lost.
    loss_per_mille: u32,
    /// Extra delay drawn in `0..=delay_ms_max` per message.
    delay_ms_max: u64,
    rng: u64,
}

impl Faults {
    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

/// The nodes of an in-memory network.
#[derive(Debug, Clone, Default)]
pub struct MemNetwork {
    nodes: Arc<Mutex<BTreeMap<NodeId, Arc<Registry>>>>,
    faults: Arc<Mutex<Faults>>,
}

impl MemNetwork {
    /// A network without faults; `seed` drives loss and delays once they are set.
    pub fn new(seed: u64) -> Self {
        let net = Self::default();
        net.faults().rng = seed | 1;
        net
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects `node`'s registry (replacing an earlier one: a restarted node).
    pub fn attach(&self, node: NodeId, registry: Arc<Registry>) {
        let mut nodes = self.nodes.lock().unwrap_or_else(PoisonError::into_inner);
        nodes.insert(node, registry);
    }

    /// Disconnects `node` (it crashed or stopped).
    pub fn detach(&self, node: NodeId) {
        let mut nodes = self.nodes.lock().unwrap_or_else(PoisonError::into_inner);
        nodes.remove(&node);
    }

    /// The transport `node` uses to reach the others.
    pub fn transport(&self, node: NodeId) -> Arc<dyn Transport> {
        Arc::new(MemTransport {
            from: node,
            net: self.clone(),
        })
    }

    /// Splits the nodes into groups that reach only each other.
    pub fn partition(&self, sides: &[&[NodeId]]) {
        let mut f = self.faults();
        f.cut.clear();
        for (i, a) in sides.iter().enumerate() {
            for (j, b) in sides.iter().enumerate() {
                if i != j {
                    for &x in a.iter() {
                        for &y in b.iter() {
                            f.cut.insert((x, y));
                        }
                    }
                }
            }
        }
    }

    /// Removes every partition.
    pub fn heal(&self) {
        self.faults().cut.clear();
    }

    /// Sets message loss (per mille of messages) and the largest extra delay.
    pub fn set_faults(&self, loss_per_mille: u32, delay_ms_max: u64) {
        let mut f = self.faults();
        f.loss_per_mille = loss_per_mille.min(1000);
        f.delay_ms_max = delay_ms_max;
    }

    /// Decides the fate of one message from `from` to `to`: `None` if lost, else its delay.
    fn route(&self, from: NodeId, to: NodeId) -> Option<Duration> {
        let mut f = self.faults();
        if f.cut.contains(&(from, to)) {
            return None;
        }
        if f.loss_per_mille > 0 && f.next() % 1000 < u64::from(f.loss_per_mille) {
            return None;
        }
        let delay = if f.delay_ms_max > 0 {
            f.next() % (f.delay_ms_max + 1)
        } else {
            0
        };
        Some(Duration::from_millis(delay))
    }

    fn registry(&self, node: NodeId) -> Option<Arc<Registry>> {
        let nodes = self.nodes.lock().unwrap_or_else(PoisonError::into_inner);
        nodes.get(&node).cloned()
    }
}

struct MemTransport {
    from: NodeId,
    net: MemNetwork,
}

async fn hop(delay: Option<Duration>, to: NodeId) -> Result<(), TransportError> {
    match delay {
        None => {
            // A lost message looks like a timeout to the sender; wait a little so a lossy
            // network does not spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(TransportError::Timeout(to))
        }
        Some(d) if !d.is_zero() => {
            tokio::time::sleep(d).await;
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

impl Transport for MemTransport {
    fn call<'a>(
        &'a self,
        to: NodeId,
        group: &'a str,
        kind: RpcKind,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>> {
        Box::pin(async move {
            hop(self.net.route(self.from, to), to).await?;
            let registry = self
                .net
                .registry(to)
                .ok_or(TransportError::Unreachable(to))?;
            let reply = registry
                .handle(group, kind, &body)
                .await
                .map_err(|e| TransportError::Remote(e.to_string()))?;
            hop(self.net.route(to, self.from), to).await?;
            Ok(reply)
        })
    }
}
