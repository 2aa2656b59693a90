//! Choosing servers for a stream's replicas, and naming servers inside Raft.
//!
//! The meta leader places a new stream on the `num_replicas` online JetStream servers that
//! hold the fewest streams (ties broken by name, so a placement is reproducible in tests).
//! A server never appears twice in one replica set; removed servers are never chosen.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::jetstream::api::{ApiError, ErrorId};

/// A server the meta leader may place replicas on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Server name.
    pub name: String,
    /// Reachable now (routed and heard from recently).
    pub online: bool,
}

/// Picks `replicas` servers among `candidates`, avoiding `exclude`, least loaded first.
///
/// `load` counts the streams each server already holds. Fewer suitable servers than asked
/// for is nats-server's "no suitable peers for placement" (10005).
pub fn place(
    replicas: usize,
    candidates: &[Candidate],
    load: &BTreeMap<&str, usize>,
    exclude: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut pool: Vec<(usize, &str)> = candidates
        .iter()
        .filter(|c| c.online && !exclude.contains(&c.name))
        .map(|c| {
            (
                load.get(c.name.as_str()).copied().unwrap_or(0),
                c.name.as_str(),
            )
        })
        .collect();
    pool.sort_unstable();
    pool.dedup_by(|a, b| a.1 == b.1);
    if replicas == 0 || pool.len() < replicas {
        return Err(ApiError::with_err(
            ErrorId::ClusterNoPeers,
            "no suitable peers for placement",
        ));
    }
    Ok(pool
        .into_iter()
        .take(replicas)
        .map(|(_, n)| String::from(n))
        .collect())
}

/// A server's Raft node id: FNV-1a of its name, so every server derives the same id for a
/// name without asking (server names are unique in a JetStream cluster).
pub fn node_id(server_name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in server_name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The short peer id shown in cluster info (`peer`): 8 characters derived from the name.
pub fn peer_id(server_name: &str) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut v = node_id(server_name);
    let mut s = String::with_capacity(8);
    for _ in 0..8 {
        s.push(char::from(ALPHABET[(v % 62) as usize]));
        v /= 62;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(names: &[(&str, bool)]) -> Vec<Candidate> {
        names
            .iter()
            .map(|(n, online)| Candidate {
                name: (*n).into(),
                online: *online,
            })
            .collect()
    }

    #[test]
    fn least_loaded_online_servers_are_chosen() {
        let c = cands(&[("n1", true), ("n2", true), ("n3", false), ("n4", true)]);
        let mut load = BTreeMap::new();
        load.insert("n1", 3);
        load.insert("n2", 1);
        assert_eq!(place(2, &c, &load, &[]).unwrap(), ["n4", "n2"]);
    }

    #[test]
    fn too_few_servers_is_no_suitable_peers() {
        let c = cands(&[("n1", true), ("n2", true), ("n3", false)]);
        let e = place(3, &c, &BTreeMap::new(), &[]).unwrap_err();
        assert_eq!(e.err_code, 10005);
        assert_eq!(e.description, "no suitable peers for placement");
    }

    #[test]
    fn excluded_and_duplicate_servers_are_skipped() {
        let c = cands(&[("n1", true), ("n1", true), ("n2", true), ("n3", true)]);
        let got = place(2, &c, &BTreeMap::new(), &["n2".into()]).unwrap();
        assert_eq!(got, ["n1", "n3"]);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(node_id("n1"), node_id("n1"));
        assert_ne!(node_id("n1"), node_id("n2"));
        assert_eq!(peer_id("n1").len(), 8);
        assert_ne!(peer_id("n1"), peer_id("n2"));
    }
}
