//! What the router tells the embedding program about sessions, for logs and metrics.

use super::peer::PeerId;
use super::session::Identity;

/// A session lifecycle event, from [`Router::poll_event`](super::Router::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouterEvent {
    /// A session was welcomed.
    Joined {
        /// Its peer.
        peer: PeerId,
        /// Who it is.
        identity: Identity,
    },
    /// A joined session ended.
    Left {
        /// Its peer.
        peer: PeerId,
        /// Who it was.
        identity: Identity,
        /// Why: a close/error URI, or `"transport closed"`.
        reason: String,
    },
    /// A session was refused while joining (ABORT sent): unknown realm, failed
    /// authentication, too many sessions.
    Refused {
        /// Its peer.
        peer: PeerId,
        /// The ABORT reason URI.
        reason: String,
        /// The ABORT message.
        message: String,
    },
    /// A peer broke the protocol and got `ABORT wamp.error.protocol_violation`.
    ProtocolViolation {
        /// Its peer.
        peer: PeerId,
        /// What it did wrong.
        message: String,
    },
    /// A peer did not read its messages fast enough and was dropped
    /// (`ABORT zerowamp.error.slow_consumer`).
    SlowConsumer {
        /// Its peer.
        peer: PeerId,
    },
}
