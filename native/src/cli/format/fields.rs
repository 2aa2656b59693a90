//! "Label: value" blocks as the `nats` CLI prints its info pages:
//!
//! ```text
//! Information for Stream my_stream created 2023-04-09 08:28:33
//!
//!              Subjects: foo
//!              Replicas: 3
//!
//! Limits:
//!
//!  Maximum Message Size: unlimited
//! ```
//!
//! Every label of a document is right-aligned to the longest label plus one space of indent,
//! so all colons of one page line up. Plain lines (titles, section headings) and blank lines
//! are printed as given.

use super::table::visible_width;

#[derive(Debug, Clone)]
enum Line {
    Text(String),
    Field(String, String),
}

/// A page of titles, section headings and aligned fields.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    lines: Vec<Line>,
}

impl Fields {
    /// An empty page.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// A plain line (a title or heading), printed without indentation.
    pub fn text(&mut self, line: impl Into<String>) -> &mut Fields {
        self.lines.push(Line::Text(line.into()));
        self
    }

    /// A blank line.
    pub fn blank(&mut self) -> &mut Fields {
        self.text("")
    }

    /// A section heading followed by a blank line (`Options:`).
    pub fn section(&mut self, heading: &str) -> &mut Fields {
        self.blank();
        self.text(format!("{heading}:"));
        self.blank()
    }

    /// An aligned `label: value` line.
    pub fn field(&mut self, label: impl Into<String>, value: impl ToString) -> &mut Fields {
        self.lines
            .push(Line::Field(label.into(), value.to_string()));
        self
    }

    /// Renders the page, each line ending in a newline.
    pub fn render(&self) -> String {
        let width = self
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Field(label, _) => Some(visible_width(label)),
                Line::Text(_) => None,
            })
            .max()
            .unwrap_or(0)
            + 1;
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Text(text) => out.push_str(text),
                Line::Field(label, value) => {
                    out.push_str(&" ".repeat(width - visible_width(label)));
                    out.push_str(label);
                    out.push(':');
                    if !value.is_empty() {
                        out.push(' ');
                        out.push_str(value);
                    }
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_align_on_the_longest_plus_one() {
        let mut page = Fields::new();
        page.text("Information for Stream my_stream")
            .blank()
            .field("Subjects", "foo")
            .section("Limits")
            .field("Maximum Message Size", "unlimited")
            .field("Empty", "");
        let expected = "\
Information for Stream my_stream

             Subjects: foo

Limits:

 Maximum Message Size: unlimited
                Empty:
";
        assert_eq!(page.render(), expected);
    }

    #[test]
    fn a_page_without_fields_is_its_text() {
        let mut page = Fields::new();
        page.text("only");
        assert_eq!(page.render(), "only\n");
    }
}
