//! The runtime: a `mio` reactor on its own I/O thread that moves whole WAMP messages between
//! endpoints over RawSocket and WebSocket, on TCP, TLS and Unix sockets. It knows nothing of
//! WAMP beyond framing: messages are [`Bytes`](bytes::Bytes).
//!
//! ```no_run
//! use zerowamp::runtime::{ConnectOptions, Connection, Event, Runtime, RuntimeOptions};
//! use zerowamp::transport::TransportUrl;
//!
//! let runtime = Runtime::new(RuntimeOptions::default())?;
//! let url = TransportUrl::parse("ws://127.0.0.1:8080/ws")?;
//! let conn = runtime.connect(&url, ConnectOptions::default(), |conn: &Connection, event: Event| {
//!     match event {
//!         Event::Opened(info) => println!("open, serializer {}", info.serializer),
//!         Event::Frame(message) => println!("{} octets", message.len()),
//!         Event::Closed(reason) => println!("closed: {reason:?}"),
//!     }
//! })?;
//! conn.send(&b"[1,\"realm1\",{}]"[..])?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - **Connections**: [`RuntimeHandle::connect`] (client side: DNS resolution happens on the calling
//!   thread, everything else on the I/O thread) and [`RuntimeHandle::listen`] (server side; with
//!   [`ListenOptions::shared_port`] one port serves RawSocket and WebSocket, told apart by the
//!   first octet). Both give [`Connection`] handles: `Send + Sync`, cheap clones.
//! - **Handlers** receive [`Event::Opened`], [`Event::Frame`] and [`Event::Closed`], in order.
//!   In [`Mode::IoThread`] (the default) they run on the I/O thread and must not block. In
//!   [`Mode::CallerDriven`] they run inside [`RuntimeHandle::dispatch`] on the caller's thread; the
//!   descriptor [`RuntimeHandle::fd`] is readable while anything is due (add it to epoll, libuv,
//!   asyncio), and the I/O thread never runs user code.
//! - **Backpressure**: each connection's send queue is bounded
//!   ([`ConnectionOptions::send_queue_limit`]); a full queue fails the send at once or blocks up
//!   to a timeout ([`SendFullPolicy`], default: fail). Received messages not yet dispatched are
//!   bounded too ([`ConnectionOptions::receive_queue_limit`]): the runtime stops reading.
//! - **Timers**: [`RuntimeHandle::timer`] runs a callback later (through the dispatcher, like
//!   handlers); the runtime itself uses timers for open, keepalive and close deadlines.
//! - **Zero copy**: a message is `Bytes`, which may pin a buffer owned elsewhere ([`pinned`]).
//!   RawSocket frames and WebSocket server frames are written with `writev` from it (header and
//!   payload, no copy); WebSocket client frames are masked into one copy.
//!   [`Connection::stats`] counts it.
//! - **Reconnect**: [`Backoff`] is the delay policy; the client layer decides what to restore.

mod backoff;
mod connection;
mod dispatch;
mod event;
mod listener;
mod options;
mod reactor;
mod timer;

use std::net::ToSocketAddrs;
use std::os::unix::io::RawFd;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use backoff::{Attempts, Backoff};
pub use connection::{pinned, Connection, SendError};
pub use dispatch::DispatchError;
pub use event::{CloseReason, Event, Handler};
pub use listener::{AcceptFn, Listener};
pub use options::{
    ConnectOptions, ConnectionOptions, Keepalive, ListenOptions, Mode, RuntimeOptions,
    SendFullPolicy,
};
pub use timer::TimerId;

pub use crate::transport::framed::{CopyStats, OpenInfo, Outgoing, TransportError};

use connection::ConnShared;
use dispatch::Dispatcher;
use listener::ListenerShared;
use reactor::{Command, ListenSocket, PendingConnect, PendingListen, Reactor, Shared};

use crate::transport::framed::{ClientSetup, ServerSetup, WsClientSetup, WsServerSetup};
use crate::transport::rawsocket::{self, MaxLength, Serializer};
use crate::transport::stream::Socket;
use crate::transport::tls::TlsClientConfig;
use crate::transport::url::{Address, Framing, Host, TransportUrl};

/// Locks a mutex, ignoring poisoning: the data behind our mutexes stays consistent even if a
/// user callback panicked while one was held.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The runtime: owns the I/O thread, which stops when this is dropped (every connection then
/// closes with [`TransportError::RuntimeStopped`]). See the [module documentation](self).
pub struct Runtime {
    handle: RuntimeHandle,
    thread: Option<JoinHandle<()>>,
}

