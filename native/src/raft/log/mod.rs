//! A group's durable Raft log: record codec, replay at open, group-committed appends.

mod flush;
pub mod record;
mod replay;
mod store;

pub use store::{LogReader, LogStore, SEGMENT_BYTES_MAX_DEFAULT};

#[cfg(test)]
mod tests;
