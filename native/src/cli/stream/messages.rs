//! `rill stream get` and `rill stream view`: stored messages read with `STREAM.MSG.GET`, so
//! reading needs no consumer and leaves the stream as it was.

use anyhow::bail;
use rill_core::jetstream::api::{MsgGetRequest, MsgGetResponse, StoredMessage};
use serde_json::Value;

use super::api::{err_code, name_missing_stream, Js, NO_MESSAGE_FOUND};
use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::time::datetime;

/// `rill stream get NAME SEQ` or `rill stream get NAME --last-for SUBJECT`.
#[derive(clap::Args, Debug)]
pub struct GetArgs {
    /// Stream name.
    pub name: String,
    /// Sequence of the message.
    #[arg(required_unless_present = "last_for")]
    pub seq: Option<u64>,
    /// The last message on this subject instead.
    #[arg(long, value_name = "SUBJECT", conflicts_with = "seq")]
    pub last_for: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `rill stream view NAME [--count N] [--subject S]`.
#[derive(clap::Args, Debug)]
pub struct ViewArgs {
    /// Stream name (chosen from a list on a terminal when missing).
    pub name: Option<String>,
    /// At most this many messages (all when not given).
    #[arg(long)]
    pub count: Option<u64>,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long)]
    pub subject: Option<String>,
    /// Start at this sequence.
    #[arg(long, default_value_t = 1)]
    pub seq: u64,
    /// Print each message as one line of JSON (the API's stored message).
    #[arg(long)]
    pub json: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// `key: value` pairs of a stored NATS header block (`NATS/1.0\r\nk: v\r\n\r\n`).
pub fn header_pairs(block: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(block)
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// A message as `stream get` prints it.
pub fn render_item(stream: &str, m: &StoredMessage) -> String {
    let mut out = format!(
        "Item: {stream}#{} received {} on Subject {}\n\n",
        m.seq,
        datetime(m.time.unix_nanos()),
        m.subject
    );
    let headers = header_pairs(&m.hdrs);
    if !headers.is_empty() {
        out.push_str("Headers:\n");
        for (k, v) in headers {
            out.push_str(&format!("  {k}: {v}\n"));
        }
        out.push('\n');
    }
    out.push_str(&String::from_utf8_lossy(&m.data));
    out.push('\n');
    out
}

/// A message as `stream view` prints it.
pub fn render_view(m: &StoredMessage) -> String {
    let mut out = format!(
        "[{}] Subject: {} Received: {}\n",
        m.seq,
        m.subject,
        datetime(m.time.unix_nanos())
    );
    for (k, v) in header_pairs(&m.hdrs) {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    out.push_str(&String::from_utf8_lossy(&m.data));
    out.push_str("\n\n");
    out
}

async fn fetch(
    js: &Js,
    stream: &str,
    request: &MsgGetRequest,
) -> anyhow::Result<(StoredMessage, Value)> {
    let (resp, raw): (MsgGetResponse, Value) = js
        .request(&format!("STREAM.MSG.GET.{stream}"), Some(request))
        .await
        .map_err(|e| name_missing_stream(e, stream))?;
    Ok((resp.message, raw))
}

/// `stream get`.
pub async fn get(a: GetArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let request = MsgGetRequest {
        seq: a.seq.unwrap_or(0),
        last_by_subj: a.last_for.clone().unwrap_or_default(),
        ..MsgGetRequest::default()
    };
    let (msg, raw) = match fetch(&js, &a.name, &request).await {
        Ok(found) => found,
        Err(e) if err_code(&e) == Some(NO_MESSAGE_FOUND) => match &a.last_for {
            Some(subject) => bail!("no message on subject {subject:?} in stream {:?}", a.name),
            None => bail!(
                "no message with sequence {} in stream {:?}",
                request.seq,
                a.name
            ),
        },
        Err(e) => return Err(e),
    };
    if a.json {
        return print_json(&raw);
    }
    print!("{}", render_item(&a.name, &msg));
    Ok(())
}

/// `stream view`: messages from `--seq` on, in order, until `--count` or the end.
pub async fn view(a: ViewArgs) -> anyhow::Result<()> {
    let js = Js::connect(&a.conn).await?;
    let name = super::list::pick_stream(&js, a.name.as_deref()).await?;
    super::admin::fetch_info(&js, &name).await?;
    let subject = a.subject.clone().unwrap_or_else(|| ">".to_string());
    let (mut seq, mut shown) = (a.seq.max(1), 0u64);
    while a.count.is_none_or(|c| shown < c) {
        let request = MsgGetRequest {
            seq,
            next_by_subj: subject.clone(),
            ..MsgGetRequest::default()
        };
        let (msg, raw) = match fetch(&js, &name, &request).await {
            Ok(found) => found,
            Err(e) if err_code(&e) == Some(NO_MESSAGE_FOUND) => break,
            Err(e) => return Err(e),
        };
        if a.json {
            println!("{}", raw.get("message").unwrap_or(&raw));
        } else {
            print!("{}", render_view(&msg));
        }
        seq = msg.seq + 1;
        shown += 1;
    }
    if shown == 0 && !a.json {
        println!("No messages in stream {}", name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rill_core::jetstream::api::Timestamp;

    use super::*;

    #[test]
    fn header_blocks_become_pairs() {
        let pairs = header_pairs(b"NATS/1.0\r\nSeq: 7\r\nA: b:c\r\n\r\n");
        assert_eq!(
            pairs,
            vec![("Seq".into(), "7".into()), ("A".into(), "b:c".into())]
        );
    }

    #[test]
    fn items_print_title_headers_and_body() {
        let m = StoredMessage {
            subject: "foo".into(),
            seq: 3,
            hdrs: b"NATS/1.0\r\nSeq: 3\r\n\r\n".to_vec(),
            data: b"hello".to_vec(),
            time: Timestamp(1_681_000_238_000_000_000),
        };
        let item = render_item("my_stream", &m);
        assert!(item.starts_with("Item: my_stream#3 received 20"), "{item}");
        assert!(
            item.ends_with(" on Subject foo\n\nHeaders:\n  Seq: 3\n\nhello\n"),
            "{item}"
        );
        let view = render_view(&m);
        assert!(view.starts_with("[3] Subject: foo Received: 20"), "{view}");
        assert!(view.ends_with("\n  Seq: 3\nhello\n\n"), "{view}");
    }
}
