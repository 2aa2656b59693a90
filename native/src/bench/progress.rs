//! A small progress bar for `rill bench`, drawn on stderr only when stderr is a terminal.
//!
//! Workers count into a [`Tally`], which touches the shared atomic only every
//! [`TALLY_BATCH_MSGS`] messages so the counter never becomes a point of contention at millions
//! of messages per second. A task redraws the line every [`REDRAW_INTERVAL`].

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::units::fmt_count;

/// Messages a worker counts locally before adding them to the shared counter.
pub const TALLY_BATCH_MSGS: u64 = 4096;
/// How often the bar is redrawn.
pub const REDRAW_INTERVAL: Duration = Duration::from_millis(200);
const BAR_WIDTH: usize = 24;

/// Shared counters of messages sent and received, with the totals expected of each.
#[derive(Debug, Default)]
pub struct Progress {
    sent: AtomicU64,
    received: AtomicU64,
    sent_total: u64,
    received_total: u64,
}

impl Progress {
    /// Counters expecting `sent_total` messages sent and `received_total` received (0 = that side
    /// does not run here and is not drawn).
    pub fn new(sent_total: u64, received_total: u64) -> Arc<Self> {
        Arc::new(Self {
            sent_total,
            received_total,
            ..Self::default()
        })
    }

    /// A local tally for a worker that sends.
    pub fn sent_tally(self: &Arc<Self>) -> Tally {
        Tally::new(self.clone(), false)
    }

    /// A local tally for a worker that receives.
    pub fn received_tally(self: &Arc<Self>) -> Tally {
        Tally::new(self.clone(), true)
    }

    fn line(&self, elapsed: Duration) -> String {
        let mut line = String::new();
        for (label, done, total) in [
            ("pub", self.sent.load(Ordering::Relaxed), self.sent_total),
            (
                "sub",
                self.received.load(Ordering::Relaxed),
                self.received_total,
            ),
        ] {
            if total == 0 {
                continue;
            }
            let fraction = (done as f64 / total as f64).clamp(0.0, 1.0);
            let filled = (fraction * BAR_WIDTH as f64).round() as usize;
            line.push_str(&format!(
                "{label} [{}{}] {:>3.0}% {}/{}  ",
                "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled),
                fraction * 100.0,
                fmt_count(done),
                fmt_count(total)
            ));
        }
        line.push_str(&format!("{:.1}s", elapsed.as_secs_f64()));
        line
    }
}

/// A worker's local message count, flushed to the shared [`Progress`] in batches and on drop.
#[derive(Debug)]
pub struct Tally {
    progress: Arc<Progress>,
    received: bool,
    pending: u64,
}

impl Tally {
    fn new(progress: Arc<Progress>, received: bool) -> Self {
        Self {
            progress,
            received,
            pending: 0,
        }
    }

    /// Counts one message.
    #[inline]
    pub fn add_one(&mut self) {
        self.pending += 1;
        if self.pending >= TALLY_BATCH_MSGS {
            self.flush();
        }
    }

    /// Publishes the local count to the shared counter.
    pub fn flush(&mut self) {
        let counter = if self.received {
            &self.progress.received
        } else {
            &self.progress.sent
        };
        counter.fetch_add(self.pending, Ordering::Relaxed);
        self.pending = 0;
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The running redraw task; [`ProgressBar::finish`] stops it and clears the line.
#[derive(Debug)]
pub struct ProgressBar {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ProgressBar {
    /// Starts drawing `progress` on stderr, unless `disabled` or stderr is not a terminal.
    pub fn start(progress: Arc<Progress>, disabled: bool) -> Option<Self> {
        if disabled || !std::io::stderr().is_terminal() {
            return None;
        }
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut ticks = tokio::time::interval(REDRAW_INTERVAL);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        let line = progress.line(started.elapsed());
                        // A failed write to the terminal only loses the bar, never the benchmark.
                        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{line}");
                    }
                }
            }
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        });
        Some(Self { stop, task })
    }

    /// Stops the redraw task and clears the bar's line.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_reach_the_shared_counter_in_batches_and_on_drop() {
        let progress = Progress::new(10_000, 0);
        let mut tally = progress.sent_tally();
        for _ in 0..TALLY_BATCH_MSGS - 1 {
            tally.add_one();
        }
        assert_eq!(progress.sent.load(Ordering::Relaxed), 0);
        tally.add_one();
        assert_eq!(progress.sent.load(Ordering::Relaxed), TALLY_BATCH_MSGS);
        tally.add_one();
        drop(tally);
        assert_eq!(progress.sent.load(Ordering::Relaxed), TALLY_BATCH_MSGS + 1);
    }

    #[test]
    fn line_shows_only_sides_that_run_here() {
        let progress = Progress::new(0, 1_000);
        let mut tally = progress.received_tally();
        for _ in 0..500 {
            tally.add_one();
        }
        tally.flush();
        let line = progress.line(Duration::from_millis(1500));
        assert!(!line.contains("pub"), "{line}");
        assert!(line.contains(" 50% 500/1,000"), "{line}");
        assert!(line.ends_with("1.5s"), "{line}");
    }
}
