//! The options of the requests an application makes: typed fields for everything the session
//! or the spec interprets, plus `extra` for anything else (custom `x_` options), written as is.
//!
//! Each options type also reads itself from a [`Dict`] (`from_dict`), for callers that hold
//! options as a dict (the C ABI, test vectors): known attributes go to the typed fields (checked),
//! the rest to `extra`. When written, the typed fields win over `extra` entries of the same name.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::details::Details;
use super::error::{SessionError, Violation};
use super::ppt::{self, Passthru};
use crate::wamp::message::{Id, MAX_ID};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::{Dict, Value};

/// `CANCEL.Options.mode`: what happens to a call that the caller cancels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelMode {
    /// The dealer answers with ERROR at once and drops the callee's answer when it comes; the
    /// callee is not told. Locally the call fails at once with `wamp.error.canceled`.
    Skip,
    /// The dealer interrupts the callee and waits for its answer, which may be a RESULT or an
    /// ERROR. Locally the call stays pending until that answer arrives.
    Kill,
    /// The dealer answers with ERROR at once and interrupts the callee without waiting. Locally
    /// the call fails at once with `wamp.error.canceled`.
    KillNoWait,
}

/// `INTERRUPT.Options.mode`: whether the dealer still expects an answer to the invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InterruptMode {
    /// The dealer waits for the callee's answer (usually ERROR `wamp.error.canceled`).
    Kill,
    /// The dealer expects no answer; the session drops any answer the application still gives.
    KillNoWait,
}

/// `REGISTER.Options.invoke`: how a dealer picks among the callees of a shared registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvokePolicy {
    /// `"single"`: only one callee may register (the default).
    Single,
    /// `"roundrobin"`
    RoundRobin,
    /// `"random"`
    Random,
    /// `"first"`
    First,
    /// `"last"`
    Last,
}

/// Spec names and parsing shared by the mode enums.
macro_rules! named_enum {
    ($ty:ident, $what:literal, $($variant:ident => $name:literal),+) => {
        impl $ty {
            /// The spec's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = SessionError;

            fn from_str(s: &str) -> Result<Self, SessionError> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err(SessionError::InvalidOption(format!(
                        concat!("unknown ", $what, " {:?} (expected ", $("\"", $name, "\" ",)+ ")"),
                        other
                    ))),
                }
            }
        }
    };
}

named_enum!(CancelMode, "cancel mode", Skip => "skip", Kill => "kill", KillNoWait => "killnowait");
named_enum!(InterruptMode, "interrupt mode", Kill => "kill", KillNoWait => "killnowait");
named_enum!(InvokePolicy, "invocation policy", Single => "single", RoundRobin => "roundrobin",
    Random => "random", First => "first", Last => "last");

/// Options of a CALL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallOptions {
    /// `timeout`: the call fails with `wamp.error.timeout` when no result came within this time
    /// (between results, for progressive results). Sent to the dealer, and also enforced by the
    /// session itself (see `Session::handle_timeout`), which then sends CANCEL `killnowait`.
    /// `None` or zero: no timeout.
    pub timeout: Option<Duration>,
    /// Enforce `timeout` locally only, without sending it to the dealer.
    pub timeout_local_only: bool,
    /// `receive_progress`: the caller accepts progressive results.
    pub receive_progress: bool,
    /// `progress`: more CALL chunks of this call follow (progressive call invocations); send them
    /// with `Session::call_progress`.
    pub progress: bool,
    /// `disclose_me`: ask the dealer to disclose the caller's identity to the callee.
    pub disclose_me: Option<bool>,
    /// Payload Passthru Mode: required with, and only with, a [`Payload::Transparent`] payload.
    ///
    /// [`Payload::Transparent`]: crate::wamp::message::Payload::Transparent
    pub passthru: Option<Passthru>,
    /// Any other options, written as they are.
    pub extra: Dict,
}

