//! What can go wrong in a session: the peer broke the protocol, we could not authenticate, or
//! the application asked for something the session cannot do in its current state.

use std::fmt;

use super::state::State;
use crate::wamp::message::Id;
use crate::wamp::uri::UriError;

/// An error from a [`Session`](super::Session) method.
///
/// Only the first two variants end the session (the session has queued an ABORT and is
/// [`State::Closed`]); every other variant leaves the session as it was and sends nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The router sent a message that is not allowed here; the session queued
    /// `ABORT(wamp.error.protocol_violation)` with this reason and is closed.
    ProtocolViolation(String),
    /// The session could not answer the router's challenge; it queued
    /// `ABORT(wamp.error.cannot_authenticate)` with this reason and is closed.
    CannotAuthenticate(String),
    /// A message arrived while the session is closed: it was dropped.
    Closed,
    /// The operation is not possible in the session's current state (e.g. a call before the
    /// session is established, `connect` on an open session).
    InvalidState {
        /// What was asked for (`"call"`, `"connect"`, ...).
        operation: &'static str,
        /// The state the session was in.
        state: State,
    },
    /// A URI given by the application is not valid.
    InvalidUri {
        /// Which URI (`"topic"`, `"procedure"`, `"error"`, `"realm"`, ...).
        what: &'static str,
        /// The URI as given.
        uri: String,
        /// Why it is not valid.
        error: UriError,
    },
    /// An option given by the application is not valid, or does not fit the request.
    InvalidOption(String),
    /// The role this operation needs was not announced in HELLO (see `SessionConfig::roles`).
    RoleNotAnnounced(&'static str),
    /// The router did not announce a feature this operation needs (the spec makes using it a
    /// protocol violation).
    FeatureNotSupported {
        /// The router role (`"broker"`, `"dealer"`).
        role: &'static str,
        /// The feature name, as announced in `WELCOME.Details.roles.<role>.features`.
        feature: &'static str,
    },
    /// No pending call has this request id (never issued, already finished, or canceled).
    UnknownRequest(Id),
    /// No open invocation has this id (never received, already answered, or interrupted).
    UnknownInvocation(Id),
    /// This session holds no active subscription with this id.
    UnknownSubscription(Id),
    /// This session holds no active registration with this id.
    UnknownRegistration(Id),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::ProtocolViolation(reason) => {
                write!(f, "protocol violation by the router: {reason}")
            }
            SessionError::CannotAuthenticate(reason) => write!(f, "cannot authenticate: {reason}"),
            SessionError::Closed => f.write_str("the session is closed"),
            SessionError::InvalidState { operation, state } => {
                write!(f, "cannot {operation} while the session is {state}")
            }
            SessionError::InvalidUri { what, uri, error } => {
                write!(f, "invalid {what} {uri:?}: {error}")
            }
            SessionError::InvalidOption(reason) => write!(f, "invalid option: {reason}"),
            SessionError::RoleNotAnnounced(role) => {
                write!(f, "the {role} role was not announced in HELLO")
            }
            SessionError::FeatureNotSupported { role, feature } => {
                write!(f, "the router's {role} does not announce {feature}")
            }
            SessionError::UnknownRequest(id) => write!(f, "no pending call with request id {id}"),
            SessionError::UnknownInvocation(id) => write!(f, "no open invocation with id {id}"),
            SessionError::UnknownSubscription(id) => write!(f, "no active subscription {id}"),
            SessionError::UnknownRegistration(id) => write!(f, "no active registration {id}"),
        }
    }
}

impl std::error::Error for SessionError {}

/// A protocol violation found while handling a message: the reason sent in the ABORT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Violation(pub(super) String);

impl Violation {
    pub(super) fn new(reason: impl Into<String>) -> Violation {
        Violation(reason.into())
    }
}

/// The result of handling one inbound message.
pub(super) type Inbound = Result<(), Violation>;
