//! Character-level scanning: a [`Cursor`] that tracks positions, and the scanners for scalar
//! values (strings, numbers, booleans, datetimes, variable references, block strings).
//!
//! The rules follow nats-server's `conf/lex.go`. Values starting with a digit or `-` are
//! scanned by [`super::number`].

use std::sync::Arc;

use super::error::ConfError;
use super::number::scan_number;
use super::value::{Pos, Value};

/// A cursor over the text of one file (or one environment variable).
pub(crate) struct Cursor {
    chars: Vec<char>,
    idx: usize,
    line: u32,
    col: u32,
    file: Arc<str>,
}

impl Cursor {
    pub(crate) fn new(text: &str, file: Arc<str>) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Cursor {
            chars: text.chars().collect(),
            idx: 0,
            line: 1,
            col: 1,
            file,
        }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.chars.get(self.idx).copied()
    }

    pub(crate) fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.idx + n).copied()
    }

    /// The character before the cursor, if any.
    fn prev(&self) -> Option<char> {
        self.idx
            .checked_sub(1)
            .and_then(|i| self.chars.get(i).copied())
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.idx += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    pub(crate) fn pos(&self) -> Pos {
        Pos {
            file: self.file.clone(),
            line: self.line,
            col: self.col,
        }
    }

    /// A syntax error at the cursor.
    pub(crate) fn err(&self, message: impl Into<String>) -> ConfError {
        ConfError::syntax(self.pos(), message)
    }

    /// Skips spaces and tabs.
    pub(crate) fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// True at `#` or `//`.
    pub(crate) fn at_comment(&self) -> bool {
        match self.peek() {
            Some('#') => true,
            Some('/') => self.peek_at(1) == Some('/'),
            _ => false,
        }
    }

    /// Skips a comment up to (not including) the end of the line.
    pub(crate) fn skip_comment(&mut self) {
        while !matches!(self.peek(), None | Some('\n' | '\r')) {
            self.bump();
        }
    }

    /// Skips whitespace (new lines included) and comments.
    pub(crate) fn skip_space_and_comments(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                _ if self.at_comment() => self.skip_comment(),
                _ => return,
            }
        }
    }
}

/// How a character reads in an error message.
pub(crate) fn show(c: Option<char>) -> String {
    match c {
        None => "end of file".to_string(),
        Some('\n' | '\r') => "new line".to_string(),
        Some(c) => format!("'{c}'"),
    }
}

/// Characters that end a bare string or a number.
pub(crate) fn ends_token(c: Option<char>) -> bool {
    matches!(
        c,
        None | Some('\n' | '\r' | ' ' | '\t' | '}' | ']' | ';' | ',')
    )
}

/// A scanned scalar: a value, or a `$NAME` reference for the parser to resolve.
pub(crate) enum Scalar {
    Value(Value),
    Variable(String),
}

/// Scans a scalar value at the cursor (never `[` or `{`, which the parser handles).
pub(crate) fn scan_scalar(cur: &mut Cursor) -> Result<Scalar, ConfError> {
    match cur.peek() {
        Some('"') => scan_double_quoted(cur).map(|s| Scalar::Value(Value::Str(s))),
        Some('\'') => scan_single_quoted(cur).map(|s| Scalar::Value(Value::Str(s))),
        Some('(') => scan_block(cur).map(|s| Scalar::Value(Value::Str(s))),
        Some(c) if c == '-' || c.is_ascii_digit() => scan_number(cur),
        Some('.') => Err(cur.err("floats must start with a digit")),
        None | Some('\n' | '\r') => {
            Err(cur.err(format!("expected a value but found {}", show(cur.peek()))))
        }
        Some(_) => scan_bare(cur, String::new()),
    }
}

fn scan_double_quoted(cur: &mut Cursor) -> Result<String, ConfError> {
    let start = cur.pos();
    cur.bump();
    let mut bytes = Vec::new();
    loop {
        match cur.bump() {
            None => {
                return Err(ConfError::syntax(
                    start,
                    "unterminated double-quoted string",
                ))
            }
            Some('"') => break,
            Some('\\') => scan_escape(cur, &mut bytes)?,
            Some(c) => push_char(&mut bytes, c),
        }
    }
    String::from_utf8(bytes).map_err(|_| ConfError::syntax(start, "string is not valid UTF-8"))
}

