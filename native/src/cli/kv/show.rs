//! What `rill kv` prints, in the `nats` CLI's shapes: the bucket page, the history and bucket
//! tables, a value, a watch line. Pure functions of their inputs.

use rill_core::jetstream::api::{Compression, StorageType, StreamInfo};

use crate::cli::format::duration::format_nanos_or_unlimited;
use crate::cli::format::time::{datetime, rfc3339};
use crate::cli::format::{format_count, format_size, format_size_or_unlimited, Fields, Table};

/// The stream prefix of a bucket's backing stream.
pub const KV_PREFIX: &str = "KV_";

/// An entry as the commands print it (decoupled from the client library's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Value bytes.
    pub value: Vec<u8>,
    /// Revision (the stream sequence).
    pub revision: u64,
    /// Created, Unix nanoseconds.
    pub created_nanos: i64,
    /// `PUT`, `DEL` or `PURGE`.
    pub op: &'static str,
}

/// The value as text, or base64 when it is not printable (as the `nats` CLI shows it).
pub fn printable(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => s.to_string(),
        _ => rill_core::jetstream::api::base64::encode(value),
    }
}

/// `Information for Key-Value Store Bucket B created ...` and its configuration.
pub fn render_status(info: &StreamInfo) -> String {
    let c = &info.config;
    let bucket = c.name.strip_prefix(KV_PREFIX).unwrap_or(&c.name);
    let mut f = Fields::new();
    f.text(format!(
        "Information for Key-Value Store Bucket {bucket} created {}",
        rfc3339(info.created.unix_nanos())
    ));
    f.section("Configuration");
    f.field("Bucket Name", bucket);
    f.field("History Kept", c.max_msgs_per_subject);
    f.field("Values Stored", format_count(info.state.messages));
    f.field("Compressed", c.compression == Compression::S2);
    f.field("Backing Store Kind", "JetStream");
    if !c.description.is_empty() {
        f.field("Description", &c.description);
    }
    f.field("Bucket Size", format_size(info.state.bytes));
    f.field("Maximum Bucket Size", format_size_or_unlimited(c.max_bytes));
    f.field(
        "Maximum Value Size",
        format_size_or_unlimited(i64::from(c.max_msg_size)),
    );
    f.field("Maximum Age", format_nanos_or_unlimited(c.max_age));
    f.field("JetStream Stream", &c.name);
    let storage = match c.storage {
        StorageType::File => "File",
        StorageType::Memory => "Memory",
    };
    f.field("Storage", storage);
    f.render()
}

/// `B > K revision: N created @ TIME`, a blank line, the value and a blank line.
pub fn render_entry(row: &Row) -> String {
    let value = printable(&row.value);
    let shown = if value.len() > 120 {
        let cut = value
            .char_indices()
            .nth(120)
            .map_or(value.len(), |(i, _)| i);
        format!(
            "Showing first 120 bytes of {}, use --raw for full data\n\n{}",
            format_count(value.len() as u64),
            &value[..cut]
        )
    } else {
        value
    };
    format!(
        "{} > {} revision: {} created @ {}\n\n{shown}\n\n",
        row.bucket,
        row.key,
        row.revision,
        rfc3339(row.created_nanos)
    )
}

/// The `History for B > K` table.
pub fn render_history(bucket: &str, key: &str, rows: &[Row]) -> String {
    let mut table = Table::new(["Key", "Revision", "Op", "Created", "Length", "Value"])
        .title(format!("History for {bucket} > {key}"));
    for r in rows {
        let mut value = printable(&r.value);
        if value.chars().count() > 40 {
            let chars: Vec<char> = value.chars().collect();
            let head: String = chars[..15].iter().collect();
            let tail: String = chars[chars.len() - 15..].iter().collect();
            value = format!("{head}...{tail}");
        }
        table.row([
            r.key.clone(),
            r.revision.to_string(),
            r.op.to_string(),
            datetime(r.created_nanos),
            format_count(r.value.len() as u64),
            value,
        ]);
    }
    table.render()
}

/// One `rill kv watch` line: `[2023-04-09 08:31:23] PUT B > K: value`, or without a value
/// for deletes and purges.
pub fn render_watch(row: &Row) -> String {
    let when = datetime(row.created_nanos);
    if row.op == "PUT" {
        format!(
            "[{when}] {} {} > {}: {}\n",
            row.op,
            row.bucket,
            row.key,
            String::from_utf8_lossy(&row.value)
        )
    } else {
        format!("[{when}] {} {} > {}\n", row.op, row.bucket, row.key)
    }
}

/// How long ago a bucket's stream last stored something, in whole seconds (`3m12s`), or
/// `never`.
pub fn last_update(s: &StreamInfo, now_nanos: i64) -> String {
    if s.state.last_ts.is_zero() {
        return "never".to_string();
    }
    let ago = now_nanos
        .saturating_sub(s.state.last_ts.unix_nanos())
        .max(0);
    match ago - ago % 1_000_000_000 {
        0 => "0s".to_string(),
        whole => format_nanos_or_unlimited(whole),
    }
}

/// The `Key-Value Buckets` table; `now_nanos` dates "Last Update".
pub fn render_buckets(buckets: &[StreamInfo], now_nanos: i64) -> String {
    let mut table = Table::new([
        "Bucket",
        "Description",
        "Created",
        "Size",
        "Values",
        "Last Update",
    ])
    .title("Key-Value Buckets");
    for s in buckets {
        let name = s
            .config
            .name
            .strip_prefix(KV_PREFIX)
            .unwrap_or(&s.config.name);
        let last = last_update(s, now_nanos);
        table.row([
            name.to_string(),
            s.config.description.clone(),
            datetime(s.created.unix_nanos()),
            format_size(s.state.bytes),
            format_count(s.state.messages),
            last,
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(op: &'static str, value: &str) -> Row {
        Row {
            bucket: "B".into(),
            key: "k".into(),
            value: value.as_bytes().to_vec(),
            revision: 3,
            created_nanos: 0,
            op,
        }
    }

    #[test]
    fn entry_and_watch_lines() {
        let text = render_entry(&row("PUT", "hello"));
        assert!(text.starts_with("B > k revision: 3 created @ "), "{text}");
        assert!(text.ends_with("\n\nhello\n\n"), "{text}");
        assert!(render_watch(&row("PUT", "v")).ends_with("] PUT B > k: v\n"));
        assert!(render_watch(&row("DEL", "")).ends_with("] DEL B > k\n"));
    }

    #[test]
    fn unprintable_values_are_base64_and_long_ones_shortened() {
        assert_eq!(printable(&[0, 1, 2]), "AAEC");
        let long = "x".repeat(50);
        let table = render_history("B", "k", &[row("PUT", &long)]);
        assert!(
            table.contains("xxxxxxxxxxxxxxx...xxxxxxxxxxxxxxx"),
            "{table}"
        );
        assert!(table.contains("History for B > k"), "{table}");
    }
}