/// Options of a PUBLISH.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PublishOptions {
    /// `acknowledge`: the broker answers with PUBLISHED (or ERROR), reported as an event.
    pub acknowledge: bool,
    /// `exclude_me`: `Some(false)` delivers the event to the publisher too, if subscribed.
    pub exclude_me: Option<bool>,
    /// `exclude`: session ids that must not receive the event.
    pub exclude: Vec<Id>,
    /// `exclude_authid`: authids that must not receive the event.
    pub exclude_authid: Vec<String>,
    /// `exclude_authrole`: authroles that must not receive the event.
    pub exclude_authrole: Vec<String>,
    /// `eligible`: only these session ids may receive the event.
    pub eligible: Option<Vec<Id>>,
    /// `eligible_authid`: only these authids may receive the event.
    pub eligible_authid: Option<Vec<String>>,
    /// `eligible_authrole`: only these authroles may receive the event.
    pub eligible_authrole: Option<Vec<String>>,
    /// `disclose_me`: ask the broker to disclose the publisher's identity to subscribers.
    pub disclose_me: Option<bool>,
    /// `retain`: ask the broker to retain the event for later subscribers.
    pub retain: Option<bool>,
    /// Payload Passthru Mode: required with, and only with, a transparent payload.
    pub passthru: Option<Passthru>,
    /// Any other options, written as they are.
    pub extra: Dict,
}

/// Options of a SUBSCRIBE.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubscribeOptions {
    /// `match`: exact (default, not written), prefix or wildcard.
    pub match_policy: MatchPolicy,
    /// `get_retained`: ask for the retained event of the topic, if any.
    pub get_retained: Option<bool>,
    /// Any other options, written as they are.
    pub extra: Dict,
}

/// Options of a REGISTER.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegisterOptions {
    /// `match`: exact (default, not written), prefix or wildcard.
    pub match_policy: MatchPolicy,
    /// `invoke`: the shared registration policy.
    pub invoke: Option<InvokePolicy>,
    /// `concurrency`: how many invocations may run at once on this callee.
    pub concurrency: Option<u64>,
    /// `force_reregister`: take the procedure over from another callee.
    pub force_reregister: Option<bool>,
    /// `disclose_caller`: ask the dealer to disclose every caller's identity.
    pub disclose_caller: Option<bool>,
    /// Any other options, written as they are.
    pub extra: Dict,
}

/// Options of a YIELD.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct YieldOptions {
    /// `progress`: a progressive result; more results follow. Only allowed when the invocation
    /// asked for progressive results (`receive_progress`).
    pub progress: bool,
    /// Payload Passthru Mode: required with, and only with, a transparent payload.
    pub passthru: Option<Passthru>,
    /// Any other options, written as they are.
    pub extra: Dict,
}

/// Details of an ERROR answering an invocation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorOptions {
    /// Payload Passthru Mode: required with, and only with, a transparent payload.
    pub passthru: Option<Passthru>,
    /// Any other details, written as they are.
    pub extra: Dict,
}

const CALL_KEYS: &[&str] = &["timeout", "receive_progress", "progress", "disclose_me"];
const PUBLISH_KEYS: &[&str] = &[
    "acknowledge",
    "exclude_me",
    "exclude",
    "exclude_authid",
    "exclude_authrole",
    "eligible",
    "eligible_authid",
    "eligible_authrole",
    "disclose_me",
    "retain",
];
const SUBSCRIBE_KEYS: &[&str] = &["match", "get_retained"];
const REGISTER_KEYS: &[&str] = &[
    "match",
    "invoke",
    "concurrency",
    "force_reregister",
    "disclose_caller",
];
const YIELD_KEYS: &[&str] = &["progress"];

