//! `zerowamp publish`: publishes one event.

use clap::Args;
use zerowamp::wamp::session::PublishOptions;

use crate::connect::ConnectArgs;
use crate::payload;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp publish com.example.news '\"hello\"'
  zerowamp publish com.example.tick 42 --kwargs '{\"unit\":\"s\"}' --acknowledge
      waits for the broker's answer and fails if it refuses (e.g. not authorized)

Each argument is one JSON value (quote strings twice: '\"text\"').";

/// Publishes one event to TOPIC.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct PublishArgs {
    /// The topic URI.
    topic: String,

    /// Positional arguments, one JSON value each.
    #[arg(value_name = "ARG_JSON", allow_negative_numbers = true)]
    args: Vec<String>,

    /// Keyword arguments, a JSON object.
    #[arg(long, value_name = "JSON")]
    kwargs: Option<String>,

    /// Ask the broker to acknowledge the publication, and wait for it.
    #[arg(long)]
    acknowledge: bool,

    #[command(flatten)]
    connect: ConnectArgs,
}

/// Publishes, then leaves (GOODBYE, so the router has taken the event before the exit).
pub fn run(args: PublishArgs) -> Outcome {
    let event = payload::from_command_line(&args.args, args.kwargs.as_deref())?;
    let options = PublishOptions {
        acknowledge: args.acknowledge,
        ..PublishOptions::default()
    };
    let client = args.connect.connect()?;
    let published = client.publish(&args.topic, event, options);
    let left = client.leave();
    published.map_err(|e| format!("publish to {} failed: {e}", args.topic))?;
    left.map_err(|e| format!("leaving after publishing to {}: {e}", args.topic))?;
    Ok(())
}
