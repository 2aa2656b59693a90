//! Structure of a configuration file: entries, maps, arrays, `include` and `$VAR` references.
//!
//! Scalars come from [`super::lexer`]. Variables resolve against the maps being built (innermost
//! first, keys defined earlier only, spelled exactly), then the environment, whose value is
//! parsed like a configuration value. An included file is parsed on its own (it does not see
//! the includer's variables) and its keys are inserted where the `include` stands.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ConfError;
use super::lexer::{scan_scalar, show, Cursor, Scalar};
use super::value::{Item, Map, Pos, Value};

/// Deepest nesting of maps and arrays accepted.
const NESTING_DEPTH_MAX: usize = 64;
/// Longest chain of environment variables referring to each other.
const ENV_DEPTH_MAX: usize = 16;

/// Parses a whole document. `includes` lists the files already being parsed (cycle check).
pub(crate) fn parse_document(
    text: &str,
    file: Arc<str>,
    base_dir: &Path,
    includes: Vec<PathBuf>,
) -> Result<Map, ConfError> {
    let mut p = Parser::new(text, file, base_dir, includes, Vec::new());
    p.cur.skip_space_and_comments();
    if p.cur.peek() == Some('{') {
        // The whole file may be wrapped in braces.
        let open = p.cur.pos();
        p.cur.bump();
        p.parse_entries(Some(open), true)?;
        p.cur.skip_space_and_comments();
        if p.cur.peek().is_some() {
            return Err(p.cur.err(format!(
                "unexpected {} after the closing '}}' of the configuration",
                show(p.cur.peek())
            )));
        }
    } else {
        p.parse_entries(None, false)?;
    }
    Ok(p.scopes.pop().unwrap_or_default())
}

/// Parser state for one document (one file, or one environment variable's value).
pub(crate) struct Parser {
    pub(crate) cur: Cursor,
    pub(crate) base_dir: PathBuf,
    /// Maps being built, outermost first; the last one receives entries.
    scopes: Vec<Map>,
    /// Files being parsed, outermost first, for include cycle detection.
    pub(crate) includes: Vec<PathBuf>,
    /// Environment variables being expanded, for cycle detection.
    env_chain: Vec<String>,
    depth: usize,
}

impl Parser {
    fn new(
        text: &str,
        file: Arc<str>,
        base_dir: &Path,
        includes: Vec<PathBuf>,
        env_chain: Vec<String>,
    ) -> Self {
        Parser {
            cur: Cursor::new(text, file),
            base_dir: base_dir.to_path_buf(),
            scopes: vec![Map::new()],
            includes,
            env_chain,
            depth: 0,
        }
    }

    /// Entries up to the end of input, or up to and including the `}` matching `open`.
    fn parse_entries(&mut self, open: Option<Pos>, in_map: bool) -> Result<(), ConfError> {
        loop {
            self.cur.skip_space_and_comments();
            match (self.cur.peek(), &open) {
                (None, None) => return Ok(()),
                (None, Some(open)) => {
                    return Err(ConfError::syntax(
                        open.clone(),
                        "unexpected end of file: this '{' is never closed",
                    ))
                }
                (Some('}'), Some(_)) => {
                    self.cur.bump();
                    return Ok(());
                }
                (Some(c), _) if "{}[],;:=".contains(c) => {
                    return Err(self
                        .cur
                        .err(format!("unexpected '{c}' where a key was expected")))
                }
                _ => self.parse_entry(in_map)?,
            }
        }
    }

    fn parse_entry(&mut self, in_map: bool) -> Result<(), ConfError> {
        let key_pos = self.cur.pos();
        let (key, quoted) = self.scan_key()?;
        if !quoted
            && key.eq_ignore_ascii_case("include")
            && self.cur.peek().is_some_and(char::is_whitespace)
        {
            return self.parse_include(key_pos);
        }
        // As in nats-server, a new line may separate a key from its value when there is no
        // `:`/`=`, or inside a map; at top level `key:` must have its value on the same line.
        while self.cur.peek().is_some_and(char::is_whitespace) {
            self.cur.bump();
        }
        if matches!(self.cur.peek(), Some(':' | '=')) {
            self.cur.bump();
            if in_map {
                while self.cur.peek().is_some_and(char::is_whitespace) {
                    self.cur.bump();
                }
            } else {
                self.cur.skip_blanks();
            }
        }
        if matches!(self.cur.peek(), None | Some('\n' | '\r')) {
            return Err(self.cur.err(format!(
                "expected a value for \"{key}\" but found {}",
                show(self.cur.peek())
            )));
        }
        let item = self.parse_value()?;
        self.end_of_value()?;
        self.current().insert(key, key_pos, item);
        Ok(())
    }

