//! WAMP authentication methods, sans-IO: pure functions for both sides of the
//! `HELLO → CHALLENGE → AUTHENTICATE → WELCOME/ABORT` exchange.
//!
//! The client side computes the `AUTHENTICATE.Signature` string from the `CHALLENGE.Extra` fields;
//! the router side builds the challenge from randomness and time the caller supplies (no RNG and no
//! clock in here) and verifies the client's signature. Inputs are plain Rust types, so the session
//! code maps dynamic message values onto them.
//!
//! - [`ticket`]: the ticket itself is the signature.
//! - [`cra`]: WAMP-CRA, HMAC-SHA256 over a JSON challenge, with optional PBKDF2 password salting.
//! - [`cryptosign`]: Ed25519 signatures over a 32-byte challenge, with optional TLS channel binding.
//!
//! `anonymous` needs no exchange at all and so has no module.

pub mod cra;
pub mod cryptosign;
pub mod ticket;

use std::fmt;
use std::str::FromStr;

/// An authentication method, as named in `HELLO.Details.authmethods`, `CHALLENGE.AuthMethod` and
/// `WELCOME.Details.authmethod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthMethod {
    /// `"anonymous"`: no credentials; the router admits the client as it is configured to.
    Anonymous,
    /// `"ticket"`: a shared secret or token sent as is.
    Ticket,
    /// `"wampcra"`: challenge-response over a shared secret.
    WampCra,
    /// `"cryptosign"`: Ed25519 public-key signatures.
    Cryptosign,
}

impl AuthMethod {
    /// All supported methods.
    pub const ALL: [AuthMethod; 4] = [
        AuthMethod::Anonymous,
        AuthMethod::Ticket,
        AuthMethod::WampCra,
        AuthMethod::Cryptosign,
    ];

    /// The spec's name of the method.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Anonymous => "anonymous",
            AuthMethod::Ticket => "ticket",
            AuthMethod::WampCra => "wampcra",
            AuthMethod::Cryptosign => "cryptosign",
        }
    }

    /// The method with the spec name `name`, or `None` for a method we do not implement
    /// (a router skips those when it picks from the client's list).
    pub fn from_name(name: &str) -> Option<AuthMethod> {
        AuthMethod::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// True when the method needs a `CHALLENGE`/`AUTHENTICATE` round trip.
    pub fn has_challenge(self) -> bool {
        self != AuthMethod::Anonymous
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthMethod::from_name(s).ok_or_else(|| AuthError::UnknownMethod(s.to_owned()))
    }
}

/// Why an authentication step failed. Malformed input from the peer is reported as what it is,
/// never as a panic; a well-formed but wrong answer is [`AuthError::Denied`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// An authentication method name we do not implement.
    UnknownMethod(String),
    /// A cryptosign channel binding type we do not know.
    UnknownChannelBinding(String),
    /// A field that must be hex text is not.
    InvalidHex {
        /// Which field.
        field: &'static str,
    },
    /// A field that must be base64 text is not.
    InvalidBase64 {
        /// Which field.
        field: &'static str,
    },
    /// A field decoded to the wrong number of bytes.
    InvalidLength {
        /// Which field.
        field: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// A numeric parameter outside the range we accept.
    OutOfRange {
        /// Which parameter.
        field: &'static str,
        /// The value found.
        value: u64,
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// Bytes that are not a valid Ed25519 public key.
    InvalidPublicKey,
    /// A cryptosign answer that signs something other than the challenge we sent
    /// (a replayed answer, or a channel binding mismatch).
    WrongChallenge,
    /// The answer is well-formed but wrong: bad ticket, bad secret, bad signature.
    Denied,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::UnknownMethod(name) => write!(
                f,
                "unknown authentication method {name:?} (expected \"anonymous\", \"ticket\", \
                 \"wampcra\" or \"cryptosign\")"
            ),
            AuthError::UnknownChannelBinding(name) => write!(
                f,
                "unknown channel binding {name:?} (expected \"tls-unique\" or \"tls-exporter\")"
            ),
            AuthError::InvalidHex { field } => write!(f, "{field} is not valid hex"),
            AuthError::InvalidBase64 { field } => write!(f, "{field} is not valid base64"),
            AuthError::InvalidLength {
                field,
                expected,
                actual,
            } => write!(f, "{field} must be {expected} bytes, got {actual}"),
            AuthError::OutOfRange {
                field,
                value,
                min,
                max,
            } => write!(f, "{field} is {value}, must be between {min} and {max}"),
            AuthError::InvalidPublicKey => f.write_str("not a valid Ed25519 public key"),
            AuthError::WrongChallenge => {
                f.write_str("the signed message is not the challenge that was sent")
            }
            AuthError::Denied => f.write_str("authentication denied: the signature does not match"),
        }
    }
}

impl std::error::Error for AuthError {}

/// Decodes hex into exactly `N` bytes, naming `field` in the error.
fn decode_hex_array<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], AuthError> {
    let bytes = hex::decode(text).map_err(|_| AuthError::InvalidHex { field })?;
    to_array(field, &bytes)
}

/// Copies a slice of exactly `N` bytes into an array, naming `field` in the error.
fn to_array<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], AuthError> {
    bytes.try_into().map_err(|_| AuthError::InvalidLength {
        field,
        expected: N,
        actual: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in AuthMethod::ALL {
            assert_eq!(m.as_str().parse::<AuthMethod>(), Ok(m));
            assert_eq!(m.to_string(), m.as_str());
        }
        assert_eq!(AuthMethod::from_name("wampcra"), Some(AuthMethod::WampCra));
        assert_eq!(AuthMethod::from_name("scram"), None);
        assert_eq!(
            "WAMPCRA".parse::<AuthMethod>(),
            Err(AuthError::UnknownMethod("WAMPCRA".into()))
        );
        assert!(!AuthMethod::Anonymous.has_challenge());
        assert!(AuthMethod::Cryptosign.has_challenge());
    }

    #[test]
    fn hex_helpers_report_field_and_length() {
        assert_eq!(decode_hex_array::<2>("x", "abcd"), Ok([0xab, 0xcd]));
        assert_eq!(
            decode_hex_array::<2>("x", "abc"),
            Err(AuthError::InvalidHex { field: "x" })
        );
        assert_eq!(
            decode_hex_array::<2>("x", "zz00"),
            Err(AuthError::InvalidHex { field: "x" })
        );
        let err = decode_hex_array::<2>("pubkey", "abcdef").unwrap_err();
        assert_eq!(err.to_string(), "pubkey must be 2 bytes, got 3");
    }
}
