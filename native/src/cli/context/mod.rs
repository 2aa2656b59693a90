//! `rill context`: named connection settings shared with the `nats` CLI (see [`store`]).
//!
//! | command | does |
//! |---|---|
//! | `save NAME [--server ... --description ... auth flags] [--select]` | create or update, then test the connection |
//! | `ls [--json]` | the "Known Contexts" table, the selected one starred |
//! | `select NAME` | make NAME the default |
//! | `info [NAME] [--json]` | one context's settings |
//! | `edit NAME [flags]` | change fields; with no flags opens `$EDITOR` on a terminal |
//! | `rm NAME [--force]` | delete (asks on a terminal unless `--force`) |

mod commands;
pub mod store;

use std::process::ExitCode;

pub use commands::run;

/// Fields of a context that flags can set (`context save`, `context edit`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ContextFields {
    /// NATS server URLs, comma separated.
    #[arg(short = 's', long = "server", value_name = "URLS")]
    pub server: Option<String>,
    /// A human-friendly description.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// User name.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Password.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Authentication token.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// User credentials file.
    #[arg(long, value_name = "FILE")]
    pub creds: Option<String>,
    /// User nkey seed file.
    #[arg(long, value_name = "FILE")]
    pub nkey: Option<String>,
    /// TLS client certificate.
    #[arg(long, value_name = "FILE")]
    pub tlscert: Option<String>,
    /// TLS client key.
    #[arg(long, value_name = "FILE")]
    pub tlskey: Option<String>,
    /// TLS certificate authority chain.
    #[arg(long, value_name = "FILE")]
    pub tlsca: Option<String>,
    /// JetStream domain.
    #[arg(long = "js-domain", value_name = "DOMAIN")]
    pub js_domain: Option<String>,
}

/// `rill context ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ContextCmd {
    /// Create or update a context.
    #[command(alias = "add", alias = "create")]
    Save {
        /// Context name.
        name: String,
        /// Settings to store.
        #[command(flatten)]
        fields: ContextFields,
        /// Select it as the default afterwards.
        #[arg(long)]
        select: bool,
    },
    /// List known contexts.
    #[command(alias = "list")]
    Ls {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Select the default context.
    Select {
        /// Context name.
        name: Option<String>,
    },
    /// Show a context (the selected one by default).
    #[command(alias = "show")]
    Info {
        /// Context name.
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a context's settings.
    #[command(alias = "update")]
    Edit {
        /// Context name.
        name: String,
        /// Settings to change.
        #[command(flatten)]
        fields: ContextFields,
    },
    /// Remove a context.
    #[command(alias = "delete")]
    Rm {
        /// Context name.
        name: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
}

/// Runs a context command, mapping errors to the exit code.
pub async fn main(cmd: ContextCmd) -> anyhow::Result<ExitCode> {
    run(cmd).await.map(|()| ExitCode::SUCCESS)
}
