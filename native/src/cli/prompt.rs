//! Questions the way the `nats` CLI asks them (`? Storage file`), answered on a terminal, or by
//! flags and defaults when there is no one to ask.
//!
//! Every question names the flag that answers it. The rules:
//! 1. A value given by flag is used (and checked) without asking.
//! 2. Otherwise, on an interactive terminal (and without `--defaults`), the question is asked;
//!    an empty answer takes the default; a bad answer is explained and asked again.
//! 3. Otherwise the default is taken; a question without one fails with a message naming its
//!    flag. The tool never waits for input that cannot come.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{anyhow, bail};

/// Asks questions or answers them from flags and defaults (see the module docs).
pub struct Prompter {
    interactive: bool,
    input: Box<dyn BufRead>,
    output: Box<dyn Write>,
}

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompter")
            .field("interactive", &self.interactive)
            .finish_non_exhaustive()
    }
}

impl Prompter {
    /// Asks on the process's terminal when stdin and stderr are terminals and `defaults` (the
    /// `--defaults` flag) is not set; otherwise answers from flags and defaults only.
    pub fn for_terminal(defaults: bool) -> Prompter {
        let interactive =
            !defaults && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Prompter {
            interactive,
            input: Box::new(std::io::BufReader::new(std::io::stdin())),
            output: Box::new(std::io::stderr()),
        }
    }

    /// A prompter reading answers from `input` and writing questions to `output` (tests).
    pub fn scripted(input: impl BufRead + 'static, output: impl Write + 'static) -> Prompter {
        Prompter {
            interactive: true,
            input: Box::new(input),
            output: Box::new(output),
        }
    }

    /// A prompter that never asks (flags and defaults only).
    pub fn unattended() -> Prompter {
        Prompter {
            interactive: false,
            input: Box::new(std::io::empty()),
            output: Box::new(std::io::sink()),
        }
    }

    /// Whether questions are asked.
    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    /// A value parsed by `parse`: from `given` (the flag), an answer, or `default`.
    /// `flag` names the flag in messages (`--storage`).
    pub fn value<T>(
        &mut self,
        question: &str,
        flag: &str,
        given: Option<&str>,
        default: Option<&str>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> anyhow::Result<T> {
        if let Some(text) = given {
            return parse(text).map_err(|why| anyhow!("invalid value for {flag}: {why}"));
        }
        if !self.interactive {
            let Some(text) = default else {
                bail!("{flag} is required when not asking interactively");
            };
            return parse(text).map_err(|why| anyhow!("invalid default for {flag}: {why}"));
        }
        loop {
            // An empty default (a blank answer is fine) is not shown as "()".
            let shown = default
                .filter(|d| !d.is_empty())
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            write!(self.output, "? {question}{shown} ")?;
            self.output.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                bail!("no answer for \"{question}\" (end of input); pass {flag}");
            }
            let answer = line.trim();
            let text = match (answer.is_empty(), default) {
                (false, _) => answer,
                (true, Some(d)) => d,
                (true, None) => {
                    writeln!(self.output, "  an answer is required")?;
                    continue;
                }
            };
            match parse(text) {
                Ok(v) => return Ok(v),
                Err(why) => writeln!(self.output, "  {why}")?,
            }
        }
    }

    /// Free text (no check beyond being there).
    pub fn text(
        &mut self,
        question: &str,
        flag: &str,
        given: Option<&str>,
        default: Option<&str>,
    ) -> anyhow::Result<String> {
        self.value(question, flag, given, default, |s| Ok(s.to_string()))
    }

    /// One of `choices` (case-insensitive); returns it as listed.
    pub fn choice(
        &mut self,
        question: &str,
        flag: &str,
        given: Option<&str>,
        choices: &[&str],
        default: &str,
    ) -> anyhow::Result<String> {
        let question = format!("{question} [{}]", choices.join("/"));
        self.value(&question, flag, given, Some(default), |s| {
            choices
                .iter()
                .find(|c| c.eq_ignore_ascii_case(s.trim()))
                .map(|c| c.to_string())
                .ok_or_else(|| format!("{s:?} is not one of {}", choices.join(", ")))
        })
    }

    /// Yes or no (`y`, `yes`, `n`, `no`, `true`, `false`).
    pub fn confirm(
        &mut self,
        question: &str,
        flag: &str,
        given: Option<bool>,
        default: bool,
    ) -> anyhow::Result<bool> {
        if let Some(v) = given {
            return Ok(v);
        }
        let default = if default { "Yes" } else { "No" };
        self.value(question, flag, None, Some(default), parse_yes_no)
    }
}

/// `y`/`yes`/`true` or `n`/`no`/`false`, any case.
pub fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" => Ok(true),
        "n" | "no" | "false" => Ok(false),
        other => Err(format!("{other:?} is not yes or no")),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().map(|b| b.clone()).unwrap_or_default())
                .into_owned()
        }
    }

    #[test]
    fn flags_win_without_asking() {
        let out = Shared::default();
        let mut p = Prompter::scripted(Cursor::new(""), out.clone());
        let storage = p
            .choice(
                "Storage",
                "--storage",
                Some("Memory"),
                &["file", "memory"],
                "file",
            )
            .unwrap();
        assert_eq!(storage, "memory");
        assert!(p
            .confirm("Allow purging", "--allow-purge", Some(false), true)
            .is_ok());
        assert_eq!(out.text(), "", "nothing asked");
        let bad = p.choice(
            "Storage",
            "--storage",
            Some("disk"),
            &["file", "memory"],
            "file",
        );
        assert!(bad.unwrap_err().to_string().contains("--storage"));
    }

    #[test]
    fn answers_defaults_and_retries_on_a_terminal() {
        let out = Shared::default();
        let input = Cursor::new("\ndisk\nmemory\nmaybe\ny\n");
        let mut p = Prompter::scripted(input, out.clone());
        let subjects = p
            .text("Subjects", "--subjects", None, Some("ORDERS"))
            .unwrap();
        assert_eq!(subjects, "ORDERS", "empty answer takes the default");
        let storage = p
            .choice("Storage", "--storage", None, &["file", "memory"], "file")
            .unwrap();
        assert_eq!(storage, "memory", "asked again after a bad answer");
        assert!(p
            .confirm("Allow message Roll-ups", "--allow-rollup", None, false)
            .unwrap());
        let shown = out.text();
        assert!(shown.contains("? Subjects (ORDERS) "), "{shown}");
        assert!(shown.contains("? Storage [file/memory] (file) "), "{shown}");
        assert!(
            shown.contains("\"disk\" is not one of file, memory"),
            "{shown}"
        );
        assert!(shown.contains("\"maybe\" is not yes or no"), "{shown}");
    }

    #[test]
    fn unattended_takes_defaults_or_names_the_missing_flag() {
        let mut p = Prompter::unattended();
        assert_eq!(
            p.choice("Storage", "--storage", None, &["file", "memory"], "file")
                .unwrap(),
            "file"
        );
        let err = p.text("Subjects", "--subjects", None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--subjects is required when not asking interactively"
        );
    }

    #[test]
    fn end_of_input_is_an_error_not_a_hang() {
        let mut p = Prompter::scripted(Cursor::new(""), Shared::default());
        let err = p.text("Subjects", "--subjects", None, None).unwrap_err();
        assert!(err.to_string().contains("pass --subjects"), "{err}");
    }
}
