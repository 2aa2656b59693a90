//! The "Information for Stream" block, laid out as the seed's `nats stream info` shows it:
//! configuration, options, limits, cluster information (only for a named cluster) and state.

use rill_core::jetstream::api::{
    DiscardPolicy, PeerInfo, RetentionPolicy, StorageType, StreamInfo, Timestamp,
};

use crate::cli::format::duration::format_nanos_or_unlimited;
use crate::cli::format::time::{datetime, utc_label};
use crate::cli::format::{
    format_count, format_duration, format_size, format_size_or_unlimited, or_unlimited, Fields,
};

/// `Limits`, `Interest` or `WorkQueue`.
pub fn retention_name(r: RetentionPolicy) -> &'static str {
    match r {
        RetentionPolicy::Limits => "Limits",
        RetentionPolicy::Interest => "Interest",
        RetentionPolicy::WorkQueue => "WorkQueue",
    }
}

/// `File` or `Memory`.
pub fn storage_name(s: StorageType) -> &'static str {
    match s {
        StorageType::File => "File",
        StorageType::Memory => "Memory",
    }
}

fn discard_name(info: &StreamInfo) -> &'static str {
    match (info.config.discard, info.config.discard_new_per_subject) {
        (DiscardPolicy::Old, _) => "Old",
        (DiscardPolicy::New, false) => "New",
        (DiscardPolicy::New, true) => "New Per Subject",
    }
}

/// `0` for a stream without messages, else `1 @ 2023-04-09T00:30:38 UTC`.
fn seq_at(seq: u64, ts: Timestamp) -> String {
    if ts.is_zero() {
        seq.to_string()
    } else {
        format!("{seq} @ {}", utc_label(ts.unix_nanos()))
    }
}

/// `iZbp...-156, current, seen 0.38s ago` (and `OFFLINE`, `N operations behind`).
pub fn replica_line(peer: &PeerInfo) -> String {
    let mut line = format!(
        "{}, {}",
        peer.name,
        if peer.current { "current" } else { "outdated" }
    );
    if peer.offline {
        line.push_str(", OFFLINE");
    }
    if peer.active > 0 {
        line.push_str(&format!(", seen {:.2}s ago", peer.active as f64 / 1e9));
    } else {
        line.push_str(", not seen");
    }
    if peer.lag > 0 {
        line.push_str(&format!(", {} operations behind", format_count(peer.lag)));
    }
    line
}

fn configuration(page: &mut Fields, info: &StreamInfo) {
    let c = &info.config;
    if !c.description.is_empty() {
        page.field("Description", &c.description);
    }
    if !c.subjects.is_empty() {
        page.field("Subjects", c.subjects.join(", "));
    }
    page.field("Replicas", c.num_replicas);
    if c.sealed {
        page.field("Sealed", true);
    }
    page.field("Storage", storage_name(c.storage));
    if let Some(mirror) = &c.mirror {
        page.field("Mirror", &mirror.name);
    }
    for (i, source) in c.sources.iter().enumerate() {
        page.field(if i == 0 { "Sources" } else { "" }, &source.name);
    }
}

fn options(page: &mut Fields, info: &StreamInfo) {
    let c = &info.config;
    page.section("Options");
    page.field("Retention", retention_name(c.retention))
        .field("Acknowledgements", !c.no_ack)
        .field("Discard Policy", discard_name(info))
        .field("Duplicate Window", format_duration_ns(c.duplicate_window))
        .field("Allows Msg Delete", !c.deny_delete)
        .field("Allows Purge", !c.deny_purge)
        .field("Allows Rollups", c.allow_rollup_hdrs);
}

fn format_duration_ns(nanos: i64) -> String {
    format_duration(std::time::Duration::from_nanos(
        u64::try_from(nanos).unwrap_or(0),
    ))
}

fn limits(page: &mut Fields, info: &StreamInfo) {
    let c = &info.config;
    page.section("Limits");
    page.field("Maximum Messages", or_unlimited(c.max_msgs))
        .field("Maximum Per Subject", or_unlimited(c.max_msgs_per_subject))
        .field("Maximum Bytes", format_size_or_unlimited(c.max_bytes))
        .field("Maximum Age", format_nanos_or_unlimited(c.max_age))
        .field(
            "Maximum Message Size",
            format_size_or_unlimited(i64::from(c.max_msg_size)),
        )
        .field("Maximum Consumers", or_unlimited(c.max_consumers));
}

fn cluster(page: &mut Fields, info: &StreamInfo) {
    let Some(cluster) = info.cluster.as_ref().filter(|c| !c.name.is_empty()) else {
        return;
    };
    page.text("Cluster Information:").blank();
    page.field("Name", &cluster.name);
    page.field("Leader", &cluster.leader);
    for peer in &cluster.replicas {
        page.field("Replica", replica_line(peer));
    }
    page.blank();
}

fn state(page: &mut Fields, info: &StreamInfo) {
    let s = &info.state;
    page.text("State:").blank();
    page.field("Messages", format_count(s.messages))
        .field("Bytes", format_size(s.bytes))
        .field("FirstSeq", seq_at(s.first_seq, s.first_ts))
        .field("LastSeq", seq_at(s.last_seq, s.last_ts));
    if s.num_deleted > 0 {
        page.field("Deleted Messages", format_count(s.num_deleted));
    }
    page.field("Active Consumers", s.consumer_count);
    if s.num_subjects > 0 {
        page.field("Number of Subjects", format_count(s.num_subjects));
    }
}

/// The whole block, ending with a blank line as the seed's transcripts do.
pub fn render(info: &StreamInfo) -> String {
    render_with_created(info, &datetime(info.created.unix_nanos()))
}

/// [`render`] with the creation time already formatted (tests pin it).
pub fn render_with_created(info: &StreamInfo, created: &str) -> String {
    let mut page = Fields::new();
    page.text(format!(
        "Information for Stream {} created {created}",
        info.config.name
    ))
    .blank();
    configuration(&mut page, info);
    options(&mut page, info);
    limits(&mut page, info);
    page.blank().blank();
    cluster(&mut page, info);
    state(&mut page, info);
    page.blank();
    page.render()
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
