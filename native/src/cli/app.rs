//! The `rill` tool's command line: parsing and dispatch. Every command reports failure as one
//! line on stderr (`rill: cannot connect to nats://...: connection refused`) and exit code 1;
//! `server check` uses Nagios's codes; bad flags are clap's usage errors (exit 2).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::context::ContextCmd;
use super::messaging::{publish::PubArgs, reply::ReplyArgs, request::ReqArgs, subscribe::SubArgs};
use super::server::ServerCmd;

/// Client subcommands of `rill server`; anything else after `server` runs a server.
const SERVER_CLIENT_COMMANDS: [&str; 8] = [
    "info", "ping", "list", "ls", "check", "report", "cluster", "raft",
];

#[derive(Parser, Debug)]
#[command(
    name = "rill",
    version,
    about = "Rill: a NATS-compatible messaging server and tool"
)]
struct Cli {
    /// Connection flags may also come before the command (`rill --context prod pub ...`);
    /// the command's own flags win.
    #[command(flatten)]
    conn: super::connect::ConnectArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a server with nats-server's flags (`rill server -p 4222 -c rill.conf`), or ask one:
    /// `info`, `ping`, `list`, `check connection|jetstream`, `report jetstream`,
    /// `cluster step-down|peer-remove`.
    #[command(subcommand)]
    Server(ServerCmd),
    /// Manage connection contexts (shared with the nats CLI).
    #[command(subcommand, alias = "ctx")]
    Context(ContextCmd),
    /// Publish messages.
    #[command(alias = "publish")]
    Pub(PubArgs),
    /// Subscribe and print messages.
    #[command(alias = "subscribe")]
    Sub(SubArgs),
    /// Send a request and print the reply.
    #[command(alias = "request")]
    Req(ReqArgs),
    /// Answer requests.
    Reply(ReplyArgs),
    /// Account information.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Manage JetStream streams: add, info, ls, edit, rm, purge, get, view, report.
    #[command(subcommand, alias = "str")]
    Stream(Box<super::stream::StreamCmd>),
    /// JetStream consumers: add, info, ls, rm, next.
    #[command(subcommand, alias = "con", alias = "c")]
    Consumer(Box<super::consumer::ConsumerCmd>),
    /// Key/Value buckets: add, info, put, get, del, history, watch, ls.
    #[command(subcommand)]
    Kv(super::kv::KvCmd),
    /// Object Store buckets: add, put, get, info, ls, rm.
    #[command(subcommand, alias = "obj")]
    Object(super::object::ObjectCmd),
    /// Benchmark a server (modelled on `nats bench`).
    Bench(crate::bench::BenchArgs),
    /// Run a local cluster (`up`) or write the configuration of one (`gen`).
    #[command(subcommand)]
    Cluster(super::cluster::ClusterCmd),
}

#[derive(Subcommand, Debug)]
enum AccountCmd {
    /// JetStream usage and limits of the connected account.
    Info {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Connection options.
        #[command(flatten)]
        conn: super::connect::ConnectArgs,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("rill: cannot start the runtime: {e}");
            ExitCode::from(1)
        })
}

impl Command {
    /// Fills the command's connection flags from those written before it.
    fn inherit(&mut self, outer: &super::connect::ConnectArgs) {
        let conn = match self {
            Command::Server(cmd) => cmd.conn_mut(),
            Command::Pub(a) => &mut a.conn,
            Command::Sub(a) => &mut a.conn,
            Command::Req(a) => &mut a.conn,
            Command::Reply(a) => &mut a.conn,
            Command::Account(AccountCmd::Info { conn, .. }) => conn,
            Command::Stream(cmd) => cmd.conn_mut(),
            Command::Consumer(cmd) => cmd.conn_mut(),
            Command::Kv(cmd) => cmd.conn_mut(),
            Command::Object(cmd) => cmd.conn_mut(),
            // Bench resolves them with its own --server when it runs.
            Command::Bench(args) => &mut args.outer,
            // Contexts store settings rather than use them; clusters start servers.
            Command::Context(_) | Command::Cluster(_) => return,
        };
        *conn = std::mem::take(conn).or(outer);
    }
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    let ok = |()| ExitCode::SUCCESS;
    match command {
        Command::Server(cmd) => super::server::run(cmd).await,
        Command::Context(cmd) => super::context::main(cmd).await,
        Command::Pub(args) => super::messaging::publish::run(args).await.map(ok),
        Command::Sub(args) => super::messaging::subscribe::run(args).await.map(ok),
        Command::Req(args) => super::messaging::request::run(args).await.map(ok),
        Command::Reply(args) => super::messaging::reply::run(args).await.map(ok),
        Command::Account(AccountCmd::Info { json, conn }) => {
            super::account::run_info(json, conn).await.map(ok)
        }
        Command::Stream(cmd) => super::stream::run(*cmd).await.map(ok),
        Command::Consumer(cmd) => super::consumer::run(*cmd).await.map(ok),
        Command::Kv(cmd) => super::kv::run(cmd).await.map(ok),
        Command::Object(cmd) => super::object::run(cmd).await.map(ok),
        Command::Bench(args) => crate::bench::run(args).await.map(ok),
        Command::Cluster(cmd) => super::cluster::run(cmd).await.map(ok),
    }
}

/// Runs the `rill` binary with the process's arguments.
pub fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("server")
        && !argv
            .get(2)
            .is_some_and(|a| SERVER_CLIENT_COMMANDS.contains(&a.as_str()))
    {
        return super::server_cmd::server_main(&argv[2..]);
    }
    let mut cli = Cli::parse();
    cli.command.inherit(&cli.conn);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let is_bench = matches!(cli.command, Command::Bench(_));
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            let prefix = if is_bench { "rill bench" } else { "rill" };
            eprintln!("{prefix}: {e:#}");
            ExitCode::from(1)
        }
    }
}