    pub(crate) fn current(&mut self) -> &mut Map {
        if self.scopes.is_empty() {
            self.scopes.push(Map::new());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    /// A key: `"quoted"`, `'quoted'`, or bare up to white space, `:` or `=`.
    fn scan_key(&mut self) -> Result<(String, bool), ConfError> {
        let start = self.cur.pos();
        if let Some(q @ ('"' | '\'')) = self.cur.peek() {
            self.cur.bump();
            let mut key = String::new();
            loop {
                match self.cur.bump() {
                    Some(c) if c == q => return Ok((key, true)),
                    Some(c) => key.push(c),
                    None => return Err(ConfError::syntax(start, "unterminated quoted key")),
                }
            }
        }
        let mut key = String::new();
        while let Some(c) = self.cur.peek() {
            if c.is_whitespace() || c == ':' || c == '=' {
                break;
            }
            self.cur.bump();
            key.push(c);
        }
        Ok((key, false))
    }

    /// After a value: blanks, an optional comment, then a new line, end of input, `;`, `,`
    /// (consumed) or `}` (left for the caller).
    pub(crate) fn end_of_value(&mut self) -> Result<(), ConfError> {
        self.cur.skip_blanks();
        if self.cur.at_comment() {
            self.cur.skip_comment();
        }
        match self.cur.peek() {
            None | Some('\n' | '\r' | '}') => Ok(()),
            Some(';' | ',') => {
                self.cur.bump();
                Ok(())
            }
            other => Err(self.cur.err(format!(
                "expected a new line, ',' or ';' after the value but found {}",
                show(other)
            ))),
        }
    }

    fn parse_value(&mut self) -> Result<Item, ConfError> {
        let pos = self.cur.pos();
        if self.depth >= NESTING_DEPTH_MAX {
            return Err(self.cur.err(format!(
                "maps and arrays nest deeper than {NESTING_DEPTH_MAX} levels"
            )));
        }
        self.depth += 1;
        let result = match self.cur.peek() {
            Some('[') => self.parse_array(pos),
            Some('{') => self.parse_map(pos),
            _ => match scan_scalar(&mut self.cur)? {
                Scalar::Value(value) => Ok(Item { value, pos }),
                Scalar::Variable(name) => self.resolve(&name, pos),
            },
        };
        self.depth -= 1;
        result
    }

    fn parse_map(&mut self, pos: Pos) -> Result<Item, ConfError> {
        self.cur.bump();
        self.scopes.push(Map::new());
        self.parse_entries(Some(pos.clone()), true)?;
        let map = self.scopes.pop().unwrap_or_default();
        Ok(Item {
            value: Value::Map(map),
            pos,
        })
    }

    /// `[a, b]`: elements separated by `,` and/or new lines; a trailing `,` is allowed.
    fn parse_array(&mut self, pos: Pos) -> Result<Item, ConfError> {
        self.cur.bump();
        let mut items = Vec::new();
        loop {
            self.cur.skip_space_and_comments();
            match self.cur.peek() {
                Some(']') => {
                    self.cur.bump();
                    break;
                }
                Some(',') => return Err(self.cur.err("unexpected ',' in array")),
                None => {
                    return Err(ConfError::syntax(
                        pos,
                        "unexpected end of file: this '[' is never closed",
                    ))
                }
                _ => {}
            }
            items.push(self.parse_value()?);
            self.cur.skip_blanks();
            if self.cur.at_comment() {
                self.cur.skip_comment();
            }
            match self.cur.peek() {
                Some(',') => {
                    self.cur.bump();
                }
                Some('\n' | '\r' | ']') | None => {}
                other => {
                    return Err(self.cur.err(format!(
                        "expected ',' or ']' after an array element but found {}",
                        show(other)
                    )))
                }
            }
        }
        Ok(Item {
            value: Value::Array(items),
            pos,
        })
    }

    /// `$name`: an earlier key in this or an enclosing map, else the environment variable.
    fn resolve(&mut self, name: &str, pos: Pos) -> Result<Item, ConfError> {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(item) = scope.use_variable(name) {
                return Ok(Item {
                    value: item.value.clone(),
                    pos,
                });
            }
        }
        let unknown = || ConfError::UnknownVariable {
            pos: pos.clone(),
            name: name.to_string(),
        };
        let text = std::env::var(name).map_err(|_| unknown())?;
        if self.env_chain.iter().any(|n| n == name) || self.env_chain.len() >= ENV_DEPTH_MAX {
            return Err(ConfError::invalid(
                &pos,
                format!("variable reference cycle for '{name}'"),
            ));
        }
        let mut chain = self.env_chain.clone();
        chain.push(name.to_string());
        let file: Arc<str> = Arc::from(format!("${name}"));
        let mut sub = Parser::new(&text, file, &self.base_dir, self.includes.clone(), chain);
        let wrap = |e: ConfError| {
            ConfError::invalid(
                &pos,
                format!("environment variable {name} could not be parsed: {e}"),
            )
        };
        sub.cur.skip_blanks();
        if sub.cur.peek().is_none() {
            return Ok(Item {
                value: Value::Str(String::new()),
                pos,
            });
        }
        let item = sub.parse_value().map_err(wrap)?;
        sub.cur.skip_space_and_comments();
        if sub.cur.peek().is_some() {
            return Err(wrap(
                sub.cur.err(format!("unexpected {}", show(sub.cur.peek()))),
            ));
        }
        Ok(Item {
            value: item.value,
            pos,
        })
    }
}
