//! Payload Passthru Mode: a payload the router must not look into, carried as one binary
//! argument and described by the `ppt_*` attributes.
//!
//! Sending: the application passes [`Payload::Transparent`] plus a [`Passthru`]; the session
//! writes the spec's names (`ppt_scheme`, `ppt_serializer`, `ppt_cipher`, `ppt_keyid`) and the
//! spec's form, `Arguments = [binary]`. The [`Bytes`](bytes::Bytes) moves into that list: it is
//! shared, never copied.
//!
//! Receiving: both spellings are accepted and normalised to one [`Passthru`] — the spec's
//! `ppt_*` names, and autobahn-python's `enc_algo`/`enc_serializer`/`enc_key` (read as scheme,
//! serializer and key id; the spec's names win when both are present). Both payload forms are
//! accepted too (the spec's `[binary]` and autobahn's binary in place of the list), and handed to
//! the application as [`Payload::Transparent`], still a slice of the received frame.

use super::details::Details;
use super::error::{SessionError, Violation};
use crate::wamp::message::Payload;
use crate::wamp::value::{Dict, List, Value};

/// The spec's attribute names, and autobahn-python's.
const SPEC_KEYS: [&str; 4] = ["ppt_scheme", "ppt_serializer", "ppt_cipher", "ppt_keyid"];
const AUTOBAHN_KEYS: [&str; 3] = ["enc_algo", "enc_serializer", "enc_key"];

/// Every attribute name this module reads or writes (kept out of the options' `extra`).
pub(super) const KEYS: [&str; 7] = [
    SPEC_KEYS[0],
    SPEC_KEYS[1],
    SPEC_KEYS[2],
    SPEC_KEYS[3],
    AUTOBAHN_KEYS[0],
    AUTOBAHN_KEYS[1],
    AUTOBAHN_KEYS[2],
];

/// The description of a passthru payload (spec: Payload Passthru Mode).
///
/// Sending: pass [`Payload::Transparent`] with a `Passthru` in the request's options; the
/// session writes `ppt_scheme`, `ppt_serializer`, `ppt_cipher`, `ppt_keyid` and the payload as
/// `Arguments = [binary]`, sharing the bytes (no copy). The router must announce
/// `payload_passthru_mode` (or autobahn's `payload_transparency`) for the role.
///
/// Receiving: the `ppt_*` names and autobahn's `enc_algo`/`enc_serializer`/`enc_key` (read as
/// scheme, serializer, key id) are both accepted, and both payload forms (`[binary]`, or a binary
/// in place of the list); the event carries this description and the payload as
/// [`Payload::Transparent`], a slice of the received frame.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Passthru {
    /// `ppt_scheme`: what the payload is (`"mqtt"`, `"wamp"` for end-to-end encryption, or an
    /// application's own scheme). Never empty.
    pub scheme: String,
    /// `ppt_serializer`: how the payload was serialized (`"native"`, `"cbor"`, `"flatbuffers"`...).
    pub serializer: Option<String>,
    /// `ppt_cipher`: the cipher, when the payload is encrypted (`"xsalsa20poly1305"`, ...).
    pub cipher: Option<String>,
    /// `ppt_keyid`: which key encrypted the payload.
    pub keyid: Option<String>,
}

impl Passthru {
    /// A passthru description with this scheme and nothing else.
    pub fn new(scheme: impl Into<String>) -> Passthru {
        Passthru {
            scheme: scheme.into(),
            ..Passthru::default()
        }
    }

    /// Sets `ppt_serializer`.
    pub fn with_serializer(mut self, serializer: impl Into<String>) -> Passthru {
        self.serializer = Some(serializer.into());
        self
    }

    /// Sets `ppt_cipher`.
    pub fn with_cipher(mut self, cipher: impl Into<String>) -> Passthru {
        self.cipher = Some(cipher.into());
        self
    }

    /// Sets `ppt_keyid`.
    pub fn with_keyid(mut self, keyid: impl Into<String>) -> Passthru {
        self.keyid = Some(keyid.into());
        self
    }

