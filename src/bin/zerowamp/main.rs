//! `zerowamp`: the command line. One file per subcommand; `main` parses the arguments, sets up
//! logging and runs the subcommand.

mod logger;
mod router;
mod signals;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What the subcommands return: an error is printed as `zerowamp: <error>` and exits with 1.
type Outcome = Result<(), Box<dyn std::error::Error>>;

const EXAMPLES: &str = "\
Examples:
  zerowamp router                                  # ws://127.0.0.1:8080/ws, realm1, anonymous
  zerowamp router --config router.toml
  zerowamp router --listen ws://0.0.0.0:8080/ws --listen rs://0.0.0.0:8081 --realm app
  zerowamp router --help                           # the router's options and config file";

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logger::init(cli.log_level.into());
    let outcome = match cli.command {
        Command::Router(args) => router::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zerowamp: {e}");
            ExitCode::FAILURE
        }
    }
}
