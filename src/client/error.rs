//! What can go wrong for a client: [`Error`] for requests that could not be made or were not
//! answered, [`CallError`] for calls (an ERROR from the callee or router, or an [`Error`]).

use std::fmt;
use std::time::Duration;

use crate::runtime::{SendError, TransportError};
use crate::transport::UrlError;
use crate::wamp::session::{RequestError, SessionError};
use crate::wamp::{Dict, List, Payload, Value};

/// Why a client operation failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The URL given to [`Client::connect`](super::Client::connect) is not valid.
    Url(UrlError),
    /// The transport failed (connect refused, TLS, handshake, connection lost while joining).
    Transport(TransportError),
    /// The router refused to open the session (ABORT while joining: bad realm, authentication
    /// failed, ...).
    JoinRefused {
        /// The ABORT reason URI (`wamp.error.not_authorized`, `wamp.error.no_such_realm`, ...).
        reason: String,
        /// The router's message, if any.
        message: Option<String>,
    },
    /// Not joined right now: the client is still connecting, or reconnecting after the
    /// connection was lost. Requests are refused rather than queued, so nothing waits on a
    /// connection that may never come back.
    NotConnected,
    /// The client left (or gave up reconnecting) and will not connect again.
    Closed,
    /// The session ended (connection lost, router closed it, client left) before the answer
    /// to this request came. For calls: the call may or may not have run.
    SessionLost {
        /// The reason the session ended (`wamp.close.transport_lost`, the router's GOODBYE or
        /// ABORT reason, ...).
        reason: String,
    },
    /// The send queue is full (policy [`SendFull::Fail`](super::SendFull::Fail), or still full
    /// after the wait of [`SendFull::Block`](super::SendFull::Block)): the peer reads too slowly.
    /// Nothing was sent.
    QueueFull {
        /// How long the request waited for room (zero for `Fail`).
        waited: Duration,
    },
    /// The message could not be queued on the connection (too large for the peer, ...).
    Send(SendError),
    /// The message could not be serialized (a value the negotiated serializer cannot carry).
    Encode(crate::wamp::Error),
    /// No answer within the time given (a blocking request other than a call; calls time out
    /// with the WAMP error `wamp.error.timeout`, see [`CallError`]).
    Timeout(Duration),
    /// The session refused the request (invalid URI or option, feature the router lacks, ...).
    Session(SessionError),
    /// The router answered the request with ERROR (subscribe, register, acknowledged publish,
    /// ...).
    Wamp(Box<WampError>),
    /// A blocking method was called from inside a client callback, where waiting could never
    /// end (the callback holds the thread that delivers the answer). Use the callback-based
    /// forms there.
    BlockingInCallback,
    /// The invocation cannot be answered any more: it was answered already, or it belongs to a
    /// session that has ended (its caller got an error when the session went away).
    InvocationGone,
    /// The runtime could not be started.
    Runtime(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Url(e) => write!(f, "invalid URL: {e}"),
            Error::Transport(e) => write!(f, "transport failed: {e}"),
            Error::JoinRefused { reason, message } => {
                write!(f, "the router refused the session: {reason}")?;
                match message {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
            Error::NotConnected => f.write_str("not connected (connecting or reconnecting)"),
            Error::Closed => f.write_str("the client is closed"),
            Error::SessionLost { reason } => {
                write!(f, "the session ended before the answer came ({reason})")
            }
            Error::QueueFull { waited } => write!(
                f,
                "the send queue is full (waited {} ms): the peer reads too slowly",
                waited.as_millis()
            ),
            Error::Send(e) => write!(f, "cannot send: {e}"),
            Error::Encode(e) => write!(f, "cannot serialize the message: {e}"),
            Error::Timeout(d) => write!(f, "no answer within {} ms", d.as_millis()),
            Error::Session(e) => write!(f, "{e}"),
            Error::Wamp(e) => write!(f, "{e}"),
            Error::BlockingInCallback => f.write_str(
                "a blocking client method was called from inside a client callback; use the \
                 callback-based form there",
            ),
            Error::InvocationGone => {
                f.write_str("the invocation was already answered, or its session has ended")
            }
            Error::Runtime(e) => write!(f, "cannot start the runtime: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SessionError> for Error {
    fn from(e: SessionError) -> Error {
        Error::Session(e)
    }
}

impl From<UrlError> for Error {
    fn from(e: UrlError) -> Error {
        Error::Url(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Error {
        Error::Transport(e)
    }
}

/// A WAMP ERROR: its URI and payload.
#[derive(Clone, Debug, PartialEq)]
pub struct WampError {
    /// The error URI (`wamp.error.no_such_procedure`, `wamp.error.canceled`, an application's
    /// own, ...).
    pub uri: String,
    /// Positional arguments (a passthru payload shows as one binary argument).
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
    /// `ERROR.Details`.
    pub details: Dict,
}

impl WampError {
    pub(crate) fn from_request(e: RequestError) -> Box<WampError> {
        let (args, kwargs) = split_payload(e.payload);
        Box::new(WampError {
            uri: e.error,
            args,
            kwargs,
            details: e.details,
        })
    }
}

/// The arguments of a payload; a transparent payload becomes one binary argument.
pub(crate) fn split_payload(payload: Payload) -> (List, Dict) {
    match payload {
        Payload::Arguments { args, kwargs } => (args, kwargs),
        Payload::Transparent(bytes) => (vec![Value::Bytes(bytes)], Dict::new()),
    }
}

impl fmt::Display for WampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.uri)?;
        if let Some(Value::Str(first)) = self.args.first() {
            write!(f, ": {first}")?;
        }
        Ok(())
    }
}

impl std::error::Error for WampError {}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum CallError {
    /// The callee or the router answered with ERROR, or the call failed locally with a WAMP
    /// error: `wamp.error.timeout` (its timeout expired), `wamp.error.canceled` (canceled).
    Wamp(Box<WampError>),
    /// The call could not be made, or its session ended before the result came
    /// ([`Error::SessionLost`]).
    Client(Error),
}

impl CallError {
    /// The error URI, when the failure is a WAMP error.
    pub fn uri(&self) -> Option<&str> {
        match self {
            CallError::Wamp(e) => Some(&e.uri),
            CallError::Client(_) => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Wamp(e) => write!(f, "call failed: {e}"),
            CallError::Client(e) => write!(f, "call failed: {e}"),
        }
    }
}

impl std::error::Error for CallError {}

impl From<Error> for CallError {
    fn from(e: Error) -> CallError {
        CallError::Client(e)
    }
}