    /// Writes the `ppt_*` attributes into `dict` (Options or Details).
    pub(super) fn write(&self, dict: &mut Dict) {
        dict.insert(SPEC_KEYS[0].into(), Value::from(self.scheme.as_str()));
        let optional = [&self.serializer, &self.cipher, &self.keyid];
        for (key, value) in SPEC_KEYS[1..].iter().zip(optional) {
            if let Some(value) = value {
                dict.insert((*key).into(), Value::from(value.as_str()));
            }
        }
    }

    /// Reads the passthru attributes of a received dict, in either spelling. `None` when the
    /// dict names no scheme (an empty scheme counts as none, as the spec says).
    pub(super) fn read(details: Details<'_>) -> Result<Option<Passthru>, Violation> {
        let (keys, spec): (&[&str], bool) = match details.str(SPEC_KEYS[0])? {
            Some(s) if !s.is_empty() => (&SPEC_KEYS[..], true),
            _ => (&AUTOBAHN_KEYS[..], false),
        };
        let scheme = match details.str(keys[0])? {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => return Ok(None),
        };
        let serializer = details.str(keys[1])?.map(str::to_owned);
        let (cipher, keyid) = if spec {
            (details.str(keys[2])?, details.str(keys[3])?)
        } else {
            (None, details.str(keys[2])?)
        };
        Ok(Some(Passthru {
            scheme,
            serializer,
            cipher: cipher.map(str::to_owned),
            keyid: keyid.map(str::to_owned),
        }))
    }
}

/// Normalises the payload of a received message against its Details: a passthru payload
/// becomes [`Payload::Transparent`] (no copy); a binary payload without a scheme, or a scheme
/// with a payload that is not one binary, is a protocol violation.
pub(super) fn receive(
    details: Details<'_>,
    payload: Payload,
) -> Result<(Payload, Option<Passthru>), Violation> {
    let passthru = Passthru::read(details)?;
    let payload = match (passthru.is_some(), payload) {
        (false, Payload::Transparent(_)) => {
            return Err(Violation::new(format!(
                "{} names no ppt_scheme (or enc_algo), but the payload is a binary in place of \
                 the arguments list",
                details.what
            )))
        }
        (false, payload) => payload,
        (true, Payload::Transparent(bytes)) => Payload::Transparent(bytes),
        (true, Payload::Arguments { mut args, kwargs }) => {
            if args.is_empty() && kwargs.is_empty() {
                Payload::Transparent(Default::default())
            } else if args.len() == 1 && kwargs.is_empty() {
                match args.pop() {
                    Some(Value::Bytes(bytes)) => Payload::Transparent(bytes),
                    other => return Err(not_one_binary(details, other.as_ref())),
                }
            } else {
                return Err(not_one_binary(details, None));
            }
        }
    };
    Ok((payload, passthru))
}

fn not_one_binary(details: Details<'_>, found: Option<&Value>) -> Violation {
    let found = match found {
        Some(v) => format!("one {}", v.type_name()),
        None => "several arguments".to_owned(),
    };
    Violation::new(format!(
        "{} names a passthru scheme, so the payload must be one binary argument, found {found}",
        details.what
    ))
}

