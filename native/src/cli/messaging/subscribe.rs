//! `rill sub SUBJECT`: print messages as they arrive, until `--count` or Ctrl-C.

use anyhow::Context as _;
use futures::StreamExt;

use super::log;
use super::print::{render, Show};
use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::Style;

/// `rill sub` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct SubArgs {
    /// Subject to subscribe to (wildcards allowed).
    pub subject: String,
    /// Join this queue group.
    #[arg(long, value_name = "GROUP")]
    pub queue: Option<String>,
    /// Exit after this many messages.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Print only the bodies, one per line.
    #[arg(long, conflicts_with = "headers_only")]
    pub raw: bool,
    /// Print the headers but not the bodies.
    #[arg(long)]
    pub headers_only: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// Runs `rill sub`.
pub async fn run(args: SubArgs) -> anyhow::Result<()> {
    let resolved = args.conn.resolve()?;
    let client = resolved.connect().await?;
    let mut sub = match &args.queue {
        Some(q) => {
            client
                .queue_subscribe(args.subject.clone(), q.clone())
                .await
        }
        None => client.subscribe(args.subject.clone()).await,
    }
    .with_context(|| format!("cannot subscribe to {:?}", args.subject))?;
    // Announce only once the server has the subscription, so scripts may publish right after.
    round_trip(&client, resolved.timeout).await?;
    let group = args
        .queue
        .as_ref()
        .map(|q| format!(" in group {q:?}"))
        .unwrap_or_default();
    log(&format!("Subscribing on {}{group}", args.subject));
    let show = match (args.raw, args.headers_only) {
        (true, _) => Show::Raw,
        (_, true) => Show::HeadersOnly,
        _ => Show::Full,
    };
    let style = Style::detect(false);
    let mut received = 0u64;
    loop {
        let msg = tokio::select! {
            msg = sub.next() => msg,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(msg) = msg else {
            anyhow::bail!("the connection closed");
        };
        received += 1;
        print!("{}", render(received, &msg, show, style));
        if args.count.is_some_and(|c| received >= c) {
            break;
        }
    }
    Ok(())
}