/// The `extra` entries whose names the typed fields (and passthru, if `passthru`) do not own.
fn base(extra: &Dict, known: &[&str], passthru: bool) -> Dict {
    extra
        .iter()
        .filter(|(k, _)| {
            let owned =
                known.contains(&k.as_str()) || (passthru && ppt::KEYS.contains(&k.as_str()));
            !owned
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn put_bool(d: &mut Dict, key: &str, value: Option<bool>) {
    if let Some(b) = value {
        d.insert(key.into(), Value::Bool(b));
    }
}

fn put_flag(d: &mut Dict, key: &str, value: bool) {
    if value {
        d.insert(key.into(), Value::Bool(true));
    }
}

fn put_strs(d: &mut Dict, key: &str, values: &[String]) {
    d.insert(
        key.into(),
        Value::List(values.iter().map(|s| Value::from(s.as_str())).collect()),
    );
}

fn put_ids(d: &mut Dict, key: &str, values: &[Id]) {
    d.insert(
        key.into(),
        Value::List(values.iter().map(|id| Value::UInt(*id)).collect()),
    );
}

/// Milliseconds for the wire: a non-zero duration never rounds down to 0 ("no timeout").
pub(super) fn millis(d: Duration) -> u64 {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 && !d.is_zero() {
        1
    } else {
        ms
    }
}

fn check_ids(what: &str, ids: &[Id]) -> Result<(), SessionError> {
    match ids.iter().find(|id| !(1..=MAX_ID).contains(*id)) {
        Some(bad) => Err(SessionError::InvalidOption(format!(
            "{what} holds {bad}, not a session id in 1..=2^53"
        ))),
        None => Ok(()),
    }
}

impl CallOptions {
    /// The CALL.Options dict (without the passthru attributes, written with the payload).
    pub(super) fn to_dict(&self) -> Dict {
        let mut d = base(&self.extra, CALL_KEYS, true);
        if let Some(t) = self.timeout.filter(|_| !self.timeout_local_only) {
            if !t.is_zero() {
                d.insert("timeout".into(), Value::UInt(millis(t)));
            }
        }
        put_flag(&mut d, "receive_progress", self.receive_progress);
        put_flag(&mut d, "progress", self.progress);
        put_bool(&mut d, "disclose_me", self.disclose_me);
        d
    }

    /// Reads CALL options from a dict.
    pub fn from_dict(options: &Dict) -> Result<CallOptions, SessionError> {
        let r = Reader::new(options, "CALL.Options");
        Ok(CallOptions {
            timeout: r.0.millis("timeout").map_err(invalid)?,
            timeout_local_only: false,
            receive_progress: r.0.flag("receive_progress").map_err(invalid)?,
            progress: r.0.flag("progress").map_err(invalid)?,
            disclose_me: r.0.bool("disclose_me").map_err(invalid)?,
            passthru: Passthru::read(r.0).map_err(invalid)?,
            extra: base(options, CALL_KEYS, true),
        })
    }
}

impl PublishOptions {
    /// The PUBLISH.Options dict (without the passthru attributes), after checking the ids.
    pub(super) fn to_dict(&self) -> Result<Dict, SessionError> {
        check_ids("exclude", &self.exclude)?;
        check_ids("eligible", self.eligible.as_deref().unwrap_or_default())?;
        let mut d = base(&self.extra, PUBLISH_KEYS, true);
        put_flag(&mut d, "acknowledge", self.acknowledge);
        put_bool(&mut d, "exclude_me", self.exclude_me);
        if !self.exclude.is_empty() {
            put_ids(&mut d, "exclude", &self.exclude);
        }
        for (key, list) in [
            ("exclude_authid", &self.exclude_authid),
            ("exclude_authrole", &self.exclude_authrole),
        ] {
            if !list.is_empty() {
                put_strs(&mut d, key, list);
            }
        }
        if let Some(ids) = &self.eligible {
            put_ids(&mut d, "eligible", ids);
        }
        for (key, list) in [
            ("eligible_authid", &self.eligible_authid),
            ("eligible_authrole", &self.eligible_authrole),
        ] {
            if let Some(list) = list {
                put_strs(&mut d, key, list);
            }
        }
        put_bool(&mut d, "disclose_me", self.disclose_me);
        put_bool(&mut d, "retain", self.retain);
        Ok(d)
    }

    /// Reads PUBLISH options from a dict.
    pub fn from_dict(options: &Dict) -> Result<PublishOptions, SessionError> {
        let r = Reader::new(options, "PUBLISH.Options");
        Ok(PublishOptions {
            acknowledge: r.0.flag("acknowledge").map_err(invalid)?,
            exclude_me: r.0.bool("exclude_me").map_err(invalid)?,
            exclude: r.ids("exclude")?.unwrap_or_default(),
            exclude_authid: r.strs("exclude_authid")?.unwrap_or_default(),
            exclude_authrole: r.strs("exclude_authrole")?.unwrap_or_default(),
            eligible: r.ids("eligible")?,
            eligible_authid: r.strs("eligible_authid")?,
            eligible_authrole: r.strs("eligible_authrole")?,
            disclose_me: r.0.bool("disclose_me").map_err(invalid)?,
            retain: r.0.bool("retain").map_err(invalid)?,
            passthru: Passthru::read(r.0).map_err(invalid)?,
            extra: base(options, PUBLISH_KEYS, true),
        })
    }
}

impl SubscribeOptions {
    /// The SUBSCRIBE.Options dict.
    pub(super) fn to_dict(&self) -> Dict {
        let mut d = base(&self.extra, SUBSCRIBE_KEYS, false);
        put_match(&mut d, self.match_policy);
        put_bool(&mut d, "get_retained", self.get_retained);
        d
    }

    /// Reads SUBSCRIBE options from a dict.
    pub fn from_dict(options: &Dict) -> Result<SubscribeOptions, SessionError> {
        let r = Reader::new(options, "SUBSCRIBE.Options");
        Ok(SubscribeOptions {
            match_policy: r.match_policy()?,
            get_retained: r.0.bool("get_retained").map_err(invalid)?,
            extra: base(options, SUBSCRIBE_KEYS, false),
        })
    }
}

impl RegisterOptions {
    /// The REGISTER.Options dict.
    pub(super) fn to_dict(&self) -> Dict {
        let mut d = base(&self.extra, REGISTER_KEYS, false);
        put_match(&mut d, self.match_policy);
        if let Some(invoke) = self.invoke {
            d.insert("invoke".into(), Value::from(invoke.as_str()));
        }
        if let Some(n) = self.concurrency {
            d.insert("concurrency".into(), Value::UInt(n));
        }
        put_bool(&mut d, "force_reregister", self.force_reregister);
        put_bool(&mut d, "disclose_caller", self.disclose_caller);
        d
    }

    /// Reads REGISTER options from a dict.
    pub fn from_dict(options: &Dict) -> Result<RegisterOptions, SessionError> {
        let r = Reader::new(options, "REGISTER.Options");
        let invoke = match r.0.str("invoke").map_err(invalid)? {
            Some(s) => Some(s.parse()?),
            None => None,
        };
        let concurrency = match options.get("concurrency") {
            None => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                SessionError::InvalidOption(
                    "REGISTER.Options.concurrency must be a non-negative integer".into(),
                )
            })?),
        };
        Ok(RegisterOptions {
            match_policy: r.match_policy()?,
            invoke,
            concurrency,
            force_reregister: r.0.bool("force_reregister").map_err(invalid)?,
            disclose_caller: r.0.bool("disclose_caller").map_err(invalid)?,
            extra: base(options, REGISTER_KEYS, false),
        })
    }
}

