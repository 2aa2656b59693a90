//! `rill object` command-line arguments.

use std::path::PathBuf;

use crate::cli::connect::ConnectArgs;

/// `rill object ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ObjectCmd {
    /// Create a bucket.
    #[command(alias = "new")]
    Add {
        /// Bucket name.
        bucket: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Store a file (creating the bucket if missing).
    Put {
        /// Bucket name.
        bucket: String,
        /// File to store.
        file: PathBuf,
        /// Object name (the file's name when missing).
        #[arg(long)]
        name: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Replace an existing object without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Fetch an object into a file.
    Get {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: String,
        /// File to write (the object's base name in the current directory when missing).
        #[arg(short = 'O', long)]
        output: Option<PathBuf>,
        /// Replace an existing file without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Show an object's information.
    Info {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// List buckets, or the objects of BUCKET.
    #[command(alias = "list")]
    Ls {
        /// Bucket whose objects to list.
        bucket: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Delete an object.
    #[command(alias = "del")]
    Rm {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: String,
        /// Delete without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl ObjectCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            ObjectCmd::Add { conn, .. }
            | ObjectCmd::Put { conn, .. }
            | ObjectCmd::Get { conn, .. }
            | ObjectCmd::Info { conn, .. }
            | ObjectCmd::Ls { conn, .. }
            | ObjectCmd::Rm { conn, .. } => conn,
        }
    }
}
