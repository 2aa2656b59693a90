//! JetStream in a cluster: the commands Raft replicates and the state they build.
//!
//! Two kinds of Raft groups carry JetStream in a cluster (the groups themselves, openraft and
//! the transport live in `native/`):
//! - the **meta group**, on every JetStream server: [`MetaCommand`]s build the
//!   [`Assignments`] (which streams exist, their configuration, their replica servers);
//! - one **stream group** per stream, on its replica servers: [`StreamEntry`]s carry the
//!   stream's inputs (publishes, stream-level API requests, acks, timer firings) with the
//!   leader's clock, applied identically by every replica to the core's stream and consumer
//!   state machines.
//!
//! [`place`] picks replica servers; [`node_id`] and [`peer_id`] name servers inside Raft and
//! in cluster info.

mod assignments;
mod meta_api;
mod placement;
mod scope;
mod stream_entry;
pub mod wire;

pub use assignments::{Assignments, MetaChange, MetaCommand, MetaRefusal, StreamAssignment};
pub use meta_api::{
    evacuate, plan_stream_create, plan_stream_delete, plan_stream_update, stream_names, CreatePlan,
    REPLICAS_MAX,
};
pub use placement::{node_id, peer_id, place, Candidate};
pub use scope::{api_scope, ApiScope};
pub use stream_entry::{InputKind, StreamEntry, StreamOp};
