//! The error of the WAMP protocol core: what was wrong, said precisely enough to be sent back to
//! the peer as the reason of a `wamp.error.protocol_violation` ABORT.

use std::fmt;

/// An error from decoding, validating or encoding a WAMP message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed document of the serializer: truncated, a bad type byte, a
    /// length past the end, invalid UTF-8, nested too deep, trailing bytes, bad batch framing.
    Malformed {
        /// The serializer's name (`"json"`, `"msgpack"`, `"cbor"`, ...).
        serializer: &'static str,
        /// Byte offset into the frame where the problem was found.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// The frame is a well-formed document, but not a valid WAMP message: unknown message code,
    /// too few or too many elements, a wrong type, an id out of range, a bad option.
    Invalid {
        /// The message type name (`"EVENT"`), or `"message"` when the type is not known yet.
        message: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A message holds a value the serializer cannot represent (a NaN in JSON, a string starting
    /// with NUL in JSON, a length over 2^32 in msgpack).
    Unencodable {
        /// The serializer's name.
        serializer: &'static str,
        /// What could not be encoded.
        reason: String,
    },
}

impl Error {
    /// A [`Error::Malformed`] error.
    pub(crate) fn malformed(
        serializer: &'static str,
        offset: usize,
        reason: impl Into<String>,
    ) -> Error {
        Error::Malformed {
            serializer,
            offset,
            reason: reason.into(),
        }
    }

    /// An [`Error::Invalid`] error.
    pub(crate) fn invalid(message: &'static str, reason: impl Into<String>) -> Error {
        Error::Invalid {
            message,
            reason: reason.into(),
        }
    }

    /// An [`Error::Unencodable`] error.
    pub(crate) fn unencodable(serializer: &'static str, reason: impl Into<String>) -> Error {
        Error::Unencodable {
            serializer,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed {
                serializer,
                offset,
                reason,
            } => {
                write!(f, "malformed {serializer} at byte {offset}: {reason}")
            }
            Error::Invalid { message, reason } => write!(f, "invalid {message}: {reason}"),
            Error::Unencodable { serializer, reason } => {
                write!(f, "cannot encode as {serializer}: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The result type of the WAMP protocol core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
