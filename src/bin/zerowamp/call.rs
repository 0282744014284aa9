//! `zerowamp call`: calls a procedure once and prints its result as one JSON line.

use std::time::Duration;

use clap::Args;
use zerowamp::client::CallError;
use zerowamp::wamp::session::CallOptions;
use zerowamp::wamp::Dict;

use crate::connect::ConnectArgs;
use crate::payload;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp call com.example.add 1 2
      prints {\"args\":[3],\"kwargs\":{}}
  zerowamp call com.example.greet '\"alice\"' --kwargs '{\"polite\":true}' --timeout 500
  zerowamp call com.example.now --url rs://10.0.0.1:8081 --serializer cbor --authid bob --ticket s3cret

Each argument is one JSON value (quote strings twice: '\"text\"'). The result is one line,
{\"args\":[...],\"kwargs\":{...}}, on stdout. A WAMP error exits with 1 and prints its URI and
payload on stderr: zerowamp: wamp.error.no_such_procedure {\"args\":[...],\"kwargs\":{}}";

/// Calls PROCEDURE and prints the result as JSON: {"args":[...],"kwargs":{...}}.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CallArgs {
    /// The procedure URI.
    procedure: String,

    /// Positional arguments, one JSON value each.
    #[arg(value_name = "ARG_JSON", allow_negative_numbers = true)]
    args: Vec<String>,

    /// Keyword arguments, a JSON object.
    #[arg(long, value_name = "JSON")]
    kwargs: Option<String>,

    /// Give up (wamp.error.timeout, canceled at the callee) after MS milliseconds.
    #[arg(long, value_name = "MS")]
    timeout: Option<u64>,

    #[command(flatten)]
    connect: ConnectArgs,
}

/// Makes the call; a WAMP error becomes the error `<uri> <payload as JSON>`.
pub fn run(args: CallArgs) -> Outcome {
    let request = payload::from_command_line(&args.args, args.kwargs.as_deref())?;
    let options = CallOptions {
        timeout: args.timeout.map(Duration::from_millis),
        ..CallOptions::default()
    };
    let client = args.connect.connect()?;
    let outcome = client.call(&args.procedure, request, options);
    // The answer is known either way; a failed GOODBYE changes nothing for the caller.
    let _ = client.leave();
    match outcome {
        Ok(result) => {
            println!("{}", payload::payload_to_json(Dict::new(), &result.payload));
            Ok(())
        }
        Err(CallError::Wamp(e)) => {
            let details = payload::to_json(Dict::new(), &e.args, Some(&e.kwargs));
            Err(format!("{} {details}", e.uri).into())
        }
        Err(CallError::Client(e)) => Err(format!("call {} failed: {e}", args.procedure).into()),
    }
}
