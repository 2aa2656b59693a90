//! Log output in nats-server's line format, which client test harnesses scrape:
//! `[<pid>] YYYY/MM/DD HH:MM:SS.uuuuuu [INF] <text>`.

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Formats events like nats-server's logger.
#[derive(Debug, Clone)]
pub struct NatsFormat {
    pid: u32,
    logtime: bool,
}

/// Civil date and time (UTC) of a Unix timestamp: (year, month, day, hour, minute, second).
pub fn civil_utc(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-from-civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

impl<S, N> FormatEvent<S, N> for NatsFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(w, "[{}] ", self.pid)?;
        if self.logtime {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let (y, mo, d, h, mi, s) = civil_utc(now.as_secs());
            write!(
                w,
                "{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}.{:06} ",
                now.subsec_micros()
            )?;
        }
        let level = match *event.metadata().level() {
            Level::ERROR => "[ERR]",
            Level::WARN => "[WRN]",
            Level::INFO => "[INF]",
            Level::DEBUG => "[DBG]",
            Level::TRACE => "[TRC]",
        };
        write!(w, "{level} ")?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Installs the global subscriber: level from `debug`/`trace` (or `RUST_LOG`), output to
/// `log_file` when given, else stderr.
pub fn init(
    debug: bool,
    trace: bool,
    logtime: bool,
    log_file: Option<&Path>,
) -> anyhow::Result<()> {
    // openraft reports every failed RPC (a peer still starting, a partition) as an error and
    // its state at start as info; the Raft layer logs what matters in our words, so openraft
    // speaks only with -D/-V (or RUST_LOG).
    let default = if trace {
        "trace"
    } else if debug {
        "debug"
    } else {
        "info,openraft=off"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let format = NatsFormat {
        pid: std::process::id(),
        logtime,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .event_format(format);
    let result = match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            builder.with_writer(std::sync::Mutex::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot install logger: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_utc(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil_utc(1_764_042_645), (2025, 11, 25, 3, 50, 45));
    }
}
