//! `rill reply SUBJECT [BODY]`: answer requests with a body (templates allowed, `{{Request}}`
//! is the request's body) until `--count` requests or Ctrl-C.

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use futures::StreamExt;

use super::headers::HeaderTemplates;
use super::log;
use super::print::{render, Show};
use super::template::{Template, Vars};
use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::time::now_unix_nanos;
use crate::cli::format::Style;
use crate::cli::format::Zone;

/// Queue group repliers join unless told otherwise (several repliers share the work).
pub const DEFAULT_QUEUE: &str = "NATS-RPLY-22";

/// `rill reply` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplyArgs {
    /// Subject to answer on.
    pub subject: String,
    /// Reply body (templates allowed, e.g. "echo {{Request}}").
    #[arg(default_value = "")]
    pub body: String,
    /// Answer this many requests, then exit.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Queue group to join.
    #[arg(long, value_name = "GROUP", default_value = DEFAULT_QUEUE)]
    pub queue: String,
    /// Header key:value added to replies, repeatable.
    #[arg(short = 'H', long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// Do not print the requests.
    #[arg(long)]
    pub quiet: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// Runs `rill reply`.
pub async fn run(args: ReplyArgs) -> anyhow::Result<()> {
    let body = Template::parse(&args.body).map_err(|e| anyhow!("body: {e}"))?;
    let headers = HeaderTemplates::parse(&args.headers)?;
    let resolved = args.conn.resolve()?;
    let client = resolved.connect().await?;
    let mut sub = client
        .queue_subscribe(args.subject.clone(), args.queue.clone())
        .await
        .with_context(|| format!("cannot subscribe to {:?}", args.subject))?;
    round_trip(&client, resolved.timeout).await?;
    log(&format!(
        "Listening on {:?} in group {:?}",
        args.subject, args.queue
    ));
    let style = Style::detect(false);
    let mut answered = 0u64;
    loop {
        let msg = tokio::select! {
            msg = sub.next() => msg,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(msg) = msg else {
            anyhow::bail!("the connection closed");
        };
        answered += 1;
        if !args.quiet {
            print!("{}", render(answered, &msg, Show::Full, style));
        }
        let Some(reply_to) = msg.reply.clone() else {
            log("the message has no reply subject: not answered");
            continue;
        };
        let request = String::from_utf8_lossy(&msg.payload);
        let vars = Vars {
            count: answered,
            now_nanos: now_unix_nanos(),
            request: &request,
            zone: Zone::local(),
        };
        let payload = Bytes::from(body.render(vars));
        let sent = if headers.is_empty() {
            client.publish(reply_to, payload).await
        } else {
            client
                .publish_with_headers(reply_to, headers.render(vars), payload)
                .await
        };
        sent.context("cannot send the reply")?;
        if args.count.is_some_and(|c| answered >= c) {
            break;
        }
    }
    round_trip(&client, resolved.timeout)
        .await
        .context("the last reply may not have reached the server")?;
    Ok(())
}
