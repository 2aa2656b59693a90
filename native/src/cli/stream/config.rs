//! The configuration questions of `rill stream add` in the seed's order, each with its flag
//! (natscli's names), and the same flags applied to an existing stream by `rill stream edit`.

use rill_core::jetstream::api::{DiscardPolicy, RetentionPolicy, StorageType, StreamConfig};

use crate::bench::units::parse_size;
use crate::cli::format::parse_duration;
use crate::cli::prompt::Prompter;

/// Stream settings given by flag; what is missing is asked on a terminal or defaulted.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// Subjects the stream captures, comma separated.
    #[arg(long, value_name = "SUBJECTS")]
    pub subjects: Option<String>,
    /// A description of the stream.
    #[arg(long)]
    pub description: Option<String>,
    /// Storage: file or memory.
    #[arg(long, value_name = "TYPE")]
    pub storage: Option<String>,
    /// Replicas to keep (1 on a single server).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub replicas: Option<String>,
    /// Retention policy: limits, interest or workqueue.
    #[arg(long, value_name = "POLICY")]
    pub retention: Option<String>,
    /// Discard policy when full: old or new.
    #[arg(long, value_name = "POLICY")]
    pub discard: Option<String>,
    /// Messages kept (-1 unlimited).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_msgs: Option<String>,
    /// Messages kept per subject (-1 unlimited).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_msgs_per_subject: Option<String>,
    /// Total size kept, e.g. 1GB or 512MiB (-1 unlimited).
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_bytes: Option<String>,
    /// Oldest message kept, e.g. 1h (-1 unlimited).
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub max_age: Option<String>,
    /// Largest message accepted, e.g. 1MiB (-1 unlimited).
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_msg_size: Option<String>,
    /// Consumers allowed (-1 unlimited); not asked.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_consumers: Option<String>,
    /// Window for duplicate detection by Nats-Msg-Id, e.g. 2m0s.
    #[arg(long, value_name = "DURATION")]
    pub dupe_window: Option<String>,
    /// Honour Nats-Rollup headers (--allow-rollup=false to refuse them).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub allow_rollup: Option<bool>,
    /// Refuse message deletion.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub deny_delete: Option<bool>,
    /// Refuse purges.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub deny_purge: Option<bool>,
}

/// A count where -1 means unlimited.
pub fn parse_limit(text: &str) -> Result<i64, String> {
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("invalid number {text:?}: expected e.g. 1000 or -1"))?;
    if n < -1 {
        return Err(format!("invalid number {text:?}: -1 is unlimited"));
    }
    Ok(n)
}

/// A size such as `1GB`, `512MiB` or `1024` (binary units, as the nats CLI), -1 unlimited.
pub fn parse_size_limit(text: &str) -> Result<i64, String> {
    if text.trim() == "-1" {
        return Ok(-1);
    }
    let bytes = parse_size(text)?;
    i64::try_from(bytes).map_err(|_| format!("size {text:?} is out of range"))
}

/// A duration such as `1h`, `2m0s`, or in days, weeks or years as the nats CLI takes them
/// (`7d`, `2w`, `1y` = 365 days), in nanoseconds; -1 (unlimited) is 0.
pub fn parse_age(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t == "-1" {
        return Ok(0);
    }
    const DAY_NS: i64 = 86_400_000_000_000;
    let unit = match t.chars().last() {
        Some('d') => Some(DAY_NS),
        Some('w') => Some(7 * DAY_NS),
        Some('y') => Some(365 * DAY_NS),
        _ => None,
    };
    if let Some(unit) = unit {
        return t[..t.len() - 1]
            .parse::<u32>()
            .ok()
            .and_then(|n| i64::from(n).checked_mul(unit))
            .ok_or_else(|| format!("invalid duration {text:?}: expected e.g. 1h, 7d or 1y"));
    }
    let d = parse_duration(text)?;
    i64::try_from(d.as_nanos()).map_err(|_| format!("duration {text:?} is out of range"))
}

fn parse_replicas(text: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ => Err(format!("invalid replicas {text:?}: expected 1 to 5")),
    }
}

