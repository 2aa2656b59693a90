//! JetStream across a cluster: the meta group, one Raft group per stream, and the transport
//! that carries their RPCs over routes.
//!
//! The JetStream service (`service.rs`) owns every stream; a replicated stream's inputs go
//! through its group (`replica.rs`). This module connects the two to the Raft layer
//! (`crate::raft`): [`stream_group`] adapts a stream's group to the service and the service to
//! the layer's `Machine`; [`transport`] carries Raft RPCs as NATS request/reply.

pub mod bootstrap;
mod view;
pub use view::MetaView;
pub mod controller;
mod meta_api;
pub mod meta_machine;
mod request;
pub mod stream_group;
pub mod transport;

#[cfg(test)]
mod tests_meta;
#[cfg(test)]
mod tests_three;
