//! Typed reads of the Details/Options the router sends. Codecs already check the types of the
//! attributes the spec defines, but a session may also be fed messages built in code, so every
//! read is checked again here: a wrong type is a protocol violation, never a panic.

use std::time::Duration;

use super::error::Violation;
use crate::wamp::message::{Id, MAX_ID};
use crate::wamp::value::{Dict, Value};

/// A dict of a received message, named for error messages (`"EVENT.Details"`).
#[derive(Clone, Copy)]
pub(super) struct Details<'a> {
    pub(super) dict: &'a Dict,
    pub(super) what: &'static str,
}

impl<'a> Details<'a> {
    pub(super) fn new(dict: &'a Dict, what: &'static str) -> Details<'a> {
        Details { dict, what }
    }

    fn wrong(&self, key: &str, expected: &str, found: &Value) -> Violation {
        Violation::new(format!(
            "{}.{key} must be {expected}, found {}",
            self.what,
            found.type_name()
        ))
    }

    /// A bool attribute; absent is `None`.
    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, Violation> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a bool", v)),
        }
    }

    /// A bool attribute that defaults to `false`.
    pub(super) fn flag(&self, key: &str) -> Result<bool, Violation> {
        Ok(self.bool(key)?.unwrap_or(false))
    }

    /// A string attribute; absent is `None`.
    pub(super) fn str(&self, key: &str) -> Result<Option<&'a str>, Violation> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a string", v)),
        }
    }

    /// An id attribute (`1..=2^53`); absent is `None`.
    pub(super) fn id(&self, key: &str) -> Result<Option<Id>, Violation> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(id) => check_id(id, self.what, key).map(Some),
                None => Err(self.wrong(key, "an id", v)),
            },
        }
    }

    /// A duration in milliseconds; absent or 0 is `None` (the spec's "no timeout").
    pub(super) fn millis(&self, key: &str) -> Result<Option<Duration>, Violation> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(0) => Ok(None),
                Some(ms) => Ok(Some(Duration::from_millis(ms))),
                None => Err(self.wrong(key, "a non-negative integer", v)),
            },
        }
    }

    /// A dict attribute; absent is `None`.
    pub(super) fn dict(&self, key: &str) -> Result<Option<&'a Dict>, Violation> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_dict()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a dict", v)),
        }
    }
}

/// Checks that an id received in a message is within `1..=2^53`.
pub(super) fn check_id(id: Id, message: &str, field: &str) -> Result<Id, Violation> {
    if (1..=MAX_ID).contains(&id) {
        Ok(id)
    } else {
        Err(Violation::new(format!(
            "{message}.{field} is out of range: {id} not in 1..=2^53"
        )))
    }
}

/// An owned copy of an optional string attribute.
pub(super) fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(entries: &[(&str, Value)]) -> Dict {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn reads_check_types() {
        let d = dict(&[
            ("progress", Value::Bool(true)),
            ("topic", Value::from("a.b")),
            ("publisher", Value::UInt(7)),
            ("bad", Value::from("x")),
            ("zero", Value::UInt(0)),
            ("timeout", Value::UInt(250)),
        ]);
        let details = Details::new(&d, "EVENT.Details");
        assert_eq!(details.bool("progress"), Ok(Some(true)));
        assert_eq!(details.flag("missing"), Ok(false));
        assert_eq!(details.str("topic"), Ok(Some("a.b")));
        assert_eq!(details.id("publisher"), Ok(Some(7)));
        assert_eq!(
            details.millis("timeout"),
            Ok(Some(Duration::from_millis(250)))
        );
        assert_eq!(details.millis("zero"), Ok(None));
        let err = details.bool("bad").unwrap_err();
        assert_eq!(err.0, "EVENT.Details.bad must be a bool, found string");
        let err = details.id("zero").unwrap_err();
        assert_eq!(
            err.0,
            "EVENT.Details.zero is out of range: 0 not in 1..=2^53"
        );
        assert!(details.dict("topic").is_err());
    }

    #[test]
    fn ids_are_range_checked() {
        assert_eq!(check_id(1, "RESULT", "Request"), Ok(1));
        assert_eq!(check_id(MAX_ID, "RESULT", "Request"), Ok(MAX_ID));
        assert!(check_id(0, "RESULT", "Request").is_err());
        assert!(check_id(MAX_ID + 1, "RESULT", "Request").is_err());
    }
}
