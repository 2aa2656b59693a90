//! `rill kv` command-line arguments, and the `nats` CLI's size syntax (`10MB`, `-1`).

use crate::cli::connect::ConnectArgs;

/// `rill kv ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum KvCmd {
    /// Create a bucket.
    #[command(alias = "new")]
    Add {
        /// Bucket name.
        bucket: String,
        /// Values kept per key.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=64))]
        history: i64,
        /// How long values live (e.g. 1h; 0 keeps them).
        #[arg(long, value_name = "DURATION")]
        ttl: Option<String>,
        /// Largest size of the bucket (e.g. 10MB, -1 for unlimited).
        #[arg(long = "max-bytes", value_name = "SIZE", allow_hyphen_values = true)]
        max_bytes: Option<String>,
        /// Largest value (e.g. 1KB, -1 for unlimited).
        #[arg(
            long = "max-value-size",
            value_name = "SIZE",
            allow_hyphen_values = true
        )]
        max_value_size: Option<String>,
        /// Storage: file or memory.
        #[arg(long, default_value = "file", value_parser = ["file", "memory"])]
        storage: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Show a bucket's configuration and state.
    #[command(alias = "status")]
    Info {
        /// Bucket name.
        bucket: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Put a value.
    Put {
        /// Bucket name.
        bucket: String,
        /// Key.
        key: String,
        /// Value (required unless --force-stdin).
        value: Option<String>,
        /// Read the value from stdin.
        #[arg(long, conflicts_with = "value")]
        force_stdin: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Show a key's value.
    Get {
        /// Bucket name.
        bucket: String,
        /// Key.
        key: String,
        /// Print only the value's bytes.
        #[arg(long)]
        raw: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Delete a key (keeping its history), or the whole bucket when no key is given.
    #[command(alias = "rm")]
    Del {
        /// Bucket name.
        bucket: String,
        /// Key.
        key: Option<String>,
        /// Delete without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// A key's revisions.
    History {
        /// Bucket name.
        bucket: String,
        /// Key.
        key: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Print changes as they happen (the latest value of each key first).
    Watch {
        /// Bucket name.
        bucket: String,
        /// Key or wildcard (all keys when missing).
        key: Option<String>,
        /// Exit after this many updates.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        count: Option<u64>,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// List buckets, or the keys of BUCKET.
    #[command(alias = "list")]
    Ls {
        /// Bucket whose keys to list.
        bucket: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl KvCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            KvCmd::Add { conn, .. }
            | KvCmd::Info { conn, .. }
            | KvCmd::Put { conn, .. }
            | KvCmd::Get { conn, .. }
            | KvCmd::Del { conn, .. }
            | KvCmd::History { conn, .. }
            | KvCmd::Watch { conn, .. }
            | KvCmd::Ls { conn, .. } => conn,
        }
    }
}

/// Sizes as the `nats` CLI takes them (`1024`, `10KB`, `5M`, `1GiB`; powers of 1024), -1
/// unlimited: the same parser as `rill stream`.
pub use crate::cli::stream::config::parse_size_limit as parse_size;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_the_nats_cli_reads_them() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("10KB"), Ok(10 * 1024));
        assert_eq!(parse_size("5m"), Ok(5 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("-1"), Ok(-1));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
