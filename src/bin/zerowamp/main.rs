//! `zerowamp`: the command line. One file per subcommand; `main` parses the arguments, sets up
//! logging and runs the subcommand.

mod call;
mod connect;
mod logger;
mod payload;
mod publish;
mod register;
mod router;
mod serve;
mod signals;
mod subscribe;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What the subcommands return: an error is printed as `zerowamp: <error>` and exits with 1.
type Outcome = Result<(), Box<dyn std::error::Error>>;

const EXAMPLES: &str = "\
Examples:
  zerowamp router                                  # ws://127.0.0.1:8080/ws, realm1, anonymous
  zerowamp router --config router.toml
  zerowamp router --listen ws://0.0.0.0:8080/ws --listen rs://0.0.0.0:8081 --realm app
  zerowamp router --help                           # the router's options and config file
  zerowamp register com.example.echo               # answers calls with their own arguments
  zerowamp call com.example.echo 1 '\"two\"' --kwargs '{\"three\":3}'
  zerowamp subscribe com.example.news --count 1    # one JSON line per event
  zerowamp publish com.example.news '\"hello\"'
  zerowamp serve --db ./data --table users --procedure com.example.users.get
  zerowamp call --help                             # connection and auth options: every client command";

/// zerowamp: FlatBuffers records in LMDB, served over WAMP — the command line.
#[derive(Debug, Parser)]
#[command(name = "zerowamp", version, after_help = EXAMPLES)]
struct Cli {
    /// What to log on stderr.
    #[arg(long, global = true, value_name = "LEVEL", default_value = "info")]
    log_level: logger::Level,

    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a WAMP router (WebSocket, RawSocket, TLS, Unix sockets; realms, roles, auth).
    Router(router::RouterArgs),
    /// Calls a procedure and prints the result as JSON.
    Call(call::CallArgs),
    /// Publishes an event.
    Publish(publish::PublishArgs),
    /// Subscribes to a topic and prints one JSON line per event.
    Subscribe(subscribe::SubscribeArgs),
    /// Registers a procedure and answers its calls (with --reply, or echoing them).
    Register(register::RegisterArgs),
    /// Serves the records of an LMDB table: calls get records straight from the map.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logger::init(cli.log_level.into());
    let outcome = match cli.command {
        Command::Router(args) => router::run(args),
        Command::Call(args) => call::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Subscribe(args) => subscribe::run(args),
        Command::Register(args) => register::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zerowamp: {e}");
            ExitCode::FAILURE
        }
    }
}
