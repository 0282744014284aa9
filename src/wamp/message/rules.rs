//! Type rules for the Options/Details attributes that the spec (and autobahn's extensions)
//! define, checked when a message is decoded. Attributes not listed here are let through, as
//! the spec asks peers to ignore what they do not know.

use super::{MessageType, MAX_ID};
use crate::wamp::error::{Error, Result};
use crate::wamp::value::{Dict, Value};

/// What a known attribute must hold.
#[derive(Clone, Copy)]
enum Rule {
    Bool,
    Str,
    /// A WAMP id, `1..=2^53`.
    Id,
    /// A non-negative integer.
    UInt,
    Dict,
    /// A non-empty dict (HELLO/WELCOME roles).
    NonEmptyDict,
    StrList,
    IdList,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of `{session: id, authid: string, authrole: string}` (router-to-router links).
    ForwardFor,
}

type Table = &'static [(&'static str, Rule)];

const MATCH: &[&str] = &["exact", "prefix", "wildcard"];
const INVOKE: &[&str] = &["single", "roundrobin", "random", "first", "last"];
const CANCEL_MODE: &[&str] = &["skip", "kill", "killnowait"];
const INTERRUPT_MODE: &[&str] = &["kill", "killnowait"];
/// autobahn-python's end-to-end encryption names (its spelling of the ppt_* attributes).
const ENC_ALGO: &[&str] = &["null", "cryptobox", "mqtt", "xbr"];
const ENC_SERIALIZER: &[&str] = &[
    "null",
    "json",
    "msgpack",
    "cbor",
    "ubjson",
    "opaque",
    "flatbuffers",
];

const FORWARD: Table = &[("forward_for", Rule::ForwardFor)];

/// Payload Passthru Mode, in the spec's names and autobahn's.
const PASSTHRU: Table = &[
    ("ppt_scheme", Rule::Str),
    ("ppt_serializer", Rule::Str),
    ("ppt_cipher", Rule::Str),
    ("ppt_keyid", Rule::Str),
    ("enc_algo", Rule::OneOf(ENC_ALGO)),
    ("enc_serializer", Rule::OneOf(ENC_SERIALIZER)),
    ("enc_key", Rule::Str),
];

const HELLO: Table = &[
    ("roles", Rule::NonEmptyDict),
    ("authmethods", Rule::StrList),
    ("authid", Rule::Str),
    ("authrole", Rule::Str),
    ("authextra", Rule::Dict),
    ("agent", Rule::Str),
];

const WELCOME: Table = &[
    ("roles", Rule::NonEmptyDict),
    ("authid", Rule::Str),
    ("authrole", Rule::Str),
    ("authmethod", Rule::Str),
    ("authprovider", Rule::Str),
    ("authextra", Rule::Dict),
    ("agent", Rule::Str),
    ("realm", Rule::Str),
];

const CLOSING: Table = &[("message", Rule::Str)];

const PUBLISH: Table = &[
    ("acknowledge", Rule::Bool),
    ("exclude_me", Rule::Bool),
    ("exclude", Rule::IdList),
    ("exclude_authid", Rule::StrList),
    ("exclude_authrole", Rule::StrList),
    ("eligible", Rule::IdList),
    ("eligible_authid", Rule::StrList),
    ("eligible_authrole", Rule::StrList),
    ("disclose_me", Rule::Bool),
    ("retain", Rule::Bool),
    ("transaction_hash", Rule::Str),
];

const SUBSCRIBE: Table = &[("match", Rule::OneOf(MATCH)), ("get_retained", Rule::Bool)];

const EVENT: Table = &[
    ("publisher", Rule::Id),
    ("publisher_authid", Rule::Str),
    ("publisher_authrole", Rule::Str),
    ("topic", Rule::Str),
    ("retained", Rule::Bool),
    ("transaction_hash", Rule::Str),
    ("x_acknowledged_delivery", Rule::Bool),
];

const CALL: Table = &[
    ("timeout", Rule::UInt),
    ("receive_progress", Rule::Bool),
    ("progress", Rule::Bool),
    ("disclose_me", Rule::Bool),
];

const CANCEL: Table = &[("mode", Rule::OneOf(CANCEL_MODE))];

const PROGRESS: Table = &[("progress", Rule::Bool)];

const REGISTER: Table = &[
    ("match", Rule::OneOf(MATCH)),
    ("invoke", Rule::OneOf(INVOKE)),
    ("concurrency", Rule::UInt),
    ("force_reregister", Rule::Bool),
    ("disclose_caller", Rule::Bool),
];

const INVOCATION: Table = &[
    ("caller", Rule::Id),
    ("caller_authid", Rule::Str),
    ("caller_authrole", Rule::Str),
    ("procedure", Rule::Str),
    ("receive_progress", Rule::Bool),
    ("progress", Rule::Bool),
    ("timeout", Rule::UInt),
];

const INTERRUPT: Table = &[("mode", Rule::OneOf(INTERRUPT_MODE)), ("reason", Rule::Str)];

const UNSUBSCRIBED: Table = &[("subscription", Rule::Id), ("reason", Rule::Str)];

const UNREGISTERED: Table = &[("registration", Rule::Id), ("reason", Rule::Str)];

