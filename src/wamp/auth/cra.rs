//! WAMP-CRA: challenge-response authentication over a shared secret.
//!
//! The router sends `CHALLENGE("wampcra", {"challenge": <JSON text>})`; the client answers with
//! `base64(HMAC-SHA256(key, challenge))`, where `key` is the shared secret's bytes.
//!
//! With salted passwords the extra also carries `salt`, `iterations` and `keylen`, and the key is
//! the *base64 text* of `PBKDF2-HMAC-SHA256(password, salt, iterations, keylen)` — the derived
//! bytes are never used directly (autobahn's `derive_key` + `compute_wcs`). A router then stores
//! only that derived text (see [`derive_key`]) and uses it as the key when verifying.

use std::fmt::Write as _;
use std::time::Duration;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AuthError;

type HmacSha256 = Hmac<Sha256>;

/// PBKDF2 iterations when a router's user entry has a salt but no iteration count (crossbar's
/// default, and autobahn's).
pub const DEFAULT_ITERATIONS: u32 = 1000;
/// Derived key length in bytes when none is configured (crossbar's and autobahn's default).
pub const DEFAULT_KEYLEN: u32 = 32;
/// Most PBKDF2 iterations we run: bounds the work a hostile router can make a client do.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// Longest derived key we produce, in bytes.
pub const MAX_KEYLEN: u32 = 1024;
/// Shortest nonce (random bytes) a challenge may be built from.
pub const MIN_NONCE_LEN: usize = 16;
/// Longest nonce a challenge may be built from.
pub const MAX_NONCE_LEN: usize = 256;

/// Length of an HMAC-SHA256 signature in bytes.
const SIGNATURE_LEN: usize = 32;

/// Standard base64 alphabet; padding optional on decode, since some clients strip it.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// Standard base64 with padding, as autobahn writes it.
const BASE64: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// PBKDF2 parameters of a salted secret (`CHALLENGE.Extra.salt`, `.iterations`, `.keylen`),
/// checked to be within range when built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Salting {
    salt: String,
    iterations: u32,
    keylen: u32,
}

impl Salting {
    /// Checks and wraps the parameters: `iterations` in `1..=MAX_ITERATIONS`, `keylen` in
    /// `1..=MAX_KEYLEN`. Takes `u64` so wire integers can be passed as they come.
    pub fn new(salt: impl Into<String>, iterations: u64, keylen: u64) -> Result<Self, AuthError> {
        Ok(Salting {
            salt: salt.into(),
            iterations: in_range("iterations", iterations, MAX_ITERATIONS)?,
            keylen: in_range("keylen", keylen, MAX_KEYLEN)?,
        })
    }

    /// From the `CHALLENGE.Extra` fields, with the defaults for missing `iterations`/`keylen`.
    pub fn from_extra(
        salt: &str,
        iterations: Option<u64>,
        keylen: Option<u64>,
    ) -> Result<Self, AuthError> {
        Salting::new(
            salt,
            iterations.unwrap_or(DEFAULT_ITERATIONS.into()),
            keylen.unwrap_or(DEFAULT_KEYLEN.into()),
        )
    }

    /// The salt, used as its UTF-8 bytes.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// PBKDF2 iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Derived key length in bytes.
    pub fn keylen(&self) -> u32 {
        self.keylen
    }
}

fn in_range(field: &'static str, value: u64, max: u32) -> Result<u32, AuthError> {
    match u32::try_from(value) {
        Ok(v) if (1..=max).contains(&v) => Ok(v),
        _ => Err(AuthError::OutOfRange {
            field,
            value,
            min: 1,
            max: max.into(),
        }),
    }
}

/// The salted key for `password`: base64 text (padded) of PBKDF2-HMAC-SHA256. This text, as
/// bytes, is the HMAC key on both sides — and what a router stores instead of the password.
pub fn derive_key(password: &[u8], salting: &Salting) -> String {
    // keylen is bounded by MAX_KEYLEN, so this allocation is small.
    let mut key = vec![0u8; salting.keylen as usize];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password,
        salting.salt.as_bytes(),
        salting.iterations,
        &mut key,
    );
    BASE64.encode(key)
}

/// The WAMP-CRA signature of `challenge` under `key`: base64 (padded) of HMAC-SHA256.
pub fn sign(key: &[u8], challenge: &str) -> String {
    BASE64.encode(mac(key, challenge).finalize().into_bytes())
}

fn mac(key: &[u8], challenge: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; the fallback only keeps the
    // signature of `new_from_slice` from forcing an unwrap.
    let mut mac =
        HmacSha256::new_from_slice(key).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(challenge.as_bytes());
    mac
}

