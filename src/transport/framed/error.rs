//! Why a framed connection failed or could not be opened.

use std::fmt;
use std::io;

use crate::transport::rawsocket;
use crate::transport::websocket::BatchError;

/// A transport failure: the connection is (or is being) closed. `Clone`, so it can travel in
/// events to several places.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// A socket error (connection refused, reset, ...).
    Io {
        /// The error's kind.
        kind: io::ErrorKind,
        /// What the system said.
        message: String,
    },
    /// The host name did not resolve.
    Resolve {
        /// The host.
        host: String,
        /// What the resolver said.
        detail: String,
    },
    /// TLS failed (certificate not trusted, handshake failure, bad record).
    Tls(String),
    /// The RawSocket handshake or framing failed.
    RawSocket(rawsocket::Error),
    /// The WebSocket handshake or framing failed.
    WebSocket(String),
    /// The WebSocket server refused the upgrade with an HTTP status (400 when it speaks none of
    /// the offered subprotocols).
    HttpRefused {
        /// The HTTP status.
        status: u16,
        /// The response body, if any.
        body: String,
    },
    /// Server side: the client offered no WAMP subprotocol this server speaks. It was answered
    /// with HTTP 400.
    NoCommonSubprotocol {
        /// What the client offered.
        offered: String,
    },
    /// Client side: the server accepted the WebSocket upgrade without choosing a subprotocol.
    NoSubprotocolChosen,
    /// A message longer than the limit: received (the connection fails; WebSocket close code
    /// 1009) or to be sent (only the send fails).
    MessageTooLarge {
        /// The message length, in octets.
        length: usize,
        /// The limit, in octets.
        max: usize,
    },
    /// A batched WebSocket message that does not follow the batch framing.
    Batch(BatchError),
    /// The peer floods control frames (pings) while not reading our replies.
    ControlFlood,
    /// Sending before the connection is open, or after it closed.
    NotOpen,
    /// Connecting took longer than allowed.
    ConnectTimeout,
    /// The transport handshake (TLS, RawSocket, WebSocket) took longer than allowed.
    HandshakeTimeout,
    /// The peer answered no keepalive ping in time.
    KeepaliveTimeout,
    /// The closing handshake took longer than allowed; the socket was dropped.
    CloseTimeout,
    /// The runtime stopped while the connection was open.
    RuntimeStopped,
}

impl TransportError {
    /// Sorts an I/O error: rustls errors (wrapped in `io::Error` by the stream) become
    /// [`TransportError::Tls`].
    pub fn from_io(err: &io::Error) -> TransportError {
        if let Some(tls) = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            return TransportError::Tls(tls.to_string());
        }
        TransportError::Io {
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

impl From<io::Error> for TransportError {
    fn from(err: io::Error) -> Self {
        TransportError::from_io(&err)
    }
}

impl From<rawsocket::Error> for TransportError {
    fn from(err: rawsocket::Error) -> Self {
        TransportError::RawSocket(err)
    }
}

impl From<BatchError> for TransportError {
    fn from(err: BatchError) -> Self {
        TransportError::Batch(err)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Io { message, .. } => write!(f, "socket error: {message}"),
            TransportError::Resolve { host, detail } => {
                write!(f, "cannot resolve host '{host}': {detail}")
            }
            TransportError::Tls(detail) => write!(f, "TLS error: {detail}"),
            TransportError::RawSocket(err) => write!(f, "RawSocket error: {err}"),
            TransportError::WebSocket(detail) => write!(f, "WebSocket error: {detail}"),
            TransportError::HttpRefused { status, body } => {
                write!(
                    f,
                    "the server refused the WebSocket upgrade with HTTP {status}"
                )?;
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                Ok(())
            }
            TransportError::NoCommonSubprotocol { offered } => write!(
                f,
                "the client offered no WAMP subprotocol this server speaks (offered: '{offered}')"
            ),
            TransportError::NoSubprotocolChosen => f.write_str(
                "the server accepted the WebSocket upgrade without choosing a WAMP subprotocol",
            ),
            TransportError::MessageTooLarge { length, max } => {
                write!(
                    f,
                    "message of {length} octets is longer than the limit of {max}"
                )
            }
            TransportError::Batch(err) => write!(f, "{err}"),
            TransportError::ControlFlood => {
                f.write_str("the peer sends control frames faster than it reads the replies")
            }
            TransportError::NotOpen => f.write_str("the connection is not open"),
            TransportError::ConnectTimeout => f.write_str("connecting timed out"),
            TransportError::HandshakeTimeout => f.write_str("the transport handshake timed out"),
            TransportError::KeepaliveTimeout => {
                f.write_str("the peer answered no keepalive ping in time")
            }
            TransportError::CloseTimeout => f.write_str("the closing handshake timed out"),
            TransportError::RuntimeStopped => f.write_str("the runtime stopped"),
        }
    }
}

impl std::error::Error for TransportError {}
