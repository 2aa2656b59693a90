//! `rill consumer next STREAM CONSUMER [--count N] [--no-ack] [--raw]`: pull messages one at a
//! time from a pull consumer and acknowledge each, printing what the seed shows:
//!
//! ```text
//! [08:33:45] subj: foo / tries: 1 / cons seq: 186 / str seq: 186 / pending: 0
//!
//! publication #186 @ 2023-04-09T08:33:45+08:00
//!
//! Acknowledged message
//!
//! ```
//!
//! Each pull asks for one message, so several `consumer next` processes on one consumer share
//! its messages: the server gives each message to one waiting pull. Acknowledgements are sent
//! as requests and awaited, so "Acknowledged message" means the server has taken the ack.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use futures::StreamExt;
use rill_core::jetstream::api::{AckPolicy, ConsumerInfo, PullRequest};

use crate::cli::connect::ConnectArgs;
use crate::cli::format::format_count;
use crate::cli::format::time::{clock, now_unix_nanos};
use crate::cli::js_api::{check_name, name_missing, JsApi};

/// `rill consumer next` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct NextArgs {
    /// Stream name.
    pub stream: String,
    /// Consumer name.
    pub consumer: String,
    /// Number of messages to fetch.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Do not acknowledge the messages.
    #[arg(long = "no-ack")]
    pub no_ack: bool,
    /// Print only the bodies.
    #[arg(short = 'r', long)]
    pub raw: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// What the `$JS.ACK.` reply subject of a delivered message tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Times delivered.
    pub tries: u64,
    /// Stream sequence.
    pub stream_seq: u64,
    /// Consumer sequence.
    pub consumer_seq: u64,
    /// Messages left for the consumer.
    pub pending: u64,
}

/// Parses `$JS.ACK.<stream>.<consumer>.<tries>.<sseq>.<cseq>.<ts>.<pending>` and the longer
/// form with domain and account hash in front (`$JS.ACK.<domain>.<hash>.<stream>...`).
pub fn parse_ack_subject(reply: &str) -> Option<Delivery> {
    let tokens: Vec<&str> = reply.split('.').collect();
    if tokens.first() != Some(&"$JS") || tokens.get(1) != Some(&"ACK") {
        return None;
    }
    let first = match tokens.len() {
        9 => 4,
        n if n >= 12 => 6,
        _ => return None,
    };
    let num = |i: usize| tokens.get(first + i).and_then(|t| t.parse::<u64>().ok());
    Some(Delivery {
        tries: num(0)?,
        stream_seq: num(1)?,
        consumer_seq: num(2)?,
        pending: num(4)?,
    })
}

/// The title line of one message.
pub fn title(now_nanos: i64, subject: &str, d: &Delivery) -> String {
    format!(
        "[{}] subj: {subject} / tries: {} / cons seq: {} / str seq: {} / pending: {}",
        clock(now_nanos),
        d.tries,
        d.consumer_seq,
        d.stream_seq,
        format_count(d.pending)
    )
}

fn render(msg: &async_nats::Message, raw: bool) -> String {
    let body = String::from_utf8_lossy(&msg.payload);
    if raw {
        return format!("{body}\n");
    }
    let reply = msg.reply.as_ref().map(|r| r.as_str()).unwrap_or_default();
    let mut out = match parse_ack_subject(reply) {
        Some(d) => title(now_unix_nanos(), msg.subject.as_str(), &d),
        None => format!("--- subject: {}", msg.subject),
    };
    out.push('\n');
    if let Some(headers) = msg.headers.as_ref().filter(|h| !h.is_empty()) {
        out.push_str("\nHeaders:\n\n");
        for (key, values) in headers.iter() {
            for value in values {
                out.push_str(&format!("  {key}: {value}\n"));
            }
        }
        out.push_str("\nData:\n\n");
    }
    out.push('\n');
    out.push_str(&body);
    out.push('\n');
    out
}