/// Client side: the `AUTHENTICATE.Signature` for `CHALLENGE.Extra.challenge`, given the shared
/// `secret` (the password) and the salting parameters when the extra has a `salt`.
pub fn respond(secret: &[u8], challenge: &str, salting: Option<&Salting>) -> String {
    match salting {
        Some(salting) => sign(derive_key(secret, salting).as_bytes(), challenge),
        None => sign(secret, challenge),
    }
}

/// Router side: checks `signature` (base64, padding optional) against `challenge` under `key`,
/// comparing in constant time. For a salted user, `key` is the [`derive_key`] text.
pub fn verify(key: &[u8], challenge: &str, signature: &str) -> Result<(), AuthError> {
    let field = "wampcra signature";
    let raw = BASE64_LENIENT
        .decode(signature)
        .map_err(|_| AuthError::InvalidBase64 { field })?;
    if raw.len() != SIGNATURE_LEN {
        return Err(AuthError::InvalidLength {
            field,
            expected: SIGNATURE_LEN,
            actual: raw.len(),
        });
    }
    mac(key, challenge)
        .verify_slice(&raw)
        .map_err(|_| AuthError::Denied)
}

/// Who the router is about to authenticate: the fields the challenge JSON carries besides the
/// nonce and timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChallengeInfo<'a> {
    /// The authid the client will be authenticated as.
    pub authid: &'a str,
    /// The authrole it will get.
    pub authrole: &'a str,
    /// Who vouches for the credentials (free text, e.g. `"static"` or `"userdb"`).
    pub authprovider: &'a str,
    /// The session id the session will have once welcomed.
    pub session: u64,
}

/// A router's pending WAMP-CRA challenge: send [`challenge`](Self::challenge) (and the salting
/// parameters, if any) in `CHALLENGE.Extra`, then check the client's answer with
/// [`verify`](Self::verify).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    challenge: String,
    salting: Option<Salting>,
}

impl Challenge {
    /// Builds the challenge JSON from `info`, a nonce drawn by the caller (`MIN_NONCE_LEN` to
    /// `MAX_NONCE_LEN` random bytes, sent as unpadded URL-safe base64) and the current time as a
    /// duration since the Unix epoch (sent as ISO 8601 UTC with milliseconds).
    pub fn new(
        info: &ChallengeInfo<'_>,
        nonce: &[u8],
        now: Duration,
        salting: Option<Salting>,
    ) -> Result<Self, AuthError> {
        if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&nonce.len()) {
            return Err(AuthError::OutOfRange {
                field: "nonce length",
                value: nonce.len() as u64,
                min: MIN_NONCE_LEN as u64,
                max: MAX_NONCE_LEN as u64,
            });
        }
        // Same members and order as crossbar, so the text looks familiar in traces.
        let mut json = String::with_capacity(256);
        json.push_str("{\"authid\": ");
        push_json_string(&mut json, info.authid);
        json.push_str(", \"authrole\": ");
        push_json_string(&mut json, info.authrole);
        json.push_str(", \"authmethod\": \"wampcra\", \"authprovider\": ");
        push_json_string(&mut json, info.authprovider);
        let _ = write!(json, ", \"session\": {}, \"nonce\": ", info.session);
        push_json_string(&mut json, &URL_SAFE_NO_PAD.encode(nonce));
        json.push_str(", \"timestamp\": ");
        push_json_string(&mut json, &format_timestamp(now));
        json.push('}');
        Ok(Challenge {
            challenge: json,
            salting,
        })
    }

    /// `CHALLENGE.Extra.challenge`: the text the client signs.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The salting parameters for `CHALLENGE.Extra`, if the user's secret is salted.
    pub fn salting(&self) -> Option<&Salting> {
        self.salting.as_ref()
    }

    /// Checks the client's `AUTHENTICATE.Signature`. `key` is the user's secret, or for a salted
    /// user the stored [`derive_key`] text.
    pub fn verify(&self, key: &[u8], signature: &str) -> Result<(), AuthError> {
        verify(key, &self.challenge, signature)
    }
}

