//! `rill bench`: a NATS load generator modelled on `nats bench`.
//!
//! Contract:
//! - Every client (publisher, subscriber, requester, replier) has its own connection to
//!   `--server`, as in `nats bench`.
//! - Publishers split `--msgs` between them; every subscriber expects all of them. Requesters
//!   split `--msgs` the same way and repliers (a queue group) share the answering.
//! - Subscribers are registered on the server (SUB flushed) before the first message is
//!   published, so a shortfall is a real loss and is reported as an error, never silently.
//! - Rates are payload messages and binary megabytes per second; a side's rate is all its
//!   messages over the span from its earliest start to its latest end.
//! - `--json` prints exactly one JSON object on stdout (for `scripts/bench-compare.py`); the
//!   progress bar goes to stderr and only when stderr is a terminal.
//!
//! Modes, from the flags:
//! | flags | mode |
//! |---|---|
//! | `--pub N` (the default is one publisher) | `pub`: publish only |
//! | `--sub M` | `sub`: wait for `--msgs` messages from publishers elsewhere |
//! | `--pub N --sub M` | `pubsub`: both, in this process |
//! | `--request [--pub N]` | `request`: requesters, answered by repliers elsewhere |
//! | `--sub M --reply` | `reply`: answer `--msgs` requests from requesters elsewhere |
//! | `--request --sub M` (or `--pub N --sub M --reply`) | `request-reply`: both, here |
//! | `--js --pub N` | `js-pub`: JetStream async publish into a fresh stream (see [`jetstream`]) |
//! | `--js --sub M` | `js-consume`: M clients share a pull consumer, acking each message |
//! | `--js --pub N --sub M` | `js-pub-consume`: publish, then consume |

mod jetstream;
mod progress;
mod report;
mod runner;
mod stats;
pub(crate) mod units;
mod workers;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

/// Command-line flags of `rill bench`, named after `nats bench`'s.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Subject to publish to and subscribe on.
    #[arg(value_name = "SUBJECT")]
    pub subject: String,
    /// Number of concurrent publishers (requesters with --request); 1 if neither --pub nor --sub
    /// is given.
    #[arg(long = "pub", value_name = "N", default_value_t = 0)]
    pub pubs: usize,
    /// Number of concurrent subscribers (repliers with --request or --reply).
    #[arg(long = "sub", value_name = "N", default_value_t = 0)]
    pub subs: usize,
    /// Number of messages to publish (split between publishers; each subscriber gets them all).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub msgs: u64,
    /// Payload size: bytes, or with a binary suffix (128, 1KB, 1MiB).
    #[arg(long, value_name = "SIZE", default_value = "128", value_parser = units::parse_size)]
    pub size: usize,
    /// Request/reply: publishers send requests and wait for each reply; subscribers answer.
    #[arg(long)]
    pub request: bool,
    /// Subscribers answer requests (run alone to serve requesters in another process).
    #[arg(long)]
    pub reply: bool,
    /// Server URLs (comma-separated). Without it: the connection flags given before `bench`,
    /// `NATS_URL`, the selected context, `nats://127.0.0.1:4222`; credentials and TLS come from
    /// the same places.
    #[arg(long, value_name = "URLS")]
    pub server: Option<String>,
    /// Connection flags given before `bench` (`rill --context prod bench ...`).
    #[arg(skip)]
    pub outer: crate::cli::connect::ConnectArgs,
    /// Longest silence tolerated while messages are expected, and the request timeout
    /// (10s, 500ms; a bare number is seconds).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = units::parse_duration)]
    pub timeout: Duration,
    /// Do not draw the progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print one JSON object with the results instead of the text summary.
    #[arg(long)]
    pub json: bool,
    /// Also write per-client results to FILE in `nats bench`'s CSV layout.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// JetStream: publish into a stream and/or consume it with a pull consumer.
    #[arg(long)]
    pub js: bool,
    /// JetStream stream name (created afresh by publishers).
    #[arg(long, value_name = "NAME", default_value = "benchstream")]
    pub stream: String,
    /// JetStream storage of the stream.
    #[arg(long, value_enum, default_value_t = StorageArg::File)]
    pub storage: StorageArg,
    /// JetStream replicas of the stream the publishers create (3 needs a cluster).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,
    /// JetStream publishers: publish into the stream as it is if it exists, instead of
    /// recreating it (keeps its placement and leader, e.g. one a script chose).
    #[arg(long)]
    pub keep_stream: bool,
    /// JetStream publishers: most acknowledgements outstanding per publisher.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub window: usize,
    /// JetStream consumers: messages asked for per pull request.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub batch: usize,
}

/// `--storage`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageArg {
    /// File storage.
    File,
    /// Memory storage.
    Memory,
}

impl From<StorageArg> for async_nats::jetstream::stream::StorageType {
    fn from(s: StorageArg) -> Self {
        match s {
            StorageArg::File => Self::File,
            StorageArg::Memory => Self::Memory,
        }
    }
}

/// What a run does, resolved from [`BenchArgs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Publishers, or requesters in a request mode.
    pub pubs: usize,
    /// Subscribers, or repliers in a request mode.
    pub subs: usize,
    /// Requests and replies instead of plain publishes.
    pub request_reply: bool,
    /// JetStream publish/consume.
    pub jetstream: bool,
}

