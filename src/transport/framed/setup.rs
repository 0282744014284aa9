//! What each side asks for when a framed connection opens, and what it learns.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::transport::rawsocket::{self, Serializer};
use crate::transport::url::Framing;
use crate::transport::websocket::Subprotocol;

/// The client side's framing settings.
#[derive(Clone, Debug)]
pub enum ClientSetup {
    /// RawSocket: the serializer to request and the longest message accepted.
    RawSocket(rawsocket::ClientConfig),
    /// WebSocket.
    WebSocket(WsClientSetup),
}

/// A WebSocket client's settings.
#[derive(Clone, Debug)]
pub struct WsClientSetup {
    /// The URI for the opening handshake (see `TransportUrl::websocket_uri`).
    pub uri: String,
    /// The subprotocols to offer, most preferred first.
    pub subprotocols: Vec<Subprotocol>,
    /// The longest message accepted or sent, in octets.
    pub max_message_size: usize,
}

/// The server side's framing settings. With both framings set, the first octet decides
/// (RawSocket starts with 0x7F, an HTTP request never does).
#[derive(Clone, Debug)]
pub struct ServerSetup {
    /// RawSocket: the serializers spoken and the limits.
    pub rawsocket: Option<rawsocket::ServerConfig>,
    /// WebSocket: the subprotocols spoken and the limit.
    pub websocket: Option<WsServerSetup>,
}

/// A WebSocket server's settings.
#[derive(Clone, Debug)]
pub struct WsServerSetup {
    /// The subprotocols spoken, most preferred first: the first one the client offers wins.
    pub subprotocols: Vec<Subprotocol>,
    /// The longest message accepted or sent, in octets.
    pub max_message_size: usize,
}

/// What was agreed when a connection opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInfo {
    /// The serializer both sides use.
    pub serializer: Serializer,
    /// RawSocket or WebSocket.
    pub framing: Framing,
    /// The WebSocket subprotocol (`None` on RawSocket).
    pub subprotocol: Option<Subprotocol>,
    /// The longest message that may be sent on this connection, in octets (RawSocket: what the
    /// peer announced; WebSocket: this side's limit).
    pub max_send: usize,
    /// The peer's address.
    pub peer: String,
}

/// Counters for what a connection sent, and how many payload octets were copied doing it.
/// Shared between the I/O thread and handles: read them any time.
#[derive(Debug, Default)]
pub struct CopyCounters {
    frames_sent: AtomicU64,
    message_bytes_sent: AtomicU64,
    message_bytes_copied: AtomicU64,
    message_bytes_encrypted: AtomicU64,
}

/// A snapshot of [`CopyCounters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// WAMP messages written out completely.
    pub frames_sent: u64,
    /// Their octets.
    pub message_bytes_sent: u64,
    /// Message octets copied in user space into a frame buffer by this library (WebSocket client
    /// masking; nothing on RawSocket or an unmasked WebSocket server frame, which are written
    /// with `writev` from the caller's buffer).
    pub message_bytes_copied: u64,
    /// Message octets handed to TLS, which encrypts them into its record buffer (a copy that
    /// cannot be avoided without kernel TLS).
    pub message_bytes_encrypted: u64,
}

impl CopyCounters {
    pub(crate) fn add_sent(&self, frames: usize, bytes: usize) {
        self.frames_sent.fetch_add(frames as u64, Ordering::Relaxed);
        self.message_bytes_sent
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn add_copied(&self, bytes: usize) {
        self.message_bytes_copied
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn add_encrypted(&self, bytes: usize) {
        self.message_bytes_encrypted
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> CopyStats {
        CopyStats {
            frames_sent: self.frames_sent.load(Ordering::Relaxed),
            message_bytes_sent: self.message_bytes_sent.load(Ordering::Relaxed),
            message_bytes_copied: self.message_bytes_copied.load(Ordering::Relaxed),
            message_bytes_encrypted: self.message_bytes_encrypted.load(Ordering::Relaxed),
        }
    }
}