/// Appends `s` as a JSON string literal, escaping like Python's `json.dumps(ensure_ascii=False)`.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a time since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
fn format_timestamp(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // shift the epoch to 0000-03-01
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1st
    let mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values below were computed with Python 3.11's standard library:
    //   base64.b64encode(hashlib.pbkdf2_hmac('sha256', password, salt, iterations, keylen))
    //   base64.b64encode(hmac.new(key, challenge, hashlib.sha256).digest())
    // The first two also appear in autobahn-python's own tests of derive_key/compute_wcs.

    /// The spec's example challenge, as crossbar lays it out.
    const SPEC_CHALLENGE: &str = "{\"authid\": \"peter\", \"authrole\": \"user\", \
        \"authmethod\": \"wampcra\", \"authprovider\": \"userdb\", \"session\": 3251278072152162, \
        \"nonce\": \"LHRTC9zeOIrt_9U3\", \"timestamp\": \"2014-06-22T16:36:25.448Z\"}";

    #[test]
    fn derive_key_known_answers() {
        let s = Salting::new("salt123", 1000, 32).unwrap();
        assert_eq!(
            derive_key(b"L3L1YUE8Txlw", &s),
            "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y="
        );
        let s = Salting::new("salt123", 100, 16).unwrap();
        assert_eq!(derive_key(b"secret123", &s), "DpHHRlQ6UNULJlP9J8WkPw==");
        // Non-ASCII password and salt go in as UTF-8.
        let s = Salting::new("sält", 1, 64).unwrap();
        assert_eq!(
            derive_key("pässwörd".as_bytes(), &s),
            "U4OaIg2Jqi7D3fKfcYPZM4EGt5kp5CaMqJpZYzPY2uEgzkeFsEv99lh/WI4/5BDh8Y8zbHOhJj+mJlyU5uXFPA=="
        );
    }

    #[test]
    fn sign_known_answers() {
        assert_eq!(
            sign(b"L3L1YUE8Txlw", "[1, 2, 3]"),
            "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0="
        );
        assert_eq!(
            sign(b"secret123", SPEC_CHALLENGE),
            "mLWKnfRQQdwP/oGK03TtuRKqQ0uLgQ2hZGVNdt5OJQ4="
        );
    }

    #[test]
    fn respond_unsalted_and_salted() {
        assert_eq!(
            respond(b"secret123", SPEC_CHALLENGE, None),
            "mLWKnfRQQdwP/oGK03TtuRKqQ0uLgQ2hZGVNdt5OJQ4="
        );
        // HMAC keyed with the base64 text "DpHHRlQ6UNULJlP9J8WkPw==", not the 16 raw bytes.
        let s = Salting::from_extra("salt123", Some(100), Some(16)).unwrap();
        assert_eq!(
            respond(b"secret123", SPEC_CHALLENGE, Some(&s)),
            "JTUY73OnsLsJGcHmEsmwUmnZ6gRA93K9oBseSej878c="
        );
        assert_eq!(
            sign(b"DpHHRlQ6UNULJlP9J8WkPw==", SPEC_CHALLENGE),
            "JTUY73OnsLsJGcHmEsmwUmnZ6gRA93K9oBseSej878c="
        );
    }

    #[test]
    fn verify_accepts_right_and_denies_wrong() {
        let good = "mLWKnfRQQdwP/oGK03TtuRKqQ0uLgQ2hZGVNdt5OJQ4=";
        assert_eq!(verify(b"secret123", SPEC_CHALLENGE, good), Ok(()));
        // Padding is optional on input.
        assert_eq!(
            verify(b"secret123", SPEC_CHALLENGE, good.trim_end_matches('=')),
            Ok(())
        );
        assert_eq!(
            verify(b"secret124", SPEC_CHALLENGE, good),
            Err(AuthError::Denied)
        );
        let tampered = format!("{} ", &SPEC_CHALLENGE[..SPEC_CHALLENGE.len() - 1]);
        assert_eq!(
            verify(b"secret123", &tampered, good),
            Err(AuthError::Denied)
        );
        // Flip one bit of the signature.
        let other = "nLWKnfRQQdwP/oGK03TtuRKqQ0uLgQ2hZGVNdt5OJQ4=";
        assert_eq!(
            verify(b"secret123", SPEC_CHALLENGE, other),
            Err(AuthError::Denied)
        );
    }

    #[test]
    fn verify_reports_malformed_signatures() {
        for bad in ["not base64!", "mLWK*nfRQ", "="] {
            assert!(
                matches!(verify(b"k", "c", bad), Err(AuthError::InvalidBase64 { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            verify(b"k", "c", "AAAA"),
            Err(AuthError::InvalidLength {
                field: "wampcra signature",
                expected: 32,
                actual: 3
            })
        );
        assert!(matches!(
            verify(b"k", "c", ""),
            Err(AuthError::InvalidLength { actual: 0, .. })
        ));
    }

    #[test]
    fn salting_parameters_are_range_checked() {
        assert!(Salting::new("s", 1, 1).is_ok());
        assert!(Salting::new("s", MAX_ITERATIONS.into(), MAX_KEYLEN.into()).is_ok());
        let err = Salting::new("s", 0, 32).unwrap_err();
        assert_eq!(
            err.to_string(),
            "iterations is 0, must be between 1 and 10000000"
        );
        assert!(matches!(
            Salting::new("s", u64::MAX, 32),
            Err(AuthError::OutOfRange {
                field: "iterations",
                ..
            })
        ));
        assert!(matches!(
            Salting::new("s", 1000, 0),
            Err(AuthError::OutOfRange {
                field: "keylen",
                ..
            })
        ));
        assert!(matches!(
            Salting::new("s", 1000, u64::from(MAX_KEYLEN) + 1),
            Err(AuthError::OutOfRange {
                field: "keylen",
                ..
            })
        ));
        let d = Salting::from_extra("s", None, None).unwrap();
        assert_eq!((d.salt(), d.iterations(), d.keylen()), ("s", 1000, 32));
    }

    #[test]
    fn router_challenge_text_is_exact() {
        // Expected text: Python's json.dumps(..., ensure_ascii=False) of the same members, with
        // nonce = base64.urlsafe_b64encode(bytes(range(100, 116))).rstrip(b"=").
        let info = ChallengeInfo {
            authid: "pe\"t\\er\n\u{e9}\u{1}",
            authrole: "user",
            authprovider: "userdb",
            session: 3251278072152162,
        };
        let nonce: Vec<u8> = (100..116).collect();
        let c = Challenge::new(
            &info,
            &nonce,
            Duration::from_millis(1_403_454_985_448),
            None,
        )
        .unwrap();
        assert_eq!(
            c.challenge(),
            "{\"authid\": \"pe\\\"t\\\\er\\n\u{e9}\\u0001\", \"authrole\": \"user\", \
             \"authmethod\": \"wampcra\", \"authprovider\": \"userdb\", \
             \"session\": 3251278072152162, \"nonce\": \"ZGVmZ2hpamtsbW5vcHFycw\", \
             \"timestamp\": \"2014-06-22T16:36:25.448Z\"}"
        );
        assert_eq!(c.salting(), None);
        // Python: hmac.new(b"secret123", <the text above>, sha256), base64.
        let answer = respond(b"secret123", c.challenge(), None);
        assert_eq!(answer, "tJAaizV3Y15gHLjQZvXVQnJEqPkpOSTctAWNE6Krf2U=");
        assert_eq!(c.verify(b"secret123", &answer), Ok(()));
        assert_eq!(c.verify(b"secret", &answer), Err(AuthError::Denied));
    }

    #[test]
    fn salted_round_trip_with_stored_derived_key() {
        let info = ChallengeInfo {
            authid: "peter",
            authrole: "user",
            authprovider: "static",
            session: 1,
        };
        let salting = Salting::new("salt123", 1000, 32).unwrap();
        // What the router stores instead of the password.
        let stored = derive_key(b"L3L1YUE8Txlw", &salting);
        let c = Challenge::new(&info, &[7; 32], Duration::ZERO, Some(salting)).unwrap();
        let s = c.salting().cloned().unwrap();
        let answer = respond(b"L3L1YUE8Txlw", c.challenge(), Some(&s));
        assert_eq!(c.verify(stored.as_bytes(), &answer), Ok(()));
        let wrong = respond(b"L3L1YUE8Txlx", c.challenge(), Some(&s));
        assert_eq!(c.verify(stored.as_bytes(), &wrong), Err(AuthError::Denied));
    }

    #[test]
    fn nonce_length_is_checked() {
        let info = ChallengeInfo {
            authid: "a",
            authrole: "r",
            authprovider: "p",
            session: 1,
        };
        for len in [0, MIN_NONCE_LEN - 1, MAX_NONCE_LEN + 1] {
            let nonce = vec![0u8; len];
            assert!(matches!(
                Challenge::new(&info, &nonce, Duration::ZERO, None),
                Err(AuthError::OutOfRange {
                    field: "nonce length",
                    ..
                })
            ));
        }
    }

    #[test]
    fn timestamps_match_python() {
        // datetime(1970, 1, 1) + timedelta(milliseconds=ms), formatted to milliseconds.
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_123, "2000-02-29T00:00:00.123Z"),
            (1_403_454_985_448, "2014-06-22T16:36:25.448Z"),
            (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, want) in cases {
            assert_eq!(format_timestamp(Duration::from_millis(ms)), want, "{ms}");
        }
        // Absurd inputs still format without overflow.
        assert!(format_timestamp(Duration::MAX).ends_with('Z'));
    }
}