impl YieldOptions {
    /// The YIELD.Options dict (without the passthru attributes).
    pub(super) fn to_dict(&self) -> Dict {
        let mut d = base(&self.extra, YIELD_KEYS, true);
        put_flag(&mut d, "progress", self.progress);
        d
    }

    /// Reads YIELD options from a dict.
    pub fn from_dict(options: &Dict) -> Result<YieldOptions, SessionError> {
        let r = Reader::new(options, "YIELD.Options");
        Ok(YieldOptions {
            progress: r.0.flag("progress").map_err(invalid)?,
            passthru: Passthru::read(r.0).map_err(invalid)?,
            extra: base(options, YIELD_KEYS, true),
        })
    }
}

impl ErrorOptions {
    /// The ERROR.Details dict (without the passthru attributes).
    pub(super) fn to_dict(&self) -> Dict {
        base(&self.extra, &[], true)
    }
}

fn put_match(d: &mut Dict, policy: MatchPolicy) {
    if policy != MatchPolicy::Exact {
        d.insert("match".into(), Value::from(policy.as_str()));
    }
}

/// A type error in an application's options dict.
fn invalid(v: Violation) -> SessionError {
    SessionError::InvalidOption(v.0)
}

/// Reads an application's options dict; reuses the checked reads of received details.
struct Reader<'a>(Details<'a>);

