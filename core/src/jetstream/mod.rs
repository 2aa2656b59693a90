//! JetStream: persistent streams and consumers, as deterministic state machines.
//!
//! Everything here is sans-IO: stream and consumer logic are fed commands, message
//! timestamps (`UnixNanos`) and monotonic time, and emit effects; storage sits behind the
//! [`store::MsgStore`] trait so the same logic runs over memory, files (native) and, later,
//! a Raft log (clustered) or browser storage.

pub mod api;
pub mod cluster;
pub mod consumer;
pub mod meta;
pub mod store;
pub mod stream;
