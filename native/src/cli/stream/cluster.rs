//! `rill stream cluster step-down STREAM`: move a replicated stream's leadership to another
//! peer, then show the stream.

use crate::cli::connect::ConnectArgs;
use crate::cli::stepdown::{step_down, Target};

use super::admin::fetch_info;
use super::api::Js;
use super::page;

/// `rill stream cluster ...`.
#[derive(clap::Subcommand, Debug)]
pub enum StreamClusterCmd {
    /// Force a new leader election by standing down the current leader.
    #[command(
        alias = "stepdown",
        alias = "sd",
        alias = "elect",
        alias = "down",
        alias = "d"
    )]
    StepDown(StepDownArgs),
}

/// `rill stream cluster step-down STREAM`.
#[derive(clap::Args, Debug)]
pub struct StepDownArgs {
    /// Stream name.
    pub stream: String,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

impl StreamClusterCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            StreamClusterCmd::StepDown(a) => &mut a.conn,
        }
    }
}

/// Runs `rill stream cluster ...`.
pub async fn run(cmd: StreamClusterCmd) -> anyhow::Result<()> {
    match cmd {
        StreamClusterCmd::StepDown(a) => {
            crate::cli::js_api::check_name("stream", &a.stream)?;
            let js = Js::connect(&a.conn).await?;
            step_down(&js, &Target::Stream(a.stream.clone())).await?;
            let (info, _) = fetch_info(&js, &a.stream).await?;
            println!();
            print!("{}", page::render(&info.info));
            Ok(())
        }
    }
}
