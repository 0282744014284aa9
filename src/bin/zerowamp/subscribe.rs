//! `zerowamp subscribe`: prints one JSON line per event, until `--count` events or a signal.

use std::io::Write;
use std::sync::mpsc::{channel, Sender};

use clap::Args;
use log::info;
use zerowamp::wamp::session::SubscribeOptions;
use zerowamp::wamp::uri::MatchPolicy;
use zerowamp::wamp::{Dict, Value};

use crate::connect::ConnectArgs;
use crate::payload;
use crate::signals::Termination;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp subscribe com.example.news
      {\"topic\":\"com.example.news\",\"args\":[\"hello\"],\"kwargs\":{}} per event, until Ctrl-C
  zerowamp subscribe com.example. --match prefix --count 10
  zerowamp subscribe com..update --match wildcard --url rs://127.0.0.1:8081 --serializer msgpack

Logs 'subscribed to TOPIC' on stderr once the router has confirmed the subscription.";

/// Subscribes to TOPIC and prints each event as one JSON line: {"topic":..,"args":[..],"kwargs":{..}}.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SubscribeArgs {
    /// The topic URI (or pattern, with --match).
    topic: String,

    /// How TOPIC matches published topics: exact, prefix or wildcard.
    #[arg(long = "match", value_name = "POLICY", default_value = "exact")]
    match_policy: MatchPolicy,

    /// Exit after N events (default: run until SIGINT or SIGTERM).
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    #[command(flatten)]
    connect: ConnectArgs,
}

/// What the main thread waits for.
enum News {
    /// An event, as its JSON line.
    Event(String),
    /// SIGINT or SIGTERM.
    Signal(&'static str),
}

/// Subscribes, then prints events on the main thread (the callback must not block on stdout).
pub fn run(args: SubscribeArgs) -> Outcome {
    let termination = Termination::block()?;
    if args.count == Some(0) {
        return Ok(());
    }
    let (tx, news) = channel();
    watch_signals(termination, tx.clone())?;
    let client = args.connect.connect()?;
    let options = SubscribeOptions {
        match_policy: args.match_policy,
        ..SubscribeOptions::default()
    };
    let _subscription = client.subscribe(&args.topic, options, move |event| {
        let mut topic = Dict::new();
        topic.insert("topic".to_owned(), Value::Str(event.topic.clone()));
        // The receiver is gone only while exiting; later events do not matter then.
        let _ = tx.send(News::Event(payload::payload_to_json(topic, &event.payload)));
    })?;
    info!("subscribed to {}", args.topic);
    let mut seen = 0;
    let mut stdout = std::io::stdout().lock();
    while let Ok(news) = news.recv() {
        match news {
            News::Event(line) => {
                writeln!(stdout, "{line}")?;
                stdout.flush()?;
                seen += 1;
                if args.count.is_some_and(|n| seen >= n) {
                    break;
                }
            }
            News::Signal(name) => {
                info!("{name}: leaving");
                break;
            }
        }
    }
    client.leave()?;
    Ok(())
}

/// A thread that waits for SIGINT or SIGTERM and reports it; it ends with the process.
fn watch_signals(termination: Termination, tx: Sender<News>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            if let Ok(name) = termination.wait() {
                let _ = tx.send(News::Signal(name));
            }
        })
        .map(drop)
}