impl<'a> Reader<'a> {
    fn new(dict: &'a Dict, what: &'static str) -> Reader<'a> {
        Reader(Details::new(dict, what))
    }

    fn list(&self, key: &str) -> Result<Option<&'a [Value]>, SessionError> {
        match self.0.dict.get(key) {
            None => Ok(None),
            Some(Value::List(l)) => Ok(Some(l)),
            Some(other) => Err(SessionError::InvalidOption(format!(
                "{}.{key} must be a list, found {}",
                self.0.what,
                other.type_name()
            ))),
        }
    }

    fn ids(&self, key: &str) -> Result<Option<Vec<Id>>, SessionError> {
        let Some(list) = self.list(key)? else {
            return Ok(None);
        };
        let ids = list
            .iter()
            .map(|v| v.as_u64().filter(|id| (1..=MAX_ID).contains(id)))
            .collect::<Option<Vec<Id>>>()
            .ok_or_else(|| {
                SessionError::InvalidOption(format!(
                    "{}.{key} must hold session ids (integers in 1..=2^53)",
                    self.0.what
                ))
            })?;
        Ok(Some(ids))
    }

    fn strs(&self, key: &str) -> Result<Option<Vec<String>>, SessionError> {
        let Some(list) = self.list(key)? else {
            return Ok(None);
        };
        let strs = list
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| {
                SessionError::InvalidOption(format!("{}.{key} must hold strings", self.0.what))
            })?;
        Ok(Some(strs))
    }

    fn match_policy(&self) -> Result<MatchPolicy, SessionError> {
        match self.0.str("match").map_err(invalid)? {
            None => Ok(MatchPolicy::Exact),
            Some(s) => s.parse().map_err(|e: crate::wamp::uri::UriError| {
                SessionError::InvalidOption(e.to_string())
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(json: &str) -> Dict {
        fn conv(j: serde_json::Value) -> Value {
            match j {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .map(Value::UInt)
                    .or_else(|| n.as_i64().map(Value::Int))
                    .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())),
                serde_json::Value::String(s) => Value::Str(s),
                serde_json::Value::Array(a) => Value::List(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => {
                    Value::Dict(o.into_iter().map(|(k, v)| (k, conv(v))).collect())
                }
            }
        }
        match conv(serde_json::from_str(json).unwrap()) {
            Value::Dict(d) => d,
            other => panic!("not a dict: {other:?}"),
        }
    }

    #[test]
    fn modes_parse_and_print() {
        for m in [CancelMode::Skip, CancelMode::Kill, CancelMode::KillNoWait] {
            assert_eq!(m.as_str().parse::<CancelMode>(), Ok(m));
        }
        assert_eq!("killnowait".parse(), Ok(InterruptMode::KillNoWait));
        assert_eq!("roundrobin".parse(), Ok(InvokePolicy::RoundRobin));
        let err = "nope".parse::<CancelMode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid option: unknown cancel mode \"nope\" (expected \"skip\" \"kill\" \"killnowait\" )"
        );
    }

    #[test]
    fn call_options_round_trip() {
        let d = dict(
            r#"{"timeout": 1500, "receive_progress": true, "disclose_me": true, "x_custom": 1,
                "ppt_scheme": "s", "ppt_serializer": "flatbuffers"}"#,
        );
        let o = CallOptions::from_dict(&d).unwrap();
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert!(o.receive_progress && !o.progress);
        assert_eq!(
            o.passthru,
            Some(Passthru::new("s").with_serializer("flatbuffers"))
        );
        assert_eq!(o.extra, dict(r#"{"x_custom": 1}"#));
        let written = o.to_dict();
        assert_eq!(
            written,
            dict(
                r#"{"timeout": 1500, "receive_progress": true, "disclose_me": true, "x_custom": 1}"#
            )
        );
        let local = CallOptions {
            timeout_local_only: true,
            ..o
        };
        assert!(!local.to_dict().contains_key("timeout"));
    }

    #[test]
    fn typed_fields_win_over_extra() {
        let o = CallOptions {
            extra: dict(r#"{"receive_progress": true, "progress": true, "ppt_scheme": "x"}"#),
            ..CallOptions::default()
        };
        assert_eq!(o.to_dict(), Dict::new());
    }

    #[test]
    fn publish_options_cover_black_and_white_lists() {
        let d = dict(
            r#"{"acknowledge": true, "exclude_me": false, "exclude": [1, 2],
                "exclude_authid": ["a"], "exclude_authrole": ["r"], "eligible": [3],
                "eligible_authid": ["b"], "eligible_authrole": ["s"], "disclose_me": true,
                "retain": true}"#,
        );
        let o = PublishOptions::from_dict(&d).unwrap();
        assert!(o.acknowledge);
        assert_eq!(o.exclude, vec![1, 2]);
        assert_eq!(o.eligible, Some(vec![3]));
        assert_eq!(o.to_dict().unwrap(), d);
        assert!(PublishOptions::from_dict(&dict(r#"{"exclude": [0]}"#)).is_err());
        assert!(PublishOptions::from_dict(&dict(r#"{"eligible_authid": [1]}"#)).is_err());
        let bad = PublishOptions {
            exclude: vec![MAX_ID + 1],
            ..PublishOptions::default()
        };
        assert!(bad.to_dict().is_err());
        // An empty white list is kept: it means "nobody".
        let none = PublishOptions {
            eligible: Some(vec![]),
            ..PublishOptions::default()
        };
        assert_eq!(none.to_dict().unwrap(), dict(r#"{"eligible": []}"#));
    }

    #[test]
    fn subscribe_and_register_options() {
        let s = SubscribeOptions::from_dict(&dict(r#"{"match": "wildcard"}"#)).unwrap();
        assert_eq!(s.match_policy, MatchPolicy::Wildcard);
        assert_eq!(s.to_dict(), dict(r#"{"match": "wildcard"}"#));
        assert_eq!(SubscribeOptions::default().to_dict(), Dict::new());
        assert!(SubscribeOptions::from_dict(&dict(r#"{"match": "regex"}"#)).is_err());
        let d = dict(
            r#"{"match": "prefix", "invoke": "roundrobin", "concurrency": 4,
                "force_reregister": true, "disclose_caller": true}"#,
        );
        let r = RegisterOptions::from_dict(&d).unwrap();
        assert_eq!(r.invoke, Some(InvokePolicy::RoundRobin));
        assert_eq!(r.to_dict(), d);
        assert!(RegisterOptions::from_dict(&dict(r#"{"invoke": "all"}"#)).is_err());
    }

    #[test]
    fn sub_millisecond_timeouts_do_not_vanish() {
        assert_eq!(millis(Duration::from_micros(10)), 1);
        assert_eq!(millis(Duration::ZERO), 0);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
    }
}
