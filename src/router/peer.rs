//! Peers: a handle for each attached connection (or in-process session), and what the router is
//! told about its transport.

use std::fmt;

use crate::wamp::auth::cryptosign::ChannelBinding;

/// A handle for one attached peer, given by [`Router::attach`](super::Router::attach). Never
/// reused for another peer while the router lives: a stale handle is simply unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "peer {}.{}", self.index, self.generation)
    }
}

/// The kind of connection a peer came over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// WebSocket (`ws`/`wss`).
    WebSocket,
    /// WAMP RawSocket (TCP, TLS or Unix socket).
    RawSocket,
    /// In-process: no socket; the embedding program feeds and drains messages itself.
    #[default]
    Local,
}

impl TransportKind {
    /// A short name for logs and the session meta API.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::WebSocket => "websocket",
            TransportKind::RawSocket => "rawsocket",
            TransportKind::Local => "local",
        }
    }
}

/// What the router knows about a peer's transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransportInfo {
    /// The kind of transport.
    pub kind: TransportKind,
    /// The remote address as text (`"127.0.0.1:50312"`), if any; for logs and meta events.
    pub peer_addr: Option<String>,
    /// The TLS channel binding this connection offers, with its 32-byte channel id, for
    /// cryptosign authentication bound to the TLS channel.
    pub channel_binding: Option<(ChannelBinding, [u8; 32])>,
}

impl TransportInfo {
    /// An in-process peer.
    pub fn local() -> Self {
        TransportInfo::default()
    }

    /// A peer over `kind` from `addr`.
    pub fn new(kind: TransportKind, addr: impl Into<String>) -> Self {
        TransportInfo {
            kind,
            peer_addr: Some(addr.into()),
            channel_binding: None,
        }
    }
}
