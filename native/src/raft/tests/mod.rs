//! Cluster tests and the deterministic simulation of the Raft layer.

mod cluster;
mod harness;
mod machine;
mod sim;
mod throughput;
