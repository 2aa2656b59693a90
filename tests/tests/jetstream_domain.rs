//! `jetstream { domain: ... }`: the API answers under `$JS.<domain>.API` as well as
//! `$JS.API`, and acks and account info name the domain. Validated against nats-server 2.15.

use async_nats::jetstream::{self, stream};
use rill_tests::{ServerBuilder, TempDir, TestServer};

fn start(store: &TempDir) -> TestServer {
    let conf = format!(
        "jetstream {{\n  store_dir: \"{}\"\n  domain: hub\n}}\n",
        store.path().display()
    );
    ServerBuilder::new().config(conf).start()
}

#[tokio::test]
async fn a_domain_prefixed_api_serves_the_same_streams() {
    let store = TempDir::new();
    let server = start(&store);
    let client = server.connect().await;
    let hub = jetstream::with_domain(client.clone(), "hub");
    hub.create_stream(stream::Config {
        name: "EDGE".into(),
        subjects: vec!["edge.>".into()],
        ..Default::default()
    })
    .await
    .expect("create through $JS.hub.API");
    let ack = hub
        .publish("edge.1", "x".into())
        .await
        .expect("publish")
        .await
        .expect("ack");
    assert_eq!((ack.stream.as_str(), ack.sequence), ("EDGE", 1));
    assert_eq!(ack.domain, "hub");

    // The plain API sees the same stream.
    let plain = jetstream::new(client.clone());
    let mut s = plain.get_stream("EDGE").await.expect("same stream");
    assert_eq!(s.info().await.expect("info").state.messages, 1);
    let info = hub.query_account().await.expect("account info");
    assert_eq!(info.domain.as_deref(), Some("hub"));

    // Another domain has no responder.
    let other = jetstream::with_domain(client, "elsewhere");
    assert!(other.get_stream("EDGE").await.is_err());
}
