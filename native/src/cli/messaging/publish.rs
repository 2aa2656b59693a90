//! `rill pub SUBJECT [BODY]`: publish one or `--count` messages, optionally through JetStream.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;

use super::headers::HeaderTemplates;
use super::log;
use super::template::{Template, Vars};
use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::progress::Bar;
use crate::cli::format::time::now_unix_nanos;
use crate::cli::format::Zone;
use crate::cli::format::{format_count, parse_duration};

/// Up to this many messages each get a "Published" log line when no bar is drawn.
const LOG_EACH_MAX: u64 = 20;

/// `rill pub` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct PubArgs {
    /// Subject to publish to (templates allowed).
    pub subject: String,
    /// Message body (templates allowed); read from stdin on a terminal when omitted.
    pub body: Option<String>,
    /// Publish this many messages.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Wait this long between messages (e.g. 1s, 500ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub sleep: Option<Duration>,
    /// Header key:value, repeatable (templates allowed in the value).
    #[arg(short = 'H', long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// Reply subject to send with the message.
    #[arg(long, value_name = "SUBJECT")]
    pub reply: Option<String>,
    /// Publish through JetStream and wait for each acknowledgement.
    #[arg(short = 'J', long)]
    pub jetstream: bool,
    /// Read the body from stdin even when it is not a terminal.
    #[arg(long)]
    pub force_stdin: bool,
    /// Do not expand templates in the subject, body and headers.
    #[arg(long)]
    pub no_templates: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

fn body_text(args: &PubArgs) -> anyhow::Result<String> {
    if let Some(body) = &args.body {
        return Ok(body.clone());
    }
    let stdin = std::io::stdin();
    if args.force_stdin || stdin.is_terminal() {
        if stdin.is_terminal() {
            log("Reading payload from STDIN, end with Ctrl-D");
        }
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("cannot read the body from stdin")?;
        return Ok(text);
    }
    Ok(String::new())
}

fn template(text: &str, literal: bool) -> anyhow::Result<Template> {
    if literal {
        return Ok(Template::literal(text));
    }
    Template::parse(text).map_err(|e| anyhow!("{e}"))
}

/// Runs `rill pub`.
pub async fn run(args: PubArgs) -> anyhow::Result<()> {
    if args.jetstream && args.reply.is_some() {
        bail!("--reply cannot be used with --jetstream (the acknowledgement is the reply)");
    }
    let body = template(&body_text(&args)?, args.no_templates).context("body")?;
    let subject = template(&args.subject, args.no_templates).context("subject")?;
    let headers = HeaderTemplates::parse(&args.headers)?;
    let resolved = args.conn.resolve()?;
    let client = resolved.connect().await?;
    let js = args
        .jetstream
        .then(|| async_nats::jetstream::new(client.clone()));
    let mut bar = Bar::start(args.count, args.count > 1);
    let mut bytes_total = 0u64;
    for n in 1..=args.count {
        let vars = Vars {
            count: n,
            now_nanos: now_unix_nanos(),
            request: "",
            zone: Zone::local(),
        };
        let subj = subject.render(vars);
        let payload = Bytes::from(body.render(vars));
        let size = payload.len();
        bytes_total += size as u64;
        let hdrs = headers.render(vars);
        if let Some(js) = &js {
            let ack = js
                .publish_with_headers(subj.clone(), hdrs, payload)
                .await
                .with_context(|| format!("cannot publish to {subj:?}"))?
                .await
                .with_context(|| format!("no JetStream acknowledgement for {subj:?}"))?;
            if !bar.is_drawn() {
                let dup = if ack.duplicate {
                    " Duplicate: true"
                } else {
                    ""
                };
                println!(">>> Stream: {} Sequence: {}{dup}", ack.stream, ack.sequence);
            }
        } else {
            match &args.reply {
                Some(reply) => {
                    client
                        .publish_with_reply_and_headers(subj.clone(), reply.clone(), hdrs, payload)
                        .await
                }
                None => {
                    client
                        .publish_with_headers(subj.clone(), hdrs, payload)
                        .await
                }
            }
            .with_context(|| format!("cannot publish to {subj:?}"))?;
        }
        if !bar.is_drawn() && args.count <= LOG_EACH_MAX {
            log(&format!("Published {size} bytes to {subj:?}"));
        }
        bar.set(n);
        if let Some(pause) = args.sleep {
            if n < args.count {
                tokio::time::sleep(pause).await;
            }
        }
    }
    bar.finish(args.count);
    // Make sure the server has every message before the process exits.
    round_trip(&client, resolved.timeout)
        .await
        .context("messages may not have reached the server")?;
    if args.count > LOG_EACH_MAX {
        log(&format!(
            "Published {} messages ({} bytes)",
            format_count(args.count),
            format_count(bytes_total)
        ));
    }
    Ok(())
}
