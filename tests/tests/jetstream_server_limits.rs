//! `jetstream { limits { max_request_batch, max_ack_pending } }`: pull consumers without
//! `max_batch` inherit the batch limit, the default `max_ack_pending` is lowered to the limit,
//! and larger explicit values are refused. Validated against nats-server 2.15.

use async_nats::jetstream::{self, stream};
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::{json, Value};

fn start(store: &TempDir) -> TestServer {
    let conf = format!(
        "jetstream {{\n  store_dir: \"{}\"\n  limits {{\n    max_request_batch: 100\n    max_ack_pending: 500\n  }}\n}}\n",
        store.path().display()
    );
    ServerBuilder::new().config(conf).start()
}

/// Creates consumer `name` on stream `S` with `config` through the raw API and returns the
/// answer.
async fn create(client: &async_nats::Client, name: &str, mut config: Value) -> Value {
    config["durable_name"] = json!(name);
    let body = json!({ "stream_name": "S", "config": config }).to_string();
    let subject = format!("$JS.API.CONSUMER.CREATE.S.{name}");
    let reply = client
        .request(subject, body.into())
        .await
        .expect("consumer create answered");
    serde_json::from_slice(&reply.payload).expect("JSON answer")
}

#[tokio::test]
async fn consumers_follow_the_server_limits() {
    let store = TempDir::new();
    let server = start(&store);
    let client = server.connect().await;
    jetstream::new(client.clone())
        .create_stream(stream::Config {
            name: "S".into(),
            subjects: vec!["s".into()],
            ..Default::default()
        })
        .await
        .expect("stream");

    let pull = create(&client, "pull", json!({ "ack_policy": "explicit" })).await;
    assert_eq!(pull["config"]["max_batch"], 100, "{pull}");
    assert_eq!(pull["config"]["max_ack_pending"], 500, "{pull}");

    let small = json!({ "ack_policy": "explicit", "max_batch": 7, "max_ack_pending": 9 });
    let small = create(&client, "small", small).await;
    assert_eq!(small["config"]["max_batch"], 7, "{small}");
    assert_eq!(small["config"]["max_ack_pending"], 9, "{small}");

    let push = json!({ "ack_policy": "explicit", "deliver_subject": "out" });
    let push = create(&client, "push", push).await;
    assert!(push["config"].get("max_batch").is_none(), "{push}");

    let big = create(&client, "big", json!({ "max_batch": 101 })).await;
    assert_eq!(big["error"]["err_code"], 10125, "{big}");
    assert_eq!(
        big["error"]["description"],
        "consumer max request batch exceeds server limit of 100"
    );

    let greedy = json!({ "ack_policy": "explicit", "max_ack_pending": 501 });
    let greedy = create(&client, "greedy", greedy).await;
    assert_eq!(greedy["error"]["err_code"], 10121, "{greedy}");
}
