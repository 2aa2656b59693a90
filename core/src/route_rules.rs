//! The decisions of the route protocol that do not depend on I/O: whether a peer's first
//! `INFO` is acceptable, which of two routes between the same pair stays, and how long to wait
//! before redialling. The runtime (`native/src/cluster/`) applies them.

use core::time::Duration;

use crate::proto::json::RouteInfo;

/// What this server is, for judging a peer's route `INFO`.
#[derive(Debug, Clone, Copy)]
pub struct LocalRoute<'a> {
    /// This server's id.
    pub server_id: &'a str,
    /// This server's cluster name.
    pub cluster: &'a str,
    /// The cluster name was generated: any peer name is accepted.
    pub cluster_dynamic: bool,
}

/// The verdict on a peer's first route `INFO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoVerdict {
    /// Register the route.
    Accept,
    /// The peer is this server (a route URL pointing back at it): close, do not redial.
    SelfConnect,
    /// Both cluster names are configured and differ: refuse.
    ClusterNameMismatch,
    /// No server id: refuse.
    MissingId,
}

/// Judges a peer's first `INFO` as nats-server does: a configured name must match unless one
/// side's name is dynamic (generated).
pub fn judge_info(local: LocalRoute<'_>, info: &RouteInfo) -> InfoVerdict {
    if info.server_id.is_empty() {
        return InfoVerdict::MissingId;
    }
    if info.server_id == local.server_id {
        return InfoVerdict::SelfConnect;
    }
    if !local.cluster_dynamic && !info.cluster_dynamic && info.cluster != local.cluster {
        return InfoVerdict::ClusterNameMismatch;
    }
    InfoVerdict::Accept
}

/// Which of two routes between the same pair stays: the one dialled by the smaller server id.
/// Both ends compute the same answer, so exactly one route survives. `*_solicited`: this server
/// dialled that route.
pub fn new_route_wins(
    our_id: &str,
    peer_id: &str,
    existing_solicited: bool,
    new_solicited: bool,
) -> bool {
    let dialler = |solicited: bool| if solicited { our_id } else { peer_id };
    let winner = our_id.min(peer_id);
    dialler(existing_solicited) != winner && dialler(new_solicited) == winner
}

/// Delay before redial attempt `failures + 1`: doubling from `min`, capped at `max`, then
/// scaled by a factor in [0.5, 1.0) drawn from `rand` (the runtime's randomness), so servers
/// that lost each other do not redial in lockstep.
pub fn backoff_delay(failures: u32, min: Duration, max: Duration, rand: u64) -> Duration {
    let capped = min.saturating_mul(1u32 << failures.min(16)).min(max);
    let nanos = capped.as_nanos();
    let scaled = nanos * u128::from(1024 + rand % 1024) / 2048;
    Duration::from_nanos(u64::try_from(scaled).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn local() -> LocalRoute<'static> {
        LocalRoute {
            server_id: "NA",
            cluster: "c1",
            cluster_dynamic: false,
        }
    }

    fn info(id: &str, cluster: &str, dynamic: bool) -> RouteInfo {
        RouteInfo {
            server_id: id.to_string(),
            cluster: cluster.to_string(),
            cluster_dynamic: dynamic,
            ..RouteInfo::default()
        }
    }

    #[test]
    fn info_verdicts_follow_nats_server() {
        assert_eq!(
            judge_info(local(), &info("NB", "c1", false)),
            InfoVerdict::Accept
        );
        assert_eq!(
            judge_info(local(), &info("NA", "c1", false)),
            InfoVerdict::SelfConnect
        );
        assert_eq!(
            judge_info(local(), &info("", "c1", false)),
            InfoVerdict::MissingId
        );
        assert_eq!(
            judge_info(local(), &info("NB", "c2", false)),
            InfoVerdict::ClusterNameMismatch
        );
        // A generated name on either side accepts the other's.
        assert_eq!(
            judge_info(local(), &info("NB", "x", true)),
            InfoVerdict::Accept
        );
        let dynamic = LocalRoute {
            cluster_dynamic: true,
            ..local()
        };
        assert_eq!(
            judge_info(dynamic, &info("NB", "c2", false)),
            InfoVerdict::Accept
        );
    }

    #[test]
    fn both_ends_keep_the_route_dialled_by_the_smaller_id() {
        // On A (id "A" < "B"): existing route was dialled by B, the new one by A.
        assert!(new_route_wins("A", "B", false, true));
        // On B the same two routes: existing dialled by A (not solicited by B), new dialled by B.
        assert!(!new_route_wins("B", "A", false, true));
        // Seen from B in the other arrival order: existing dialled by B, new dialled by A.
        assert!(new_route_wins("B", "A", true, false));
        // Two routes dialled by the same side: the first one stays.
        assert!(!new_route_wins("A", "B", true, true));
        assert!(!new_route_wins("A", "B", false, false));
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_down_to_half() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(2));
        for f in 0..40 {
            for r in [0u64, 511, 1023, u64::MAX] {
                let d = backoff_delay(f, min, max, r);
                let full = min.saturating_mul(1 << f.min(16)).min(max);
                assert!(d < full && d >= full / 2, "{f} {r} {d:?}");
            }
        }
        assert_eq!(backoff_delay(0, min, max, 0), Duration::from_millis(50));
        assert!(backoff_delay(1, min, max, 1023) > backoff_delay(0, min, max, 1023));
        assert_eq!(backoff_delay(30, min, max, 0), Duration::from_secs(1));
    }
}
