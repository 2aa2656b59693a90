//! Scratch: start an embedded server and exercise it with async-nats.
use futures::StreamExt;
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut opts = rill::options::ServerOptions::default();
    opts.host = "127.0.0.1".into();
    opts.port = -1;
    let s = rill::server::Server::start(opts).await?;
    let url = format!("nats://{}", s.client_addr);
    let c = async_nats::connect(&url).await?;
    let mut sub = c.subscribe("foo.*").await?;
    c.publish("foo.bar", "hello".into()).await?;
    c.flush().await?;
    let m = sub.next().await.unwrap();
    println!("got {:?} {:?}", m.subject, m.payload);
    let r = c.request("nobody", "x".into()).await;
    println!("no responders: {:?}", r.err().map(|e| e.kind()));
    let c2 = c.clone();
    let mut rs = c.subscribe("svc").await?;
    tokio::spawn(async move {
        while let Some(m) = rs.next().await {
            c2.publish(m.reply.unwrap(), "pong".into()).await.unwrap();
        }
    });
    let r = c.request("svc", "ping".into()).await?;
    println!("reply {:?}", r.payload);
    let mut h = async_nats::HeaderMap::new();
    h.insert("A", "1");
    let mut hs = c.subscribe("h").await?;
    c.publish_with_headers("h", h, "b".into()).await?;
    let m = hs.next().await.unwrap();
    println!("headers {:?}", m.headers);
    Ok(())
}
