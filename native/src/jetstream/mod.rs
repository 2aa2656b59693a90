//! JetStream on the native runtime: the service task, file storage, sled metadata.

pub mod cluster;
mod consumers_api;
mod effects;
pub mod filestore;
pub mod jsz;
pub mod meta_sled;
mod metrics;
mod priority_api;
pub mod replica;
pub mod replica_admin;
pub mod replica_route;
pub mod replica_store;
mod republish;
mod resources;
pub mod service;
mod sourcing;
pub mod storage;
mod streams_api;
#[cfg(test)]
mod test_node;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_consumers;
#[cfg(test)]
mod tests_priority;
#[cfg(test)]
mod tests_replica;
#[cfg(test)]
mod tests_replica_pair;
#[cfg(test)]
mod tests_republish;
#[cfg(test)]
mod tests_sourcing;
