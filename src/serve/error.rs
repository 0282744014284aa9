//! Why serving a table or starting a change feed failed.

use std::fmt;

/// Why [`serve_table`](super::serve_table) or [`publish_changes`](super::publish_changes) could
/// not start. (Failures of single calls go to their callers as WAMP errors, never here.)
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An argument is not usable: the table belongs to another environment, the topic is not a
    /// valid URI, ...
    InvalidArgument(String),
    /// The store refused (closed environment, dropped table, ...).
    Store(crate::store::Error),
    /// The client could not register or is not joined.
    Client(crate::client::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::Store(e) => write!(f, "store: {e}"),
            Error::Client(e) => write!(f, "client: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::store::Error> for Error {
    fn from(e: crate::store::Error) -> Error {
        Error::Store(e)
    }
}

impl From<crate::client::Error> for Error {
    fn from(e: crate::client::Error) -> Error {
        Error::Client(e)
    }
}
