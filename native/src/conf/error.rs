//! [`ConfError`]: everything that can go wrong reading a configuration.

use std::path::PathBuf;

use super::value::Pos;

/// Why a configuration could not be parsed or applied.
///
/// Variants with a position display as `<file>:<line>:<col>: <message>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfError {
    /// The text is not valid configuration syntax.
    #[error("{pos}: {message}")]
    Syntax {
        /// Where the problem was found.
        pos: Pos,
        /// What is wrong.
        message: String,
    },
    /// A `$NAME` reference matches no earlier key in scope and no environment variable.
    #[error("{pos}: variable reference for '{name}' can not be found")]
    UnknownVariable {
        /// Where the reference is.
        pos: Pos,
        /// The name after `$`.
        name: String,
    },
    /// A value has the wrong type or is out of range for its option.
    #[error("{pos}: {message}")]
    Invalid {
        /// Where the offending value (or key) is.
        pos: Pos,
        /// What is wrong.
        message: String,
    },
    /// A configuration file could not be read.
    #[error("cannot read configuration file \"{}\": {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file named by `include` failed to read or parse.
    #[error("{pos}: error in included file \"{}\": {source}", path.display())]
    Include {
        /// Where the `include` directive is.
        pos: Pos,
        /// The included file, resolved against the including file's directory.
        path: PathBuf,
        /// What went wrong in it.
        source: Box<ConfError>,
    },
}

impl ConfError {
    /// The position the error refers to, when it has one.
    pub fn pos(&self) -> Option<&Pos> {
        match self {
            ConfError::Syntax { pos, .. }
            | ConfError::UnknownVariable { pos, .. }
            | ConfError::Invalid { pos, .. }
            | ConfError::Include { pos, .. } => Some(pos),
            ConfError::Io { .. } => None,
        }
    }

    pub(crate) fn syntax(pos: Pos, message: impl Into<String>) -> Self {
        ConfError::Syntax {
            pos,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(pos: &Pos, message: impl Into<String>) -> Self {
        ConfError::Invalid {
            pos: pos.clone(),
            message: message.into(),
        }
    }
}
