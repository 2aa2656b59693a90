//! What `rill object` prints, in the `nats` CLI's shapes: an object's information, the
//! bucket's contents table and the `Wrote: ...` line. Pure functions of their inputs.

use rill_core::jetstream::api::StreamInfo;

use super::OBJ_PREFIX;
use crate::cli::format::duration::format_duration;
use crate::cli::format::time::{datetime, rfc3339};
use crate::cli::format::{format_count, format_size, Fields, Table};
use crate::cli::kv::show::last_update;

/// An object as the commands print it (decoupled from the client library's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Bucket.
    pub bucket: String,
    /// Object name.
    pub name: String,
    /// Description, possibly empty.
    pub description: String,
    /// Size in bytes.
    pub size: u64,
    /// Chunks it is stored in.
    pub chunks: u64,
    /// Modification time, Unix nanoseconds (0 when unknown).
    pub modified_nanos: i64,
    /// `SHA-256=<base64url>`, as stored.
    pub digest: String,
}

/// `SHA-256=<base64url>` as `SHA-256 <hex>`; anything else as given.
pub fn digest_hex(digest: &str) -> String {
    let Some((algo, encoded)) = digest.split_once('=') else {
        return digest.to_string();
    };
    let standard: String = encoded
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    match rill_core::jetstream::api::base64::decode(&standard) {
        Ok(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{algo} {hex}")
        }
        Err(_) => digest.to_string(),
    }
}

/// `Object information for B > N` and its fields.
pub fn render_info(e: &Entry) -> String {
    let mut f = Fields::new();
    f.text(format!("Object information for {} > {}", e.bucket, e.name));
    f.blank();
    if !e.description.is_empty() {
        f.field("Description", &e.description);
    }
    f.field("Size", format_size(e.size));
    let modified = if e.modified_nanos == 0 {
        "unknown".to_string()
    } else {
        datetime(e.modified_nanos)
    };
    f.field("Modification Time", modified);
    f.field("Chunks", format_count(e.chunks));
    f.field("Digest", digest_hex(&e.digest));
    f.render()
}

/// The `Bucket Contents` table.
pub fn render_list(entries: &[Entry]) -> String {
    let mut table = Table::new(["Name", "Size", "Time"]).title("Bucket Contents");
    for e in entries {
        table.row([
            e.name.clone(),
            format_size(e.size),
            rfc3339(e.modified_nanos),
        ]);
    }
    table.render()
}

/// The `Object Store Buckets` table; `now_nanos` dates "Last Update".
pub fn render_buckets(buckets: &[StreamInfo], now_nanos: i64) -> String {
    let mut table = Table::new(["Bucket", "Description", "Created", "Size", "Last Update"])
        .title("Object Store Buckets");
    for s in buckets {
        let name = s
            .config
            .name
            .strip_prefix(OBJ_PREFIX)
            .unwrap_or(&s.config.name);
        table.row([
            name.to_string(),
            s.config.description.clone(),
            datetime(s.created.unix_nanos()),
            format_size(s.state.bytes),
            last_update(s, now_nanos),
        ]);
    }
    table.render()
}

/// `Wrote: 3.0 MiB to /tmp/f in 12ms`.
pub fn wrote_line(bytes: u64, path: &str, elapsed: std::time::Duration) -> String {
    let elapsed = std::time::Duration::from_millis(elapsed.as_millis() as u64);
    format!(
        "Wrote: {} to {path} in {}",
        format_size(bytes),
        format_duration(elapsed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_shown_in_hex() {
        assert_eq!(digest_hex("SHA-256=3q2-7w=="), "SHA-256 deadbeef");
        assert_eq!(digest_hex("odd"), "odd");
    }

    #[test]
    fn info_page_and_contents_table() {
        let e = Entry {
            bucket: "B".into(),
            name: "f.bin".into(),
            description: String::new(),
            size: 3 << 20,
            chunks: 24,
            modified_nanos: 1,
            digest: "SHA-256=3q2-7w==".into(),
        };
        let page = render_info(&e);
        assert!(
            page.starts_with("Object information for B > f.bin\n\n"),
            "{page}"
        );
        assert!(page.contains("              Size: 3.0 MiB\n"), "{page}");
        assert!(page.contains("            Chunks: 24\n"), "{page}");
        assert!(
            page.contains("            Digest: SHA-256 deadbeef\n"),
            "{page}"
        );
        let table = render_list(&[e]);
        assert!(table.contains("Bucket Contents"), "{table}");
        assert!(table.contains("│ f.bin │ 3.0 MiB │"), "{table}");
    }
}