/// A cheap, clonable handle to a [`Runtime`], usable from any thread (also from handlers). It
/// does not keep the I/O thread alive: once the runtime is dropped, its calls fail.
#[derive(Clone)]
pub struct RuntimeHandle {
    shared: Arc<Shared>,
}

impl Runtime {
    /// Starts the I/O thread.
    pub fn new(options: RuntimeOptions) -> std::io::Result<Runtime> {
        let dispatcher = Dispatcher::new(options.mode)?;
        let (reactor, shared) = Reactor::new(dispatcher)?;
        let thread = std::thread::Builder::new()
            .name(
                options
                    .thread_name
                    .unwrap_or_else(|| "zerowamp-io".to_string()),
            )
            .spawn(move || reactor.run())?;
        Ok(Runtime {
            handle: RuntimeHandle { shared },
            thread: Some(thread),
        })
    }

    /// A handle for other threads and handlers.
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }
}

impl std::ops::Deref for Runtime {
    type Target = RuntimeHandle;

    fn deref(&self) -> &RuntimeHandle {
        &self.handle
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.handle.shared.post(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Queued callbacks may hold handles (and so the runtime's shared state): drop them.
        self.handle.shared.dispatcher.clear();
    }
}

impl RuntimeHandle {
    fn check_running(&self) -> Result<(), TransportError> {
        match self.shared.stopped.load(Ordering::Acquire) {
            true => Err(TransportError::RuntimeStopped),
            false => Ok(()),
        }
    }

    /// Connects to `url` and runs the transport handshake (TLS, RawSocket or WebSocket) on the
    /// I/O thread. The handle is returned at once; `handler` gets [`Event::Opened`] when the
    /// handshake completes, or [`Event::Closed`] if it fails. Messages sent before then are
    /// queued. Errors returned here are immediate: the host does not resolve, the socket cannot
    /// be created, the TLS configuration cannot be built.
    pub fn connect(
        &self,
        url: &TransportUrl,
        options: ConnectOptions,
        handler: impl Handler,
    ) -> Result<Connection, TransportError> {
        self.check_running()?;
        let socket = match url.address() {
            Address::Tcp { host, port } => {
                let addr = resolve(host, *port)?;
                Socket::Tcp(mio::net::TcpStream::connect(addr)?)
            }
            Address::Unix(path) => Socket::Unix(mio::net::UnixStream::connect(path)?),
        };
        let first = options
            .subprotocols
            .first()
            .copied()
            .ok_or_else(|| TransportError::WebSocket("no subprotocol to offer".to_string()))?;
        let setup = match url.framing() {
            Framing::RawSocket => ClientSetup::RawSocket(rawsocket::ClientConfig {
                serializer: first.serializer,
                max_receive: options.connection.rawsocket_max_length(),
            }),
            Framing::WebSocket => ClientSetup::WebSocket(WsClientSetup {
                uri: url.websocket_uri().unwrap_or_default(),
                subprotocols: options.subprotocols.clone(),
                max_message_size: options.connection.max_message_size,
            }),
        };
        let tls = match url.is_tls() {
            false => None,
            true => {
                let config = match &options.tls {
                    Some(config) => config.clone(),
                    None => TlsClientConfig::webpki_roots()
                        .map_err(|err| TransportError::Tls(err.to_string()))?,
                };
                let name = match (&options.tls_server_name, url.host()) {
                    (Some(name), _) => name.clone(),
                    (None, Some(Host::Domain(name))) => name.clone(),
                    (None, Some(Host::Ipv4(ip))) => ip.to_string(),
                    (None, Some(Host::Ipv6(ip))) => ip.to_string(),
                    (None, None) => "localhost".to_string(),
                };
                Some((config, name))
            }
        };
        let conn = ConnShared::new(
            self.shared.clone(),
            options.connection,
            Some(Box::new(handler)),
        );
        self.shared.post(Command::Connect(Box::new(PendingConnect {
            conn: conn.clone(),
            socket,
            setup,
            tls,
        })));
        Ok(Connection { shared: conn })
    }

    /// Listens on `url` (`ws://127.0.0.1:0` picks a free port: see [`Listener::port`]).
    /// `on_accept` is called (through the dispatcher) for each connection whose transport
    /// handshake completed, and returns its handler, which then gets `Opened`, the frames and
    /// `Closed`. Binding errors are returned here.
    pub fn listen(
        &self,
        url: &TransportUrl,
        options: ListenOptions,
        on_accept: impl FnMut(&Connection) -> Box<dyn Handler> + Send + 'static,
    ) -> Result<Listener, TransportError> {
        self.check_running()?;
        let tls =
            match (url.is_tls(), &options.tls) {
                (true, None) => return Err(TransportError::Tls(
                    "a wss:// or rss:// listener needs ListenOptions::tls (certificate and key)"
                        .to_string(),
                )),
                (true, Some(tls)) => Some(tls.clone()),
                (false, _) => None,
            };
        let (socket, local_addr, unix_path) = match url.address() {
            Address::Tcp { host, port } => {
                let addr = resolve(host, *port)?;
                let listener = mio::net::TcpListener::bind(addr)?;
                let local = listener.local_addr()?;
                (ListenSocket::Tcp(listener), Some(local), None)
            }
            Address::Unix(path) => (
                ListenSocket::Unix(mio::net::UnixListener::bind(path)?),
                None,
                Some(path.clone()),
            ),
        };
        let mut serializers: Vec<Serializer> = Vec::new();
        for sub in &options.subprotocols {
            if !serializers.contains(&sub.serializer) {
                serializers.push(sub.serializer);
            }
        }
        let rawsocket = rawsocket::ServerConfig {
            serializers,
            max_receive: options.connection.rawsocket_max_length(),
            min_peer_max_length: MaxLength::MIN,
        };
        let websocket = WsServerSetup {
            subprotocols: options.subprotocols.clone(),
            max_message_size: options.connection.max_message_size,
        };
        let setup = match (options.shared_port, url.framing()) {
            (true, _) => ServerSetup {
                rawsocket: Some(rawsocket),
                websocket: Some(websocket),
            },
            (false, Framing::RawSocket) => ServerSetup {
                rawsocket: Some(rawsocket),
                websocket: None,
            },
            (false, Framing::WebSocket) => ServerSetup {
                rawsocket: None,
                websocket: Some(websocket),
            },
        };
        let shared = ListenerShared::new(
            self.shared.clone(),
            Box::new(on_accept),
            local_addr,
            unix_path,
        );
        self.shared.post(Command::Listen(Box::new(PendingListen {
            listener: shared.clone(),
            socket,
            setup,
            tls,
            options: options.connection,
        })));
        Ok(Listener { shared })
    }

    /// Runs `callback` once, `after` from now, through the dispatcher (on the I/O thread, or in
    /// [`dispatch`](Self::dispatch) in caller-driven mode).
    pub fn timer(&self, after: Duration, callback: impl FnOnce() + Send + 'static) -> TimerId {
        let id = TimerId(self.shared.next_id());
        self.shared.post(Command::Timer(
            id,
            Instant::now() + after,
            Box::new(callback),
        ));
        id
    }

    /// Cancels a timer that has not fired yet (nothing happens if it has).
    pub fn cancel_timer(&self, id: TimerId) {
        self.shared.post(Command::CancelTimer(id));
    }

    /// Whether the calling thread is this runtime's I/O thread (where waiting for the runtime,
    /// or dropping it, would never end).
    pub fn on_io_thread(&self) -> bool {
        self.shared.on_io_thread()
    }

    /// Caller-driven mode: the descriptor that is readable while callbacks are due. `None` in
    /// I/O-thread mode.
    pub fn fd(&self) -> Option<RawFd> {
        self.shared.dispatcher.fd()
    }

    /// Caller-driven mode: runs up to `max` due callbacks on this thread and returns how many
    /// ran (0 in I/O-thread mode). Callbacks must not call `dispatch` themselves.
    pub fn dispatch(&self, max: usize) -> Result<usize, DispatchError> {
        self.shared.dispatcher.dispatch(max)
    }

    /// Caller-driven mode: waits up to `timeout` (forever if `None`) for callbacks to be due;
    /// `true` if some are. A convenience for loops that have nothing else to wait on.
    pub fn wait(&self, timeout: Option<Duration>) -> std::io::Result<bool> {
        let Some(fd) = self.fd() else {
            return Ok(false);
        };
        let mut pollfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        // SAFETY: one valid pollfd, and its count is 1.
        let ready = unsafe { libc::poll(&mut pollfd, 1, millis) };
        if ready < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(err);
        }
        Ok(ready > 0)
    }
}

fn resolve(host: &Host, port: u16) -> Result<std::net::SocketAddr, TransportError> {
    let name = match host {
        Host::Domain(name) => name.clone(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let resolve_error = |detail: String| TransportError::Resolve {
        host: name.clone(),
        detail,
    };
    (name.as_str(), port)
        .to_socket_addrs()
        .map_err(|err| resolve_error(err.to_string()))?
        .next()
        .ok_or_else(|| resolve_error("no address".to_string()))
}
