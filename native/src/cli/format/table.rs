//! Box-drawn tables in the `nats` CLI's rounded style:
//!
//! ```text
//! ╭──────────────────────────────────────────────╮
//! │                Known Contexts                │
//! ├───────────────────┬──────────────────────────┤
//! │ Name              │ Description              │
//! ├───────────────────┼──────────────────────────┤
//! │ computenest-nats* │ ComputeNest NATS Cluster │
//! │ local             │ Local Host               │
//! ╰───────────────────┴──────────────────────────╯
//! ```
//!
//! Widths count characters, ignoring ANSI colour sequences, so coloured cells line up.

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Text: left.
    #[default]
    Left,
    /// Numbers: right.
    Right,
}

/// A table with an optional centred title, one header row and any number of rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    title: Option<String>,
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
    footer: Option<Vec<String>>,
}

/// Characters shown on screen: ANSI escape sequences (`ESC [ ... m`) take no room.
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

fn pad(text: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(visible_width(text)));
    match align {
        Align::Left => format!("{text}{fill}"),
        Align::Right => format!("{fill}{text}"),
    }
}

impl Table {
    /// A table with the given column headings.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let align = vec![Align::Left; header.len()];
        Table {
            header,
            align,
            ..Table::default()
        }
    }

    /// Sets the centred title row.
    pub fn title(mut self, title: impl Into<String>) -> Table {
        self.title = Some(title.into());
        self
    }

    /// Right-aligns column `index` (numbers).
    pub fn align_right(mut self, index: usize) -> Table {
        if let Some(a) = self.align.get_mut(index) {
            *a = Align::Right;
        }
        self
    }

    /// Appends a row; missing cells are empty, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// A last row under a rule (totals); missing cells are empty.
    pub fn footer<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.footer = Some(row);
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| visible_width(h)).collect();
        for row in self.rows.iter().chain(&self.footer) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(visible_width(cell));
            }
        }
        // A title wider than the columns widens the last column, so the box stays closed.
        if let Some(title) = &self.title {
            let inner: usize = widths
                .iter()
                .map(|w| w + 3)
                .sum::<usize>()
                .saturating_sub(1);
            let need = visible_width(title) + 2;
            if need > inner {
                if let Some(last) = widths.last_mut() {
                    *last += need - inner;
                }
            }
        }
        widths
    }

    fn rule(widths: &[usize], left: char, mid: char, right: char) -> String {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}", parts.join(&mid.to_string()))
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(&self.align)
            .map(|((c, w), a)| format!(" {} ", pad(c, *w, *a)))
            .collect();
        format!("│{}│", parts.join("│"))
    }

    /// Renders the table, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        match &self.title {
            Some(title) => {
                let inner: usize = widths.iter().map(|w| w + 3).sum::<usize>() - 1;
                let space = inner.saturating_sub(visible_width(title));
                let left = space / 2;
                out.push_str(&format!("╭{}╮\n", "─".repeat(inner)));
                out.push_str(&format!(
                    "│{}{title}{}│\n",
                    " ".repeat(left),
                    " ".repeat(space - left)
                ));
                out.push_str(&Self::rule(&widths, '├', '┬', '┤'));
            }
            None => out.push_str(&Self::rule(&widths, '╭', '┬', '╮')),
        }
        out.push('\n');
        out.push_str(&self.line(&self.header, &widths));
        out.push('\n');
        out.push_str(&Self::rule(&widths, '├', '┼', '┤'));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&self.line(row, &widths));
            out.push('\n');
        }
        if let Some(footer) = &self.footer {
            out.push_str(&Self::rule(&widths, '├', '┼', '┤'));
            out.push('\n');
            out.push_str(&self.line(footer, &widths));
            out.push('\n');
        }
        out.push_str(&Self::rule(&widths, '╰', '┴', '╯'));
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_seeds_known_contexts_table() {
        let mut t = Table::new(["Name", "Description"]).title("Known Contexts");
        t.row(["computenest-nats*", "ComputeNest NATS Cluster"]);
        t.row(["local", "Local Host"]);
        let expected = "\
╭──────────────────────────────────────────────╮
│                Known Contexts                │
├───────────────────┬──────────────────────────┤
│ Name              │ Description              │
├───────────────────┼──────────────────────────┤
│ computenest-nats* │ ComputeNest NATS Cluster │
│ local             │ Local Host               │
╰───────────────────┴──────────────────────────╯
";
        assert_eq!(t.render(), expected);
    }

    #[test]
    fn wide_title_widens_the_last_column_and_numbers_align_right() {
        let mut t = Table::new(["A", "N"])
            .title("A rather long title")
            .align_right(1);
        t.row(["x", "7"]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        let width = visible_width(lines[0]);
        assert!(lines.iter().all(|l| visible_width(l) == width), "{out}");
        assert!(lines[5].ends_with(" 7 │"), "{out}");
    }

    #[test]
    fn colour_codes_take_no_room() {
        assert_eq!(visible_width("\u{1b}[1;32mOK\u{1b}[0m"), 2);
        let mut t = Table::new(["S"]);
        t.row(["\u{1b}[32mOK\u{1b}[0m"]);
        t.row(["FAIL"]);
        let out = t.render();
        assert!(out.contains("│ \u{1b}[32mOK\u{1b}[0m   │"), "{out}");
    }

    #[test]
    fn untitled_tables_open_with_column_joints() {
        let mut t = Table::new(["A", "B"]);
        t.row(["1"]);
        assert!(t.render().starts_with("╭───┬───╮\n│ A │ B │\n"));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn footer_sits_under_a_rule_and_widens_its_columns() {
        let mut t = Table::new(["Server", "Streams"]);
        t.row(["n1", "1"]);
        t.footer(["", "1,000"]);
        let expected = "\
╭────────┬─────────╮
│ Server │ Streams │
├────────┼─────────┤
│ n1     │ 1       │
├────────┼─────────┤
│        │ 1,000   │
╰────────┴─────────╯
";
        assert_eq!(t.render(), expected);
    }
}
