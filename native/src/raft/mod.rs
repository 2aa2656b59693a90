//! The Raft layer: replicated groups on openraft, independent of NATS and JetStream.
//!
//! A [`Group`] replicates opaque command bytes to its members and applies them, in order, to
//! a [`Machine`] the caller provides (the JetStream meta machine, a stream's machine). Many
//! groups run in one process, each its own openraft instance with its own log directory.
//!
//! - Log: [`log::LogStore`], a CRC-framed, segmented append-only file per group on a
//!   [`Disk`] ([`FsDisk`] for real, [`MemDisk`] in simulations), appends group-committed.
//! - Machine: see [`machine`] for the checkpoint contract that makes re-application after a
//!   crash exact.
//! - Network: the server implements [`Transport`] (request/reply to a node); received
//!   requests go to [`Registry::handle`]. [`MemNetwork`] is an in-memory transport with
//!   faults for tests.
//! - Runtime: tokio, with openraft's random number generator seedable for deterministic
//!   simulation ([`seed_thread_rng`]).

mod batch;
mod config;
mod disk;
mod error;
mod group;
pub mod log;
pub mod machine;
mod mem_disk;
mod mem_transport;
mod network;
mod registry;
mod runtime;
mod sm;
mod start;
mod status;
mod types;

pub use config::GroupConfig;
pub use disk::{Disk, FsDisk};
pub use error::{LogError, MachineError, ProposeError, RaftLayerError, TransportError};
pub use group::{group_dir, Group, GroupOptions};
pub use machine::{Checkpoint, Machine};
pub use mem_disk::MemDisk;
pub use mem_transport::MemNetwork;
pub use network::{PeerTracker, RpcKind, Transport};
pub use registry::Registry;
pub use runtime::{seed_thread_rng, RillRuntime};
pub use status::{GroupStatus, Leadership, ReplicaStatus, Role};
pub use types::{
    Applied, Command, Entry, LogId, Member, NodeId, Position, Raft, Response, TypeConfig,
};

#[cfg(test)]
mod tests;