/// The rule tables for the Options/Details of a message type, and the attributes it requires.
fn tables(ty: MessageType) -> (&'static [Table], &'static [&'static str]) {
    match ty {
        MessageType::Hello => (&[HELLO], &["roles"]),
        MessageType::Welcome => (&[WELCOME], &["roles"]),
        MessageType::Abort | MessageType::Goodbye => (&[CLOSING], &[]),
        MessageType::Error => (&[PASSTHRU, FORWARD], &[]),
        MessageType::Publish => (&[PUBLISH, PASSTHRU, FORWARD], &[]),
        MessageType::Subscribe => (&[SUBSCRIBE, FORWARD], &[]),
        MessageType::Unsubscribe | MessageType::Unregister => (&[FORWARD], &[]),
        MessageType::Unsubscribed => (&[UNSUBSCRIBED], &[]),
        MessageType::Event => (&[EVENT, PASSTHRU, FORWARD], &[]),
        MessageType::Call => (&[CALL, PASSTHRU, FORWARD], &[]),
        MessageType::Cancel => (&[CANCEL, FORWARD], &[]),
        MessageType::Result | MessageType::Yield => (&[PROGRESS, PASSTHRU, FORWARD], &[]),
        MessageType::Register => (&[REGISTER, FORWARD], &[]),
        MessageType::Unregistered => (&[UNREGISTERED], &[]),
        MessageType::Invocation => (&[INVOCATION, PASSTHRU, FORWARD], &[]),
        MessageType::Interrupt => (&[INTERRUPT, FORWARD], &[]),
        MessageType::Challenge
        | MessageType::Authenticate
        | MessageType::Published
        | MessageType::Subscribed
        | MessageType::Registered
        | MessageType::EventReceived => (&[], &[]),
    }
}

/// Checks the known attributes of `dict`, the `what` ("Options", "Details") of a `ty` message.
pub(super) fn check(ty: MessageType, what: &str, dict: &Dict) -> Result<()> {
    let (tables, required) = tables(ty);
    for key in required {
        if lookup(dict, key).is_none() {
            return Err(Error::invalid(
                ty.name(),
                format!("{what}.{key} is required"),
            ));
        }
    }
    for (key, rule) in tables.iter().flat_map(|t| t.iter()) {
        if let Some(value) = lookup(dict, key) {
            if let Err(expected) = apply(*rule, value) {
                return Err(Error::invalid(
                    ty.name(),
                    format!("{what}.{key} must be {expected}"),
                ));
            }
        }
    }
    Ok(())
}

/// Dicts this small are searched by comparing keys: cheaper than hashing each of the up to 20
/// attribute names a message type knows (most Options/Details hold 0 to 3 entries).
const SCAN_MAX: usize = 8;

fn lookup<'d>(dict: &'d Dict, key: &str) -> Option<&'d Value> {
    if dict.len() <= SCAN_MAX {
        dict.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        dict.get(key)
    }
}

fn is_id(v: &Value) -> bool {
    v.as_u64().is_some_and(|id| (1..=MAX_ID).contains(&id))
}

/// `Err` with a description of what was expected and what was found.
fn apply(rule: Rule, v: &Value) -> Result<(), String> {
    let ok = match rule {
        Rule::Bool => v.as_bool().is_some(),
        Rule::Str => v.as_str().is_some(),
        Rule::Id => is_id(v),
        Rule::UInt => v.as_u64().is_some(),
        Rule::Dict => v.as_dict().is_some(),
        Rule::NonEmptyDict => v.as_dict().is_some_and(|d| !d.is_empty()),
        Rule::StrList => v
            .as_list()
            .is_some_and(|l| l.iter().all(|e| e.as_str().is_some())),
        Rule::IdList => v.as_list().is_some_and(|l| l.iter().all(is_id)),
        Rule::OneOf(allowed) => v.as_str().is_some_and(|s| allowed.contains(&s)),
        Rule::ForwardFor => v.as_list().is_some_and(|l| l.iter().all(is_forward_hop)),
    };
    if ok {
        return Ok(());
    }
    let expected = match rule {
        Rule::Bool => "a bool".to_owned(),
        Rule::Str => "a string".to_owned(),
        Rule::Id => "an id (integer in 1..=2^53)".to_owned(),
        Rule::UInt => "a non-negative integer".to_owned(),
        Rule::Dict => "a dict".to_owned(),
        Rule::NonEmptyDict => "a non-empty dict".to_owned(),
        Rule::StrList => "a list of strings".to_owned(),
        Rule::IdList => "a list of ids".to_owned(),
        Rule::OneOf(allowed) => format!("one of \"{}\"", allowed.join("\", \"")),
        Rule::ForwardFor => "a list of {session: id, authid: string, authrole: string}".to_owned(),
    };
    let found = match v {
        Value::Str(s) => format!("\"{}\"", short(s).escape_debug()),
        Value::UInt(u) => u.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.type_name().to_owned(),
    };
    Err(format!("{expected}, found {found}"))
}

fn is_forward_hop(v: &Value) -> bool {
    v.as_dict().is_some_and(|hop| {
        hop.get("session").is_some_and(is_id)
            && hop.get("authid").is_some_and(|a| a.as_str().is_some())
            && hop.get("authrole").is_some_and(|a| a.as_str().is_some())
    })
}

/// At most the first 40 characters of a peer's string, for an error message.
fn short(s: &str) -> &str {
    s.char_indices().nth(40).map_or(s, |(end, _)| &s[..end])
}
