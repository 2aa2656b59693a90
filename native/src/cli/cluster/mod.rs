//! `rill cluster up | gen`: running a cluster on this machine, and writing the configuration
//! of one for real machines.
//!
//! - [`layout`]: node count rules, addresses, ports and each node's config file (pure).
//! - [`up`]: starts the nodes on loopback and keeps them until Ctrl-C; [`nodes`]: the
//!   processes; [`probe`]: health and route checks over the monitoring port.
//! - [`gen`]: config files, a systemd unit and install steps.

pub mod gen;
pub mod layout;
pub mod nodes;
pub mod probe;
pub mod up;

/// `rill cluster ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ClusterCmd {
    /// Run an N-node cluster on this machine until Ctrl-C (for development).
    Up(up::UpArgs),
    /// Write config files and a systemd unit for a cluster of real machines.
    #[command(alias = "generate")]
    Gen(gen::GenArgs),
}

/// Runs a `rill cluster` subcommand.
pub async fn run(cmd: ClusterCmd) -> anyhow::Result<()> {
    match cmd {
        ClusterCmd::Up(a) => up::run(a).await,
        ClusterCmd::Gen(a) => gen::run(a),
    }
}
