//! `rill consumer add | info | ls | rm | next`: a stream's consumers, through the JetStream API.
//!
//! - [`add`]: the seed's questions (or flags) → a durable consumer, then its page.
//! - [`show`]: the information page and the `ls` table.
//! - [`next`]: pull, print and acknowledge messages one at a time.
//! - `cluster step-down`: a new leader for a replicated consumer ([`crate::cli::stepdown`]).

pub mod add;
pub mod next;
pub mod show;

use anyhow::bail;
use rill_core::jetstream::api::{
    ConsumerAction, ConsumerInfo, ConsumerListResponse, CreateConsumerRequest, PagedRequest,
    StreamNamesRequest, StreamNamesResponse,
};

use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::js_api::{check_name, name_missing, JsApi};
use crate::cli::prompt::Prompter;
use crate::cli::stepdown::{step_down, Target};

/// `rill consumer ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ConsumerCmd {
    /// Create a durable consumer (asks on a terminal; flags answer the questions).
    #[command(alias = "create", alias = "new")]
    Add {
        /// The questions' answers.
        #[command(flatten)]
        args: Box<add::AddArgs>,
        /// Print the created consumer as JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Show a consumer's configuration and state.
    #[command(alias = "i")]
    Info {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// List a stream's consumers.
    #[command(alias = "list")]
    Ls {
        /// Stream name.
        stream: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Delete a consumer.
    #[command(alias = "delete", alias = "del")]
    Rm {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// Delete without asking.
        #[arg(short = 'f', long)]
        force: bool,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
    /// Fetch, print and acknowledge messages from a pull consumer.
    Next(next::NextArgs),
    /// Manage a replicated consumer's Raft group: `step-down`.
    #[command(subcommand)]
    Cluster(ConsumerClusterCmd),
}

/// `rill consumer cluster ...`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ConsumerClusterCmd {
    /// Force a new leader election by standing down the current leader.
    #[command(
        alias = "stepdown",
        alias = "sd",
        alias = "elect",
        alias = "down",
        alias = "d"
    )]
    StepDown {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// Connection options.
        #[command(flatten)]
        conn: ConnectArgs,
    },
}

impl ConsumerCmd {
    /// The command's connection flags.
    pub fn conn_mut(&mut self) -> &mut ConnectArgs {
        match self {
            ConsumerCmd::Add { conn, .. }
            | ConsumerCmd::Info { conn, .. }
            | ConsumerCmd::Ls { conn, .. }
            | ConsumerCmd::Rm { conn, .. } => conn,
            ConsumerCmd::Next(a) => &mut a.conn,
            ConsumerCmd::Cluster(ConsumerClusterCmd::StepDown { conn, .. }) => conn,
        }
    }
}

/// Runs `rill consumer ...`.
pub async fn run(cmd: ConsumerCmd) -> anyhow::Result<()> {
    match cmd {
        ConsumerCmd::Add { args, json, conn } => run_add(*args, json, conn).await,
        ConsumerCmd::Info {
            stream,
            consumer,
            json,
            conn,
        } => {
            check_name("stream", &stream)?;
            check_name("consumer", &consumer)?;
            let api = JsApi::connect(&conn).await?;
            let (info, raw) = consumer_info(&api, &stream, &consumer).await?;
            if json {
                print_json(&raw)
            } else {
                print!("{}", show::render_info(&info));
                Ok(())
            }
        }
        ConsumerCmd::Ls { stream, json, conn } => {
            check_name("stream", &stream)?;
            let api = JsApi::connect(&conn).await?;
            let consumers = list(&api, &stream).await?;
            if json {
                let names: Vec<&str> = consumers.iter().map(|c| c.name.as_str()).collect();
                print_json(&names)
            } else if consumers.is_empty() {
                println!("No Consumers defined");
                Ok(())
            } else {
                print!("{}", show::render_list(&stream, &consumers));
                Ok(())
            }
        }
        ConsumerCmd::Rm {
            stream,
            consumer,
            force,
            conn,
        } => run_rm(&stream, &consumer, force, &conn).await,
        ConsumerCmd::Next(args) => next::run(args).await,
        ConsumerCmd::Cluster(ConsumerClusterCmd::StepDown {
            stream,
            consumer,
            conn,
        }) => {
            check_name("stream", &stream)?;
            check_name("consumer", &consumer)?;
            let api = JsApi::connect(&conn).await?;
            let target = Target::Consumer(stream.clone(), consumer.clone());
            step_down(&api, &target).await?;
            let (info, _) = consumer_info(&api, &stream, &consumer).await?;
            println!();
            print!("{}", show::render_info(&info));
            Ok(())
        }
    }
}

