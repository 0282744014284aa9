//! `zerowamp router`: runs the embedded router until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use log::info;
use zerowamp::router::server::{
    self, ListenerConfig, RouterServer, ServerConfig, ServerError, TlsFiles, DEFAULT_LISTEN_URL,
    DEFAULT_REALM,
};
use zerowamp::router::RealmConfig;

use crate::signals::Termination;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp router
      ws://127.0.0.1:8080/ws, realm 'realm1', anonymous sessions may do everything
  zerowamp router --listen ws://127.0.0.1:0/ws
      a free port, printed on stderr ('listening on ws://127.0.0.1:41234/ws ...')
  zerowamp router --listen ws://0.0.0.0:8080/ws --listen rs://0.0.0.0:8081 --realm app
  zerowamp router --listen rs://0.0.0.0:8080 --shared-port
      RawSocket and WebSocket clients on the one port
  zerowamp router --listen wss://0.0.0.0:8443/ws --tls-cert server.crt --tls-key server.key
  zerowamp router --config router.toml

Config file (TOML; relative paths are relative to the file):
  [[listeners]]
  url = \"rss://0.0.0.0:8081\"
  serializers = [\"cbor\", \"msgpack\", \"json\"]       # default: all
  shared_port = false
  tls = { cert = \"server.crt\", key = \"server.key\" }

  [transport]      # max_message_size, send_queue_limit, open_timeout_ms, join_timeout_ms, close_timeout_ms
  [limits]         # max_sessions, max_outbound_queue, max_pending_calls, max_subscriptions_and_registrations

  [[realms]]
  name = \"realm1\"
  anonymous_role = \"public\"                      # omit to refuse anonymous sessions

  [[realms.roles]]
  name = \"public\"
  permissions = [{ uri = \"com.example.\", match = \"prefix\", call = true, subscribe = true }]

  [[realms.principals]]                          # ticket, wampcra = { secret = .. }, cryptosign = [hex keys]
  authid = \"alice\"
  authrole = \"public\"
  ticket = \"secret\"

SIGINT or SIGTERM: GOODBYE to every session, up to --shutdown-grace for their answers, exit 0.";

/// Runs a WAMP router until SIGINT or SIGTERM. Logs joins and leaves on stderr.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RouterArgs {
    /// Config file (TOML): listeners, realms, roles, permissions, principals, TLS, limits.
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Listen on URL: ws://, wss://, rs://, rss://, unix://, ws+unix://; port 0 picks a free
    /// port. May repeat. Replaces the config file's listeners. [default: ws://127.0.0.1:8080/ws]
    #[arg(long, value_name = "URL")]
    listen: Vec<String>,

    /// Serve realm NAME, open to anonymous sessions with every permission. May repeat.
    /// [default without --config: realm1]
    #[arg(long, value_name = "NAME")]
    realm: Vec<String>,

    /// The certificate chain (PEM) for wss:// and rss:// URLs given with --listen.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The private key (PEM) for wss:// and rss:// URLs given with --listen.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Serve RawSocket and WebSocket on each port given with --listen.
    #[arg(long)]
    shared_port: bool,

    /// How long shutdown waits for sessions to answer GOODBYE, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    shutdown_grace: f64,
}

/// Runs the router.
pub fn run(args: RouterArgs) -> Outcome {
    // Before the runtime starts its thread, which must inherit the blocked mask.
    let termination = Termination::block()?;
    let config = config(&args)?;
    let grace = Duration::try_from_secs_f64(args.shutdown_grace)
        .map_err(|e| format!("--shutdown-grace {}: {e}", args.shutdown_grace))?;
    let server = RouterServer::start(&config).map_err(|e| explain(e, &args))?;
    let realms: Vec<&str> = config.realms.iter().map(|r| r.name.as_str()).collect();
    info!(target: "zerowamp::router", "ready: realms {}", realms.join(", "));
    let signal = termination.wait()?;
    info!(target: "zerowamp::router", "{signal}: shutting down");
    server.shutdown(grace);
    Ok(())
}

/// The config file (if any) with the command line's listeners and realms merged in.
fn config(args: &RouterArgs) -> Result<ServerConfig, Box<dyn std::error::Error>> {
    let mut config = match &args.config {
        Some(path) => server::load(path)?,
        None => ServerConfig::default(),
    };
    let realms: Vec<&str> = match (&args.config, args.realm.is_empty()) {
        (None, true) => vec![DEFAULT_REALM],
        _ => args.realm.iter().map(String::as_str).collect(),
    };
    for name in realms {
        if config.realms.iter().any(|r| r.name == name) {
            return Err(
                format!("--realm {name}: the config file defines this realm already").into(),
            );
        }
        config.realms.push(RealmConfig::open(name));
    }
    if config.realms.is_empty() {
        return Err("no realm to serve: the config file defines none; add --realm NAME".into());
    }
    if !args.listen.is_empty() {
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        };
        config.listeners = args
            .listen
            .iter()
            .map(|url| ListenerConfig {
                url: url.clone(),
                shared_port: args.shared_port,
                tls: tls
                    .clone()
                    .filter(|_| url.starts_with("wss:") || url.starts_with("rss:")),
                ..ListenerConfig::default()
            })
            .collect();
    } else if config.listeners.is_empty() {
        config
            .listeners
            .push(ListenerConfig::new(DEFAULT_LISTEN_URL));
    }
    Ok(config)
}

/// Says which command-line option a listener error comes from.
fn explain(error: ServerError, args: &RouterArgs) -> Box<dyn std::error::Error> {
    match error {
        ServerError::Config(e) if !args.listen.is_empty() && e.field.starts_with("listeners[") => {
            let index: Option<usize> = e.field["listeners[".len()..]
                .split(']')
                .next()
                .and_then(|i| i.parse().ok());
            let url = index
                .and_then(|i| args.listen.get(i))
                .map_or("", String::as_str);
            let option = match e.field.rsplit('.').next() {
                Some("cert") => "--tls-cert",
                Some("key") => "--tls-key",
                _ => "--listen",
            };
            format!("{option} (for {url}): {}", e.reason).into()
        }
        other => other.into(),
    }
}
