//! [`RouterServer`]: the router core on the network.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::info;

use super::config::{ListenerConfig, ServerConfig, TransportConfig};
use super::core::{Shared, LOG_TARGET};
use super::handler::PeerHandler;
use super::local::LocalSession;
use super::stats::RouterStats;
use crate::router::{ConfigError, JoinError, OsEntropy, Router};
use crate::runtime::{Handler, Listener, Mode, Runtime, RuntimeOptions, TransportError};
use crate::transport::url::Framing;
use crate::transport::websocket::Subprotocol;
use crate::transport::TransportUrl;
use crate::wamp::Dict;

/// Why a [`RouterServer`] could not start or listen.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The configuration is not usable; the error names the field.
    Config(ConfigError),
    /// The runtime's I/O thread could not start.
    Runtime(std::io::Error),
    /// A listener could not be opened (address in use, no permission, a bad host).
    Listen {
        /// The listener's URL, as configured.
        url: String,
        /// What failed.
        error: TransportError,
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Config(e) => write!(f, "{e}"),
            ServerError::Runtime(e) => write!(f, "cannot start the I/O thread: {e}"),
            ServerError::Listen { url, error } => write!(f, "cannot listen on {url}: {error}"),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<ConfigError> for ServerError {
    fn from(e: ConfigError) -> Self {
        ServerError::Config(e)
    }
}

/// A listening socket of a [`RouterServer`].
pub struct BoundListener {
    listener: Listener,
    url: String,
    subprotocols: Vec<Subprotocol>,
    framing: Framing,
    shared_port: bool,
}

impl BoundListener {
    /// The URL clients connect to, with the port the system chose for port 0.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The local address (TCP).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr()
    }

    /// The serializers spoken, most preferred first.
    pub fn subprotocols(&self) -> &[Subprotocol] {
        &self.subprotocols
    }

    /// Whether RawSocket and WebSocket share this port.
    pub fn shared_port(&self) -> bool {
        self.shared_port
    }

    /// Connections that failed before their transport handshake completed.
    pub fn failed_handshakes(&self) -> u64 {
        self.listener.failed_handshakes()
    }
}

impl fmt::Display for BoundListener {
    /// `ws://127.0.0.1:8080/ws (cbor, msgpack, json)`: the serializers a client may choose
    /// (RawSocket has no batched variants), and a note when the port is shared.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rawsocket_only = self.framing == Framing::RawSocket && !self.shared_port;
        let mut names: Vec<String> = Vec::new();
        for sub in &self.subprotocols {
            let name = match rawsocket_only {
                true => sub.serializer.name().to_owned(),
                false => sub.name().trim_start_matches("wamp.2.").to_owned(),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        write!(f, "{} ({})", self.url, names.join(", "))?;
        if self.shared_port {
            f.write_str(", RawSocket and WebSocket on one port")?;
        }
        Ok(())
    }
}

/// The embedded router on the network: owns the router core and a runtime (one I/O thread)
/// that drives it. Each connection's frames are decoded with the serializer it negotiated and
/// handed to the router; whatever the router queues is encoded and sent at once; timers cover
/// call timeouts and connections that do not join; in-process sessions join through
/// [`attach_local`](Self::attach_local) and [`join_local`](Self::join_local).
///
/// Dropping it is an abrupt [`shutdown`](Self::shutdown) (no time for answers).
pub struct RouterServer {
    shared: Arc<Shared>,
    transport: TransportConfig,
    listeners: Vec<BoundListener>,
    runtime: Option<Runtime>,
}

impl RouterServer {
    /// Checks `config` ([`ServerConfig::check`]), starts the router and opens every listener.
    pub fn start(config: &ServerConfig) -> Result<RouterServer, ServerError> {
        config.check()?;
        let router = Router::new(config.router_config(), Box::new(OsEntropy))?;
        let runtime = Runtime::new(RuntimeOptions {
            mode: Mode::IoThread,
            thread_name: Some("zerowamp-router".to_owned()),
        })
        .map_err(ServerError::Runtime)?;
        let shared = Arc::new(Shared::new(
            router,
            runtime.handle(),
            config.transport.join_timeout(),
        ));
        let mut server = RouterServer {
            shared,
            transport: config.transport.clone(),
            listeners: Vec::new(),
            runtime: Some(runtime),
        };
        for listener in &config.listeners {
            server.listen(listener)?;
        }
        Ok(server)
    }

