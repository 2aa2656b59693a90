//! Stream config JSON against what clients send and nats-server answers; defaults; every
//! refusal with its code and text; update rules.

use super::*;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::Value;

/// Stream configs exactly as async-nats 0.51 serializes them (default features).
const ASYNC_NATS_MINIMAL: &str = r#"{"name":"S","max_bytes":0,"max_msgs":0,"max_msgs_per_subject":0,"discard":"old","retention":"limits","max_consumers":0,"max_age":0,"storage":"file","num_replicas":0,"consumer_limits":null}"#;
const ASYNC_NATS_FULL: &str = r#"{"name":"ORDERS","max_bytes":1048576,"max_msgs":1000,"max_msgs_per_subject":10,"discard":"new","discard_new_per_subject":true,"subjects":["orders.>","returns.*"],"retention":"interest","max_consumers":0,"max_age":3600000000000,"max_msg_size":4096,"storage":"memory","num_replicas":1,"duplicate_window":60000000000,"description":"orders stream","allow_rollup_hdrs":true,"deny_delete":true,"republish":{"src":"orders.>","dest":"repub.>","headers_only":true},"allow_direct":true,"metadata":{"owner":"team-a"},"compression":"s2","consumer_limits":{"inactive_threshold":60000000000,"max_ack_pending":500},"first_seq":5,"placement":{"cluster":"c1","tags":["ssd"]},"persist_mode":"default","allow_msg_ttl":true,"subject_delete_marker_ttl":5000000000}"#;
const ASYNC_NATS_SOURCED: &str = r#"{"name":"AGG","max_bytes":0,"max_msgs":0,"max_msgs_per_subject":0,"discard":"old","retention":"limits","max_consumers":0,"max_age":0,"storage":"file","num_replicas":0,"sources":[{"name":"ORDERS","opt_start_seq":3,"external":{"api":"$JS.hub.API"},"subject_transforms":[{"src":"orders.>","dest":"agg.orders.>"}]}],"consumer_limits":null}"#;
const ASYNC_NATS_MIRROR: &str = r#"{"name":"KV_copy","max_bytes":0,"max_msgs":0,"max_msgs_per_subject":0,"discard":"old","retention":"limits","max_consumers":0,"max_age":0,"storage":"file","num_replicas":0,"mirror_direct":true,"mirror":{"name":"KV_orig","opt_start_time":"2024-05-01T10:11:12.123456789Z"},"consumer_limits":null}"#;
/// What nats-py 2.x sends (`StreamConfig.as_dict()`, seconds turned into nanoseconds).
const NATS_PY: &str = r#"{"name":"PY","subjects":["py.>"],"discard":"old","discard_new_per_subject":false,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"no_ack":false,"duplicate_window":0,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false}"#;

