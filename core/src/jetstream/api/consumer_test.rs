//! Consumer config JSON against what clients send and nats-server answers; defaults; every
//! refusal with its code; create-subject, workqueue and update rules.

use super::*;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::Value;

/// Create requests exactly as async-nats 0.51 sends them.
const ASYNC_NATS_PULL: &str = r#"{"action":"","config":{"ack_policy":"explicit","ack_wait":10000000000,"backoff":[1000000000,2000000000],"deliver_policy":"all","durable_name":"worker","filter_subject":"orders.new","inactive_threshold":300000000000,"max_ack_pending":100,"max_deliver":5,"metadata":{"k":"v"},"replay_policy":"instant"},"stream_name":"ORDERS"}"#;
const ASYNC_NATS_PUSH: &str = r#"{"action":"create","config":{"ack_policy":"all","deliver_group":"q","deliver_policy":"by_start_time","deliver_subject":"_INBOX.abc","filter_subjects":["a.>","b.>"],"flow_control":true,"headers_only":true,"idle_heartbeat":5000000000,"opt_start_time":"2024-05-01T10:11:12Z","replay_policy":"original","sample_freq":"30"},"stream_name":"ORDERS"}"#;
const ASYNC_NATS_ORDERED: &str = r#"{"action":"","config":{"ack_policy":"none","deliver_policy":"by_start_sequence","filter_subject":"orders.>","inactive_threshold":30000000000,"max_deliver":1,"mem_storage":true,"num_replicas":1,"opt_start_seq":42,"replay_policy":"instant"},"stream_name":"ORDERS"}"#;
/// nats-py 2.x `ConsumerConfig.as_dict()` for a durable pull consumer.
const NATS_PY_PULL: &str = r#"{"stream_name":"ORDERS","config":{"durable_name":"py","deliver_policy":"all","ack_policy":"explicit","ack_wait":0,"idle_heartbeat":0,"inactive_threshold":0,"max_deliver":-1,"replay_policy":"instant","num_replicas":0}}"#;

/// A consumer create answer shaped as nats-server 2.11 writes it.
const SERVER_CONSUMER_INFO: &str = r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"ORDERS","name":"worker","created":"2025-06-20T09:38:40.51Z","config":{"durable_name":"worker","name":"worker","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"filter_subject":"orders.new","replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0},"delivered":{"consumer_seq":3,"stream_seq":7,"last_active":"2025-06-20T09:39:00.5Z"},"ack_floor":{"consumer_seq":2,"stream_seq":5},"num_ack_pending":1,"num_redelivered":0,"num_waiting":1,"num_pending":4,"ts":"2025-06-20T09:39:01Z","priority_groups":[{"group":"g","pinned_ts":"0001-01-01T00:00:00Z"}]}"#;

fn request(json: &str) -> CreateConsumerRequest {
    decode_request(json.as_bytes()).unwrap()
}

fn stream() -> StreamConfig {
    StreamConfig {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        ..StreamConfig::default()
    }
    .normalize(false)
    .unwrap()
}

fn pull(durable: &str) -> ConsumerConfig {
    ConsumerConfig {
        durable_name: durable.into(),
        ack_policy: AckPolicy::Explicit,
        ..ConsumerConfig::default()
    }
}