fn parse_storage(text: &str) -> Result<StorageType, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "file" | "f" => Ok(StorageType::File),
        "memory" | "m" => Ok(StorageType::Memory),
        _ => Err(format!("{text:?} is not one of file, memory")),
    }
}

fn parse_retention(text: &str) -> Result<RetentionPolicy, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "limits" | "limit" => Ok(RetentionPolicy::Limits),
        "interest" => Ok(RetentionPolicy::Interest),
        "workqueue" | "work" | "wq" | "work queue" => Ok(RetentionPolicy::WorkQueue),
        _ => Err(format!(
            "{text:?} is not one of limits, interest, workqueue"
        )),
    }
}

fn parse_discard(text: &str) -> Result<DiscardPolicy, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "old" => Ok(DiscardPolicy::Old),
        "new" => Ok(DiscardPolicy::New),
        _ => Err(format!("{text:?} is not one of old, new")),
    }
}

fn split_subjects(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn value_error(flag: &str) -> impl Fn(String) -> anyhow::Error + '_ {
    move |why| anyhow::anyhow!("invalid value for {flag}: {why}")
}

/// Asks the seed's questions in its order (flags answer without asking) and returns the
/// configuration of a new stream called `name`.
pub fn ask(p: &mut Prompter, name: &str, a: &ConfigArgs) -> anyhow::Result<StreamConfig> {
    let subjects = p.text("Subjects", "--subjects", a.subjects.as_deref(), Some(name))?;
    let mut c = StreamConfig {
        name: name.to_string(),
        subjects: split_subjects(&subjects),
        description: a.description.clone().unwrap_or_default(),
        ..StreamConfig::default()
    };
    let g = |v: &Option<String>| v.clone();
    c.storage = p.value(
        "Storage",
        "--storage",
        g(&a.storage).as_deref(),
        Some("file"),
        parse_storage,
    )?;
    c.num_replicas = p.value(
        "Replication",
        "--replicas",
        g(&a.replicas).as_deref(),
        Some("1"),
        parse_replicas,
    )?;
    c.retention = p.value(
        "Retention Policy",
        "--retention",
        g(&a.retention).as_deref(),
        Some("Limits"),
        parse_retention,
    )?;
    c.discard = p.value(
        "Discard Policy",
        "--discard",
        g(&a.discard).as_deref(),
        Some("Old"),
        parse_discard,
    )?;
    c.max_msgs = p.value(
        "Stream Messages Limit",
        "--max-msgs",
        g(&a.max_msgs).as_deref(),
        Some("-1"),
        parse_limit,
    )?;
    c.max_msgs_per_subject = p.value(
        "Per Subject Messages Limit",
        "--max-msgs-per-subject",
        g(&a.max_msgs_per_subject).as_deref(),
        Some("-1"),
        parse_limit,
    )?;
    c.max_bytes = p.value(
        "Total Stream Size",
        "--max-bytes",
        g(&a.max_bytes).as_deref(),
        Some("-1"),
        parse_size_limit,
    )?;
    c.max_age = p.value(
        "Message TTL",
        "--max-age",
        g(&a.max_age).as_deref(),
        Some("-1"),
        parse_age,
    )?;
    let size = p.value(
        "Max Message Size",
        "--max-msg-size",
        g(&a.max_msg_size).as_deref(),
        Some("-1"),
        parse_size_limit,
    )?;
    c.max_msg_size =
        i32::try_from(size).map_err(|_| value_error("--max-msg-size")("too large".into()))?;
    c.duplicate_window = p.value(
        "Duplicate tracking time window",
        "--dupe-window",
        g(&a.dupe_window).as_deref(),
        Some("2m0s"),
        parse_age,
    )?;
    c.allow_rollup_hdrs = p.confirm(
        "Allow message Roll-ups",
        "--allow-rollup",
        a.allow_rollup,
        false,
    )?;
    c.deny_delete = !p.confirm(
        "Allow message deletion",
        "--deny-delete",
        a.deny_delete.map(|d| !d),
        true,
    )?;
    c.deny_purge = !p.confirm(
        "Allow purging subjects or the entire stream",
        "--deny-purge",
        a.deny_purge.map(|d| !d),
        true,
    )?;
    c.max_consumers = match &a.max_consumers {
        Some(t) => parse_limit(t).map_err(value_error("--max-consumers"))?,
        None => -1,
    };
    Ok(c)
}

