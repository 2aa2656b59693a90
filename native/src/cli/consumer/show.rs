//! A consumer's information page, as the seed shows it after `nats consumer add`:
//!
//! ```text
//! Information for Consumer my_stream > foo_consumer created 2023-04-09T08:31:23+08:00
//!
//! Configuration:
//!
//!         Durable Name: foo_consumer
//!            Pull Mode: true
//!       Deliver Policy: All
//! ...
//! State:
//!
//!    Last Delivered Message: Consumer sequence: 0 Stream sequence: 0
//!      Acknowledgment floor: Consumer sequence: 0 Stream sequence: 0
//! ```
//!
//! Each section aligns its own colons, indented as the `nats` CLI does (three spaces before
//! the longest label), and the `rill consumer ls` table.

use rill_core::jetstream::api::{
    AckPolicy, ConsumerInfo, DeliverPolicy, ReplayPolicy, SequenceInfo,
};

use crate::cli::format::duration::format_duration;
use crate::cli::format::time::{datetime, rfc3339};
use crate::cli::format::{format_count, Fields, Table};

/// Extra indent of every field line beyond [`Fields`]' one space.
const INDENT: &str = "  ";

fn indented(fields: &Fields) -> String {
    fields
        .render()
        .lines()
        .map(|l| {
            // Field lines start with their alignment padding; headings are not indented.
            if l.starts_with(' ') {
                format!("{INDENT}{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

fn deliver_policy(info: &ConsumerInfo) -> String {
    let c = &info.config;
    match c.deliver_policy {
        DeliverPolicy::All => "All".into(),
        DeliverPolicy::Last => "Last".into(),
        DeliverPolicy::New => "New".into(),
        DeliverPolicy::LastPerSubject => "Last Per Subject".into(),
        DeliverPolicy::ByStartSequence => format!("From Sequence {}", c.opt_start_seq),
        DeliverPolicy::ByStartTime => match c.opt_start_time {
            Some(t) => format!("Since {}", datetime(t.unix_nanos())),
            None => "Since".into(),
        },
    }
}

fn ack_policy(p: AckPolicy) -> &'static str {
    match p {
        AckPolicy::None => "None",
        AckPolicy::All => "All",
        AckPolicy::Explicit => "Explicit",
        AckPolicy::FlowControl => "Flow Control",
    }
}

fn nanos_text(n: i64) -> String {
    format_duration(std::time::Duration::from_nanos(
        u64::try_from(n).unwrap_or(0),
    ))
}

fn configuration(info: &ConsumerInfo) -> Fields {
    let c = &info.config;
    let mut f = Fields::new();
    if c.is_durable() {
        f.field("Durable Name", &c.durable_name);
    } else {
        f.field("Name", &info.name);
    }
    if !c.description.is_empty() {
        f.field("Description", &c.description);
    }
    if c.is_pull() {
        f.field("Pull Mode", "true");
    } else {
        f.field("Delivery Subject", &c.deliver_subject);
        if !c.deliver_group.is_empty() {
            f.field("Deliver Queue Group", &c.deliver_group);
        }
    }
    match c.filters().as_slice() {
        [] => {}
        [one] => {
            f.field("Filter Subject", one);
        }
        many => {
            f.field("Filter Subjects", many.join(", "));
        }
    }
    f.field("Deliver Policy", deliver_policy(info));
    f.field("Ack Policy", ack_policy(c.ack_policy));
    if c.ack_policy != AckPolicy::None {
        f.field("Ack Wait", nanos_text(c.ack_wait));
    }
    let replay = match c.replay_policy {
        ReplayPolicy::Instant => "Instant",
        ReplayPolicy::Original => "Original",
    };
    f.field("Replay Policy", replay);
    if c.max_deliver > 0 {
        f.field(
            "Maximum Deliveries",
            format_count(c.max_deliver.unsigned_abs()),
        );
    }
    if !c.backoff.is_empty() {
        let steps: Vec<String> = c.backoff.iter().map(|n| nanos_text(*n)).collect();
        f.field("Backoff", steps.join(", "));
    }
    if c.max_ack_pending > 0 {
        f.field(
            "Max Ack Pending",
            format_count(c.max_ack_pending.unsigned_abs()),
        );
    }
    if c.headers_only {
        f.field("Headers Only", "true");
    }
    if c.idle_heartbeat > 0 {
        f.field("Idle Heartbeat", nanos_text(c.idle_heartbeat));
    }
    if c.flow_control {
        f.field("Flow Control", "true");
    }
    if c.is_pull() && c.max_waiting > 0 {
        f.field(
            "Max Waiting Pulls",
            format_count(c.max_waiting.unsigned_abs()),
        );
    }
    f
}

fn sequences(s: &SequenceInfo) -> String {
    format!(
        "Consumer sequence: {} Stream sequence: {}",
        format_count(s.consumer_seq),
        format_count(s.stream_seq)
    )
}

fn state(info: &ConsumerInfo) -> Fields {
    let c = &info.config;
    let mut f = Fields::new();
    f.field("Last Delivered Message", sequences(&info.delivered));
    if c.ack_policy != AckPolicy::None {
        f.field("Acknowledgment floor", sequences(&info.ack_floor));
        let max = if c.max_ack_pending > 0 {
            format!(
                " out of maximum {}",
                format_count(c.max_ack_pending.unsigned_abs())
            )
        } else {
            String::new()
        };
        f.field(
            "Outstanding Acks",
            format!("{}{max}", format_count(info.num_ack_pending)),
        );
        f.field("Redelivered Messages", format_count(info.num_redelivered));
    }
    f.field("Unprocessed Messages", format_count(info.num_pending));
    if c.is_pull() {
        let max = if c.max_waiting > 0 {
            format!(" of maximum {}", format_count(c.max_waiting.unsigned_abs()))
        } else {
            String::new()
        };
        f.field(
            "Waiting Pulls",
            format!("{}{max}", format_count(info.num_waiting)),
        );
    } else {
        f.field(
            "Active Interest",
            if info.push_bound {
                "Active"
            } else {
                "No interest"
            },
        );
    }
    f
}

/// The whole page.
pub fn render_info(info: &ConsumerInfo) -> String {
    let mut out = format!(
        "Information for Consumer {} > {} created {}\n\nConfiguration:\n\n",
        info.stream_name,
        info.name,
        rfc3339(info.created.unix_nanos())
    );
    // Configuration and cluster share one column of labels, as in the seed's pages.
    let mut f = configuration(info);
    if let Some(cluster) = info.cluster.as_ref().filter(|c| !c.leader.is_empty()) {
        f.blank().text("Cluster Information:").blank();
        if !cluster.name.is_empty() {
            f.field("Name", &cluster.name);
        }
        f.field("Leader", &cluster.leader);
        for peer in &cluster.replicas {
            f.field("Replica", crate::cli::stream::page::replica_line(peer));
        }
    }
    out.push_str(&indented(&f));
    out.push_str("\nState:\n\n");
    out.push_str(&indented(&state(info)));
    out
}

/// The `rill consumer ls` table.
pub fn render_list(stream: &str, consumers: &[ConsumerInfo]) -> String {
    let mut table = Table::new([
        "Name",
        "Description",
        "Created",
        "Ack Pending",
        "Unprocessed",
        "Last Delivery",
    ])
    .title(format!("Consumers for Stream {stream}"));
    for c in consumers {
        let last = c
            .delivered
            .last_active
            .map(|t| datetime(t.unix_nanos()))
            .unwrap_or_else(|| "never".into());
        table.row([
            c.name.clone(),
            c.config.description.clone(),
            datetime(c.created.unix_nanos()),
            format_count(c.num_ack_pending),
            format_count(c.num_pending),
            last,
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use rill_core::jetstream::api::Timestamp;

    use super::*;

    #[test]
    fn page_has_the_seeds_sections_and_alignment() {
        let mut info = ConsumerInfo {
            stream_name: "my_stream".into(),
            name: "foo_consumer".into(),
            created: Timestamp(1_681_000_283_000_000_000),
            num_pending: 45,
            ..ConsumerInfo::default()
        };
        info.config.durable_name = "foo_consumer".into();
        info.config.ack_policy = AckPolicy::Explicit;
        info.config.ack_wait = 30_000_000_000;
        info.config.max_ack_pending = 1000;
        info.config.max_waiting = 512;
        let page = render_info(&info);
        assert!(page.starts_with("Information for Consumer my_stream > foo_consumer created "));
        assert!(page.contains("\nConfiguration:\n\n        Durable Name: foo_consumer\n           Pull Mode: true\n"), "{page}");
        assert!(
            page.contains("     Max Ack Pending: 1,000\n   Max Waiting Pulls: 512\n"),
            "{page}"
        );
        assert!(
            page.contains(
                "\nState:\n\n   Last Delivered Message: Consumer sequence: 0 Stream sequence: 0\n"
            ),
            "{page}"
        );
        assert!(
            page.contains("         Outstanding Acks: 0 out of maximum 1,000\n"),
            "{page}"
        );
        assert!(
            page.contains(
                "     Unprocessed Messages: 45\n            Waiting Pulls: 0 of maximum 512\n"
            ),
            "{page}"
        );
    }

    #[test]
    fn cluster_section_lists_replicas_aligned_with_the_configuration() {
        use rill_core::jetstream::api::{ClusterInfo, PeerInfo};
        let mut info = ConsumerInfo {
            stream_name: "my_stream".into(),
            name: "foo_consumer2".into(),
            ..ConsumerInfo::default()
        };
        info.config.durable_name = "foo_consumer2".into();
        info.config.max_waiting = 512;
        info.cluster = Some(ClusterInfo {
            name: "C1".into(),
            leader: "n155".into(),
            replicas: vec![
                PeerInfo {
                    name: "n157".into(),
                    current: false,
                    ..PeerInfo::default()
                },
                PeerInfo {
                    name: "n156".into(),
                    current: true,
                    active: 2_000_000,
                    ..PeerInfo::default()
                },
            ],
            ..ClusterInfo::default()
        });
        let page = render_info(&info);
        let expected = "   Max Waiting Pulls: 512\n\
                        \n\
                        Cluster Information:\n\
                        \n\
                        \x20               Name: C1\n\
                        \x20             Leader: n155\n\
                        \x20            Replica: n157, outdated, not seen\n\
                        \x20            Replica: n156, current, seen 0.00s ago\n\
                        \n\
                        State:\n";
        assert!(page.contains(expected), "{page}");
    }
}