impl Plan {
    /// Resolves the mode from the flags, rejecting combinations that cannot run.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        check_subject(&args.subject)?;
        let request_reply = args.request || args.reply;
        let mut plan = Plan {
            pubs: args.pubs,
            subs: args.subs,
            request_reply,
            jetstream: args.js,
        };
        if args.js && request_reply {
            bail!("--js cannot be combined with --request or --reply");
        }
        if args.reply && !args.request && args.subs == 0 {
            bail!("--reply needs --sub N: the number of repliers");
        }
        let reply_only = args.reply && !args.request && args.pubs == 0;
        if plan.pubs == 0 && (plan.subs == 0 || args.request) && !reply_only {
            plan.pubs = 1;
        }
        if plan.pubs > 0 && has_wildcard(&args.subject) {
            bail!(
                "cannot publish to {:?}: it contains a wildcard",
                args.subject
            );
        }
        Ok(plan)
    }

    /// The mode's name, as reported in the summary and the JSON.
    pub fn mode(&self) -> &'static str {
        if self.jetstream {
            return match (self.pubs > 0, self.subs > 0) {
                (true, false) => "js-pub",
                (false, _) => "js-consume",
                (true, true) => "js-pub-consume",
            };
        }
        match (self.request_reply, self.pubs > 0, self.subs > 0) {
            (false, true, false) => "pub",
            (false, false, _) => "sub",
            (false, true, true) => "pubsub",
            (true, true, false) => "request",
            (true, false, _) => "reply",
            (true, true, true) => "request-reply",
        }
    }
}

fn check_subject(subject: &str) -> anyhow::Result<()> {
    let bad_token = subject.split('.').any(str::is_empty);
    if subject.is_empty() || subject.chars().any(char::is_whitespace) || bad_token {
        bail!("invalid subject {subject:?}: expected tokens like foo.bar, without spaces");
    }
    Ok(())
}

fn has_wildcard(subject: &str) -> bool {
    subject.split('.').any(|token| token == "*" || token == ">")
}

/// Runs the benchmark described by `args` and prints its summary (text or `--json`) on stdout.
///
/// Fails if a server cannot be reached, a connection drops, the payload exceeds the server's
/// `max_payload`, or subscribers stop short of the messages they expect.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let plan = Plan::from_args(&args)?;
    if !args.json {
        let banner = report::banner(
            plan.mode(),
            &args.subject,
            args.msgs,
            args.size,
            plan.pubs,
            plan.subs,
        );
        writeln!(std::io::stdout().lock(), "{banner}")?;
    }
    let mut conn = args.outer.clone();
    if args.server.is_some() {
        conn.server = args.server.clone();
    }
    let target = conn.resolve()?;
    let report = if plan.jetstream {
        jetstream::execute(&args, &target, plan).await?
    } else {
        runner::execute(&args, &target, plan).await?
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", report.json())?;
    } else {
        write!(stdout, "{}", report.text())?;
    }
    if let Some(path) = &args.csv {
        std::fs::write(path, report.csv())
            .with_context(|| format!("writing CSV to {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn plan(argv: &[&str]) -> anyhow::Result<Plan> {
        let mut full = vec!["rill-bench"];
        full.extend_from_slice(argv);
        let cli = Cli::try_parse_from(full)?;
        Plan::from_args(&cli.bench)
    }

    fn mode(argv: &[&str]) -> &'static str {
        plan(argv).map(|p| p.mode()).unwrap_or("error")
    }

    #[test]
    fn flags_select_the_same_modes_as_nats_bench() {
        assert_eq!(mode(&["foo"]), "pub");
        assert_eq!(mode(&["foo", "--pub", "4"]), "pub");
        assert_eq!(mode(&["foo", "--sub", "2"]), "sub");
        assert_eq!(mode(&["foo", "--pub", "1", "--sub", "2"]), "pubsub");
        assert_eq!(mode(&["foo", "--request"]), "request");
        assert_eq!(mode(&["foo", "--sub", "2", "--reply"]), "reply");
        assert_eq!(mode(&["foo", "--request", "--sub", "1"]), "request-reply");
        assert_eq!(
            mode(&["foo", "--pub", "2", "--sub", "1", "--reply"]),
            "request-reply"
        );
        assert_eq!(mode(&["foo", "--js"]), "js-pub");
        assert_eq!(mode(&["foo", "--js", "--sub", "2"]), "js-consume");
        assert_eq!(
            mode(&["foo", "--js", "--pub", "2", "--sub", "2"]),
            "js-pub-consume"
        );
        assert_eq!(mode(&["foo", "--js", "--request"]), "error");
    }

    #[test]
    fn js_stream_replicas_default_to_one_and_keep_stream_is_opt_in() {
        let cli = Cli::try_parse_from(["x", "foo", "--js"]).unwrap();
        assert_eq!((cli.bench.replicas, cli.bench.keep_stream), (1, false));
        let cli =
            Cli::try_parse_from(["x", "foo", "--js", "--replicas", "3", "--keep-stream"]).unwrap();
        assert_eq!((cli.bench.replicas, cli.bench.keep_stream), (3, true));
    }

    #[test]
    fn impossible_combinations_are_rejected() {
        assert_eq!(mode(&["foo", "--reply"]), "error");
        assert_eq!(mode(&["foo.*"]), "error");
        assert_eq!(mode(&["foo.>", "--sub", "1"]), "sub");
        assert_eq!(mode(&["foo..bar"]), "error");
        assert_eq!(mode(&["foo", "--size", "12XB"]), "error");
    }

    #[test]
    fn sizes_and_timeouts_parse_with_units() {
        let cli = Cli::try_parse_from(["x", "foo", "--size", "1KB", "--timeout", "500ms"])
            .expect("valid flags");
        assert_eq!(cli.bench.size, 1024);
        assert_eq!(cli.bench.timeout, Duration::from_millis(500));
        assert_eq!(cli.bench.server, None, "resolved like every other command");
        assert_eq!(cli.bench.msgs, 100_000);
    }
}
