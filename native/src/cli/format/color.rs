//! Colours, only where a person reads them: stdout is a terminal, `--json` is not given and
//! `NO_COLOR` is unset (https://no-color.org). Everything else gets plain text.

use std::io::IsTerminal;

/// Whether to colour output; decided once per command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    enabled: bool,
}

impl Style {
    /// Colour when stdout is a terminal, `json` is false and `NO_COLOR` is unset or empty.
    pub fn detect(json: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style::decide(std::io::stdout().is_terminal(), json, no_color)
    }

    /// The decision itself, for tests: colour only on a terminal, never with JSON or NO_COLOR.
    pub fn decide(terminal: bool, json: bool, no_color: bool) -> Style {
        Style {
            enabled: terminal && !json && !no_color,
        }
    }

    /// No colour at all.
    pub fn plain() -> Style {
        Style { enabled: false }
    }

    /// Whether colour codes are written.
    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold (titles).
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Green (OK).
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Yellow (warnings).
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Red (failures).
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_json_or_no_color() {
        assert!(Style::decide(true, false, false).enabled());
        assert!(!Style::decide(false, false, false).enabled());
        assert!(!Style::decide(true, true, false).enabled());
        assert!(!Style::decide(true, false, true).enabled());
    }

    #[test]
    fn plain_style_writes_text_unchanged() {
        assert_eq!(Style::plain().green("OK"), "OK");
        assert_eq!(
            Style::decide(true, false, false).red("bad"),
            "\u{1b}[31mbad\u{1b}[0m"
        );
    }
}
