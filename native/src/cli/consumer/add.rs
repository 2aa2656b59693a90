//! `rill consumer add [STREAM] [NAME]`: the seed's questions, in the seed's order and with its
//! defaults, each answerable by a flag (the `nats` CLI's names):
//!
//! ```text
//! ? Consumer name foo_consumer
//! ? Delivery target (empty for Pull Consumers)
//! ? Start policy (all, new, last, subject, 1h, msg sequence) all
//! ? Acknowledgement policy explicit
//! ? Replay policy instant
//! ? Filter Stream by subject (blank for all)
//! ? Maximum Allowed Deliveries -1
//! ? Maximum Acknowledgements Pending 0
//! ? Deliver headers only without bodies No
//! ? Add a Retry Backoff Policy No
//! ? Select a Stream my_stream
//! ```
//!
//! then creates the durable consumer and prints its information page.

use std::time::Duration;

use anyhow::bail;
use rill_core::jetstream::api::{
    AckPolicy, ConsumerConfig, DeliverPolicy, Nanos, ReplayPolicy, Timestamp,
};

use crate::cli::format::parse_duration;
use crate::cli::format::time::now_unix_nanos;
use crate::cli::js_api::check_name;
use crate::cli::prompt::Prompter;

/// `rill consumer add` flags.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AddArgs {
    /// Stream to add the consumer to (asked for when missing).
    pub stream: Option<String>,
    /// Consumer (durable) name.
    pub name: Option<String>,
    /// Push mode: deliver messages to this subject.
    #[arg(long, value_name = "SUBJECT", conflicts_with = "pull")]
    pub target: Option<String>,
    /// Pull mode (no delivery target).
    #[arg(long)]
    pub pull: bool,
    /// Push mode: deliver only to subscribers in this queue group.
    #[arg(long = "deliver-group", value_name = "GROUP")]
    pub deliver_group: Option<String>,
    /// Push mode: send a heartbeat when idle this long (e.g. 5s).
    #[arg(long, value_name = "DURATION")]
    pub heartbeat: Option<String>,
    /// Push mode: enable flow control.
    #[arg(long = "flow-control", conflicts_with = "no_flow_control")]
    pub flow_control: bool,
    /// Push mode: no flow control (answers its question with No).
    #[arg(long = "no-flow-control")]
    pub no_flow_control: bool,
    /// Start policy: all, new, last, subject, a duration (1h) or a stream sequence.
    #[arg(long, value_name = "POLICY")]
    pub deliver: Option<String>,
    /// Acknowledgement policy: explicit, all or none.
    #[arg(long, value_name = "POLICY")]
    pub ack: Option<String>,
    /// Replay policy: instant or original.
    #[arg(long, value_name = "POLICY")]
    pub replay: Option<String>,
    /// Only messages on these subjects (repeat or separate by commas).
    #[arg(long, value_name = "SUBJECTS")]
    pub filter: Vec<String>,
    /// Deliveries of one message at most (-1 for unlimited).
    #[arg(long = "max-deliver", value_name = "N", allow_hyphen_values = true)]
    pub max_deliver: Option<String>,
    /// Unacknowledged messages outstanding at most (0 for the server's default).
    #[arg(long = "max-pending", value_name = "N")]
    pub max_pending: Option<String>,
    /// Deliver headers only, without bodies.
    #[arg(long = "headers-only", conflicts_with = "no_headers_only")]
    pub headers_only: bool,
    /// Deliver bodies too (answers the headers-only question with No).
    #[arg(long = "no-headers-only")]
    pub no_headers_only: bool,
    /// Retry backoff policy: linear or none.
    #[arg(long, value_name = "MODE")]
    pub backoff: Option<String>,
    /// Shortest retry time of a linear backoff.
    #[arg(long = "backoff-min", value_name = "DURATION", default_value = "1m")]
    pub backoff_min: String,
    /// Longest retry time of a linear backoff.
    #[arg(long = "backoff-max", value_name = "DURATION", default_value = "10m")]
    pub backoff_max: String,
    /// Steps of a linear backoff.
    #[arg(long = "backoff-steps", value_name = "N", default_value_t = 20)]
    pub backoff_steps: u32,
    /// How long the server waits for an acknowledgement before redelivering (e.g. 30s).
    #[arg(long, value_name = "DURATION")]
    pub wait: Option<String>,
    /// Take the defaults for every question not answered by a flag.
    #[arg(long)]
    pub defaults: bool,
}

