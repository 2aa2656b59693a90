//! The `nats` CLI's context files, read and written so both tools share them:
//!
//! - `$XDG_CONFIG_HOME/nats/context/NAME.json` (default `~/.config/nats/context/`), one JSON
//!   object per context with natscli's keys (`url`, `description`, `user`, `password`,
//!   `token`, `creds`, `nkey`, `cert`, `key`, `ca`, ...), written two-space indented with every
//!   known key present, mode 0600 in a 0700 directory;
//! - `$XDG_CONFIG_HOME/nats/context.txt`: the selected context's name.
//!
//! Keys this version does not know are kept as they were when a context is rewritten.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a context could not be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The name is empty or contains `..` or a path separator.
    #[error("invalid context name {0:?}")]
    InvalidName(String),
    /// No file for this name.
    #[error("unknown context {0:?}")]
    Unknown(String),
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set.
    #[error("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A context file is not valid JSON.
    #[error("{path}: invalid context file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: serde_json::Error,
    },
}

/// One context's settings, with natscli's JSON keys in natscli's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextSettings {
    /// Free text shown by `context ls`.
    pub description: String,
    /// Comma-separated server URLs.
    pub url: String,
    /// SOCKS5 proxy (kept, not used by rill).
    pub socks_proxy: String,
    /// Authentication token.
    pub token: String,
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    /// Path of a `.creds` file.
    pub creds: String,
    /// Path of an nkey seed file.
    pub nkey: String,
    /// TLS client certificate path.
    pub cert: String,
    /// TLS client key path.
    pub key: String,
    /// TLS CA path.
    pub ca: String,
    /// nsc lookup URL (kept, not used by rill).
    pub nsc: String,
    /// JetStream domain.
    pub jetstream_domain: String,
    /// JetStream API prefix.
    pub jetstream_api_prefix: String,
    /// JetStream event prefix.
    pub jetstream_event_prefix: String,
    /// Custom inbox prefix.
    pub inbox_prefix: String,
    /// User JWT (kept, not used by rill).
    pub user_jwt: String,
    /// natscli colour scheme hint (kept, not used by rill).
    pub color_scheme: String,
    /// TLS handshake before the server's INFO.
    pub tls_first: bool,
    /// Keys written by other versions of either tool, preserved on rewrite.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Where contexts live: `<config>/nats/`.
#[derive(Debug, Clone)]
pub struct ContextStore {
    root: PathBuf,
}

