//! What the meta leader does with a stream request: the checks against the cluster-wide
//! assignments and the [`MetaCommand`] to propose, or the error to answer.
//!
//! Pure functions of the applied [`Assignments`] and the request, so that the rules are the
//! single-server rules (the same `StreamConfig` normalization, overlap and update checks)
//! applied to every stream of the cluster, and testable without a cluster.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::assignments::{Assignments, MetaCommand, StreamAssignment};
use super::placement::{place, Candidate};
use crate::jetstream::api::{
    decode_optional_request, ApiError, ErrorId, StreamConfig, StreamConfigRequest,
    StreamNamesRequest,
};
use crate::jetstream::store::UnixNanos;
use crate::subject;

/// Most replicas a stream may ask for (nats-server's limit).
pub const REPLICAS_MAX: i64 = 5;

/// The outcome of a create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreatePlan {
    /// Propose this command; the new stream's first leader answers the request.
    Propose(MetaCommand),
    /// The stream exists with this very configuration: answer with it (`did_create: false`).
    Exists(StreamAssignment),
}

/// Checks a `STREAM.CREATE.<name>` request and places the new stream.
///
/// `group` names the new Raft group (unique per incarnation: the caller adds randomness).
pub fn plan_stream_create(
    a: &Assignments,
    name: &str,
    body: &[u8],
    reply: Option<&str>,
    candidates: &[Candidate],
    now: UnixNanos,
    group: String,
) -> Result<CreatePlan, ApiError> {
    let req: StreamConfigRequest = decode_optional_request(body)?;
    req.config.check_create_request(name)?;
    let config = req.config.normalize_with(true, req.pedantic)?;
    if config.num_replicas > REPLICAS_MAX {
        return Err(ApiError::with_err(
            ErrorId::StreamReplicasNotSupported,
            "replicas > 5 not supported",
        ));
    }
    if let Some(existing) = a.streams.get(name) {
        if existing.config == config {
            return Ok(CreatePlan::Exists(existing.clone()));
        }
        return Err(ApiError::new(ErrorId::StreamNameExist));
    }
    if a.streams.values().any(|s| s.config.overlaps_with(&config)) {
        return Err(ApiError::new(ErrorId::StreamSubjectOverlap));
    }
    if config.mirror.is_some() || !config.sources.is_empty() {
        // Copies would be made by every replica on its own, outside the stream's log.
        return Err(ApiError::new(ErrorId::ClusterUnSupportFeature));
    }
    let live: Vec<Candidate> = candidates
        .iter()
        .filter(|c| !a.removed.contains(&c.name))
        .cloned()
        .collect();
    let replicas = usize::try_from(config.num_replicas.max(1)).unwrap_or(1);
    let peers = place(replicas, &live, &a.load(), &[])?;
    Ok(CreatePlan::Propose(MetaCommand::AddStream(
        StreamAssignment {
            config,
            created: now,
            group,
            peers,
            reply: reply.map(String::from),
        },
    )))
}

/// Checks a `STREAM.UPDATE.<name>` request against the stream's current configuration.
pub fn plan_stream_update(
    a: &Assignments,
    name: &str,
    body: &[u8],
    reply: Option<&str>,
) -> Result<MetaCommand, ApiError> {
    let req: StreamConfigRequest = decode_optional_request(body)?;
    if req.config.name.is_empty() {
        req.config.clone().normalize_with(true, req.pedantic)?;
    }
    if req.config.name != name {
        return Err(ApiError::new(ErrorId::StreamMismatch));
    }
    let old = &a
        .streams
        .get(name)
        .ok_or_else(ApiError::stream_not_found)?
        .config;
    let new = StreamConfig::apply_update(old, req.config, true, req.pedantic)?;
    if new.num_replicas != old.num_replicas {
        // Moving a stream to more or fewer servers is not supported yet.
        return Err(ApiError::new(ErrorId::StreamReplicasNotUpdatable));
    }
    if new.mirror.is_some() || !new.sources.is_empty() {
        return Err(ApiError::new(ErrorId::ClusterUnSupportFeature));
    }
    let overlap = a
        .streams
        .iter()
        .any(|(n, s)| n != name && s.config.overlaps_with(&new));
    if overlap {
        return Err(ApiError::new(ErrorId::StreamSubjectOverlap));
    }
    Ok(MetaCommand::UpdateStream {
        config: new,
        reply: reply.map(String::from),
    })
}

/// Checks a `STREAM.DELETE.<name>` request.
pub fn plan_stream_delete(a: &Assignments, name: &str) -> Result<MetaCommand, ApiError> {
    if !a.streams.contains_key(name) {
        return Err(ApiError::stream_not_found());
    }
    Ok(MetaCommand::DeleteStream { name: name.into() })
}

/// Stream names for `STREAM.NAMES`/`STREAM.LIST`: those whose subjects overlap the request's
/// `subject` filter, sorted; returns (total, the page from `offset`).
pub fn stream_names(
    a: &Assignments,
    body: &[u8],
    page: usize,
) -> Result<(u64, Vec<String>, u64), ApiError> {
    let r: StreamNamesRequest = decode_optional_request(body)?;
    let names: Vec<&String> = a
        .streams
        .iter()
        .filter(|(_, s)| {
            r.subject.is_empty()
                || s.config
                    .subjects
                    .iter()
                    .any(|x| subject::overlaps(x.as_bytes(), r.subject.as_bytes()))
        })
        .map(|(n, _)| n)
        .collect();
    let total = names.len() as u64;
    let slice = names
        .into_iter()
        .skip(usize::try_from(r.offset).unwrap_or(usize::MAX))
        .take(page)
        .cloned()
        .collect();
    Ok((total, slice, r.offset))
}

