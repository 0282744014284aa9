//! Settings for the runtime, for outgoing connections and for listeners.

use std::time::Duration;

use crate::transport::rawsocket::{MaxLength, Serializer};
use crate::transport::tls::{TlsClientConfig, TlsServerConfig};
use crate::transport::websocket::Subprotocol;

/// Where handlers, accept callbacks and timer callbacks run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// On the runtime's I/O thread, as soon as their event happens. Handlers must not block.
    #[default]
    IoThread,
    /// On the caller's thread, inside [`Runtime::dispatch`](super::RuntimeHandle::dispatch); the
    /// runtime's file descriptor ([`Runtime::fd`](super::RuntimeHandle::fd)) becomes readable when
    /// something is due. The I/O thread never runs user code in this mode.
    CallerDriven,
}

/// Settings for a [`Runtime`](super::Runtime).
#[derive(Clone, Debug, Default)]
pub struct RuntimeOptions {
    /// Where user code runs.
    pub mode: Mode,
    /// The I/O thread's name (default `zerowamp-io`).
    pub thread_name: Option<String>,
}

/// What [`Connection::send`](super::Connection::send) does when the send queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendFullPolicy {
    /// Fail at once with [`SendError::QueueFull`](super::SendError::QueueFull). The default:
    /// a send never blocks the caller, so it is safe from handlers and event loops.
    Fail,
    /// Block until there is room, at most this long, then fail with
    /// [`SendError::Timeout`](super::SendError::Timeout). On the runtime's own I/O thread (in
    /// a handler in [`Mode::IoThread`]) waiting could never end, so a full queue fails at once.
    Block(Duration),
}

/// Pings to detect a dead peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keepalive {
    /// A ping goes out after this long without receiving anything.
    pub interval: Duration,
    /// The connection fails if nothing arrives this long after a ping.
    pub timeout: Duration,
}

/// Per-connection settings shared by outgoing and accepted connections.
#[derive(Clone, Debug)]
pub struct ConnectionOptions {
    /// The longest message received or sent, in octets (default and maximum for RawSocket:
    /// 16 MiB). A longer incoming message fails the connection (WebSocket close code 1009);
    /// a longer outgoing one is refused by `send`.
    pub max_message_size: usize,
    /// The most message octets queued for sending (plus 64 per message for bookkeeping), default
    /// 16 MiB. A message always fits into an empty queue, so memory per connection stays below
    /// this limit plus one message, however slowly the peer reads.
    pub send_queue_limit: usize,
    /// What `send` does when the queue is full (default [`SendFullPolicy::Fail`]).
    pub send_full: SendFullPolicy,
    /// The most received message octets waiting for [`Runtime::dispatch`](super::RuntimeHandle::dispatch)
    /// (caller-driven mode, default 16 MiB): beyond it the runtime stops reading this
    /// connection until the caller catches up, so a caller that dispatches slowly slows the peer
    /// down instead of growing memory.
    pub receive_queue_limit: usize,
    /// Pings to detect a dead peer (default none). Note: crossbar and autobahn-python read a
    /// RawSocket PING as a huge message; use keepalive on RawSocket only between zerowamp peers.
    pub keepalive: Option<Keepalive>,
    /// How long the closing handshake may take before the socket is dropped (default 5 s).
    pub close_timeout: Duration,
    /// How long connecting and the opening handshakes (TCP, TLS, RawSocket or WebSocket) may
    /// take together (default 10 s).
    pub open_timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            max_message_size: MaxLength::MAX.bytes(),
            send_queue_limit: 16 * 1024 * 1024,
            send_full: SendFullPolicy::Fail,
            receive_queue_limit: 16 * 1024 * 1024,
            keepalive: None,
            close_timeout: Duration::from_secs(5),
            open_timeout: Duration::from_secs(10),
        }
    }
}

impl ConnectionOptions {
    /// The RawSocket length limit for `max_message_size`: the largest power of two not above it.
    pub(crate) fn rawsocket_max_length(&self) -> MaxLength {
        (0..=15u8)
            .rev()
            .filter_map(MaxLength::from_exponent)
            .find(|m| m.bytes() <= self.max_message_size)
            .unwrap_or(MaxLength::MIN)
    }
}

/// Settings for an outgoing connection.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// WebSocket: the subprotocols offered, most preferred first. RawSocket: the first one's
    /// serializer is requested (RawSocket negotiates exactly one). Default: CBOR, MessagePack,
    /// JSON.
    pub subprotocols: Vec<Subprotocol>,
    /// The CA to trust for `wss://` and `rss://` (default: the Mozilla roots).
    pub tls: Option<TlsClientConfig>,
    /// The name to check the server certificate against (default: the URL's host).
    pub tls_server_name: Option<String>,
    /// Per-connection settings.
    pub connection: ConnectionOptions,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            subprotocols: vec![
                Subprotocol::new(Serializer::Cbor),
                Subprotocol::new(Serializer::MsgPack),
                Subprotocol::new(Serializer::Json),
            ],
            tls: None,
            tls_server_name: None,
            connection: ConnectionOptions::default(),
        }
    }
}

impl ConnectOptions {
    /// Offers exactly `subprotocol`.
    pub fn with_subprotocol(subprotocol: Subprotocol) -> ConnectOptions {
        ConnectOptions {
            subprotocols: vec![subprotocol],
            ..ConnectOptions::default()
        }
    }
}

/// Settings for a listener.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    /// The subprotocols spoken, most preferred first (default
    /// [`Subprotocol::DEFAULT_PREFERENCE`]). RawSocket clients may ask for any of their
    /// serializers.
    pub subprotocols: Vec<Subprotocol>,
    /// The certificate to serve; required for `wss://` and `rss://` URLs.
    pub tls: Option<TlsServerConfig>,
    /// Serve RawSocket and WebSocket on the one port (told apart by the first octet: 0x7F is
    /// RawSocket). The URL's scheme then only says TCP or TLS (or Unix).
    pub shared_port: bool,
    /// Per-connection settings for accepted connections.
    pub connection: ConnectionOptions,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            subprotocols: Subprotocol::DEFAULT_PREFERENCE.to_vec(),
            tls: None,
            shared_port: false,
            connection: ConnectionOptions::default(),
        }
    }
}
