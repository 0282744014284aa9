//! Ticket authentication: the router sends `CHALLENGE("ticket", {})`, the client answers with the
//! ticket itself as `AUTHENTICATE.Signature`, and the router compares it with the one it expects.
//!
//! The ticket travels in clear text: use it over TLS only.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AuthError;

/// A ticket: a password or token. Its `Debug` output hides the value, so it does not end up in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    /// Wraps a ticket value.
    pub fn new(value: impl Into<String>) -> Self {
        Ticket(value.into())
    }

    /// The ticket value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

/// Client side: the `AUTHENTICATE.Signature` for a ticket challenge.
pub fn respond(ticket: &Ticket) -> String {
    ticket.0.clone()
}

/// Router side: accepts `signature` when it equals the `expected` ticket.
///
/// Both sides are hashed first and the digests compared in constant time, so neither the
/// position of the first difference nor the expected length leaks through timing.
pub fn verify(expected: &Ticket, signature: &str) -> Result<(), AuthError> {
    let want = Sha256::digest(expected.0.as_bytes());
    let got = Sha256::digest(signature.as_bytes());
    if bool::from(want.ct_eq(&got)) {
        Ok(())
    } else {
        Err(AuthError::Denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_round_trip() {
        // Spec: CHALLENGE [4, "ticket", {}] answered by AUTHENTICATE [5, "secret!!!", {}].
        let ticket = Ticket::new("secret!!!");
        let signature = respond(&ticket);
        assert_eq!(signature, "secret!!!");
        assert_eq!(verify(&ticket, &signature), Ok(()));
    }

    #[test]
    fn wrong_tickets_are_denied() {
        let ticket = Ticket::new("secret!!!");
        for bad in ["", "secret!!", "secret!!!!", "Secret!!!", "secret!!!\0"] {
            assert_eq!(verify(&ticket, bad), Err(AuthError::Denied), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_value() {
        let shown = format!("{:?}", Ticket::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(Ticket::new("hunter2").as_str(), "hunter2");
    }
}
