//! A count progress bar as the seed shows for `nats pub --count 1000`:
//!
//! ```text
//!  27 / 1000 [====>---------------------------------------------]
//! ```
//!
//! Drawn on stderr and only when stderr is a terminal, so pipes and scripts never see it.
//! Redraws are rate-limited to [`REDRAW_INTERVAL`]; the caller reports progress with
//! [`Bar::set`] from its own loop, no task or thread is involved.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Minimum time between two redraws.
pub const REDRAW_INTERVAL: Duration = Duration::from_millis(100);
/// Characters between the brackets.
pub const BAR_WIDTH: usize = 50;

/// The bar's text for `done` of `total`: the count right-aligned to the total's width, then
/// `=` for what is done, `>` at the head and `-` for the rest.
pub fn bar_line(done: u64, total: u64, width: usize) -> String {
    let done = done.min(total);
    let digits = total.to_string().len();
    let filled = if total == 0 {
        width
    } else {
        ((done as u128 * width as u128) / total as u128) as usize
    };
    let mut bar = "=".repeat(filled);
    if filled < width {
        bar.push('>');
        bar.push_str(&"-".repeat(width - filled - 1));
    }
    format!(" {done:>digits$} / {total} [{bar}]")
}

/// A live progress bar on stderr; inert when not drawn.
#[derive(Debug)]
pub struct Bar {
    total: u64,
    drawn: bool,
    last_draw: Option<Instant>,
}

impl Bar {
    /// A bar for `total` steps, drawn only if `wanted` and stderr is a terminal.
    pub fn start(total: u64, wanted: bool) -> Bar {
        Bar {
            total,
            drawn: wanted && std::io::stderr().is_terminal(),
            last_draw: None,
        }
    }

    /// Whether the bar is being drawn.
    pub fn is_drawn(&self) -> bool {
        self.drawn
    }

    fn draw(&mut self, done: u64) {
        let line = bar_line(done, self.total, BAR_WIDTH);
        // Losing a frame of the bar is harmless; the work goes on.
        let _ = write!(std::io::stderr().lock(), "\r\u{1b}[2K{line}");
        self.last_draw = Some(Instant::now());
    }

    /// Reports `done` steps; redraws if the last frame is older than [`REDRAW_INTERVAL`].
    pub fn set(&mut self, done: u64) {
        if !self.drawn {
            return;
        }
        if self
            .last_draw
            .is_none_or(|t| t.elapsed() >= REDRAW_INTERVAL)
        {
            self.draw(done);
        }
    }

    /// Draws the final count and ends the line.
    pub fn finish(mut self, done: u64) {
        if self.drawn {
            self.draw(done);
            let _ = writeln!(std::io::stderr().lock());
            self.drawn = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_matches_the_seeds_shape() {
        assert_eq!(bar_line(27, 1000, 10), "   27 / 1000 [>---------]");
        assert_eq!(bar_line(500, 1000, 10), "  500 / 1000 [=====>----]");
        assert_eq!(bar_line(1000, 1000, 10), " 1000 / 1000 [==========]");
    }

    #[test]
    fn overshoot_and_empty_totals_are_full() {
        assert_eq!(bar_line(5, 3, 4), " 3 / 3 [====]");
        assert_eq!(bar_line(0, 0, 4), " 0 / 0 [====]");
    }

    #[test]
    fn undrawn_bar_is_inert() {
        let mut bar = Bar::start(10, false);
        assert!(!bar.is_drawn());
        bar.set(5);
        bar.finish(10);
    }
}