/// Runs `rill consumer next`.
pub async fn run(args: NextArgs) -> anyhow::Result<()> {
    check_name("stream", &args.stream)?;
    check_name("consumer", &args.consumer)?;
    let api = JsApi::connect(&args.conn).await?;
    let subject = format!("CONSUMER.INFO.{}.{}", args.stream, args.consumer);
    let (info, _): (ConsumerInfo, _) = api
        .request::<(), _>(&subject, None)
        .await
        .map_err(|e| name_missing(e, &args.stream, Some(&args.consumer)))?;
    if !info.config.is_pull() {
        bail!("consumer {:?} is not a pull consumer", args.consumer);
    }
    let ack = !args.no_ack && info.config.ack_policy != AckPolicy::None;
    let inbox = api.client.new_inbox();
    let mut sub = api
        .client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe for messages")?;
    let next = format!(
        "$JS.API.CONSUMER.MSG.NEXT.{}.{}",
        args.stream, args.consumer
    );
    let expires = api.timeout;
    for _ in 0..args.count {
        let msg = pull_one(&api, &mut sub, &next, &inbox, expires).await?;
        print!("{}", render(&msg, args.raw));
        if ack {
            acknowledge(&api, &msg).await?;
            if !args.raw {
                println!("\nAcknowledged message\n");
            }
        }
    }
    Ok(())
}

async fn pull_one(
    api: &JsApi,
    sub: &mut async_nats::Subscriber,
    next: &str,
    inbox: &str,
    expires: Duration,
) -> anyhow::Result<async_nats::Message> {
    let request = PullRequest {
        batch: 1,
        expires: i64::try_from(expires.as_nanos()).unwrap_or(i64::MAX),
        ..PullRequest::default()
    };
    let body = serde_json::to_vec(&request).context("cannot encode the pull request")?;
    api.client
        .publish_with_reply(next.to_string(), inbox.to_string(), body.into())
        .await
        .context("cannot send the pull request")?;
    // The server ends an unanswered pull itself at `expires`; wait a little longer for that.
    let deadline = expires + Duration::from_secs(1);
    loop {
        let msg = tokio::time::timeout(deadline, sub.next())
            .await
            .map_err(|_| anyhow!("no message received within {expires:?}"))?
            .ok_or_else(|| anyhow!("the connection closed"))?;
        match msg.status.map(u16::from) {
            None | Some(200) => return Ok(msg),
            // Heartbeats carry nothing for us.
            Some(100) => continue,
            Some(404) | Some(408) => bail!("no message received: the consumer has none pending"),
            Some(code) => {
                let why = msg.description.clone().unwrap_or_default();
                bail!("no message received: status {code} {why}")
            }
        }
    }
}

async fn acknowledge(api: &JsApi, msg: &async_nats::Message) -> anyhow::Result<()> {
    let Some(reply) = msg.reply.clone() else {
        bail!("the message has no reply subject to acknowledge");
    };
    let request = async_nats::Request::new()
        .payload("+ACK".into())
        .timeout(Some(api.timeout));
    api.client
        .send_request(reply, request)
        .await
        .map(|_| ())
        .context("could not acknowledge the message")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_in_both_forms() {
        let d = parse_ack_subject("$JS.ACK.my_stream.foo_consumer.1.186.186.1681000425000000000.0")
            .unwrap();
        assert_eq!(
            d,
            Delivery {
                tries: 1,
                stream_seq: 186,
                consumer_seq: 186,
                pending: 0
            }
        );
        let long =
            parse_ack_subject("$JS.ACK.hub.ACCHASH.S.C.2.7.5.1681000425000000000.3.tok").unwrap();
        assert_eq!(
            (long.tries, long.stream_seq, long.consumer_seq, long.pending),
            (2, 7, 5, 3)
        );
        assert!(parse_ack_subject("_INBOX.x").is_none());
    }

    #[test]
    fn title_is_the_seeds_line() {
        let d = Delivery {
            tries: 1,
            stream_seq: 186,
            consumer_seq: 186,
            pending: 1200,
        };
        let line = title(0, "foo", &d);
        assert!(
            line.ends_with(
                "] subj: foo / tries: 1 / cons seq: 186 / str seq: 186 / pending: 1,200"
            ),
            "{line}"
        );
    }
}
