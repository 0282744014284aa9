//! `zerowamp register`: answers every call of a procedure, until SIGINT or SIGTERM.

use clap::Args;
use log::{info, warn};
use zerowamp::client::Invocation;
use zerowamp::wamp::session::RegisterOptions;
use zerowamp::wamp::{Payload, Value};

use crate::connect::ConnectArgs;
use crate::payload;
use crate::signals::Termination;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp register com.example.echo
      answers each call with its own arguments and keyword arguments
  zerowamp register com.example.version --reply '\"1.2.3\"'
      answers each call with one result argument, \"1.2.3\"
  zerowamp register com.example.config --reply '{\"debug\":false}' --url rs://127.0.0.1:8081

Logs 'registered PROCEDURE' on stderr once the router has confirmed the registration.
SIGINT or SIGTERM: unregisters, leaves and exits 0.";

/// Registers PROCEDURE and answers each call: with --reply, or with the call's own arguments.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RegisterArgs {
    /// The procedure URI.
    procedure: String,

    /// Answer every call with this one JSON value as the single result argument.
    #[arg(long, value_name = "JSON", allow_hyphen_values = true)]
    reply: Option<String>,

    #[command(flatten)]
    connect: ConnectArgs,
}

/// Registers, then waits for a termination signal; the client's thread answers the calls.
pub fn run(args: RegisterArgs) -> Outcome {
    let reply = args
        .reply
        .as_deref()
        .map(|text| payload::parse("--reply", text))
        .transpose()?;
    // Before the client starts its thread, which must inherit the blocked signals.
    let termination = Termination::block()?;
    let client = args.connect.connect()?;
    let registration = client.register(
        &args.procedure,
        RegisterOptions::default(),
        move |invocation: Invocation| answer(invocation, reply.as_ref()),
    )?;
    info!("registered {}", args.procedure);
    let signal = termination.wait()?;
    info!("{signal}: leaving");
    drop(registration);
    client.leave()?;
    Ok(())
}

/// The fixed reply, or the invocation's own payload.
fn answer(invocation: Invocation, reply: Option<&Value>) {
    let result = match reply {
        Some(value) => Payload::args(vec![value.clone()]),
        None => invocation.payload().clone(),
    };
    let procedure = invocation.procedure().to_owned();
    if let Err(e) = invocation.yield_(result) {
        warn!("cannot answer a call of {procedure}: {e}");
    }
}