/// Applies the flags that were given to `c` (for `stream edit`); nothing is asked.
pub fn apply(c: &mut StreamConfig, a: &ConfigArgs) -> anyhow::Result<()> {
    fn set<T>(
        slot: &mut T,
        given: &Option<String>,
        flag: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> anyhow::Result<()> {
        if let Some(text) = given {
            *slot = parse(text).map_err(value_error(flag))?;
        }
        Ok(())
    }
    if let Some(s) = &a.subjects {
        c.subjects = split_subjects(s);
    }
    if let Some(d) = &a.description {
        c.description = d.clone();
    }
    set(&mut c.storage, &a.storage, "--storage", parse_storage)?;
    set(
        &mut c.num_replicas,
        &a.replicas,
        "--replicas",
        parse_replicas,
    )?;
    set(
        &mut c.retention,
        &a.retention,
        "--retention",
        parse_retention,
    )?;
    set(&mut c.discard, &a.discard, "--discard", parse_discard)?;
    set(&mut c.max_msgs, &a.max_msgs, "--max-msgs", parse_limit)?;
    set(
        &mut c.max_msgs_per_subject,
        &a.max_msgs_per_subject,
        "--max-msgs-per-subject",
        parse_limit,
    )?;
    set(
        &mut c.max_bytes,
        &a.max_bytes,
        "--max-bytes",
        parse_size_limit,
    )?;
    set(&mut c.max_age, &a.max_age, "--max-age", parse_age)?;
    set(
        &mut c.max_consumers,
        &a.max_consumers,
        "--max-consumers",
        parse_limit,
    )?;
    set(
        &mut c.duplicate_window,
        &a.dupe_window,
        "--dupe-window",
        parse_age,
    )?;
    if let Some(text) = &a.max_msg_size {
        let size = parse_size_limit(text).map_err(value_error("--max-msg-size"))?;
        c.max_msg_size =
            i32::try_from(size).map_err(|_| value_error("--max-msg-size")("too large".into()))?;
    }
    if let Some(v) = a.allow_rollup {
        c.allow_rollup_hdrs = v;
    }
    if let Some(v) = a.deny_delete {
        c.deny_delete = v;
    }
    if let Some(v) = a.deny_purge {
        c.deny_purge = v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_durations_and_limits_parse_as_the_nats_cli() {
        assert_eq!(parse_size_limit("1GB"), Ok(1 << 30));
        assert_eq!(parse_size_limit("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size_limit("-1"), Ok(-1));
        assert!(parse_size_limit("lots").is_err());
        assert_eq!(parse_age("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_age("2m0s"), Ok(120_000_000_000));
        assert_eq!(parse_age("-1"), Ok(0));
        assert_eq!(parse_age("7d"), Ok(7 * 86_400_000_000_000));
        assert_eq!(parse_age("1y"), Ok(365 * 86_400_000_000_000));
        assert!(parse_age("xd").is_err());
        assert_eq!(parse_limit("-1"), Ok(-1));
        assert!(parse_limit("-5").is_err());
    }

    #[test]
    fn defaults_give_the_seeds_stream() {
        let c = ask(
            &mut Prompter::unattended(),
            "my_stream",
            &ConfigArgs {
                subjects: Some("foo".into()),
                ..ConfigArgs::default()
            },
        )
        .unwrap();
        assert_eq!(c.subjects, vec!["foo"]);
        assert_eq!((c.storage, c.num_replicas), (StorageType::File, 1));
        assert_eq!(
            (c.max_msgs, c.max_bytes, c.max_age, c.max_msg_size),
            (-1, -1, 0, -1)
        );
        assert_eq!(c.duplicate_window, 120_000_000_000);
        assert!(!c.allow_rollup_hdrs && !c.deny_delete && !c.deny_purge);
    }

    #[test]
    fn a_bad_flag_value_names_the_flag() {
        let err = ask(
            &mut Prompter::unattended(),
            "s",
            &ConfigArgs {
                storage: Some("disk".into()),
                ..ConfigArgs::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for --storage: \"disk\" is not one of file, memory"
        );
    }
}