fn scan_single_quoted(cur: &mut Cursor) -> Result<String, ConfError> {
    let start = cur.pos();
    cur.bump();
    let mut s = String::new();
    loop {
        match cur.bump() {
            None => {
                return Err(ConfError::syntax(
                    start,
                    "unterminated single-quoted string",
                ))
            }
            Some('\'') => return Ok(s),
            Some(c) => s.push(c),
        }
    }
}

/// `( ... )`: raw text up to a `)` that stands alone at the start of a line.
fn scan_block(cur: &mut Cursor) -> Result<String, ConfError> {
    let start = cur.pos();
    cur.bump();
    let mut s = String::new();
    loop {
        let closes = cur.peek() == Some(')')
            && cur.prev() == Some('\n')
            && matches!(cur.peek_at(1), None | Some('\n' | '\r'));
        if closes {
            cur.bump();
            return Ok(s);
        }
        match cur.bump() {
            None => {
                return Err(ConfError::syntax(
                    start,
                    "unterminated block string: a block ends with ')' alone on its own line",
                ))
            }
            Some(c) => s.push(c),
        }
    }
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// After a `\`: one of `\xXX \t \n \r \" \\`.
fn scan_escape(cur: &mut Cursor, bytes: &mut Vec<u8>) -> Result<(), ConfError> {
    let pos = cur.pos();
    match cur.bump() {
        Some('t') => bytes.push(b'\t'),
        Some('n') => bytes.push(b'\n'),
        Some('r') => bytes.push(b'\r'),
        Some('"') => bytes.push(b'"'),
        Some('\\') => bytes.push(b'\\'),
        Some('x') => {
            let hex: String = [cur.bump(), cur.bump()].iter().flatten().collect();
            match u8::from_str_radix(&hex, 16) {
                Ok(b) if hex.len() == 2 => bytes.push(b),
                _ => {
                    return Err(ConfError::syntax(
                        pos,
                        format!("expected two hexadecimal digits after '\\x', found {hex:?}"),
                    ))
                }
            }
        }
        other => {
            return Err(ConfError::syntax(
                pos,
                format!(
                    "invalid escape character {}; only \\xXX, \\t, \\n, \\r, \\\" and \\\\ \
                     are allowed",
                    show(other)
                ),
            ))
        }
    }
    Ok(())
}

/// A bare (unquoted) string, continuing after `prefix` (already consumed). Bare strings end
/// at white space, a new line, `,`, `;`, `]` or `}`; they may hold escapes like quoted ones.
pub(crate) fn scan_bare(cur: &mut Cursor, prefix: String) -> Result<Scalar, ConfError> {
    let start = cur.pos();
    let mut bytes = prefix.into_bytes();
    let mut escaped = false;
    // A `'` also ends a bare string (nats-server then fails on what follows).
    while !ends_token(cur.peek()) && cur.peek() != Some('\'') {
        match cur.bump() {
            Some('\\') => {
                escaped = true;
                scan_escape(cur, &mut bytes)?;
            }
            Some(c) => push_char(&mut bytes, c),
            None => break,
        }
    }
    let s = String::from_utf8(bytes)
        .map_err(|_| ConfError::syntax(start, "string is not valid UTF-8"))?;
    if escaped {
        return Ok(Scalar::Value(Value::Str(s)));
    }
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => return Ok(Scalar::Value(Value::Bool(true))),
        "false" | "no" | "off" => return Ok(Scalar::Value(Value::Bool(false))),
        _ => {}
    }
    match s.strip_prefix('$') {
        // bcrypt hashes (`$2a$11$...`) are not variable references.
        Some(rest)
            if ["2a$", "2b$", "2x$", "2y$"]
                .iter()
                .any(|p| rest.starts_with(p)) =>
        {
            Ok(Scalar::Value(Value::Str(s)))
        }
        Some(name) => Ok(Scalar::Variable(name.to_string())),
        None => Ok(Scalar::Value(Value::Str(s))),
    }
}
