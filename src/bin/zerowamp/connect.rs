//! The options every client subcommand shares: where to connect, which realm, which
//! serializer, and how to authenticate. Flattened into each subcommand's arguments.

use clap::Args;
use zerowamp::client::{Client, ClientOptions};
use zerowamp::wamp::auth::cryptosign::SigningKey;
use zerowamp::wamp::session::Credential;
use zerowamp::wamp::Serializer;

/// The router's default listener, the one `zerowamp router` opens without arguments.
const DEFAULT_URL: &str = "ws://127.0.0.1:8080/ws";

/// Where and how a client subcommand joins a router.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The router: ws://, wss://, rs://, rss:// or unix:// URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
    url: String,

    /// The realm to join.
    #[arg(long, value_name = "NAME", default_value = "realm1")]
    realm: String,

    /// The serializer: json, msgpack, cbor or flatbuffers.
    #[arg(long, value_name = "NAME", default_value = "json", value_parser = parse_serializer)]
    serializer: Serializer,

    /// The authid to join as (anonymous without it and without a credential).
    #[arg(long, value_name = "ID")]
    authid: Option<String>,

    /// Authenticate with this ticket (use TLS: it is sent as is).
    #[arg(long, value_name = "TICKET", group = "credential")]
    ticket: Option<String>,

    /// Authenticate with WAMP-CRA, this shared secret.
    #[arg(long, value_name = "SECRET", group = "credential")]
    secret: Option<String>,

    /// Authenticate with cryptosign, this Ed25519 private key (a 32-byte seed, 64 hex digits).
    #[arg(long, value_name = "HEX", group = "credential")]
    private_key: Option<String>,
}

fn parse_serializer(name: &str) -> Result<Serializer, String> {
    Serializer::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Serializer::ALL.iter().map(|s| s.name()).collect();
        format!("unknown serializer '{name}' (one of: {})", names.join(", "))
    })
}

impl ConnectArgs {
    /// Connects and joins; returns once the session is established.
    pub fn connect(&self) -> Result<Client, Box<dyn std::error::Error>> {
        let mut options = ClientOptions::default().with_serializer(self.serializer);
        if let Some(authid) = &self.authid {
            options = options.with_authid(authid.clone());
        }
        if let Some(credential) = self.credential()? {
            options = options.with_credential(credential);
        }
        Client::connect(&self.url, &self.realm, options)
            .map_err(|e| format!("cannot join realm '{}' at {}: {e}", self.realm, self.url).into())
    }

    fn credential(&self) -> Result<Option<Credential>, Box<dyn std::error::Error>> {
        Ok(if let Some(ticket) = &self.ticket {
            Some(Credential::ticket(ticket.clone()))
        } else if let Some(secret) = &self.secret {
            Some(Credential::wampcra(secret))
        } else if let Some(hex) = &self.private_key {
            let key = SigningKey::from_hex(hex).map_err(|e| format!("--private-key: {e}"))?;
            Some(Credential::cryptosign(key, None))
        } else {
            None
        })
    }
}