#[test]
fn reads_every_create_request_async_nats_sends() {
    let req = request(ASYNC_NATS_PULL);
    assert_eq!(
        (req.stream_name.as_str(), req.action),
        ("ORDERS", ConsumerAction::CreateOrUpdate)
    );
    assert_eq!(req.config.backoff, [1_000_000_000, 2_000_000_000]);
    assert_eq!(
        (req.config.max_deliver, req.config.max_ack_pending),
        (5, 100)
    );
    let push = request(ASYNC_NATS_PUSH);
    assert_eq!(push.action, ConsumerAction::Create);
    assert_eq!(push.config.deliver_policy, DeliverPolicy::ByStartTime);
    assert_eq!(
        push.config.opt_start_time,
        Some(Timestamp(1_714_558_272_000_000_000))
    );
    assert_eq!(push.config.filters(), ["a.>", "b.>"]);
    assert_eq!(push.config.sample_freq, "30");
    let ordered = request(ASYNC_NATS_ORDERED);
    assert_eq!(
        (ordered.config.deliver_policy, ordered.config.opt_start_seq),
        (DeliverPolicy::ByStartSequence, 42)
    );
    assert!(ordered.config.mem_storage);
    let py = request(NATS_PY_PULL);
    assert_eq!(py.config.durable_name, "py");
    for bad in [
        r#"{"config":{"ack_policy":"Explicit"}}"#,
        r#"{"config":{"deliver_policy":"first"}}"#,
        r#"{"action":"upsert"}"#,
    ] {
        assert_eq!(
            decode_request::<CreateConsumerRequest>(bad.as_bytes())
                .unwrap_err()
                .err_code,
            10025
        );
    }
}

#[test]
fn async_nats_requests_normalize_cleanly() {
    let s = stream();
    for json in [ASYNC_NATS_PULL, ASYNC_NATS_ORDERED, NATS_PY_PULL] {
        let req = request(json);
        assert!(req.config.normalize(&s).is_ok(), "{json}");
    }
    let push = request(ASYNC_NATS_PUSH).config.normalize(&s).unwrap();
    assert_eq!(push.max_ack_pending, MAX_ACK_PENDING_DEFAULT);
}

#[test]
fn server_consumer_info_round_trips() {
    let original: Value = serde_json::from_str(SERVER_CONSUMER_INFO).unwrap();
    let info: ConsumerInfo = decode_request(SERVER_CONSUMER_INFO.as_bytes()).unwrap();
    assert_eq!(
        info.delivered.last_active,
        Some(Timestamp(1_750_412_340_500_000_000))
    );
    assert_eq!(info.ack_floor.last_active, None);
    let written: Value = serde_json::from_slice(&response_json("consumer_create", &info)).unwrap();
    assert_eq!(written, original);
}

#[test]
fn normalize_applies_server_defaults() {
    let s = stream();
    let cfg = pull("d").normalize(&s).unwrap();
    assert_eq!(
        (
            cfg.ack_wait,
            cfg.max_ack_pending,
            cfg.max_waiting,
            cfg.max_deliver
        ),
        (ACK_WAIT_DEFAULT, 1000, 512, -1)
    );
    assert_eq!(cfg.inactive_threshold, 0, "durables keep no threshold");
    let eph = ConsumerConfig {
        durable_name: String::new(),
        ..pull("")
    }
    .normalize(&s)
    .unwrap();
    assert_eq!(eph.inactive_threshold, INACTIVE_THRESHOLD_DEFAULT);
    let none = ConsumerConfig::default().normalize(&s).unwrap();
    assert_eq!((none.ack_wait, none.max_ack_pending), (0, 0));
    let backoff = ConsumerConfig {
        backoff: vec![2_000_000_000, 4_000_000_000],
        max_deliver: 3,
        ..pull("d")
    };
    assert_eq!(backoff.normalize(&s).unwrap().ack_wait, 2_000_000_000);
    let push = ConsumerConfig {
        deliver_subject: "deliver.here".into(),
        ..pull("d")
    }
    .normalize(&s)
    .unwrap();
    assert_eq!(push.max_waiting, 0);
    let limited = StreamConfig {
        consumer_limits: ConsumerLimits {
            inactive_threshold: 2_000_000_000,
            max_ack_pending: 50,
        },
        ..s.clone()
    };
    let cfg = ConsumerConfig::default().normalize(&limited).unwrap();
    assert_eq!(
        (cfg.max_ack_pending, cfg.inactive_threshold),
        (50, 2_000_000_000)
    );
    let pinned = ConsumerConfig {
        priority_policy: PriorityPolicy::PinnedClient,
        priority_groups: vec!["g".into()],
        ..pull("d")
    };
    assert_eq!(
        pinned.normalize(&s).unwrap().priority_timeout,
        PRIORITY_TIMEOUT_DEFAULT
    );
    let err = ConsumerConfig {
        max_deliver: -5,
        ..pull("d")
    }
    .normalize_with(&s, true)
    .unwrap_err();
    assert_eq!(
        (err.err_code, err.description.as_str()),
        (10157, "pedantic mode: max_deliver must be set to -1")
    );
}

