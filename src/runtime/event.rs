//! What a connection's handler is told.

use bytes::Bytes;

use super::Connection;
use crate::transport::framed::{OpenInfo, TransportError};

/// Something that happened on a connection, in order: `Opened` once, any number of `Frame`s,
/// then `Closed` exactly once (also when the connection never opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The transport handshake completed: what was agreed.
    Opened(OpenInfo),
    /// One WAMP message, to be decoded with the negotiated serializer. It shares the receive
    /// buffer (no copy was made).
    Frame(Bytes),
    /// The connection is gone; the handler is dropped after this.
    Closed(CloseReason),
}

/// Why a connection closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// This side closed it, and the close completed cleanly.
    Local,
    /// The peer closed it cleanly: a WebSocket close frame (with its code), or a RawSocket end
    /// of stream between frames (no code).
    Remote {
        /// The WebSocket close code, if any.
        code: Option<u16>,
        /// The WebSocket close reason, if any.
        reason: String,
    },
    /// It failed, or never opened.
    Error(TransportError),
}

/// Receives a connection's events. Any `FnMut(&Connection, Event) + Send` closure is one.
pub trait Handler: Send + 'static {
    /// Called for each event, in order, never concurrently.
    fn on_event(&mut self, connection: &Connection, event: Event);
}

impl<F> Handler for F
where
    F: FnMut(&Connection, Event) + Send + 'static,
{
    fn on_event(&mut self, connection: &Connection, event: Event) {
        self(connection, event)
    }
}