/// A `STREAM.CREATE` answer shaped as nats-server 2.11 writes it.
const SERVER_CREATE_RESPONSE: &str = r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{"name":"ORDERS","subjects":["orders.>"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false,"metadata":{"_nats.level":"1","_nats.ver":"2.11.4"}},"created":"2025-06-20T09:38:40.414223789Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0},"cluster":{"leader":"NCXYZ"},"ts":"2025-06-20T09:38:40.414589Z","did_create":true}"#;

fn parse(json: &str) -> StreamConfig {
    decode_request::<StreamConfigRequest>(json.as_bytes())
        .unwrap()
        .config
}

fn config(name: &str) -> StreamConfig {
    StreamConfig {
        name: name.into(),
        ..StreamConfig::default()
    }
}

#[test]
fn reads_every_stream_config_async_nats_sends() {
    let min = parse(ASYNC_NATS_MINIMAL);
    assert_eq!(min, config("S"));
    let full = parse(ASYNC_NATS_FULL);
    assert_eq!(full.subjects, ["orders.>", "returns.*"]);
    assert_eq!(
        (full.retention, full.discard, full.storage),
        (
            RetentionPolicy::Interest,
            DiscardPolicy::New,
            StorageType::Memory
        )
    );
    assert_eq!(
        (full.max_age, full.duplicate_window, full.max_msg_size),
        (3_600_000_000_000, 60_000_000_000, 4096)
    );
    assert!(
        full.discard_new_per_subject
            && full.allow_rollup_hdrs
            && full.deny_delete
            && full.allow_direct
    );
    assert_eq!(full.republish.as_ref().map(|r| r.headers_only), Some(true));
    assert_eq!(full.compression, Compression::S2);
    assert_eq!(
        full.consumer_limits,
        ConsumerLimits {
            inactive_threshold: 60_000_000_000,
            max_ack_pending: 500
        }
    );
    assert_eq!(
        (full.first_seq, full.persist_mode),
        (5, PersistMode::Default)
    );
    assert_eq!(
        full.placement.as_ref().map(|p| p.tags.clone()),
        Some(vec!["ssd".into()])
    );
    assert_eq!(
        (full.allow_msg_ttl, full.subject_delete_marker_ttl),
        (true, 5_000_000_000)
    );
    assert_eq!(
        full.metadata.get("owner").map(String::as_str),
        Some("team-a")
    );
    let sourced = parse(ASYNC_NATS_SOURCED);
    assert_eq!(
        sourced.sources[0]
            .external
            .as_ref()
            .map(|e| (e.api.as_str(), e.deliver.as_str())),
        Some(("$JS.hub.API", ""))
    );
    let mirror = parse(ASYNC_NATS_MIRROR);
    let start = mirror.mirror.as_ref().and_then(|m| m.opt_start_time);
    assert_eq!(start, Some(Timestamp(1_714_558_272_123_456_789)));
    let py = parse(NATS_PY);
    assert_eq!((py.max_msgs_per_subject, py.max_msg_size), (-1, -1));
}

#[test]
fn create_request_carries_pedantic_and_ignores_unknown_fields() {
    let req: StreamConfigRequest =
        decode_request(br#"{"name":"S","pedantic":true,"template_owner":"x","future_field":[1]}"#)
            .unwrap();
    assert!(req.pedantic);
    assert_eq!(req.config, config("S"));
    assert!(decode_request::<StreamConfigRequest>(
        br#"{"name":null,"subjects":null,"metadata":null}"#
    )
    .is_ok());
}

#[test]
fn enum_strings_are_strict_except_discard_case() {
    for bad in [
        r#"{"retention":"Limits"}"#,
        r#"{"storage":"disk"}"#,
        r#"{"compression":"zstd"}"#,
        r#"{"retention":null}"#,
    ] {
        let err = decode_request::<StreamConfigRequest>(bad.as_bytes()).unwrap_err();
        assert_eq!(err.err_code, 10025, "{bad}");
    }
    assert_eq!(parse(r#"{"discard":"NEW"}"#).discard, DiscardPolicy::New);
    assert_eq!(
        parse(r#"{"compression":""}"#).compression,
        Compression::None
    );
}

#[test]
fn server_stream_info_round_trips() {
    let original: Value = serde_json::from_str(SERVER_CREATE_RESPONSE).unwrap();
    let resp: StreamCreateResponse = decode_request(SERVER_CREATE_RESPONSE.as_bytes()).unwrap();
    assert!(resp.did_create);
    assert_eq!(resp.info.state.first_ts, Timestamp::ZERO);
    assert_eq!(
        resp.info.cluster.as_ref().map(|c| c.leader.as_str()),
        Some("NCXYZ")
    );
    let written: Value = serde_json::from_slice(&response_json("stream_create", &resp)).unwrap();
    assert_eq!(written, original);
}

#[test]
fn normalized_minimal_config_is_written_like_nats_server() {
    let mut cfg = parse(ASYNC_NATS_MINIMAL).normalize(false).unwrap();
    cfg.metadata.clear();
    let written: Value = serde_json::to_value(&cfg).unwrap();
    let want: Value = serde_json::from_str(r#"{"name":"S","subjects":["S"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false}"#).unwrap();
    assert_eq!(written, want);
}

#[test]
fn normalize_applies_server_defaults() {
    let cfg = config("S").normalize(false).unwrap();
    assert_eq!(cfg.subjects, ["S"]);
    assert_eq!(
        (
            cfg.max_msgs,
            cfg.max_bytes,
            cfg.max_msgs_per_subject,
            cfg.max_msg_size,
            cfg.max_consumers
        ),
        (-1, -1, -1, -1, -1)
    );
    assert_eq!(
        (cfg.num_replicas, cfg.duplicate_window, cfg.storage),
        (1, DUPLICATE_WINDOW_DEFAULT, StorageType::File)
    );
    let short = StreamConfig {
        max_age: 1_000_000_000,
        ..config("S")
    }
    .normalize(false)
    .unwrap();
    assert_eq!(short.duplicate_window, 1_000_000_000);
    let neg = StreamConfig {
        max_msgs: -7,
        ..config("S")
    }
    .normalize(false)
    .unwrap();
    assert_eq!(neg.max_msgs, -1);
    let marker = StreamConfig {
        subject_delete_marker_ttl: 1_000_000_000,
        deny_purge: true,
        ..config("S")
    };
    let marker = marker.normalize(false).unwrap();
    assert!(marker.allow_msg_ttl && marker.allow_rollup_hdrs && !marker.deny_purge);
    let rp = StreamConfig {
        subjects: vec!["a.>".into()],
        republish: Some(RePublish {
            dest: "b.>".into(),
            ..RePublish::default()
        }),
        ..config("S")
    };
    assert_eq!(rp.normalize(false).unwrap().republish.unwrap().src, ">");
    let empty_placement = StreamConfig {
        placement: Some(Placement::default()),
        ..config("S")
    };
    assert_eq!(empty_placement.normalize(false).unwrap().placement, None);
    let mirror = StreamConfig {
        mirror: Some(StreamSource {
            name: "O".into(),
            ..StreamSource::default()
        }),
        ..config("M")
    };
    let mirror = mirror.normalize(false).unwrap();
    assert!(mirror.subjects.is_empty() && mirror.duplicate_window == 0);
    assert!(StreamConfig {
        num_replicas: 3,
        ..config("S")
    }
    .normalize(true)
    .is_ok());
}

#[test]
fn pedantic_mode_refuses_silent_fixups() {
    let err = StreamConfig {
        max_msgs: -5,
        ..config("S")
    }
    .normalize_with(false, true)
    .unwrap_err();
    assert_eq!(
        (err.err_code, err.description.as_str()),
        (10157, "pedantic mode: max_msgs must be set to -1")
    );
    let err = StreamConfig {
        max_age: 1_000_000_000,
        ..config("S")
    }
    .normalize_with(false, true)
    .unwrap_err();
    assert_eq!(
        err.description,
        "pedantic mode: duplicate window cannot be bigger than max age"
    );
}

fn refusal(cfg: StreamConfig) -> (u16, String) {
    let err = cfg.normalize(false).unwrap_err();
    (err.err_code, err.description)
}

#[test]
fn normalize_refuses_like_nats_server() {
    let s = |subjects: &[&str]| StreamConfig {
        subjects: subjects.iter().map(|s| String::from(*s)).collect(),
        ..config("S")
    };
    let src = |name: &str| StreamSource {
        name: name.into(),
        ..StreamSource::default()
    };
    let mirror = |m: StreamSource| StreamConfig {
        mirror: Some(m),
        ..config("M")
    };
    let cases: Vec<(StreamConfig, u16, &str)> = vec![
        (config(""), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
        (config("a.b"), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
        (config("a/b"), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
        (config(&"x".repeat(256)), 10052, "stream name is too long, maximum allowed is 255"),
        (StreamConfig { description: "d".repeat(4097), ..config("S") }, 10052, "stream description is too long, maximum allowed is 4096"),
        (StreamConfig { num_replicas: 6, ..config("S") }, 10052, "maximum replicas is 5"),
        (StreamConfig { num_replicas: -1, ..config("S") }, 10133, "replicas count cannot be negative"),
        (StreamConfig { num_replicas: 3, ..config("S") }, 10074, "replicas > 1 not supported in non-clustered mode"),
        (StreamConfig { max_age: -1, ..config("S") }, 10052, "max age can not be negative"),
        (StreamConfig { max_age: 99_000_000, ..config("S") }, 10052, "max age needs to be >= 100ms"),
        (StreamConfig { duplicate_window: -1, ..config("S") }, 10052, "duplicates window can not be negative"),
        (StreamConfig { max_age: 1_000_000_000, duplicate_window: 2_000_000_000, ..config("S") }, 10052, "duplicates window can not be larger then max age"),
        (StreamConfig { duplicate_window: 50_000_000, ..config("S") }, 10052, "duplicates window needs to be >= 100ms"),
        (StreamConfig { deny_purge: true, allow_rollup_hdrs: true, ..config("S") }, 10052, "roll-ups require the purge permission"),
        (StreamConfig { discard_new_per_subject: true, ..config("S") }, 10052, "discard new per subject requires discard new policy to be set"),
        (StreamConfig { discard_new_per_subject: true, discard: DiscardPolicy::New, ..config("S") }, 10052, "discard new per subject requires max msgs per subject > 0"),
        (StreamConfig { subject_delete_marker_ttl: 500_000_000, ..config("S") }, 10052, "subject delete marker TTL must be at least 1 second"),
        (StreamConfig { allow_msg_counter: true, discard: DiscardPolicy::New, ..config("S") }, 10052, "counter stream cannot use discard new"),
        (StreamConfig { persist_mode: PersistMode::Async, storage: StorageType::Memory, ..config("S") }, 10052, "async persist mode is only supported on file storage"),
        (s(&["a", "a"]), 10052, "subject \"a\" overlaps with \"a\""),
        (s(&["a..b"]), 10052, "invalid subject"),
        (s(&["a.>", "a.b"]), 10052, "subject \"a.>\" overlaps with \"a.b\""),
        (s(&[">"]), 10052, "capturing all subjects requires no-ack to be true"),
        (s(&["$JS.API.>"]), 10052, "subjects that overlap with jetstream api require no-ack to be true"),
        (s(&["$SYS.>"]), 10052, "subjects that overlap with system api require no-ack to be true"),
        (StreamConfig { placement: Some(Placement { preferred: "n1".into(), ..Placement::default() }), ..config("S") }, 10052, "preferred server not permitted in placement"),
        (StreamConfig { subjects: vec!["a.>".into()], republish: Some(RePublish { src: ">".into(), dest: "a.b".into(), headers_only: false }), ..config("S") }, 10052, "stream configuration for republish destination forms a cycle"),
        (StreamConfig { subject_transform: Some(SubjectTransform { src: "a..b".into(), dest: "c".into() }), ..config("S") }, 10155, "stream transform source: invalid subject a..b"),
        (StreamConfig { subject_transform: Some(SubjectTransform { src: "a.*".into(), dest: "c.{{wildcard(2)}}".into() }), ..config("S") }, 10156, "stream transform: invalid mapping destination: wildcard index out of range in {{wildcard(2)}}"),
        (StreamConfig { subjects: vec!["x".into()], ..mirror(src("O")) }, 10034, "stream mirrors can not contain subjects"),
        (StreamConfig { first_seq: 9, ..mirror(src("O")) }, 10143, "stream mirrors can not have first sequence configured"),
        (StreamConfig { sources: vec![src("A")], ..mirror(src("O")) }, 10031, "stream mirrors can not also contain other sources"),
        (mirror(src("bad.name")), 10142, "mirrored stream name is invalid"),
        (StreamConfig { sources: vec![src("A"), src("A")], ..config("S") }, 10140, "duplicate source configuration detected"),
        (StreamConfig { sources: vec![src("")], ..config("S") }, 10141, "sourced stream name is invalid"),
        (StreamConfig { sources: vec![StreamSource { external: Some(ExternalStream { api: "$JS.API".into(), deliver: String::new() }), ..src("A") }], ..config("S") }, 10021, "stream external api prefix $JS.API must not overlap with $JS.API"),
        (StreamConfig { sources: vec![StreamSource { external: Some(ExternalStream { api: "$JS.hub.API".into(), deliver: "dl.*".into() }), ..src("A") }], ..config("S") }, 10024, "stream external delivery prefix dl.* must not contain wildcards"),
    ];
    for (cfg, err_code, description) in cases {
        assert_eq!(refusal(cfg), (err_code, String::from(description)));
    }
}

#[test]
fn create_request_checks_the_subject_name() {
    assert!(config("S").check_create_request("S").is_ok());
    assert_eq!(
        config("S").check_create_request("T").unwrap_err().err_code,
        10056
    );
    assert_eq!(
        config("a/b")
            .check_create_request("a/b")
            .unwrap_err()
            .err_code,
        10128
    );
    let sealed = StreamConfig {
        sealed: true,
        ..config("S")
    };
    assert_eq!(
        sealed.check_create_request("S").unwrap_err().description,
        "stream configuration for create can not be sealed"
    );
    let md = StreamConfig {
        mirror_direct: true,
        ..config("S")
    };
    assert_eq!(
        md.check_create_request("S").unwrap_err().description,
        "stream has no mirror but does have mirror direct"
    );
}

#[test]
fn overlap_between_streams_is_detected() {
    let a = StreamConfig {
        subjects: vec!["orders.*".into()],
        ..config("A")
    };
    let b = StreamConfig {
        subjects: vec!["orders.new".into()],
        ..config("B")
    };
    let c = StreamConfig {
        subjects: vec!["other.>".into()],
        ..config("C")
    };
    assert!(a.overlaps_with(&b) && b.overlaps_with(&a));
    assert!(!a.overlaps_with(&c));
}

/// A change made to a config in a test.
type Edit<'a> = &'a dyn Fn(&mut StreamConfig);

#[test]
fn update_check_enforces_what_may_change() {
    let old = config("S").normalize(false).unwrap();
    let upd = |f: &dyn Fn(&mut StreamConfig)| {
        let mut new = old.clone();
        f(&mut new);
        StreamConfig::update_check(&old, &new).map_err(|e| (e.err_code, e.description))
    };
    assert_eq!(upd(&|c| c.subjects = vec!["S".into(), "T".into()]), Ok(()));
    assert_eq!(upd(&|c| c.max_msgs = 10), Ok(()));
    assert_eq!(upd(&|c| c.retention = RetentionPolicy::Interest), Ok(()));
    let refused: [(Edit<'_>, u16, &str); 6] = [
        (
            &|c| c.name = "T".into(),
            10052,
            "stream configuration name must match original",
        ),
        (
            &|c| c.storage = StorageType::Memory,
            10052,
            "stream configuration update can not change storage type",
        ),
        (
            &|c| c.retention = RetentionPolicy::WorkQueue,
            10052,
            "stream configuration update can not change retention policy to/from workqueue",
        ),
        (
            &|c| {
                c.mirror = Some(StreamSource {
                    name: "O".into(),
                    ..StreamSource::default()
                })
            },
            10055,
            "stream mirror configuration can not be updated",
        ),
        (
            &|c| c.allow_msg_counter = true,
            10052,
            "stream configuration update can not change message counter setting",
        ),
        (
            &|c| c.persist_mode = PersistMode::Async,
            10052,
            "stream configuration update can not change persist mode",
        ),
    ];
    for (f, code, text) in refused {
        assert_eq!(upd(f), Err((code, String::from(text))));
    }
    let sealed = StreamConfig {
        sealed: true,
        deny_delete: true,
        deny_purge: true,
        ..old.clone()
    };
    let reopen = StreamConfig {
        sealed: false,
        ..sealed.clone()
    };
    assert_eq!(
        StreamConfig::update_check(&sealed, &reopen)
            .unwrap_err()
            .description,
        "stream configuration update can not unseal a sealed stream"
    );
    let ttl = StreamConfig {
        allow_msg_ttl: true,
        ..old.clone()
    };
    assert_eq!(
        StreamConfig::update_check(&ttl, &old)
            .unwrap_err()
            .description,
        "message TTL status can not be disabled"
    );
    let applied = StreamConfig::apply_update(
        &old,
        StreamConfig {
            sealed: true,
            max_age: 1_000_000_000,
            ..config("S")
        },
        false,
        false,
    )
    .unwrap();
    assert!(
        applied.deny_delete
            && applied.deny_purge
            && applied.max_age == 0
            && applied.discard == DiscardPolicy::New
    );
    let promoted = StreamConfig {
        mirror: None,
        ..config("M")
    };
    let was_mirror = StreamConfig {
        mirror: Some(StreamSource {
            name: "O".into(),
            ..StreamSource::default()
        }),
        ..config("M")
    };
    assert!(StreamConfig::update_check(&was_mirror, &promoted).is_ok());
}

#[test]
fn stream_state_from_store_keeps_empty_times_zero() {
    let state = StreamState::from_store(&crate::jetstream::store::StoreState::default(), 2);
    let json: Value = serde_json::to_value(&state).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":2})
    );
}
