//! Which server of a cluster answers a JetStream API request.
//!
//! In a cluster every JetStream server receives every `$JS.API` request (the API
//! subscriptions are routed like any other). Exactly one of them answers: requests about the
//! set of streams go to the meta leader; requests about one stream go to that stream's
//! leader, which replicates the changing ones through the stream's Raft group before
//! answering; a stream nobody knows is answered "not found" by the meta leader.

use super::super::api::ApiRequest;

/// Who answers a request, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiScope<'a> {
    /// The meta leader answers (stream create/update/delete, names, lists, account info,
    /// meta and server operations).
    Meta,
    /// The stream's leader answers from its state, without replicating.
    StreamRead(&'a str),
    /// The stream's leader replicates the request through the stream's group; on apply every
    /// replica carries it out and the leader answers.
    StreamWrite(&'a str),
    /// The stream's leader gives up leadership and answers.
    StreamStepdown(&'a str),
}

/// Classifies a parsed request.
pub fn api_scope(req: &ApiRequest) -> ApiScope<'_> {
    match req {
        ApiRequest::StreamInfo(s)
        | ApiRequest::StreamMsgGet(s)
        | ApiRequest::DirectGet(s, _)
        | ApiRequest::ConsumerNames(s)
        | ApiRequest::ConsumerList(s)
        | ApiRequest::ConsumerInfo { stream: s, .. } => ApiScope::StreamRead(s),
        ApiRequest::StreamPurge(s)
        | ApiRequest::StreamMsgDelete(s)
        | ApiRequest::ConsumerCreate { stream: s, .. }
        | ApiRequest::ConsumerDurableCreate { stream: s, .. }
        | ApiRequest::ConsumerDelete { stream: s, .. }
        | ApiRequest::ConsumerNext { stream: s, .. }
        | ApiRequest::ConsumerPause { stream: s, .. }
        | ApiRequest::ConsumerUnpin { stream: s, .. }
        | ApiRequest::ConsumerReset { stream: s, .. } => ApiScope::StreamWrite(s),
        // Consumers live in their stream's group: stepping one down moves the stream too.
        ApiRequest::StreamLeaderStepdown(s)
        | ApiRequest::ConsumerLeaderStepdown { stream: s, .. } => ApiScope::StreamStepdown(s),
        _ => ApiScope::Meta,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_of(subject: &str) -> ApiScope<'static> {
        let req = ApiRequest::parse(subject).unwrap();
        // Leak in tests only, so the borrowed scope can be compared.
        let req: &'static ApiRequest = alloc::boxed::Box::leak(alloc::boxed::Box::new(req));
        api_scope(req)
    }

    #[test]
    fn requests_go_to_the_right_leader() {
        assert_eq!(scope_of("$JS.API.STREAM.CREATE.S"), ApiScope::Meta);
        assert_eq!(scope_of("$JS.API.STREAM.UPDATE.S"), ApiScope::Meta);
        assert_eq!(scope_of("$JS.API.STREAM.DELETE.S"), ApiScope::Meta);
        assert_eq!(scope_of("$JS.API.STREAM.NAMES"), ApiScope::Meta);
        assert_eq!(scope_of("$JS.API.INFO"), ApiScope::Meta);
        assert_eq!(scope_of("$JS.API.STREAM.INFO.S"), ApiScope::StreamRead("S"));
        assert_eq!(
            scope_of("$JS.API.CONSUMER.INFO.S.C"),
            ApiScope::StreamRead("S")
        );
        assert_eq!(
            scope_of("$JS.API.STREAM.PURGE.S"),
            ApiScope::StreamWrite("S")
        );
        assert_eq!(
            scope_of("$JS.API.CONSUMER.MSG.NEXT.S.C"),
            ApiScope::StreamWrite("S")
        );
        assert_eq!(
            scope_of("$JS.API.CONSUMER.CREATE.S"),
            ApiScope::StreamWrite("S")
        );
        assert_eq!(
            scope_of("$JS.API.CONSUMER.DURABLE.CREATE.S.D"),
            ApiScope::StreamWrite("S")
        );
        assert_eq!(
            scope_of("$JS.API.STREAM.LEADER.STEPDOWN.S"),
            ApiScope::StreamStepdown("S")
        );
        assert_eq!(
            scope_of("$JS.API.CONSUMER.LEADER.STEPDOWN.S.C"),
            ApiScope::StreamStepdown("S")
        );
    }
}
