//! What a [`RouterServer`](super::RouterServer) runs with: the router core's realms and limits,
//! plus the listeners and connection settings. Plain serde data, the shape of the TOML file
//! [`load`](super::load) reads; [`ServerConfig::check`] finds the first problem and names the
//! field at fault.

use std::path::PathBuf;
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};

use crate::router::{ConfigError, Limits, RealmConfig, Router, RouterConfig, SeededEntropy};
use crate::runtime::{ConnectionOptions, ListenOptions};
use crate::transport::rawsocket::MaxLength;
use crate::transport::tls::{TlsConfigError, TlsServerConfig};
use crate::transport::websocket::Subprotocol;
use crate::transport::TransportUrl;
use crate::wamp;

/// Where `zerowamp router` listens when told nothing else.
pub const DEFAULT_LISTEN_URL: &str = "ws://127.0.0.1:8080/ws";

/// The realm `zerowamp router` serves when told nothing else.
pub const DEFAULT_REALM: &str = "realm1";

/// Everything a router server runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to accept connections; several at once.
    pub listeners: Vec<ListenerConfig>,
    /// The realms served (see [`RealmConfig`]).
    pub realms: Vec<RealmConfig>,
    /// The router core's limits (see [`Limits`]).
    pub limits: Limits,
    /// Connection settings shared by every listener.
    pub transport: TransportConfig,
}

/// One listening socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListenerConfig {
    /// `ws://`, `wss://`, `rs://`, `rss://`, `unix://` or `ws+unix://`; port 0 lets the system
    /// choose.
    pub url: String,
    /// The serializers spoken, most preferred first: `"cbor"`, `"msgpack"`, `"json"`,
    /// `"flatbuffers"`, or a batched WebSocket variant such as `"json.batched"`. Empty: all of
    /// them (CBOR, MessagePack, JSON, FlatBuffers, then the batched variants).
    pub serializers: Vec<String>,
    /// Serve RawSocket and WebSocket on this one port (the first octet tells them apart); the
    /// URL's scheme then only says TCP or TLS.
    pub shared_port: bool,
    /// The certificate and key for `wss://` and `rss://`.
    pub tls: Option<TlsFiles>,
}

/// PEM files for a TLS listener. Relative paths are relative to the config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Connection settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransportConfig {
    /// The longest WAMP message received or sent, in octets (RawSocket rounds it down to a
    /// power of two; at most 16 MiB there). A longer incoming message closes the connection.
    pub max_message_size: usize,
    /// The most octets queued for one connection that its socket has not taken yet. A peer
    /// that reads so slowly that this fills up is disconnected, so memory stays bounded.
    pub send_queue_limit: usize,
    /// How long the transport handshakes (TLS, RawSocket, WebSocket upgrade) may take, in ms.
    pub open_timeout_ms: u64,
    /// How long a connection may stay without a joined session (before WELCOME, or after a
    /// GOODBYE), in ms; then it gets ABORT and is closed.
    pub join_timeout_ms: u64,
    /// How long a closing handshake may take before the socket is dropped, in ms.
    pub close_timeout_ms: u64,
}