/// The start policies the prompt names.
const START_POLICIES: &str = "all, new, last, subject, 1h, msg sequence";

/// Parses a start policy as the `nats` CLI does.
pub fn parse_start_policy(text: &str) -> Result<(DeliverPolicy, u64, Option<Timestamp>), String> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "all" | "" => return Ok((DeliverPolicy::All, 0, None)),
        "new" => return Ok((DeliverPolicy::New, 0, None)),
        "last" => return Ok((DeliverPolicy::Last, 0, None)),
        "subject" | "last_per_subject" => return Ok((DeliverPolicy::LastPerSubject, 0, None)),
        _ => {}
    }
    if let Ok(seq) = text.parse::<u64>() {
        if seq == 0 {
            return Err("a start sequence must be 1 or more".into());
        }
        return Ok((DeliverPolicy::ByStartSequence, seq, None));
    }
    let ago =
        parse_duration(text).map_err(|_| format!("{text:?} is not one of {START_POLICIES}"))?;
    let since = now_unix_nanos().saturating_sub(i64::try_from(ago.as_nanos()).unwrap_or(i64::MAX));
    Ok((DeliverPolicy::ByStartTime, 0, Some(Timestamp(since))))
}

fn parse_int(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

fn nanos(d: Duration) -> Nanos {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// `steps` retry times spread evenly from `min` to `max`.
pub fn linear_backoff(min: Duration, max: Duration, steps: u32) -> Vec<Nanos> {
    let (lo, hi) = (nanos(min), nanos(max));
    match steps {
        0 => Vec::new(),
        1 => vec![lo],
        n => {
            let step = (hi - lo) / i64::from(n - 1);
            (0..i64::from(n)).map(|i| lo + step * i).collect()
        }
    }
}

/// What the questions produced: the stream, and the consumer's configuration.
#[derive(Debug)]
pub struct Answers {
    /// Stream name.
    pub stream: String,
    /// Consumer configuration.
    pub config: ConsumerConfig,
}

/// Asks the seed's questions (or takes flags and defaults); `streams` lists the existing
/// streams for "Select a Stream" when STREAM was not given.
pub fn ask(args: &AddArgs, p: &mut Prompter, streams: &[String]) -> anyhow::Result<Answers> {
    let mut cfg = ConsumerConfig::default();
    let name = p.value("Consumer name", "NAME", args.name.as_deref(), None, |s| {
        check_name("consumer", s)
            .map(|()| s.to_string())
            .map_err(|e| e.to_string())
    })?;
    cfg.durable_name = name;
    let target = if args.pull {
        String::new()
    } else {
        p.text(
            "Delivery target (empty for Pull Consumers)",
            "--target",
            args.target.as_deref(),
            Some(""),
        )?
    };
    cfg.deliver_subject = target.trim().to_string();
    let pull = cfg.deliver_subject.is_empty();
    if !pull {
        cfg.deliver_group = p.text(
            "Delivery Queue Group",
            "--deliver-group",
            args.deliver_group.as_deref(),
            Some(""),
        )?;
    }
    let question = format!("Start policy ({START_POLICIES})");
    let (policy, seq, time) = p.value(
        &question,
        "--deliver",
        args.deliver.as_deref(),
        Some("all"),
        parse_start_policy,
    )?;
    cfg.deliver_policy = policy;
    cfg.opt_start_seq = seq;
    cfg.opt_start_time = time;
    let ack_default = if pull { "explicit" } else { "none" };
    let ack = p.choice(
        "Acknowledgement policy",
        "--ack",
        args.ack.as_deref(),
        &["explicit", "all", "none"],
        ack_default,
    )?;
    cfg.ack_policy = match ack.as_str() {
        "all" => AckPolicy::All,
        "none" => AckPolicy::None,
        _ => AckPolicy::Explicit,
    };
    let replay = p.choice(
        "Replay policy",
        "--replay",
        args.replay.as_deref(),
        &["instant", "original"],
        "instant",
    )?;
    cfg.replay_policy = if replay == "original" {
        ReplayPolicy::Original
    } else {
        ReplayPolicy::Instant
    };
    ask_filter(args, p, &mut cfg)?;
    let acked = cfg.ack_policy != AckPolicy::None;
    cfg.max_deliver = if acked {
        p.value(
            "Maximum Allowed Deliveries",
            "--max-deliver",
            args.max_deliver.as_deref(),
            Some("-1"),
            parse_int,
        )?
    } else {
        -1
    };
    if cfg.max_deliver == 0 || cfg.max_deliver < -1 {
        bail!("invalid value for --max-deliver: must be -1 or at least 1");
    }
    if acked {
        cfg.max_ack_pending = p.value(
            "Maximum Acknowledgements Pending",
            "--max-pending",
            args.max_pending.as_deref(),
            Some("0"),
            parse_int,
        )?;
    }
    if !pull {
        ask_push_flow(args, p, &mut cfg)?;
    }
    let headers_given = match (args.headers_only, args.no_headers_only) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    cfg.headers_only = p.confirm(
        "Deliver headers only without bodies",
        "--headers-only",
        headers_given,
        false,
    )?;
    if acked {
        ask_backoff(args, p, &mut cfg)?;
    }
    if let Some(wait) = &args.wait {
        let d = parse_duration(wait)
            .map_err(|why| anyhow::anyhow!("invalid value for --wait: {why}"))?;
        cfg.ack_wait = nanos(d);
    }
    let stream = select_stream(args, p, streams)?;
    Ok(Answers {
        stream,
        config: cfg,
    })
}

/// The push-only questions the `nats` CLI asks: idle heartbeat and flow control.
fn ask_push_flow(args: &AddArgs, p: &mut Prompter, cfg: &mut ConsumerConfig) -> anyhow::Result<()> {
    let heartbeat = p.value(
        "Idle Heartbeat",
        "--heartbeat",
        args.heartbeat.as_deref(),
        Some("0s"),
        parse_duration,
    )?;
    cfg.idle_heartbeat = nanos(heartbeat);
    let given = match (args.flow_control, args.no_flow_control) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    cfg.flow_control = p.confirm(
        "Enable Flow Control, ie --flow-control",
        "--flow-control",
        given,
        false,
    )?;
    Ok(())
}

fn ask_filter(args: &AddArgs, p: &mut Prompter, cfg: &mut ConsumerConfig) -> anyhow::Result<()> {
    let given = (!args.filter.is_empty()).then(|| args.filter.join(","));
    let text = p.text(
        "Filter Stream by subject (blank for all)",
        "--filter",
        given.as_deref(),
        Some(""),
    )?;
    let subjects: Vec<String> = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match subjects.len() {
        0 => {}
        1 => cfg.filter_subject = subjects[0].clone(),
        _ => cfg.filter_subjects = subjects,
    }
    if cfg.deliver_policy == DeliverPolicy::LastPerSubject && cfg.filters().is_empty() {
        cfg.filter_subject = ">".to_string();
    }
    Ok(())
}

fn ask_backoff(args: &AddArgs, p: &mut Prompter, cfg: &mut ConsumerConfig) -> anyhow::Result<()> {
    let mode = match &args.backoff {
        Some(m) => p.choice(
            "Backoff policy",
            "--backoff",
            Some(m),
            &["linear", "none"],
            "none",
        )?,
        None => {
            if !p.confirm("Add a Retry Backoff Policy", "--backoff", None, false)? {
                return Ok(());
            }
            p.choice(
                "Backoff policy",
                "--backoff",
                None,
                &["linear", "none"],
                "none",
            )?
        }
    };
    if mode == "none" {
        return Ok(());
    }
    let dur = |s: &str| parse_duration(s);
    let min = p.value(
        "Minimum retry time",
        "--backoff-min",
        None,
        Some(&args.backoff_min),
        dur,
    )?;
    let max = p.value(
        "Maximum retry time",
        "--backoff-max",
        None,
        Some(&args.backoff_max),
        dur,
    )?;
    let steps_default = args.backoff_steps.to_string();
    let steps = p.value(
        "Number of steps to generate in the policy",
        "--backoff-steps",
        None,
        Some(&steps_default),
        |s| match s.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{s:?} is not a number of steps above 0")),
        },
    )?;
    if max < min {
        bail!("invalid backoff: --backoff-max is below --backoff-min");
    }
    cfg.backoff = linear_backoff(min, max, steps);
    if cfg.max_deliver == -1 {
        cfg.max_deliver = i64::from(steps) + 1;
    }
    Ok(())
}

fn select_stream(args: &AddArgs, p: &mut Prompter, streams: &[String]) -> anyhow::Result<String> {
    if let Some(s) = &args.stream {
        check_name("stream", s)?;
        return Ok(s.clone());
    }
    if streams.is_empty() {
        bail!("no streams defined: create one with rill stream add");
    }
    if !p.is_interactive() {
        bail!("STREAM is required when not asking interactively");
    }
    let names: Vec<&str> = streams.iter().map(String::as_str).collect();
    p.choice("Select a Stream", "STREAM", None, &names, names[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_policies_as_the_nats_cli_reads_them() {
        assert_eq!(parse_start_policy("all").unwrap().0, DeliverPolicy::All);
        assert_eq!(
            parse_start_policy("subject").unwrap().0,
            DeliverPolicy::LastPerSubject
        );
        assert_eq!(
            parse_start_policy("186").unwrap(),
            (DeliverPolicy::ByStartSequence, 186, None)
        );
        let (policy, _, since) = parse_start_policy("1h").unwrap();
        assert_eq!(policy, DeliverPolicy::ByStartTime);
        assert!(since.is_some());
        assert!(parse_start_policy("sometime").is_err());
        assert!(parse_start_policy("0").is_err());
    }

    #[test]
    fn linear_backoff_spans_min_to_max() {
        let b = linear_backoff(Duration::from_secs(60), Duration::from_secs(600), 10);
        assert_eq!(b.len(), 10);
        assert_eq!(b[0], 60_000_000_000);
        assert_eq!(b[9], 600_000_000_000);
    }

    #[test]
    fn push_consumers_take_heartbeat_and_flow_control_and_default_to_no_acks() {
        let args = AddArgs {
            stream: Some("S".into()),
            name: Some("P".into()),
            target: Some("out".into()),
            heartbeat: Some("5s".into()),
            flow_control: true,
            ..AddArgs::default()
        };
        let a = ask(&args, &mut Prompter::unattended(), &[]).unwrap();
        assert_eq!(a.config.deliver_subject, "out");
        assert_eq!(a.config.ack_policy, AckPolicy::None);
        assert_eq!(a.config.idle_heartbeat, 5_000_000_000);
        assert!(a.config.flow_control);
    }

    #[test]
    fn flags_answer_everything_without_a_terminal() {
        let args = AddArgs {
            stream: Some("S".into()),
            name: Some("C".into()),
            pull: true,
            filter: vec!["foo".into()],
            max_pending: Some("10".into()),
            ..AddArgs::default()
        };
        let a = ask(&args, &mut Prompter::unattended(), &[]).unwrap();
        assert_eq!(a.stream, "S");
        assert_eq!(a.config.durable_name, "C");
        assert_eq!(a.config.ack_policy, AckPolicy::Explicit);
        assert_eq!(a.config.filter_subject, "foo");
        assert_eq!(a.config.max_ack_pending, 10);
        assert_eq!(a.config.max_deliver, -1);
        let bad = AddArgs {
            ack: Some("sometimes".into()),
            ..args
        };
        let err = ask(&bad, &mut Prompter::unattended(), &[]).unwrap_err();
        assert!(err.to_string().contains("--ack"), "{err}");
    }
}
