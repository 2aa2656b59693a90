//! Priority groups and consumer reset end to end in-process with async-nats: overflow
//! thresholds, the pinned client (header, info, unpin and its errors), prioritized pulls,
//! and `CONSUMER.RESET`.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy, PriorityPolicy};
use async_nats::jetstream::{stream, ErrorCode};
use futures::StreamExt;

use super::tests::{js, Js};

async fn events(js: &Js, n: usize) -> stream::Stream {
    let s = js
        .ctx
        .create_stream(stream::Config {
            name: "EV".into(),
            subjects: vec!["ev.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    publish(js, n).await;
    s
}

async fn publish(js: &Js, n: usize) {
    for i in 0..n {
        js.ctx
            .publish("ev.x", format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
}

fn grouped(name: &str, policy: PriorityPolicy) -> pull::Config {
    pull::Config {
        durable_name: Some(name.into()),
        ack_policy: AckPolicy::Explicit,
        priority_policy: policy,
        priority_groups: vec!["A".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn overflow_waits_for_min_pending() {
    let js = js("prio-overflow").await;
    let s = events(&js, 3).await;
    let c = s
        .create_consumer(grouped("over", PriorityPolicy::Overflow))
        .await
        .unwrap();
    let fetch = || async {
        c.fetch()
            .group("A")
            .min_pending(5)
            .max_messages(10)
            .expires(Duration::from_millis(300))
            .messages()
            .await
            .unwrap()
            .count()
            .await
    };
    assert_eq!(fetch().await, 0, "3 pending is below min_pending 5");
    publish(&js, 4).await;
    // 7 pending: served while at least 5 are left undelivered.
    assert_eq!(fetch().await, 3);
}

#[tokio::test]
async fn pinned_client_gets_a_pin_that_info_reports_and_unpin_releases() {
    let js = js("prio-pinned").await;
    let client = js.ctx.client();
    let prefix = "$JS.EVENT.ADVISORY.CONSUMER";
    let mut pins = client
        .subscribe(format!("{prefix}.PINNED.EV.pin"))
        .await
        .unwrap();
    let mut unpins = client
        .subscribe(format!("{prefix}.UNPINNED.EV.pin"))
        .await
        .unwrap();
    let s = events(&js, 2).await;
    let mut c = s
        .create_consumer(pull::Config {
            priority_timeout: Duration::from_secs(5),
            ..grouped("pin", PriorityPolicy::PinnedClient)
        })
        .await
        .unwrap();
    let mut msgs = c
        .stream()
        .group("A")
        .expires(Duration::from_millis(500))
        .messages()
        .await
        .unwrap();
    let m = tokio::time::timeout(Duration::from_secs(5), msgs.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let pin = m.headers.as_ref().unwrap().get_last("Nats-Pin-Id").unwrap();
    let pin = pin.as_str().to_string();
    assert_eq!(pin.len(), 22);
    let info = c.info().await.unwrap().clone();
    assert_eq!(info.priority_groups[0].group, "A");
    assert_eq!(
        info.priority_groups[0].pinned_client_id.as_deref(),
        Some(pin.as_str())
    );
    drop(msgs);

    let pinned = pins.next().await.unwrap();
    assert_eq!(
        pinned.subject.as_str(),
        "$JS.EVENT.ADVISORY.CONSUMER.PINNED.EV.pin"
    );
    let body: serde_json::Value = serde_json::from_slice(&pinned.payload).unwrap();
    assert_eq!(
        body["type"],
        "io.nats.jetstream.advisory.v1.consumer_group_pinned"
    );
    assert_eq!(
        (&body["group"], &body["pinned_id"]),
        (&"A".into(), &pin.clone().into())
    );

    s.unpin_consumer("pin", "A").await.unwrap();
    let unpinned = unpins.next().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&unpinned.payload).unwrap();
    assert_eq!(
        body["type"],
        "io.nats.jetstream.advisory.v1.consumer_group_unpinned"
    );
    assert_eq!(body["reason"], "admin");
    let info = c.info().await.unwrap().clone();
    assert_eq!(info.priority_groups[0].pinned_client_id, None);
    assert_eq!(info.priority_groups[0].pinned_ts, None);

    let err = s.unpin_consumer("pin", "B").await.unwrap_err();
    assert!(matches!(
        err.kind(),
        stream::ConsumerErrorKind::JetStream(e) if e.error_code() == ErrorCode::CONSUMER_INVALID_PRIORITY_GROUP
    ));
    let err = s.unpin_consumer("missing", "A").await.unwrap_err();
    assert!(matches!(
        err.kind(),
        stream::ConsumerErrorKind::JetStream(e) if e.error_code() == ErrorCode::CONSUMER_NOT_FOUND
    ));
}

#[tokio::test]
async fn a_second_id_is_refused_423_while_pinned() {
    let js = js("prio-423").await;
    let s = events(&js, 1).await;
    s.create_consumer(grouped("pin", PriorityPolicy::PinnedClient))
        .await
        .unwrap();
    let client = js.ctx.client();
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(inbox.clone()).await.unwrap();
    let next = "$JS.API.CONSUMER.MSG.NEXT.EV.pin";
    let body = r#"{"batch":1,"expires":2000000000,"group":"A"}"#;
    client
        .publish_with_reply(next, inbox.clone(), body.into())
        .await
        .unwrap();
    let first = sub.next().await.unwrap();
    assert!(first.headers.unwrap().get("Nats-Pin-Id").is_some());
    let body = r#"{"batch":1,"expires":2000000000,"group":"A","id":"someone-else"}"#;
    client
        .publish_with_reply(next, inbox.clone(), body.into())
        .await
        .unwrap();
    let refused = sub.next().await.unwrap();
    assert_eq!(refused.status.map(|s| s.as_u16()), Some(423));
    assert_eq!(refused.description.as_deref(), Some("Nats-Pin-Id mismatch"));
}

#[tokio::test]
async fn prioritized_pulls_go_to_the_lowest_priority_first() {
    let js = js("prio-prio").await;
    let s = events(&js, 0).await;
    s.create_consumer(grouped("prio", PriorityPolicy::Prioritized))
        .await
        .unwrap();
    let client = js.ctx.client();
    let next = "$JS.API.CONSUMER.MSG.NEXT.EV.prio";
    let mut subs = Vec::new();
    for priority in [5, 1] {
        let inbox = client.new_inbox();
        subs.push(client.subscribe(inbox.clone()).await.unwrap());
        let body =
            format!(r#"{{"batch":3,"expires":5000000000,"group":"A","priority":{priority}}}"#);
        client
            .publish_with_reply(next, inbox, body.into())
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    publish(&js, 4).await;
    let mut high = subs.pop().unwrap();
    let mut low = subs.pop().unwrap();
    for _ in 0..3 {
        let m = tokio::time::timeout(Duration::from_secs(5), high.next())
            .await
            .unwrap()
            .unwrap();
        assert!(m.status.is_none(), "{m:?}");
    }
    let m = tokio::time::timeout(Duration::from_secs(5), low.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.payload.as_ref(), b"m3");
}

#[tokio::test]
async fn reset_moves_a_consumer_and_refuses_below_its_start() {
    let js = js("prio-reset").await;
    let s = events(&js, 5).await;
    let mut c = s
        .create_consumer(pull::Config {
            durable_name: Some("r".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let resp = c.reset(Some(4)).await.unwrap();
    assert_eq!(resp.reset_seq, 4);
    assert_eq!(resp.info.delivered.stream_sequence, 3);
    assert_eq!(resp.info.num_pending, 2);
    let got: Vec<u64> = c
        .fetch()
        .max_messages(10)
        .expires(Duration::from_millis(300))
        .messages()
        .await
        .unwrap()
        .map(|m| m.unwrap().info().unwrap().stream_sequence)
        .collect()
        .await;
    assert_eq!(got, [4, 5]);
    assert_eq!(c.reset(None).await.unwrap().reset_seq, 4);

    s.create_consumer(pull::Config {
        durable_name: Some("from3".into()),
        deliver_policy: DeliverPolicy::ByStartSequence { start_sequence: 3 },
        ..Default::default()
    })
    .await
    .unwrap();
    let err = s.reset_consumer("from3", Some(2)).await.unwrap_err();
    assert_eq!(err.kind(), stream::ConsumerResetErrorKind::InvalidReset);
    let err = s.reset_consumer("missing", Some(2)).await.unwrap_err();
    assert_eq!(err.kind(), stream::ConsumerResetErrorKind::NotFound);
}

#[tokio::test]
async fn reset_forward_on_an_interest_stream_drops_what_nobody_needs() {
    let js = js("prio-reset-interest").await;
    let mut s = js
        .ctx
        .create_stream(stream::Config {
            name: "IN".into(),
            subjects: vec!["in.>".into()],
            retention: stream::RetentionPolicy::Interest,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut c = s
        .create_consumer(pull::Config {
            durable_name: Some("only".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..5 {
        js.ctx
            .publish("in.x", format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    assert_eq!(c.reset(Some(4)).await.unwrap().reset_seq, 4);
    let state = s.info().await.unwrap().state.clone();
    assert_eq!((state.messages, state.first_sequence), (2, 4));
}