async fn consumer_info(
    api: &JsApi,
    stream: &str,
    consumer: &str,
) -> anyhow::Result<(ConsumerInfo, serde_json::Value)> {
    api.request::<(), _>(&format!("CONSUMER.INFO.{stream}.{consumer}"), None)
        .await
        .map_err(|e| name_missing(e, stream, Some(consumer)))
}

async fn list(api: &JsApi, stream: &str) -> anyhow::Result<Vec<ConsumerInfo>> {
    let mut all = Vec::new();
    loop {
        let page = PagedRequest {
            offset: all.len() as u64,
        };
        let (resp, _): (ConsumerListResponse, _) = api
            .request(&format!("CONSUMER.LIST.{stream}"), Some(&page))
            .await
            .map_err(|e| name_missing(e, stream, None))?;
        let got = resp.consumers.len();
        all.extend(resp.consumers);
        if got == 0 || all.len() as u64 >= resp.total {
            break;
        }
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

async fn stream_names(api: &JsApi) -> anyhow::Result<Vec<String>> {
    let (resp, _): (StreamNamesResponse, _) = api
        .request("STREAM.NAMES", Some(&StreamNamesRequest::default()))
        .await?;
    let mut names = resp.streams.unwrap_or_default();
    names.sort();
    Ok(names)
}

async fn run_add(args: add::AddArgs, json: bool, conn: ConnectArgs) -> anyhow::Result<()> {
    let api = JsApi::connect(&conn).await?;
    let streams = if args.stream.is_none() {
        stream_names(&api).await?
    } else {
        Vec::new()
    };
    let mut prompter = Prompter::for_terminal(args.defaults);
    let answers = add::ask(&args, &mut prompter, &streams)?;
    let name = answers.config.durable_name.clone();
    let request = CreateConsumerRequest {
        stream_name: answers.stream.clone(),
        config: answers.config,
        action: ConsumerAction::Create,
        pedantic: false,
    };
    let subject = format!("CONSUMER.CREATE.{}.{name}", answers.stream);
    let (info, raw): (ConsumerInfo, _) = api
        .request(&subject, Some(&request))
        .await
        .map_err(|e| name_missing(e, &answers.stream, None))?;
    if json {
        print_json(&raw)
    } else {
        print!("{}", show::render_info(&info));
        Ok(())
    }
}

async fn run_rm(
    stream: &str,
    consumer: &str,
    force: bool,
    conn: &ConnectArgs,
) -> anyhow::Result<()> {
    check_name("stream", stream)?;
    check_name("consumer", consumer)?;
    if !force {
        let mut p = Prompter::for_terminal(false);
        if !p.is_interactive() {
            bail!("--force is required to delete without asking");
        }
        let question = format!("Really delete Consumer {stream} > {consumer}");
        if !p.confirm(&question, "--force", None, false)? {
            return Ok(());
        }
    }
    let api = JsApi::connect(conn).await?;
    let _: (serde_json::Value, _) = api
        .request::<(), _>(&format!("CONSUMER.DELETE.{stream}.{consumer}"), None)
        .await
        .map_err(|e| name_missing(e, stream, Some(consumer)))?;
    println!("Deleted Consumer {stream} > {consumer}");
    Ok(())
}