#[test]
fn normalize_refuses_like_nats_server() {
    let s = stream();
    let push = |c: ConsumerConfig| ConsumerConfig {
        deliver_subject: "push.here".into(),
        ..c
    };
    let t = Some(Timestamp(1));
    let cases: Vec<(ConsumerConfig, u16, &str)> = vec![
        (ConsumerConfig { name: "a.b".into(), ..pull("") }, 10052, "consumer name can not contain '.', '*', '>', '\\', '/'"),
        (pull("a*"), 10052, "consumer durable name can not contain '.', '*', '>', '\\', '/'"),
        (ConsumerConfig { num_replicas: 3, ..pull("d") }, 10126, "consumer config replica count exceeds parent stream"),
        (ConsumerConfig { num_replicas: -1, ..pull("d") }, 10133, "replicas count cannot be negative"),
        (ConsumerConfig { backoff: vec![-1], ..pull("d") }, 10184, "consumer backoff needs to be positive"),
        (ConsumerConfig { ack_wait: -1, ..pull("d") }, 10183, "consumer ack wait needs to be positive"),
        (ConsumerConfig { backoff: vec![1, 2, 3], max_deliver: 2, ..pull("d") }, 10116, "max deliver is required to be > length of backoff values"),
        (ConsumerConfig { description: "d".repeat(4097), ..pull("d") }, 10107, "consumer description is too long, maximum allowed is 4096"),
        (ConsumerConfig { deliver_subject: "a.*".into(), ..pull("d") }, 10079, "consumer deliver subject has wildcards"),
        (ConsumerConfig { deliver_subject: "orders.x".into(), ..pull("d") }, 10081, "consumer deliver subject forms a cycle"),
        (push(ConsumerConfig { max_waiting: 5, ..pull("d") }), 10080, "consumer in push mode can not set max waiting"),
        (push(ConsumerConfig { max_ack_pending: 5, ..ConsumerConfig::default() }), 10082, "consumer requires ack policy for max ack pending"),
        (push(ConsumerConfig { idle_heartbeat: 50_000_000, ..pull("d") }), 10083, "consumer idle heartbeat needs to be >= 100ms"),
        (ConsumerConfig { rate_limit_bps: 1, ..pull("d") }, 10086, "consumer in pull mode can not have rate limit set"),
        (ConsumerConfig { idle_heartbeat: 1_000_000_000, ..pull("d") }, 10088, "consumer idle heartbeat requires a push based consumer"),
        (ConsumerConfig { flow_control: true, ..pull("d") }, 10089, "consumer flow control requires a push based consumer"),
        (ConsumerConfig { max_expires: 10, ..pull("d") }, 10115, "consumer max request expires needs to be >= 1ms"),
        (push(ConsumerConfig { flow_control: true, ..pull("d") }), 10108, "consumer with flow control also needs heartbeats"),
        (ConsumerConfig { filter_subject: "a".into(), filter_subjects: vec!["b".into()], ..pull("d") }, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified"),
        (ConsumerConfig { filter_subjects: vec!["a".into(), String::new()], ..pull("d") }, 10139, "consumer filter in FilterSubjects cannot be empty"),
        (ConsumerConfig { filter_subjects: vec!["a.>".into(), "a.b".into()], ..pull("d") }, 10138, "consumer subject filters cannot overlap"),
        (ConsumerConfig { filter_subject: "a..b".into(), ..pull("d") }, 10052, "invalid subject"),
        (ConsumerConfig { opt_start_seq: 5, ..pull("d") }, 10094, "consumer delivery policy is deliver all, but optional start sequence is also set"),
        (ConsumerConfig { opt_start_time: t, deliver_policy: DeliverPolicy::New, ..pull("d") }, 10094, "consumer delivery policy is deliver new, but optional start time is also set"),
        (ConsumerConfig { deliver_policy: DeliverPolicy::LastPerSubject, ..pull("d") }, 10094, "consumer delivery policy is deliver last per subject, but optional filter subject is not set"),
        (ConsumerConfig { deliver_policy: DeliverPolicy::ByStartSequence, ..pull("d") }, 10094, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set"),
        (ConsumerConfig { deliver_policy: DeliverPolicy::ByStartTime, opt_start_seq: 1, ..pull("d") }, 10094, "consumer delivery policy is deliver by start time, but optional start time is not set"),
        (ConsumerConfig { deliver_policy: DeliverPolicy::ByStartTime, opt_start_time: t, opt_start_seq: 1, ..pull("d") }, 10094, "consumer delivery policy is deliver by start time, but optional start start sequence is also set"),
        (ConsumerConfig { sample_freq: "abc%".into(), ..pull("d") }, 10095, "failed to parse consumer sampling configuration: strconv.Atoi: parsing \"abc\": invalid syntax"),
        (ConsumerConfig { name: "x".into(), ..pull("d") }, 10132, "Consumer Durable and Name have to be equal if both are provided"),
        (ConsumerConfig { priority_policy: PriorityPolicy::Overflow, ..pull("d") }, 10159, "Setting PriorityPolicy requires at least one PriorityGroup to be set"),
        (ConsumerConfig { priority_policy: PriorityPolicy::Overflow, priority_groups: vec!["bad group".into()], ..pull("d") }, 10162, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"),
        (ConsumerConfig { priority_groups: vec!["g".into()], ..pull("d") }, 10196, "consumer can not have priority groups when policy is none"),
        (push(ConsumerConfig { priority_policy: PriorityPolicy::Overflow, priority_groups: vec!["g".into()], ..pull("d") }), 10178, "priority groups can not be used with push consumers"),
    ];
    for (cfg, err_code, description) in cases {
        let err = cfg.normalize(&s).unwrap_err();
        assert_eq!(
            (err.err_code, err.description.as_str()),
            (err_code, description)
        );
    }
    let wq = StreamConfig {
        retention: RetentionPolicy::WorkQueue,
        ..s.clone()
    };
    let err = ConsumerConfig::default().normalize(&wq).unwrap_err();
    assert_eq!(err.err_code, 10084);
    let limited = StreamConfig {
        consumer_limits: ConsumerLimits {
            inactive_threshold: 5_000_000_000,
            max_ack_pending: 10,
        },
        ..s
    };
    let err = ConsumerConfig {
        max_ack_pending: 11,
        ..pull("d")
    }
    .normalize(&limited)
    .unwrap_err();
    assert_eq!(
        err.description,
        "consumer max ack pending exceeds system limit of 10"
    );
    let err = ConsumerConfig {
        inactive_threshold: 6_000_000_000,
        max_ack_pending: 1,
        ..pull("d")
    }
    .normalize(&limited)
    .unwrap_err();
    assert_eq!(
        err.description,
        "consumer inactive threshold exceeds system limit of 5s"
    );
}

#[test]
fn create_subject_rules() {
    let check = |json: &str, how: CreateSubject<'_>| {
        let mut req = request(json);
        req.check_subject("ORDERS", how)
            .map(|_| req.config.name)
            .map_err(|e| e.err_code)
    };
    let named = CreateSubject::Named {
        consumer: "worker",
        filter: None,
    };
    assert_eq!(check(ASYNC_NATS_PULL, named), Ok(String::from("worker")));
    let filtered = CreateSubject::Named {
        consumer: "worker",
        filter: Some("orders.new"),
    };
    assert_eq!(check(ASYNC_NATS_PULL, filtered), Ok(String::from("worker")));
    assert_eq!(
        check(
            ASYNC_NATS_PULL,
            CreateSubject::Named {
                consumer: "other",
                filter: None
            }
        ),
        Err(10017)
    );
    assert_eq!(
        check(
            ASYNC_NATS_PULL,
            CreateSubject::Named {
                consumer: "worker",
                filter: Some("x")
            }
        ),
        Err(10131)
    );
    assert_eq!(
        check(
            ASYNC_NATS_PUSH,
            CreateSubject::Named {
                consumer: "c",
                filter: Some("a.>")
            }
        ),
        Err(10137)
    );
    assert_eq!(
        check(ASYNC_NATS_PULL, CreateSubject::LegacyEphemeral),
        Err(10020)
    );
    assert_eq!(
        check(
            ASYNC_NATS_PULL,
            CreateSubject::LegacyDurable { durable: "worker" }
        ),
        Ok(String::new())
    );
    assert_eq!(
        check(
            ASYNC_NATS_PUSH,
            CreateSubject::LegacyDurable { durable: "worker" }
        ),
        Err(10018)
    );
    assert_eq!(
        check(
            ASYNC_NATS_PULL,
            CreateSubject::Named {
                consumer: "a/b",
                filter: None
            }
        ),
        Err(10127)
    );
    let mut req = request(ASYNC_NATS_PULL);
    assert_eq!(
        req.check_subject("OTHER", CreateSubject::LegacyEphemeral)
            .unwrap_err()
            .err_code,
        10056
    );
}

#[test]
fn workqueue_consumers_must_partition_the_stream() {
    let wq = StreamConfig {
        retention: RetentionPolicy::WorkQueue,
        ..stream()
    };
    let f = |filter: &str| ConsumerConfig {
        filter_subject: filter.into(),
        ..pull("d")
    };
    let a = f("orders.a");
    assert!(pull("d").check_workqueue("d", &wq, []).is_ok());
    assert!(f("orders.b").check_workqueue("b", &wq, [("a", &a)]).is_ok());
    let code = |c: ConsumerConfig, others: &[(&str, &ConsumerConfig)]| {
        c.check_workqueue("new", &wq, others.iter().copied())
            .map_err(|e| e.err_code)
    };
    assert_eq!(code(ConsumerConfig::default(), &[]), Err(10098));
    assert_eq!(code(pull("d"), &[("a", &a)]), Err(10099));
    assert_eq!(code(f("orders.*"), &[("a", &a)]), Err(10100));
    assert_eq!(code(f("orders.b"), &[("a", &pull("a"))]), Err(10100));
    let last = ConsumerConfig {
        deliver_policy: DeliverPolicy::Last,
        ..f("orders.b")
    };
    assert_eq!(code(last, &[("a", &a)]), Err(10101));
    assert!(
        a.check_workqueue("a", &wq, [("a", &a)]).is_ok(),
        "itself is skipped on update"
    );
    assert!(
        pull("d")
            .check_workqueue("d", &stream(), [("a", &a)])
            .is_ok(),
        "limits streams allow anything"
    );
}

#[test]
fn update_rules() {
    let s = stream();
    let old = pull("d").normalize(&s).unwrap();
    let changed = |f: &dyn Fn(&mut ConsumerConfig)| {
        let mut new = old.clone();
        f(&mut new);
        ConsumerConfig::update_check(&old, &new).map_err(|e| (e.err_code, e.description))
    };
    assert_eq!(changed(&|c| c.max_ack_pending = 10), Ok(()));
    assert_eq!(changed(&|c| c.filter_subject = "orders.x".into()), Ok(()));
    assert_eq!(
        changed(&|c| c.deliver_policy = DeliverPolicy::New),
        Err((10012, "deliver policy can not be updated".into()))
    );
    assert_eq!(
        changed(&|c| c.ack_policy = AckPolicy::All),
        Err((10012, "ack policy can not be updated".into()))
    );
    assert_eq!(
        changed(&|c| c.deliver_subject = "x".into()),
        Err((10012, "can not update pull consumer to push based".into()))
    );
    assert_eq!(
        changed(&|c| c.max_waiting = 1),
        Err((10012, "max waiting can not be updated".into()))
    );
    assert_eq!(
        changed(&|c| {
            c.backoff = vec![1, 2];
            c.max_deliver = 1;
        }),
        Err((
            10116,
            "max deliver is required to be > length of backoff values".into()
        ))
    );
}
