//! Nagios plugin output, as `nats server check` prints it:
//!
//! ```text
//! OK Connection OK:connected to nats://127.0.0.1:4222 in 1.2ms OK:rtt time 310µs | connect_time=0.0012s;0.5000;1.0000 rtt=0.0003s;0.5000;1.0000
//! CRITICAL Connection CRITICAL:cannot connect to nats://127.0.0.1:1: connection refused
//! ```
//!
//! The overall status is the worst of the items; the exit code is Nagios's (0, 1, 2, 3).

use serde::Serialize;

/// A check outcome, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Fine.
    Ok,
    /// Past a warning threshold.
    Warning,
    /// Past a critical threshold, or failed.
    Critical,
    /// Could not tell.
    Unknown,
}

impl Status {
    /// `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// Nagios's exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    /// The status of `value` against thresholds where larger is worse.
    pub fn of(value: f64, warning: f64, critical: f64) -> Status {
        if value >= critical {
            Status::Critical
        } else if value >= warning {
            Status::Warning
        } else {
            Status::Ok
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked (`Connection`, `JetStream`).
    pub name: String,
    /// Each finding with its status.
    pub items: Vec<(Status, String)>,
    /// Performance data: `name=value;warn;crit`.
    pub perf: Vec<String>,
}

impl Check {
    /// An empty check named `name`.
    pub fn new(name: &str) -> Check {
        Check {
            name: name.to_string(),
            items: Vec::new(),
            perf: Vec::new(),
        }
    }

    /// Adds a finding.
    pub fn item(&mut self, status: Status, text: impl Into<String>) {
        self.items.push((status, text.into()));
    }

    /// The worst status (OK when there are no findings).
    pub fn status(&self) -> Status {
        self.items
            .iter()
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// The one line Nagios reads.
    pub fn line(&self) -> String {
        let mut out = format!("{} {}", self.status().label(), self.name);
        for (status, text) in &self.items {
            out.push_str(&format!(" {}:{text}", status.label()));
        }
        if !self.perf.is_empty() {
            out.push_str(" | ");
            out.push_str(&self.perf.join(" "));
        }
        out
    }

    /// JSON form for `--json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "status": self.status().label(),
            "checks": self.items.iter().map(|(s, t)| serde_json::json!({"status": s.label(), "message": t})).collect::<Vec<_>>(),
            "perf_data": self.perf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_item_decides_and_perf_follows_a_bar() {
        let mut c = Check::new("Connection");
        c.item(Status::Ok, "connected");
        c.item(Status::Warning, "rtt time 600ms");
        c.perf.push("rtt=0.6000s;0.5000;1.0000".into());
        assert_eq!(
            c.line(),
            "WARNING Connection OK:connected WARNING:rtt time 600ms | rtt=0.6000s;0.5000;1.0000"
        );
        assert_eq!(c.status().exit_code(), 1);
        assert_eq!(Check::new("X").line(), "OK X");
    }

    #[test]
    fn thresholds() {
        assert_eq!(Status::of(0.1, 0.5, 1.0), Status::Ok);
        assert_eq!(Status::of(0.5, 0.5, 1.0), Status::Warning);
        assert_eq!(Status::of(2.0, 0.5, 1.0), Status::Critical);
    }
}
