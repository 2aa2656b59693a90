//! `/jsz`: JetStream usage over HTTP monitoring, with stream and consumer details on request.
//! Validated against nats-server 2.15 (`RILL_SERVER_BIN=nats-server`).

use async_nats::jetstream::{self, consumer::pull, stream};
use rill_tests::http::get_json;
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn start(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .monitoring()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

async fn fill(server: &TestServer) {
    let js = jetstream::new(server.connect().await);
    let s = js
        .create_stream(stream::Config {
            name: "ORDERS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .expect("stream");
    for i in 0..3 {
        js.publish(format!("orders.{i}"), "x".into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    s.create_consumer(pull::Config {
        durable_name: Some("billing".into()),
        ..Default::default()
    })
    .await
    .expect("consumer");
}

#[tokio::test]
async fn jsz_reports_usage_and_details_on_request() {
    let store = TempDir::new();
    let server = start(&store);
    fill(&server).await;

    let jsz = get_json(server.monitor_port(), "/jsz");
    assert_eq!(jsz["streams"].as_u64(), Some(1), "{jsz:#}");
    assert_eq!(jsz["consumers"].as_u64(), Some(1));
    assert_eq!(jsz["messages"].as_u64(), Some(3));
    assert_eq!(jsz["accounts"].as_u64(), Some(1));
    let bytes = jsz["bytes"].as_u64().expect("bytes");
    assert!(bytes > 0);
    assert_eq!(
        jsz["storage"].as_u64(),
        Some(bytes),
        "file storage holds it all"
    );
    assert_eq!(jsz["memory"].as_u64(), Some(0));
    assert!(jsz["api"]["total"].as_u64().is_some_and(|t| t >= 2));
    let dir = jsz["config"]["store_dir"].as_str().expect("store_dir");
    assert!(
        dir.starts_with(store.path().to_str().expect("utf8")),
        "{dir}"
    );
    assert!(jsz["server_id"]
        .as_str()
        .is_some_and(|id| id.starts_with('N')));
    assert!(
        jsz.get("account_details").is_none(),
        "details only on request"
    );

    let full = get_json(
        server.monitor_port(),
        "/jsz?accounts=true&streams=true&consumers=true&config=true",
    );
    let accounts = full["account_details"].as_array().expect("account_details");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["name"], "$G");
    let streams = accounts[0]["stream_detail"]
        .as_array()
        .expect("stream_detail");
    assert_eq!(streams.len(), 1);
    let s: &Value = &streams[0];
    assert_eq!(s["name"], "ORDERS");
    assert_eq!(s["state"]["messages"].as_u64(), Some(3));
    assert_eq!(s["state"]["last_seq"].as_u64(), Some(3));
    assert_eq!(s["config"]["subjects"][0], "orders.>");
    let consumers = s["consumer_detail"].as_array().expect("consumer_detail");
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0]["name"], "billing");
    assert_eq!(consumers[0]["num_pending"].as_u64(), Some(3));
    assert_eq!(consumers[0]["config"]["durable_name"], "billing");

    let no_config = get_json(server.monitor_port(), "/jsz?consumers=true");
    let s = &no_config["account_details"][0]["stream_detail"][0];
    assert!(
        s.get("config").is_none(),
        "config only with config=true: {s:#}"
    );
    assert!(s["consumer_detail"][0].get("config").is_none());
}

#[tokio::test]
async fn jsz_without_jetstream_says_disabled() {
    let server = ServerBuilder::new().monitoring().start();
    let jsz = get_json(server.monitor_port(), "/jsz");
    assert_eq!(jsz["disabled"], Value::Bool(true), "{jsz:#}");
}
