//! Typed reading of Options/Details attributes. Messages decoded from the wire have passed the
//! codec's checks already; in-process peers hand over messages built in code, so the router
//! checks again what it relies on and turns a wrong type into a protocol violation.

use crate::wamp::{Dict, Id, Value, MAX_ID};

/// Why a message breaks the protocol: the text of the ABORT's `message`.
pub(crate) type Violation = String;

/// The attributes of one dict, named `what` ("CALL.Options") in errors.
#[derive(Clone, Copy)]
pub(crate) struct Opts<'a> {
    dict: &'a Dict,
    what: &'static str,
}

impl<'a> Opts<'a> {
    pub(crate) fn new(dict: &'a Dict, what: &'static str) -> Self {
        Opts { dict, what }
    }

    fn wrong(&self, key: &str, expected: &str, found: &Value) -> Violation {
        format!(
            "{}.{key} must be {expected}, found {}",
            self.what,
            found.type_name()
        )
    }

    /// A bool attribute; absent is `default`.
    pub(crate) fn bool(&self, key: &str, default: bool) -> Result<bool, Violation> {
        match self.dict.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.wrong(key, "a bool", v)),
        }
    }

    /// A string attribute.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, Violation> {
        match self.dict.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a string", v)),
        }
    }

    /// A non-negative integer attribute.
    pub(crate) fn u64(&self, key: &str) -> Result<Option<u64>, Violation> {
        match self.dict.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a non-negative integer", v)),
        }
    }

    /// A list of WAMP ids.
    pub(crate) fn ids(&self, key: &str) -> Result<Option<Vec<Id>>, Violation> {
        self.list(key, "a list of ids", |v| {
            v.as_u64().filter(|id| (1..=MAX_ID).contains(id))
        })
    }

    /// A list of strings.
    pub(crate) fn strs(&self, key: &str) -> Result<Option<Vec<&'a str>>, Violation> {
        self.list(key, "a list of strings", Value::as_str)
    }

    fn list<T>(
        &self,
        key: &str,
        expected: &str,
        item: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<Vec<T>>, Violation> {
        match self.dict.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let list = v.as_list().ok_or_else(|| self.wrong(key, expected, v))?;
                list.iter()
                    .map(|e| item(e).ok_or_else(|| self.wrong(key, expected, e)))
                    .collect::<Result<Vec<T>, _>>()
                    .map(Some)
            }
        }
    }
}

/// Checks a request id from a peer: `1..=2^53`.
pub(crate) fn request_id(id: Id, what: &str) -> Result<Id, Violation> {
    if (1..=MAX_ID).contains(&id) {
        Ok(id)
    } else {
        Err(format!("{what}.Request must be in 1..=2^53, found {id}"))
    }
}

/// The Payload Passthru Mode attributes, in the spec's names and autobahn's: copied untouched
/// from CALL/PUBLISH/YIELD/ERROR to INVOCATION/EVENT/RESULT/ERROR.
const PASSTHRU_KEYS: [&str; 7] = [
    "ppt_scheme",
    "ppt_serializer",
    "ppt_cipher",
    "ppt_keyid",
    "enc_algo",
    "enc_serializer",
    "enc_key",
];

/// Copies the passthru attributes of `from` into `to`.
pub(crate) fn copy_passthru(from: &Dict, to: &mut Dict) {
    for key in PASSTHRU_KEYS {
        if let Some(v) = from.get(key) {
            to.insert(key.to_owned(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_are_named() {
        let mut d = Dict::new();
        d.insert("acknowledge".into(), Value::from("yes"));
        d.insert("exclude".into(), Value::List(vec![Value::from(0u64)]));
        let o = Opts::new(&d, "PUBLISH.Options");
        let e = o.bool("acknowledge", false).unwrap_err();
        assert_eq!(
            e,
            "PUBLISH.Options.acknowledge must be a bool, found string"
        );
        assert!(o.ids("exclude").unwrap_err().contains("list of ids"));
        assert_eq!(o.bool("exclude_me", true), Ok(true));
        assert_eq!(o.strs("eligible_authid"), Ok(None));
        assert!(request_id(0, "CALL").is_err());
        assert_eq!(request_id(MAX_ID, "CALL"), Ok(MAX_ID));
    }
}
