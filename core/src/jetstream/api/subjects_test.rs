//! The `$JS.API.*` subject parser, names, and the request and response bodies around it.

use super::*;
use alloc::string::String;
use alloc::string::ToString;
use serde_json::Value;

fn parsed(subject: &str) -> ApiRequest {
    ApiRequest::parse(subject).unwrap()
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn parses_every_api_subject() {
    use ApiRequest as R;
    let cases = [
        ("$JS.API.INFO", R::Info),
        ("$JS.API.STREAM.CREATE.S", R::StreamCreate(s("S"))),
        ("$JS.API.STREAM.UPDATE.S", R::StreamUpdate(s("S"))),
        ("$JS.API.STREAM.INFO.S", R::StreamInfo(s("S"))),
        ("$JS.API.STREAM.NAMES", R::StreamNames),
        ("$JS.API.STREAM.LIST", R::StreamList),
        ("$JS.API.STREAM.DELETE.S", R::StreamDelete(s("S"))),
        ("$JS.API.STREAM.PURGE.S", R::StreamPurge(s("S"))),
        ("$JS.API.STREAM.MSG.GET.S", R::StreamMsgGet(s("S"))),
        ("$JS.API.STREAM.MSG.DELETE.S", R::StreamMsgDelete(s("S"))),
        ("$JS.API.STREAM.SNAPSHOT.S", R::StreamSnapshot(s("S"))),
        ("$JS.API.STREAM.RESTORE.S", R::StreamRestore(s("S"))),
        ("$JS.API.STREAM.PEER.REMOVE.S", R::StreamPeerRemove(s("S"))),
        (
            "$JS.API.STREAM.LEADER.STEPDOWN.S",
            R::StreamLeaderStepdown(s("S")),
        ),
        ("$JS.API.DIRECT.GET.KV_b", R::DirectGet(s("KV_b"), None)),
        (
            "$JS.API.DIRECT.GET.KV_b.$KV.b.key.x",
            R::DirectGet(s("KV_b"), Some(s("$KV.b.key.x"))),
        ),
        (
            "$JS.API.CONSUMER.CREATE.S",
            R::ConsumerCreate {
                stream: s("S"),
                consumer: None,
                filter: None,
            },
        ),
        (
            "$JS.API.CONSUMER.CREATE.S.C",
            R::ConsumerCreate {
                stream: s("S"),
                consumer: Some(s("C")),
                filter: None,
            },
        ),
        (
            "$JS.API.CONSUMER.CREATE.S.C.a.*.>",
            R::ConsumerCreate {
                stream: s("S"),
                consumer: Some(s("C")),
                filter: Some(s("a.*.>")),
            },
        ),
        (
            "$JS.API.CONSUMER.DURABLE.CREATE.S.D",
            R::ConsumerDurableCreate {
                stream: s("S"),
                durable: s("D"),
            },
        ),
        (
            "$JS.API.CONSUMER.INFO.S.C",
            R::ConsumerInfo {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        ("$JS.API.CONSUMER.NAMES.S", R::ConsumerNames(s("S"))),
        ("$JS.API.CONSUMER.LIST.S", R::ConsumerList(s("S"))),
        (
            "$JS.API.CONSUMER.DELETE.S.C",
            R::ConsumerDelete {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        (
            "$JS.API.CONSUMER.MSG.NEXT.S.C",
            R::ConsumerNext {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        (
            "$JS.API.CONSUMER.LEADER.STEPDOWN.S.C",
            R::ConsumerLeaderStepdown {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        (
            "$JS.API.CONSUMER.PAUSE.S.C",
            R::ConsumerPause {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        (
            "$JS.API.CONSUMER.UNPIN.S.C",
            R::ConsumerUnpin {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        (
            "$JS.API.CONSUMER.RESET.S.C",
            R::ConsumerReset {
                stream: s("S"),
                consumer: s("C"),
            },
        ),
        ("$JS.API.META.LEADER.STEPDOWN", R::MetaLeaderStepdown),
    ];
    for (subject, want) in cases {
        assert_eq!(parsed(subject), want, "{subject}");
    }
}

#[test]
fn unknown_and_malformed_subjects_are_unknown() {
    for subject in [
        "$JS.API",
        "$JS.API.",
        "$JS.API.NOPE",
        "$JS.API.STREAM.INFO",
        "$JS.API.STREAM.INFO.S.extra",
        "$JS.API.CONSUMER.INFO.S",
        "$JS.API.STREAM.INFO..S",
        "$JS.ACK.S.C.1.2.3.4.5",
        "foo.bar",
        "$JS.hub.API.INFO",
    ] {
        assert_eq!(parsed(subject), ApiRequest::Unknown, "{subject}");
    }
}

#[test]
fn bad_names_in_subjects_are_errors() {
    let code = |subject: &str| ApiRequest::parse(subject).unwrap_err().err_code;
    assert_eq!(code("$JS.API.STREAM.INFO.a/b"), 10128);
    assert_eq!(code("$JS.API.STREAM.CREATE.a\\b"), 10128);
    assert_eq!(code("$JS.API.CONSUMER.INFO.S.a/b"), 10127);
    assert_eq!(
        code(&alloc::format!("$JS.API.STREAM.INFO.{}", "x".repeat(256))),
        10052
    );
    assert_eq!(
        code(&alloc::format!(
            "$JS.API.CONSUMER.DELETE.S.{}",
            "x".repeat(256)
        )),
        10102
    );
    assert_eq!(code("$JS.API.CONSUMER.DURABLE.CREATE.S"), 10016);
}

#[test]
fn response_kinds_name_the_response_types() {
    let kind = |subject: &str| parsed(subject).response_kind();
    assert_eq!(kind("$JS.API.INFO"), Some("account_info"));
    assert_eq!(
        kind("$JS.API.STREAM.PEER.REMOVE.S"),
        Some("stream_remove_peer")
    );
    assert_eq!(
        kind("$JS.API.CONSUMER.DURABLE.CREATE.S.D"),
        Some("consumer_create")
    );
    assert_eq!(kind("$JS.API.CONSUMER.MSG.NEXT.S.C"), None);
    assert_eq!(kind("$JS.API.DIRECT.GET.S"), None);
    assert_eq!(
        response_type("stream_info"),
        "io.nats.jetstream.api.v1.stream_info_response"
    );
}

#[test]
fn validates_names() {
    for ok in ["S", "KV_bucket", "OBJ_x-y", "ünïcode"] {
        assert!(is_valid_name(ok), "{ok}");
    }
    for bad in ["", "a.b", "a*", "a>", "a b", "a\tb", "a\\b", "a/b", "a\nb"] {
        assert!(!is_valid_name(bad), "{bad:?}");
    }
}

#[test]
fn pub_acks_as_nats_server_writes_them() {
    let ok = serde_json::to_string(&PubAck::stored("S", 7)).unwrap();
    assert_eq!(ok, r#"{"stream":"S","seq":7}"#);
    let dup = PubAck {
        duplicate: true,
        domain: s("hub"),
        ..PubAck::stored("S", 7)
    };
    assert_eq!(
        serde_json::to_string(&dup).unwrap(),
        r#"{"stream":"S","seq":7,"domain":"hub","duplicate":true}"#
    );
    let err =
        serde_json::to_string(&PubAck::refused("S", ApiError::wrong_last_sequence(3))).unwrap();
    assert_eq!(
        err,
        r#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"},"stream":"S","seq":0}"#
    );
    let back: PubAck = serde_json::from_str(&err).unwrap();
    assert_eq!(back.error.map(|e| e.err_code), Some(10071));
}

#[test]
fn request_bodies_read_what_clients_send() {
    let info: StreamInfoRequest =
        decode_request(br#"{"offset":0,"deleted_details":false,"subjects_filter":""}"#).unwrap();
    assert_eq!(info, StreamInfoRequest::default());
    let names: StreamNamesRequest =
        decode_request(br#"{"offset":3,"subject":"orders.*"}"#).unwrap();
    assert_eq!((names.offset, names.subject.as_str()), (3, "orders.*"));
    let purge: PurgeRequest = decode_request(br#"{"filter":"a.b","keep":5}"#).unwrap();
    assert!(purge.validate().is_ok());
    let both = PurgeRequest {
        seq: 1,
        keep: 1,
        ..PurgeRequest::default()
    };
    assert_eq!(both.validate().unwrap_err().err_code, 10003);
    let del: MsgDeleteRequest = decode_request(br#"{"seq":9,"no_erase":true}"#).unwrap();
    assert_eq!((del.seq, del.no_erase), (9, true));
    let paged: PagedRequest = decode_request(br#"{"offset":2}"#).unwrap();
    assert_eq!(paged.offset, 2);
    let pause: ConsumerPauseRequest =
        decode_request(br#"{"pause_until":"2030-01-01T00:00:00Z"}"#).unwrap();
    assert!(pause.pause_until.is_some_and(|t| !t.is_zero()));
}

#[test]
fn msg_get_accepts_only_server_combinations() {
    let check = |json: &str| {
        decode_request::<MsgGetRequest>(json.as_bytes())
            .unwrap()
            .validate_msg_get()
            .map_err(|e| e.err_code)
    };
    for ok in [
        r#"{"seq":1}"#,
        r#"{"last_by_subj":"a"}"#,
        r#"{"next_by_subj":"a","seq":4}"#,
        r#"{"next_by_subj":"a"}"#,
        r#"{"start_time":"2024-05-01T10:11:12Z"}"#,
    ] {
        assert_eq!(check(ok), Ok(()), "{ok}");
    }
    for bad in [
        r#"{}"#,
        r#"{"seq":1,"last_by_subj":"a"}"#,
        r#"{"last_by_subj":"a","next_by_subj":"b"}"#,
        r#"{"seq":1,"batch":2}"#,
        r#"{"seq":1,"start_time":"2024-05-01T10:11:12Z"}"#,
    ] {
        assert_eq!(check(bad), Err(10003), "{bad}");
    }
}

#[test]
fn stored_messages_carry_base64_bodies() {
    let msg = crate::jetstream::store::StoredMsg {
        seq: 5,
        subject: bytes::Bytes::from_static(b"orders.new"),
        headers: Some(bytes::Bytes::from_static(b"NATS/1.0\r\nA: b\r\n\r\n")),
        payload: bytes::Bytes::from_static(b"hello"),
        time: 1_714_558_272_000_000_001,
    };
    let resp = MsgGetResponse {
        message: StoredMessage::from(&msg),
    };
    let json: Value = serde_json::from_slice(&response_json("stream_msg_get", &resp)).unwrap();
    assert_eq!(json["message"]["data"], "aGVsbG8=");
    assert_eq!(json["message"]["hdrs"], "TkFUUy8xLjANCkE6IGINCg0K");
    assert_eq!(json["message"]["time"], "2024-05-01T10:11:12.000000001Z");
    let back: MsgGetResponse = serde_json::from_value(json).unwrap();
    assert_eq!(back, resp);
    let bare: StoredMessage =
        serde_json::from_str(r#"{"subject":"a","seq":1,"time":"2024-05-01T10:11:12Z"}"#).unwrap();
    assert!(bare.hdrs.is_empty() && bare.data.is_empty());
}

#[test]
fn paged_and_account_responses_have_what_async_nats_requires() {
    let names = serde_json::to_value(StreamNamesResponse {
        limit: NAMES_PAGE_LIMIT,
        ..StreamNamesResponse::default()
    })
    .unwrap();
    assert_eq!(
        names,
        serde_json::json!({"total":0,"offset":0,"limit":1024,"streams":null})
    );
    let list = serde_json::to_value(ConsumerListResponse {
        limit: LIST_PAGE_LIMIT,
        ..ConsumerListResponse::default()
    })
    .unwrap();
    assert_eq!(
        list,
        serde_json::json!({"total":0,"offset":0,"limit":256,"consumers":[]})
    );
    let account = AccountInfo {
        api: ApiStats {
            level: API_LEVEL,
            total: 3,
            errors: 1,
            inflight: 0,
        },
        ..AccountInfo::default()
    };
    let json = serde_json::to_value(&account).unwrap();
    assert_eq!(json["limits"]["max_memory"], -1);
    assert_eq!(json["limits"]["max_bytes_required"], false);
    assert_eq!(
        json["api"],
        serde_json::json!({"level":1,"total":3,"errors":1})
    );
    assert!(json.get("domain").is_none() && json.get("tiers").is_none());
}
