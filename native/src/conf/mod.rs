//! The nats-server configuration file format: parser ([`parse_file`], [`parse_str`]) and the
//! step that fills [`crate::options::ServerOptions`] from it ([`apply()`]).
//!
//! # Syntax (nats-server `conf/lex.go` and `conf/parse.go`)
//! * `key: value`, `key = value` or `key value`, optionally ended by `;` or `,`. The whole file
//!   may be wrapped in `{ }`. Comments start with `#` or `//`.
//! * Maps `name { ... }` (also `name: { }`, `name = { }`); arrays `[a, b]` whose elements are
//!   separated by commas and/or new lines, including arrays of maps.
//! * Strings: `"double"` (escapes `\xXX \t \n \r \" \\`), `'single'` (raw), bare
//!   (`0.0.0.0:4222`, `nats-route://host:4248`, `1h30m`), and block strings `( ... )` that end
//!   with a `)` alone at the start of a line.
//! * Integers with size suffixes (`k`=1000, `kb`/`ki`/`kib`=1024, up to `e`/`eb`), floats,
//!   booleans (`true/false/yes/no/on/off`), datetimes `2006-01-02T15:04:05Z` (kept as strings).
//! * `$NAME` is a variable: a key defined earlier in this or an enclosing map (exact spelling),
//!   else the environment variable (its value parsed as a configuration value). Unquoted
//!   values starting `$2a$`, `$2b$`, `$2x$` or `$2y$` are bcrypt hashes, not variables.
//! * `include ./other.conf` / `include "other.conf"` inserts the keys of the named file (path
//!   relative to the including file) at that point.
//!
//! Positions are 1-based line and column (in characters). nats-server itself reports column 0
//! for the first character of line 1 and 1-based columns on later lines; we are consistent.
//!
//! # Limits
//! Include chains up to 16 files (cycles are errors), maps and arrays nested up to 64 deep,
//! environment variables referring to each other up to 16 deep.

mod apply;
mod convert;
mod error;
mod include;
mod lexer;
mod number;
mod parser;
mod sections;
mod value;

#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests_apply;
#[cfg(test)]
pub(crate) mod tests_parse;
#[cfg(test)]
mod tests_scalars;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use apply::{apply, Warning};
pub use convert::parse_duration;
pub use error::ConfError;
pub use value::{Entry, Item, Map, Pos, Value};

/// Reads and parses a configuration file; `include`s resolve against its directory.
pub fn parse_file(path: &Path) -> Result<Map, ConfError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let file: Arc<str> = Arc::from(path.display().to_string());
    parser::parse_document(&text, file, base_dir, vec![canonical])
}

/// Parses configuration text. `file_name` appears in positions; `include`s resolve against
/// `base_dir`.
pub fn parse_str(text: &str, file_name: &str, base_dir: &Path) -> Result<Map, ConfError> {
    parser::parse_document(text, Arc::from(file_name), base_dir, Vec::<PathBuf>::new())
}
