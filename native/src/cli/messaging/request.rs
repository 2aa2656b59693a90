//! `rill req SUBJECT [BODY]`: send one request and print the reply.

use std::time::Instant;

use anyhow::{anyhow, bail};
use async_nats::RequestErrorKind;
use bytes::Bytes;

use super::headers::HeaderTemplates;
use super::log;
use super::template::{Template, Vars};
use crate::cli::connect::ConnectArgs;
use crate::cli::format::duration::format_duration;
use crate::cli::format::time::now_unix_nanos;
use crate::cli::format::Zone;

/// `rill req` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct ReqArgs {
    /// Subject to send the request to.
    pub subject: String,
    /// Request body (templates allowed); empty when omitted.
    #[arg(default_value = "")]
    pub body: String,
    /// Header key:value, repeatable.
    #[arg(short = 'H', long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// Print only the reply's body.
    #[arg(long)]
    pub raw: bool,
    /// Connection options (`--timeout` bounds the wait for the reply).
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// Runs `rill req`.
pub async fn run(args: ReqArgs) -> anyhow::Result<()> {
    let body = Template::parse(&args.body).map_err(|e| anyhow!("body: {e}"))?;
    let headers = HeaderTemplates::parse(&args.headers)?;
    let resolved = args.conn.resolve()?;
    let client = resolved.connect().await?;
    let vars = Vars {
        count: 1,
        now_nanos: now_unix_nanos(),
        request: "",
        zone: Zone::local(),
    };
    let request = async_nats::Request::new()
        .payload(Bytes::from(body.render(vars)))
        .headers(headers.render(vars))
        .timeout(Some(resolved.timeout));
    if !args.raw {
        log(&format!("Sending request on {:?}", args.subject));
    }
    let started = Instant::now();
    let reply = match client.send_request(args.subject.clone(), request).await {
        Ok(reply) => reply,
        Err(e) => match e.kind() {
            RequestErrorKind::NoResponders => {
                bail!("no responders are available for {:?}", args.subject)
            }
            RequestErrorKind::TimedOut => bail!(
                "no reply on {:?} within {}",
                args.subject,
                format_duration(resolved.timeout)
            ),
            _ => bail!("request on {:?} failed: {e}", args.subject),
        },
    };
    let rtt = started.elapsed();
    let body = String::from_utf8_lossy(&reply.payload);
    if args.raw {
        println!("{body}");
        return Ok(());
    }
    log(&format!("Received with rtt {}", format_duration(rtt)));
    if let Some(h) = &reply.headers {
        for (key, values) in h.iter() {
            for value in values {
                println!("{key}: {value}");
            }
        }
        println!();
    }
    println!("{body}");
    Ok(())
}