/// Checks an outgoing payload against its passthru description and puts it in the spec's wire
/// form; writes the `ppt_*` attributes into `dict`.
pub(super) fn send(
    payload: Payload,
    passthru: Option<&Passthru>,
    dict: &mut Dict,
) -> Result<Payload, SessionError> {
    match (passthru, payload) {
        (None, Payload::Transparent(_)) => Err(SessionError::InvalidOption(
            "a transparent payload needs a passthru description (ppt_scheme)".into(),
        )),
        (None, payload) => Ok(payload),
        (Some(p), _) if p.scheme.is_empty() => Err(SessionError::InvalidOption(
            "ppt_scheme must not be empty".into(),
        )),
        (Some(p), Payload::Transparent(bytes)) => {
            p.write(dict);
            let args: List = vec![Value::Bytes(bytes)];
            Ok(Payload::args(args))
        }
        (Some(_), Payload::Arguments { .. }) => Err(SessionError::InvalidOption(
            "a passthru payload must be one binary (Payload::Transparent)".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn dict(entries: &[(&str, &str)]) -> Dict {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn spec_names_round_trip() {
        let p = Passthru::new("wamp")
            .with_serializer("flatbuffers")
            .with_cipher("xsalsa20poly1305")
            .with_keyid("k1");
        let mut d = Dict::new();
        p.write(&mut d);
        assert_eq!(d.len(), 4);
        let read = Passthru::read(Details::new(&d, "EVENT.Details")).unwrap();
        assert_eq!(read, Some(p));
    }

    #[test]
    fn autobahn_names_are_normalised() {
        let d = dict(&[
            ("enc_algo", "cryptobox"),
            ("enc_serializer", "cbor"),
            ("enc_key", "abc"),
        ]);
        let read = Passthru::read(Details::new(&d, "EVENT.Details")).unwrap();
        assert_eq!(
            read,
            Some(
                Passthru::new("cryptobox")
                    .with_serializer("cbor")
                    .with_keyid("abc")
            )
        );
        // Spec names win over autobahn's.
        let d = dict(&[("enc_algo", "cryptobox"), ("ppt_scheme", "mqtt")]);
        let read = Passthru::read(Details::new(&d, "EVENT.Details")).unwrap();
        assert_eq!(read, Some(Passthru::new("mqtt")));
        // An empty scheme is no scheme.
        let d = dict(&[("ppt_scheme", "")]);
        assert_eq!(Passthru::read(Details::new(&d, "x")).unwrap(), None);
    }

    #[test]
    fn both_payload_forms_become_transparent_without_copy() {
        let frame = Bytes::from_static(b"\x01\x02\x03record");
        let d = dict(&[("ppt_scheme", "x")]);
        let details = Details::new(&d, "EVENT.Details");
        let spec_form = Payload::args(vec![Value::Bytes(frame.slice(3..))]);
        let (p, pt) = receive(details, spec_form).unwrap();
        assert!(pt.is_some());
        let got = p.transparent().unwrap();
        assert_eq!(got.as_ptr(), frame[3..].as_ptr(), "payload was copied");
        let (p, _) = receive(details, Payload::Transparent(frame.clone())).unwrap();
        assert_eq!(p.transparent().unwrap().as_ptr(), frame.as_ptr());
    }

    #[test]
    fn mismatched_payloads_are_violations() {
        let d = dict(&[("ppt_scheme", "x")]);
        let details = Details::new(&d, "EVENT.Details");
        let err = receive(details, Payload::args(vec![Value::from("text")])).unwrap_err();
        assert!(err.0.contains("found one string"), "{}", err.0);
        let two = Payload::args(vec![Value::Null, Value::Null]);
        assert!(receive(details, two).is_err());
        let plain = Dict::new();
        let err = receive(
            Details::new(&plain, "EVENT.Details"),
            Payload::Transparent(Bytes::new()),
        )
        .unwrap_err();
        assert!(err.0.contains("names no ppt_scheme"), "{}", err.0);
    }

    #[test]
    fn sending_writes_the_spec_form() {
        let bytes = Bytes::from_static(b"rec");
        let mut d = Dict::new();
        let p = Passthru::new("x").with_serializer("flatbuffers");
        let out = send(Payload::Transparent(bytes.clone()), Some(&p), &mut d).unwrap();
        match out.arguments() {
            [Value::Bytes(b)] => assert_eq!(b.as_ptr(), bytes.as_ptr()),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(d.get("ppt_serializer"), Some(&Value::from("flatbuffers")));
        assert!(send(Payload::Transparent(bytes), None, &mut d).is_err());
        assert!(send(Payload::default(), Some(&p), &mut d).is_err());
        assert!(send(Payload::default(), None, &mut d).is_ok());
    }
}