    /// Opens one more listener.
    pub fn listen(&mut self, config: &ListenerConfig) -> Result<&BoundListener, ServerError> {
        let at = format!("listeners[{}]", self.listeners.len());
        let (url, options) = config.resolve(&at, &self.transport)?;
        let runtime = self.runtime.as_ref().ok_or_else(|| ServerError::Listen {
            url: config.url.clone(),
            error: TransportError::RuntimeStopped,
        })?;
        let subprotocols = options.subprotocols.clone();
        let shared_port = options.shared_port;
        let framing = url.framing();
        let shared = self.shared.clone();
        let listener = runtime
            .listen(&url, options, move |_| {
                Box::new(PeerHandler::new(shared.clone())) as Box<dyn Handler>
            })
            .map_err(|error| ServerError::Listen {
                url: config.url.clone(),
                error,
            })?;
        let bound = BoundListener {
            url: actual_url(&url, listener.port()),
            listener,
            subprotocols,
            framing,
            shared_port,
        };
        info!(target: LOG_TARGET, "listening on {bound}");
        self.listeners.push(bound);
        Ok(&self.listeners[self.listeners.len() - 1])
    }

    /// The listeners, in the order they were opened.
    pub fn listeners(&self) -> &[BoundListener] {
        &self.listeners
    }

    /// Sessions joining or joined, over all realms (local ones included).
    pub fn session_count(&self) -> usize {
        self.shared.lock().router.session_count()
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.shared.lock().open
    }

    /// What the server has sent since it started, and what it copied doing it.
    pub fn stats(&self) -> RouterStats {
        let core = self.shared.lock();
        self.shared
            .sent
            .snapshot(core.links.values().map(|link| link.connection.stats()))
    }

    /// A new in-process peer; it starts with HELLO like any other (and may authenticate).
    pub fn attach_local(&self) -> LocalSession {
        let mut core = self.shared.lock();
        let peer = core.router.attach_local();
        core.locals.insert(peer);
        LocalSession::new(self.shared.clone(), peer)
    }

    /// A new in-process peer joined to `realm` at once as `authid` with `authrole`, trusted
    /// (no authentication); `roles` are its HELLO roles. Its first message is the WELCOME.
    pub fn join_local(
        &self,
        realm: &str,
        authid: &str,
        authrole: &str,
        roles: Dict,
    ) -> Result<LocalSession, JoinError> {
        let mut core = self.shared.lock();
        let peer = core
            .router
            .join_local(realm, authid, authrole, roles, Instant::now())?;
        core.locals.insert(peer);
        self.shared.settle(&mut core, Some(peer));
        Ok(LocalSession::new(self.shared.clone(), peer))
    }

    /// Stops accepting, sends GOODBYE (`wamp.close.system_shutdown`) to every joined session
    /// and ABORT to those still joining, then waits up to `grace` for the peers to answer and
    /// their connections to close. Returns how many connections were still open when the wait
    /// ended (they are cut).
    pub fn shutdown(mut self, grace: Duration) -> usize {
        self.stop(grace)
    }

    fn stop(&mut self, grace: Duration) -> usize {
        let Some(runtime) = self.runtime.take() else {
            return 0;
        };
        self.listeners.clear();
        let deadline = Instant::now() + grace;
        let mut core = self.shared.lock();
        let sessions = core.router.session_count();
        core.router.shutdown(Instant::now());
        self.shared.settle(&mut core, None);
        info!(
            target: LOG_TARGET,
            "shutting down: GOODBYE to {sessions} sessions, {} connections",
            core.open
        );
        while core.open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            core = self
                .shared
                .changed
                .wait_timeout(core, left)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
        }
        let cut = core.open;
        drop(core);
        // Stops the I/O thread: what is still open is closed and its handler told.
        drop(runtime);
        info!(target: LOG_TARGET, "stopped ({cut} connections cut)");
        cut
    }
}

impl Drop for RouterServer {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}

impl fmt::Debug for RouterServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterServer")
            .field(
                "listeners",
                &self.listeners.iter().map(|l| &l.url).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// `url` with `port` in place of port 0.
fn actual_url(url: &TransportUrl, port: Option<u16>) -> String {
    match (url.host(), url.port(), port) {
        (Some(host), Some(0), Some(port)) => format!(
            "{}://{host}:{port}{}",
            url.scheme(),
            url.resource().unwrap_or("")
        ),
        _ => url.to_string(),
    }
}
