//! A received message as `rill sub` and `rill reply` print it:
//!
//! ```text
//! [#1] Received on "foo" with reply "_INBOX.abc"
//! Trace-Id: 7
//!
//! hello
//!
//! ```

use async_nats::Message;

use crate::cli::format::Style;

/// How much of a message to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Header line, headers and body.
    Full,
    /// The body only, one line per message.
    Raw,
    /// Header line and headers, no body.
    HeadersOnly,
}

/// Renders message number `n`.
pub fn render(n: u64, msg: &Message, show: Show, style: Style) -> String {
    let body = String::from_utf8_lossy(&msg.payload);
    if show == Show::Raw {
        return format!("{body}\n");
    }
    let mut title = format!("[#{n}] Received on {:?}", msg.subject.as_str());
    if let Some(reply) = &msg.reply {
        title.push_str(&format!(" with reply {:?}", reply.as_str()));
    }
    let mut out = style.bold(&title);
    out.push('\n');
    if let Some(status) = msg.status {
        out.push_str(&format!("Status: {}\n", u16::from(status)));
    }
    if let Some(headers) = &msg.headers {
        for (key, values) in headers.iter() {
            for value in values {
                out.push_str(&format!("{key}: {value}\n"));
            }
        }
    }
    if show == Show::Full {
        out.push('\n');
        out.push_str(&body);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(reply: Option<&str>, headers: Option<async_nats::HeaderMap>) -> Message {
        Message {
            subject: "foo".into(),
            reply: reply.map(Into::into),
            payload: "hello".into(),
            headers,
            status: None,
            description: None,
            length: 5,
        }
    }

    #[test]
    fn full_message_has_title_headers_and_body() {
        let mut h = async_nats::HeaderMap::new();
        h.insert("Trace-Id", "7");
        let out = render(
            1,
            &msg(Some("_INBOX.a"), Some(h)),
            Show::Full,
            Style::plain(),
        );
        assert_eq!(
            out,
            "[#1] Received on \"foo\" with reply \"_INBOX.a\"\nTrace-Id: 7\n\nhello\n\n"
        );
    }

    #[test]
    fn raw_and_headers_only() {
        assert_eq!(
            render(2, &msg(None, None), Show::Raw, Style::plain()),
            "hello\n"
        );
        assert_eq!(
            render(2, &msg(None, None), Show::HeadersOnly, Style::plain()),
            "[#2] Received on \"foo\"\n\n"
        );
    }
}