impl Default for TransportConfig {
    fn default() -> Self {
        let connection = ConnectionOptions::default();
        TransportConfig {
            max_message_size: connection.max_message_size,
            send_queue_limit: connection.send_queue_limit,
            open_timeout_ms: millis(connection.open_timeout),
            join_timeout_ms: 10_000,
            close_timeout_ms: millis(connection.close_timeout),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl TransportConfig {
    /// How long a connection may stay without a joined session.
    pub fn join_timeout(&self) -> Duration {
        Duration::from_millis(self.join_timeout_ms)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let min = MaxLength::MIN.bytes();
        if self.max_message_size < min {
            return Err(ConfigError::new(
                "transport.max_message_size",
                format!("must be at least {min} octets (the RawSocket minimum)"),
            ));
        }
        if self.send_queue_limit == 0 {
            return Err(ConfigError::new(
                "transport.send_queue_limit",
                "must be more than 0",
            ));
        }
        for (field, value) in [
            ("open_timeout_ms", self.open_timeout_ms),
            ("join_timeout_ms", self.join_timeout_ms),
            ("close_timeout_ms", self.close_timeout_ms),
        ] {
            if value == 0 {
                return Err(ConfigError::new(
                    format!("transport.{field}"),
                    "must be more than 0",
                ));
            }
        }
        Ok(())
    }

    fn connection_options(&self) -> ConnectionOptions {
        ConnectionOptions {
            max_message_size: self.max_message_size,
            send_queue_limit: self.send_queue_limit,
            open_timeout: Duration::from_millis(self.open_timeout_ms),
            close_timeout: Duration::from_millis(self.close_timeout_ms),
            ..ConnectionOptions::default()
        }
    }
}

impl ListenerConfig {
    /// A listener on `url` with every serializer, no TLS.
    pub fn new(url: &str) -> Self {
        ListenerConfig {
            url: url.to_owned(),
            ..ListenerConfig::default()
        }
    }

    /// The parsed URL and the runtime's listen options; `at` names this listener in errors
    /// (`listeners[0]`). Reads the TLS files.
    pub fn resolve(
        &self,
        at: &str,
        transport: &TransportConfig,
    ) -> Result<(TransportUrl, ListenOptions), ConfigError> {
        let url =
            TransportUrl::parse(&self.url).map_err(|e| ConfigError::new(format!("{at}.url"), e))?;
        let subprotocols = self.subprotocols(at)?;
        let tls = match (&self.tls, url.is_tls()) {
            (Some(files), true) => Some(files.load(&format!("{at}.tls"))?),
            (None, true) => {
                return Err(ConfigError::new(
                    format!("{at}.tls"),
                    format!(
                        "a {}:// listener needs a certificate: tls = {{ cert = \"...\", key = \"...\" }}",
                        url.scheme()
                    ),
                ))
            }
            (Some(_), false) => {
                return Err(ConfigError::new(
                    format!("{at}.tls"),
                    format!(
                        "a {}:// listener does not use TLS: use wss:// or rss://",
                        url.scheme()
                    ),
                ))
            }
            (None, false) => None,
        };
        let options = ListenOptions {
            subprotocols,
            tls,
            shared_port: self.shared_port,
            connection: transport.connection_options(),
        };
        Ok((url, options))
    }

    fn subprotocols(&self, at: &str) -> Result<Vec<Subprotocol>, ConfigError> {
        if self.serializers.is_empty() {
            return Ok(Subprotocol::DEFAULT_PREFERENCE.to_vec());
        }
        let mut out: Vec<Subprotocol> = Vec::new();
        for (i, name) in self.serializers.iter().enumerate() {
            let field = || format!("{at}.serializers[{i}]");
            let sub = Subprotocol::parse(&format!("wamp.2.{name}"))
                .filter(|s| wamp::Serializer::from_name(s.serializer.name()).is_some())
                .ok_or_else(|| {
                    ConfigError::new(
                        field(),
                        format!(
                            "unknown serializer {name:?}: expected json, msgpack, cbor or \
                             flatbuffers, optionally with .batched"
                        ),
                    )
                })?;
            if out.contains(&sub) {
                return Err(ConfigError::new(
                    field(),
                    format!("{name:?} is listed twice"),
                ));
            }
            out.push(sub);
        }
        Ok(out)
    }
}

impl TlsFiles {
    fn load(&self, at: &str) -> Result<TlsServerConfig, ConfigError> {
        TlsServerConfig::from_pem_files(&self.cert, &self.key).map_err(|e| {
            let field = match &e {
                TlsConfigError::ReadFile { path, .. }
                    if *path == self.key.display().to_string() =>
                {
                    "key"
                }
                TlsConfigError::BadPem {
                    what: "private key",
                    ..
                } => "key",
                TlsConfigError::ReadFile { .. }
                | TlsConfigError::BadPem { .. }
                | TlsConfigError::NoCertificates { .. } => "cert",
                _ => return ConfigError::new(at, e),
            };
            ConfigError::new(format!("{at}.{field}"), e)
        })
    }
}

impl ServerConfig {
    /// `realm` with anonymous access and every permission, served on `urls`: what
    /// `zerowamp router` runs with when given no config file.
    pub fn open(realm: &str, urls: &[&str]) -> Self {
        ServerConfig {
            listeners: urls.iter().map(|u| ListenerConfig::new(u)).collect(),
            realms: vec![RealmConfig::open(realm)],
            ..ServerConfig::default()
        }
    }

    /// The router core's part.
    pub fn router_config(&self) -> RouterConfig {
        RouterConfig {
            realms: self.realms.clone(),
            limits: self.limits.clone(),
        }
    }

    /// Finds the first problem: in the realms, roles and principals (as [`Router::new`] does),
    /// in the connection settings, in each listener (its URL, serializers and TLS files, which
    /// are read). The error names the field, as in the file: `listeners[1].tls.key`. No realm
    /// or no listener is not an error here (the command line may add them).
    pub fn check(&self) -> Result<(), ConfigError> {
        Router::new(self.router_config(), Box::new(SeededEntropy::new(0)))?;
        self.transport.check()?;
        for (i, listener) in self.listeners.iter().enumerate() {
            listener.resolve(&format!("listeners[{i}]"), &self.transport)?;
        }
        Ok(())
    }
}