/// Whether `name` is usable as a file name, by natscli's rule.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains("..") && !name.contains('/') && !name.contains('\\')
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ContextError + '_ {
    move |source| ContextError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl ContextStore {
    /// The store under `$XDG_CONFIG_HOME/nats` or `$HOME/.config/nats`.
    pub fn from_env() -> Result<ContextStore, ContextError> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let config = match (var("XDG_CONFIG_HOME"), var("HOME")) {
            (Some(xdg), _) => PathBuf::from(xdg),
            (None, Some(home)) => PathBuf::from(home).join(".config"),
            (None, None) => return Err(ContextError::NoConfigDir),
        };
        Ok(ContextStore::at(config.join("nats")))
    }

    /// The store rooted at `root` (the `nats` directory).
    pub fn at(root: PathBuf) -> ContextStore {
        ContextStore { root }
    }

    fn dir(&self) -> PathBuf {
        self.root.join("context")
    }

    fn selected_file(&self) -> PathBuf {
        self.root.join("context.txt")
    }

    /// The file of context `name`.
    pub fn path(&self, name: &str) -> Result<PathBuf, ContextError> {
        if !valid_name(name) {
            return Err(ContextError::InvalidName(name.to_string()));
        }
        Ok(self.dir().join(format!("{name}.json")))
    }

    /// Whether a file for `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_ok_and(|p| p.is_file())
    }

    /// Names of the known contexts (non-empty `.json` files), sorted.
    pub fn names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.metadata().is_ok_and(|m| m.is_file() && m.len() > 0))
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json").map(str::to_string)
            })
            .collect();
        names.sort();
        names
    }

    /// The selected context's name, if one is selected.
    pub fn selected(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.selected_file()).ok()?;
        let name = text.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    /// Reads context `name`.
    pub fn load(&self, name: &str) -> Result<ContextSettings, ContextError> {
        let path = self.path(name)?;
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ContextError::Unknown(name.to_string()))
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        serde_json::from_slice(&text).map_err(|source| ContextError::Json { path, source })
    }

    fn create_dir(&self) -> Result<(), ContextError> {
        let dir = self.dir();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(io_err(&dir))
    }

    fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ContextError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io_err(path))?;
        std::io::Write::write_all(&mut file, bytes).map_err(io_err(path))
    }

    /// Writes context `name` (two-space indented JSON, no trailing newline, as natscli).
    pub fn save(&self, name: &str, settings: &ContextSettings) -> Result<PathBuf, ContextError> {
        let path = self.path(name)?;
        self.create_dir()?;
        let text = serde_json::to_vec_pretty(settings).map_err(|source| ContextError::Json {
            path: path.clone(),
            source,
        })?;
        Self::write_private(&path, &text)?;
        Ok(path)
    }

    /// Makes `name` the selected context; it must exist.
    pub fn select(&self, name: &str) -> Result<(), ContextError> {
        if !self.exists(name) {
            self.path(name)?;
            return Err(ContextError::Unknown(name.to_string()));
        }
        self.create_dir()?;
        Self::write_private(&self.selected_file(), name.as_bytes())
    }

    /// Removes context `name`; if it was selected, nothing is selected afterwards.
    pub fn remove(&self, name: &str) -> Result<(), ContextError> {
        let path = self.path(name)?;
        if !path.is_file() {
            return Err(ContextError::Unknown(name.to_string()));
        }
        std::fs::remove_file(&path).map_err(io_err(&path))?;
        if self.selected().as_deref() == Some(name) {
            let sel = self.selected_file();
            std::fs::remove_file(&sel).map_err(io_err(&sel))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(tag: &str) -> ContextStore {
        let dir = std::env::temp_dir().join(format!("rill-ctx-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ContextStore::at(dir.join("nats"))
    }

    #[test]
    fn saves_every_natscli_key_and_keeps_unknown_ones() {
        let store = temp_store("keys");
        let mut s: ContextSettings =
            serde_json::from_str(r#"{"url":"nats://a:4222","future_key":7}"#).expect("parses");
        s.description = "Local".into();
        let path = store.save("local", &s).expect("saves");
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(text.starts_with("{\n  \"description\": \"Local\",\n  \"url\": \"nats://a:4222\","));
        assert!(
            text.contains("\"tls_first\": false,\n  \"future_key\": 7\n}"),
            "{text}"
        );
        assert!(!text.ends_with('\n'));
        assert_eq!(store.load("local").expect("loads"), s);
        let _ = std::fs::remove_dir_all(store.root.parent().expect("parent"));
    }

    #[test]
    fn select_list_and_remove() {
        let store = temp_store("sel");
        assert!(store.names().is_empty());
        assert!(matches!(store.select("a"), Err(ContextError::Unknown(_))));
        store.save("b", &ContextSettings::default()).expect("saves");
        store.save("a", &ContextSettings::default()).expect("saves");
        store.select("a").expect("selects");
        assert_eq!(store.selected().as_deref(), Some("a"));
        assert_eq!(store.names(), ["a", "b"]);
        store.remove("a").expect("removes");
        assert_eq!(store.selected(), None);
        assert!(matches!(store.load("a"), Err(ContextError::Unknown(_))));
        let _ = std::fs::remove_dir_all(store.root.parent().expect("parent"));
    }

    #[test]
    fn names_with_paths_are_refused() {
        assert!(!valid_name(""));
        assert!(!valid_name("../x"));
        assert!(!valid_name("a/b"));
        assert!(valid_name("ngs.js"));
    }
}
