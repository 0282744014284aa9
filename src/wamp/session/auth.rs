//! Answers the router's CHALLENGE with the configured credentials: maps the `CHALLENGE.Extra`
//! values onto the pure functions of [`crate::wamp::auth`].
//!
//! Anything that keeps us from answering — a method we did not offer, a missing or malformed
//! extra, a channel binding we cannot honour — is reported as a reason string; the session then
//! aborts with `wamp.error.cannot_authenticate` (as autobahn does). Whether the answer is right
//! is for the router to say: it sends WELCOME, or ABORT (`wamp.error.authentication_denied`, ...).

use super::config::{Credential, SessionConfig};
use super::details::Details;
use crate::wamp::auth::{cra, ticket, AuthMethod};
use crate::wamp::message::{Authenticate, Challenge};
use crate::wamp::value::{Dict, Value};

/// Computes the AUTHENTICATE for `challenge`. `channel_id` is the TLS channel id, if the
/// transport gave one.
pub(super) fn respond(
    config: &SessionConfig,
    challenge: &Challenge,
    channel_id: Option<&[u8]>,
) -> Result<Authenticate, String> {
    let method = AuthMethod::from_name(&challenge.method)
        .filter(|m| m.has_challenge())
        .ok_or_else(|| {
            format!(
                "the router challenged with {:?}, which this session does not implement",
                challenge.method
            )
        })?;
    let credential = config.credential(method).ok_or_else(|| {
        format!("the router challenged with {method}, which this session did not offer")
    })?;
    let extra = Details::new(&challenge.extra, "CHALLENGE.Extra");
    let signature = match credential {
        Credential::Anonymous => return Err("anonymous has no challenge".into()),
        Credential::Ticket(t) => ticket::respond(t),
        Credential::WampCra { secret } => {
            let text = required_str(extra, "challenge")?;
            let salting = match extra.str("salt").map_err(|v| v.0)? {
                None => None,
                Some(salt) => Some(
                    cra::Salting::from_extra(
                        salt,
                        uint(extra, "iterations")?,
                        uint(extra, "keylen")?,
                    )
                    .map_err(|e| format!("CHALLENGE.Extra: {e}"))?,
                ),
            };
            cra::respond(secret, text, salting.as_ref())
        }
        Credential::Cryptosign {
            key,
            channel_binding,
        } => {
            let text = required_str(extra, "challenge")?;
            // crossbar (through autobahn) writes `"channel_binding": null` when unbound.
            let confirmed = match extra.dict.get("channel_binding") {
                Some(Value::Null) => None,
                _ => extra.str("channel_binding").map_err(|v| v.0)?,
            };
            let wanted = channel_binding.map(|b| b.as_str());
            if confirmed != wanted {
                return Err(format!(
                    "the router's channel binding {confirmed:?} is not the one asked for \
                     ({wanted:?})"
                ));
            }
            let bound = match (wanted, channel_id) {
                (None, _) => None,
                (Some(_), Some(id)) => Some(id),
                (Some(b), None) => {
                    return Err(format!("channel binding {b} needs the TLS channel id"))
                }
            };
            key.respond(text, bound)
                .map_err(|e| format!("CHALLENGE.Extra.challenge: {e}"))?
        }
    };
    Ok(Authenticate {
        signature,
        extra: Dict::new(),
    })
}

fn required_str<'a>(extra: Details<'a>, key: &str) -> Result<&'a str, String> {
    extra
        .str(key)
        .map_err(|v| v.0)?
        .ok_or_else(|| format!("CHALLENGE.Extra.{key} is missing"))
}

fn uint(extra: Details<'_>, key: &str) -> Result<Option<u64>, String> {
    match extra.dict.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("CHALLENGE.Extra.{key} must be a non-negative integer")),
    }
}

// The answers are checked against the router side of the same pure functions in
// tests/wamp_session.rs; here only the refusals.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::wamp::auth::cryptosign::{ChannelBinding, SigningKey};

    fn challenge(method: &str, extra: &[(&str, Value)]) -> Challenge {
        Challenge {
            method: method.into(),
            extra: extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn refusals_say_why() {
        let config = SessionConfig::new("r")
            .with_credential(Credential::ticket("t"))
            .with_credential(Credential::wampcra("s"))
            .with_credential(Credential::cryptosign(
                SigningKey::from_seed(&[1; 32]),
                Some(ChannelBinding::TlsUnique),
            ));
        let err = |c: Challenge, id: Option<&[u8]>| respond(&config, &c, id).unwrap_err();
        assert!(err(challenge("scram", &[]), None).contains("does not implement"));
        assert!(err(challenge("anonymous", &[]), None).contains("does not implement"));
        assert!(err(challenge("wampcra", &[]), None).contains("challenge is missing"));
        let bad_iter = challenge(
            "wampcra",
            &[
                ("challenge", Value::from("{}")),
                ("salt", Value::from("s")),
                ("iterations", Value::UInt(0)),
            ],
        );
        assert!(err(bad_iter, None).contains("iterations"));
        let hex = Value::from("00".repeat(32));
        let unbound = challenge("cryptosign", &[("challenge", hex.clone())]);
        assert!(err(unbound, None).contains("not the one asked for"));
        let bound = challenge(
            "cryptosign",
            &[
                ("challenge", hex),
                ("channel_binding", Value::from("tls-unique")),
            ],
        );
        assert!(err(bound.clone(), None).contains("needs the TLS channel id"));
        assert!(respond(&config, &bound, Some(&[9; 32])).is_ok());
        let not_hex = challenge("cryptosign", &[("challenge", Value::from("zz"))]);
        let plain = SessionConfig::new("r").with_credential(Credential::cryptosign(
            SigningKey::from_seed(&[1; 32]),
            None,
        ));
        let e = respond(&plain, &not_hex, None).unwrap_err();
        assert!(e.contains("not valid hex"), "{e}");
        // A null binding, as crossbar sends it, is no binding.
        let null_binding = challenge(
            "cryptosign",
            &[
                ("challenge", Value::from("00".repeat(32))),
                ("channel_binding", Value::Null),
            ],
        );
        assert!(respond(&plain, &null_binding, None).is_ok());
        let e = respond(&config, &null_binding, Some(&[9; 32])).unwrap_err();
        assert!(e.contains("not the one asked for"), "{e}");
        let ticket_only = SessionConfig::new("r");
        let e = respond(&ticket_only, &challenge("ticket", &[]), None).unwrap_err();
        assert!(e.contains("did not offer"), "{e}");
    }
}
