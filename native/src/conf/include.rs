//! `include path`: the named file (relative to the including file) is parsed on its own and
//! its keys are inserted where the `include` stands.

use std::path::Path;
use std::sync::Arc;

use super::error::ConfError;
use super::lexer::{ends_token, show};
use super::parser::{parse_document, Parser};
use super::value::{Map, Pos};

/// Deepest include chain accepted (nats-server has no limit and overflows its stack on cycles).
const INCLUDE_DEPTH_MAX: usize = 16;

impl Parser {
    /// `include path` (bare, `"quoted"` or `'quoted'`), relative to this file's directory.
    pub(crate) fn parse_include(&mut self, pos: Pos) -> Result<(), ConfError> {
        self.cur.skip_blanks();
        let name = match self.cur.peek() {
            Some(q @ ('"' | '\'')) => {
                self.cur.bump();
                let mut s = String::new();
                loop {
                    match self.cur.bump() {
                        Some(c) if c == q => break s,
                        Some(c) => s.push(c),
                        None => {
                            return Err(ConfError::syntax(pos, "unterminated include file name"))
                        }
                    }
                }
            }
            Some(c) if !ends_token(Some(c)) && !"[{(\\".contains(c) => {
                let mut s = String::new();
                while !ends_token(self.cur.peek()) {
                    s.extend(self.cur.bump());
                }
                s
            }
            other => {
                return Err(self.cur.err(format!(
                    "expected a file name after include but found {}",
                    show(other)
                )))
            }
        };
        self.cur.skip_blanks();
        if matches!(self.cur.peek(), Some('"' | '\'')) {
            return Err(self.cur.err("include digests are not supported"));
        }
        self.end_of_value()?;
        let path = self.base_dir.join(&name);
        let map = self.parse_included(&pos, &path)?;
        let scope = self.current();
        for e in map.entries() {
            scope.insert(e.key.clone(), e.key_pos.clone(), e.item.clone());
            if e.used_as_variable {
                scope.use_variable(&e.key);
            }
        }
        Ok(())
    }

    fn parse_included(&self, pos: &Pos, path: &Path) -> Result<Map, ConfError> {
        let wrap = |source: ConfError| ConfError::Include {
            pos: pos.clone(),
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.includes.contains(&canonical) {
            return Err(ConfError::invalid(
                pos,
                format!(
                    "include cycle: \"{}\" is already being parsed",
                    path.display()
                ),
            ));
        }
        if self.includes.len() >= INCLUDE_DEPTH_MAX {
            return Err(ConfError::invalid(
                pos,
                format!("includes nest deeper than {INCLUDE_DEPTH_MAX} files"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|source| {
            wrap(ConfError::Io {
                path: path.to_path_buf(),
                source,
            })
        })?;
        let mut includes = self.includes.clone();
        includes.push(canonical);
        let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
        let file: Arc<str> = Arc::from(path.display().to_string());
        parse_document(&text, file, base_dir, includes).map_err(wrap)
    }
}