/// Streams that must move off `server` (being removed), with their new replica sets; a
/// stream with no other server to go to keeps its remaining peers.
pub fn evacuate(a: &Assignments, server: &str, candidates: &[Candidate]) -> Vec<MetaCommand> {
    let mut load: BTreeMap<&str, usize> = a.load();
    let mut out = Vec::new();
    for s in a.streams_on(server) {
        let mut peers: Vec<String> = s.peers.iter().filter(|p| *p != server).cloned().collect();
        let others: Vec<Candidate> = candidates
            .iter()
            .filter(|c| c.name != server && !a.removed.contains(&c.name))
            .cloned()
            .collect();
        if let Ok(extra) = place(1, &others, &load, &peers) {
            if let Some(p) = extra.first() {
                if let Some(v) = load.get_mut(p.as_str()) {
                    *v += 1;
                }
                peers.push(p.clone());
            }
        }
        out.push(MetaCommand::SetPeers {
            name: s.config.name.clone(),
            peers,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn cands(n: usize) -> Vec<Candidate> {
        (1..=n)
            .map(|i| Candidate {
                name: format!("n{i}"),
                online: true,
            })
            .collect()
    }

    fn create(
        a: &mut Assignments,
        name: &str,
        subjects: &str,
        replicas: u32,
    ) -> Result<CreatePlan, ApiError> {
        let body =
            format!(r#"{{"name":"{name}","subjects":["{subjects}"],"num_replicas":{replicas}}}"#);
        let plan = plan_stream_create(
            a,
            name,
            body.as_bytes(),
            Some("_INBOX.r"),
            &cands(3),
            9,
            format!("S-{name}"),
        )?;
        if let CreatePlan::Propose(cmd) = &plan {
            a.apply(cmd.clone());
        }
        Ok(plan)
    }

    #[test]
    fn create_places_replicas_and_repeats_are_idempotent() {
        let mut a = Assignments::default();
        let CreatePlan::Propose(MetaCommand::AddStream(s)) = create(&mut a, "A", "a.>", 3).unwrap()
        else {
            panic!("expected a proposal");
        };
        assert_eq!(s.peers.len(), 3);
        assert_eq!(s.reply.as_deref(), Some("_INBOX.r"));
        assert!(matches!(
            create(&mut a, "A", "a.>", 3).unwrap(),
            CreatePlan::Exists(_)
        ));
        assert_eq!(create(&mut a, "A", "b.>", 3).unwrap_err().err_code, 10058);
        assert_eq!(create(&mut a, "B", "a.x", 1).unwrap_err().err_code, 10065);
        assert_eq!(create(&mut a, "C", "c", 5).unwrap_err().err_code, 10005);
        let mirror = br#"{"name":"M","mirror":{"name":"A"},"num_replicas":1}"#;
        let refused = plan_stream_create(&a, "M", mirror, None, &cands(3), 1, "S-M".into());
        assert_eq!(refused.unwrap_err().err_code, 10036);
    }

    #[test]
    fn updates_keep_the_single_server_rules() {
        let mut a = Assignments::default();
        create(&mut a, "A", "a.>", 3).unwrap();
        create(&mut a, "B", "b.>", 1).unwrap();
        let ok = br#"{"name":"A","subjects":["a.>","z"],"num_replicas":3}"#;
        assert!(matches!(
            plan_stream_update(&a, "A", ok, None).unwrap(),
            MetaCommand::UpdateStream { .. }
        ));
        let overlap = br#"{"name":"A","subjects":["b.x"],"num_replicas":3}"#;
        assert_eq!(
            plan_stream_update(&a, "A", overlap, None)
                .unwrap_err()
                .err_code,
            10065
        );
        let scale = br#"{"name":"A","subjects":["a.>"],"num_replicas":1}"#;
        assert_eq!(
            plan_stream_update(&a, "A", scale, None)
                .unwrap_err()
                .err_code,
            10061
        );
        assert_eq!(
            plan_stream_update(&a, "Q", b"{\"name\":\"Q\"}", None)
                .unwrap_err()
                .err_code,
            10059
        );
        assert_eq!(plan_stream_delete(&a, "Q").unwrap_err().err_code, 10059);
    }

    #[test]
    fn names_filter_and_page() {
        let mut a = Assignments::default();
        for (n, s) in [("A", "a.>"), ("B", "b.>"), ("C", "c.*")] {
            create(&mut a, n, s, 1).unwrap();
        }
        let (total, page, _) = stream_names(&a, b"", 2).unwrap();
        assert_eq!(
            (total, page),
            (3, ["A".to_string(), "B".to_string()].to_vec())
        );
        let (total, page, _) = stream_names(&a, br#"{"subject":"c.x"}"#, 10).unwrap();
        assert_eq!((total, page), (1, ["C".to_string()].to_vec()));
    }

    #[test]
    fn evacuation_replaces_the_removed_server() {
        let mut a = Assignments::default();
        create(&mut a, "A", "a.>", 3).unwrap();
        let mut c = cands(3);
        c.push(Candidate {
            name: "n4".into(),
            online: true,
        });
        let cmds = evacuate(&a, "n2", &c);
        let MetaCommand::SetPeers { peers, .. } = &cmds[0] else {
            panic!()
        };
        assert_eq!(peers.len(), 3);
        assert!(peers.contains(&"n4".to_string()));
        assert!(!peers.contains(&"n2".to_string()));
    }
}
