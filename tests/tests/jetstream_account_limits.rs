//! `jetstream { max_memory_store, max_file_store }`: streams cannot reserve more than the
//! server allows, publishes past the limit are refused with an error (never stored beyond it),
//! and `$JS.API.INFO` reports the usage. Validated against nats-server 2.15.

use std::time::Duration;

use bytes::Bytes;
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

const MEM_LIMIT: u64 = 1 << 20;
const FILE_LIMIT: u64 = 2 << 20;

fn start(store: &TempDir) -> TestServer {
    let conf = format!(
        "jetstream {{\n  store_dir: \"{}\"\n  max_memory_store: {MEM_LIMIT}\n  max_file_store: {FILE_LIMIT}\n}}\n",
        store.path().display()
    );
    ServerBuilder::new().config(conf).start()
}

async fn request(client: &async_nats::Client, subject: &str, body: String) -> Value {
    let fut = client.request(subject.to_string(), Bytes::from(body));
    let reply = tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .unwrap_or_else(|_| panic!("no reply to {subject}"))
        .unwrap_or_else(|e| panic!("request to {subject}: {e}"));
    serde_json::from_slice(&reply.payload).expect("JSON reply")
}

fn err_code(v: &Value) -> Option<u64> {
    v["error"]["err_code"].as_u64()
}

#[tokio::test]
async fn streams_cannot_reserve_more_than_the_server_allows() {
    let store = TempDir::new();
    let server = start(&store);
    let client = server.connect().await;
    let create = |name: &str, storage: &str, max_bytes: u64| {
        (
            format!("$JS.API.STREAM.CREATE.{name}"),
            format!(
                r#"{{"name":"{name}","subjects":["{name}.>"],"storage":"{storage}","max_bytes":{max_bytes}}}"#
            ),
        )
    };
    let (s, b) = create("M", "memory", MEM_LIMIT * 2);
    let r = request(&client, &s, b).await;
    assert_eq!(err_code(&r), Some(10028), "memory over the limit: {r}");
    let (s, b) = create("F", "file", FILE_LIMIT * 2);
    let r = request(&client, &s, b).await;
    assert_eq!(err_code(&r), Some(10047), "file over the limit: {r}");
    // Within the limits: fine; then the reservation counts against the next one.
    let (s, b) = create("F1", "file", FILE_LIMIT / 2 + 1);
    let r = request(&client, &s, b).await;
    assert_eq!(err_code(&r), None, "first reservation: {r}");
    let (s, b) = create("F2", "file", FILE_LIMIT / 2);
    let r = request(&client, &s, b).await;
    assert_eq!(
        err_code(&r),
        Some(10047),
        "second reservation over the rest: {r}"
    );

    let info = request(&client, "$JS.API.INFO", String::new()).await;
    println!("account info: {info}");
    assert_eq!(info["streams"].as_u64(), Some(1));
    assert_eq!(info["reserved_storage"].as_u64(), Some(FILE_LIMIT / 2 + 1));
    assert_eq!(info["reserved_memory"].as_u64(), Some(0));
}

#[tokio::test]
async fn publishes_past_the_file_limit_are_refused() {
    let store = TempDir::new();
    let server = start(&store);
    let client = server.connect().await;
    let js = async_nats::jetstream::new(client.clone());
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "BIG".into(),
        subjects: vec!["big".into()],
        ..Default::default()
    })
    .await
    .expect("create");
    let payload = Bytes::from(vec![b'x'; 16 * 1024]);
    let mut refused = None;
    for i in 0..400 {
        match js
            .publish("big", payload.clone())
            .await
            .expect("send")
            .await
        {
            Ok(_) => {}
            Err(e) => {
                refused = Some((i, e.to_string()));
                break;
            }
        }
    }
    let (at, why) = refused.expect("a publish past 2 MiB of 16 KiB messages is refused");
    println!("refused at {at}: {why}");
    let info = request(&client, "$JS.API.INFO", String::new()).await;
    println!("account info: {info}");
    let used = info["storage"].as_u64().expect("storage");
    assert!(
        used <= FILE_LIMIT + 17 * 1024,
        "stored {used} past the limit"
    );
    assert!(used >= FILE_LIMIT - 17 * 1024, "refused early at {used}");
}
