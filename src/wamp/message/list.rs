//! Conversion between [`Message`] and the generic WAMP list form `[code, field, ...]`.
//!
//! Decoding consumes the list (strings and dicts move into the message, binaries stay slices of
//! the frame) and validates every element; encoding borrows the message field by field
//! ([`Fields`]), so a codec writes a message without cloning anything.

use super::rules;
use super::*;
use crate::wamp::error::{Error, Result};
use std::ops::Deref;

/// One element of a message in list form, borrowed from the message.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field<'a> {
    /// The message code, an id, or ERROR's request type.
    UInt(u64),
    /// A URI or other string.
    Str(&'a str),
    /// Options, Details or Extra.
    Dict(&'a Dict),
    /// Arguments.
    List(&'a [Value]),
    /// A transparent payload.
    Bytes(&'a Bytes),
}

impl Field<'_> {
    /// The field as an owned [`Value`] (clones strings and dicts; binaries are shared).
    fn to_value(self) -> Value {
        match self {
            Field::UInt(u) => Value::UInt(u),
            Field::Str(s) => Value::Str(s.to_owned()),
            Field::Dict(d) => Value::Dict(d.clone()),
            Field::List(l) => Value::List(l.to_vec()),
            Field::Bytes(b) => Value::Bytes(b.clone()),
        }
    }
}

/// The longest message in list form: ERROR with both Arguments and ArgumentsKw.
const MAX_FIELDS: usize = 7;

/// A message's elements in list form, in order, borrowed from the message (no allocation).
pub(crate) struct Fields<'a> {
    items: [Field<'a>; MAX_FIELDS],
    len: usize,
}

impl<'a> Fields<'a> {
    fn new(ty: MessageType) -> Fields<'a> {
        Fields {
            items: [Field::UInt(u64::from(ty.code())); MAX_FIELDS],
            len: 1,
        }
    }

    fn push(&mut self, field: Field<'a>) {
        // Every message type pushes at most MAX_FIELDS elements (checked by a unit test).
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = field;
            self.len += 1;
        }
    }

    fn id(&mut self, id: Id) {
        self.push(Field::UInt(id));
    }

    fn str(&mut self, s: &'a str) {
        self.push(Field::Str(s));
    }

    fn dict(&mut self, d: &'a Dict) {
        self.push(Field::Dict(d));
    }

    /// An optional trailing dict: written only when not empty.
    fn trailing_dict(&mut self, d: &'a Dict) {
        if !d.is_empty() {
            self.push(Field::Dict(d));
        }
    }

    /// Arguments and ArgumentsKw, written only as far as they are not empty.
    fn payload(&mut self, p: &'a Payload) {
        match p {
            Payload::Arguments { args, kwargs } => {
                if !kwargs.is_empty() {
                    self.push(Field::List(args));
                    self.push(Field::Dict(kwargs));
                } else if !args.is_empty() {
                    self.push(Field::List(args));
                }
            }
            Payload::Transparent(b) => self.push(Field::Bytes(b)),
        }
    }
}

impl<'a> Deref for Fields<'a> {
    type Target = [Field<'a>];

    fn deref(&self) -> &[Field<'a>] {
        &self.items[..self.len]
    }
}

impl Message {
    /// The message's elements in list form, borrowed.
    pub(crate) fn fields(&self) -> Fields<'_> {
        let mut f = Fields::new(self.message_type());
        match self {
            Message::Hello(m) => {
                f.str(&m.realm);
                f.dict(&m.details);
            }
            Message::Welcome(m) => {
                f.id(m.session);
                f.dict(&m.details);
            }
            Message::Abort(m) => {
                f.dict(&m.details);
                f.str(&m.reason);
                f.payload(&m.payload);
            }
            Message::Challenge(m) => {
                f.str(&m.method);
                f.dict(&m.extra);
            }
            Message::Authenticate(m) => {
                f.str(&m.signature);
                f.dict(&m.extra);
            }
            Message::Goodbye(m) => {
                f.dict(&m.details);
                f.str(&m.reason);
            }
            Message::Error(m) => {
                f.push(Field::UInt(u64::from(m.request_type.code())));
                f.id(m.request);
                f.dict(&m.details);
                f.str(&m.error);
                f.payload(&m.payload);
            }
            Message::Publish(m) => {
                f.id(m.request);
                f.dict(&m.options);
                f.str(&m.topic);
                f.payload(&m.payload);
            }
            Message::Published(m) => {
                f.id(m.request);
                f.id(m.publication);
            }
            Message::Subscribe(m) => {
                f.id(m.request);
                f.dict(&m.options);
                f.str(&m.topic);
            }
            Message::Subscribed(m) => {
                f.id(m.request);
                f.id(m.subscription);
            }
            Message::Unsubscribe(m) => {
                f.id(m.request);
                f.id(m.subscription);
                f.trailing_dict(&m.options);
            }
            Message::Unsubscribed(m) => {
                f.id(m.request);
                f.trailing_dict(&m.details);
            }
            Message::Event(m) => {
                f.id(m.subscription);
                f.id(m.publication);
                f.dict(&m.details);
                f.payload(&m.payload);
            }
            Message::EventReceived(m) => f.id(m.publication),
            Message::Call(m) => {
                f.id(m.request);
                f.dict(&m.options);
                f.str(&m.procedure);
                f.payload(&m.payload);
            }
            Message::Cancel(m) => {
                f.id(m.request);
                f.dict(&m.options);
            }
            Message::Result(m) => {
                f.id(m.request);
                f.dict(&m.details);
                f.payload(&m.payload);
            }
            Message::Register(m) => {
                f.id(m.request);
                f.dict(&m.options);
                f.str(&m.procedure);
            }
            Message::Registered(m) => {
                f.id(m.request);
                f.id(m.registration);
            }
            Message::Unregister(m) => {
                f.id(m.request);
                f.id(m.registration);
                f.trailing_dict(&m.options);
            }
            Message::Unregistered(m) => {
                f.id(m.request);
                f.trailing_dict(&m.details);
            }
            Message::Invocation(m) => {
                f.id(m.request);
                f.id(m.registration);
                f.dict(&m.details);
                f.payload(&m.payload);
            }
            Message::Interrupt(m) => {
                f.id(m.request);
                f.dict(&m.options);
            }
            Message::Yield(m) => {
                f.id(m.request);
                f.dict(&m.options);
                f.payload(&m.payload);
            }
        }
        f
    }

    /// The message in the generic list form, `[code, field, ...]` (clones the fields; codecs
    /// write messages without this copy).
    pub fn to_list(&self) -> List {
        self.fields().iter().map(|f| f.to_value()).collect()
    }

    /// Validates a message in the generic list form and builds the message from it.
    ///
    /// Errors name the message type, the element position (the code is element 0) and what was
    /// wrong: unknown code, too few or too many elements, a wrong type, an id out of range, an
    /// Options/Details attribute of the wrong type or value.
    pub fn from_list(list: List) -> Result<Message> {
        let code = match list.first() {
            None => return Err(Error::invalid("message", "empty list")),
            Some(v) => v.as_u64().ok_or_else(|| {
                Error::invalid(
                    "message",
                    format!(
                        "element 0 (message type) must be an integer, found {}",
                        v.type_name()
                    ),
                )
            })?,
        };
        let ty = MessageType::from_code(code)
            .ok_or_else(|| Error::invalid("message", format!("unknown message type {code}")))?;
        let (min, max) = arity(ty);
        if list.len() < min || list.len() > max {
            let expected = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(Error::invalid(
                ty.name(),
                format!("has {} elements, expected {expected}", list.len()),
            ));
        }
        let mut r = Reader {
            ty,
            items: list.into_iter(),
            pos: 0,
        };
        r.take("message type")?;
        let msg = match ty {
            MessageType::Hello => Message::Hello(Hello {
                realm: r.string("Realm")?,
                details: r.checked_dict("Details")?,
            }),
            MessageType::Welcome => Message::Welcome(Welcome {
                session: r.id("Session")?,
                details: r.checked_dict("Details")?,
            }),
            MessageType::Abort => Message::Abort(Abort {
                details: r.checked_dict("Details")?,
                reason: r.string("Reason")?,
                payload: r.payload(false)?,
            }),
            MessageType::Challenge => Message::Challenge(Challenge {
                method: r.string("AuthMethod")?,
                extra: r.dict("Extra")?,
            }),
            MessageType::Authenticate => Message::Authenticate(Authenticate {
                signature: r.string("Signature")?,
                extra: r.dict("Extra")?,
            }),
            MessageType::Goodbye => Message::Goodbye(Goodbye {
                details: r.checked_dict("Details")?,
                reason: r.string("Reason")?,
            }),
            MessageType::Error => Message::Error(ErrorMessage {
                request_type: r.request_type()?,
                request: r.id("Request")?,
                details: r.checked_dict("Details")?,
                error: r.string("Error")?,
                payload: r.payload(true)?,
            }),
            MessageType::Publish => Message::Publish(Publish {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
                topic: r.string("Topic")?,
                payload: r.payload(true)?,
            }),
            MessageType::Published => Message::Published(Published {
                request: r.id("Request")?,
                publication: r.id("Publication")?,
            }),
            MessageType::Subscribe => Message::Subscribe(Subscribe {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
                topic: r.string("Topic")?,
            }),
            MessageType::Subscribed => Message::Subscribed(Subscribed {
                request: r.id("Request")?,
                subscription: r.id("Subscription")?,
            }),
            MessageType::Unsubscribe => Message::Unsubscribe(Unsubscribe {
                request: r.id("Request")?,
                subscription: r.id("Subscription")?,
                options: r.trailing_dict("Options")?,
            }),
            MessageType::Unsubscribed => Message::Unsubscribed(Unsubscribed {
                request: r.id_or_zero("Request")?,
                details: r.trailing_dict("Details")?,
            }),
            MessageType::Event => Message::Event(Event {
                subscription: r.id("Subscription")?,
                publication: r.id("Publication")?,
                details: r.checked_dict("Details")?,
                payload: r.payload(true)?,
            }),
            MessageType::EventReceived => Message::EventReceived(EventReceived {
                publication: r.id("Publication")?,
            }),
            MessageType::Call => Message::Call(Call {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
                procedure: r.string("Procedure")?,
                payload: r.payload(true)?,
            }),
            MessageType::Cancel => Message::Cancel(Cancel {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
            }),
            MessageType::Result => Message::Result(ResultMessage {
                request: r.id("Request")?,
                details: r.checked_dict("Details")?,
                payload: r.payload(true)?,
            }),
            MessageType::Register => Message::Register(Register {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
                procedure: r.string("Procedure")?,
            }),
            MessageType::Registered => Message::Registered(Registered {
                request: r.id("Request")?,
                registration: r.id("Registration")?,
            }),
            MessageType::Unregister => Message::Unregister(Unregister {
                request: r.id("Request")?,
                registration: r.id("Registration")?,
                options: r.trailing_dict("Options")?,
            }),
            MessageType::Unregistered => Message::Unregistered(Unregistered {
                request: r.id_or_zero("Request")?,
                details: r.trailing_dict("Details")?,
            }),
            MessageType::Invocation => Message::Invocation(Invocation {
                request: r.id("Request")?,
                registration: r.id("Registration")?,
                details: r.checked_dict("Details")?,
                payload: r.payload(true)?,
            }),
            MessageType::Interrupt => Message::Interrupt(Interrupt {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
            }),
            MessageType::Yield => Message::Yield(Yield {
                request: r.id("Request")?,
                options: r.checked_dict("Options")?,
                payload: r.payload(true)?,
            }),
        };
        Ok(msg)
    }
}

/// The smallest and largest element count (with the code) of each message type.
fn arity(ty: MessageType) -> (usize, usize) {
    match ty {
        MessageType::EventReceived => (2, 2),
        MessageType::Unsubscribed | MessageType::Unregistered => (2, 3),
        MessageType::Hello
        | MessageType::Welcome
        | MessageType::Challenge
        | MessageType::Authenticate
        | MessageType::Goodbye
        | MessageType::Published
        | MessageType::Subscribed
        | MessageType::Registered
        | MessageType::Cancel
        | MessageType::Interrupt => (3, 3),
        MessageType::Unsubscribe | MessageType::Unregister => (3, 4),
        MessageType::Abort | MessageType::Result | MessageType::Yield => (3, 5),
        MessageType::Subscribe | MessageType::Register => (4, 4),
        MessageType::Publish | MessageType::Event | MessageType::Call | MessageType::Invocation => {
            (4, 6)
        }
        MessageType::Error => (5, 7),
    }
}

/// The request types an ERROR may answer.
const ERROR_REQUEST_TYPES: [MessageType; 7] = [
    MessageType::Subscribe,
    MessageType::Unsubscribe,
    MessageType::Publish,
    MessageType::Register,
    MessageType::Unregister,
    MessageType::Call,
    MessageType::Invocation,
];

/// Walks the elements of one message, remembering positions for errors.
struct Reader {
    ty: MessageType,
    items: std::vec::IntoIter<Value>,
    /// The position of the next element (the code is element 0).
    pos: usize,
}

impl Reader {
    fn error(&self, at: usize, what: &str, reason: impl std::fmt::Display) -> Error {
        Error::invalid(self.ty.name(), format!("element {at} ({what}) {reason}"))
    }

    fn wrong_type(&self, at: usize, what: &str, expected: &str, found: &Value) -> Error {
        self.error(
            at,
            what,
            format_args!("must be {expected}, found {}", found.type_name()),
        )
    }

    /// The next element and its position.
    fn take(&mut self, what: &str) -> Result<(Value, usize)> {
        let at = self.pos;
        // Unreachable after the arity check, but an error is cheaper than a panic.
        let v = self
            .items
            .next()
            .ok_or_else(|| self.error(at, what, "is missing"))?;
        self.pos += 1;
        Ok((v, at))
    }

    fn id_in(&mut self, what: &str, min: Id) -> Result<Id> {
        let (v, at) = self.take(what)?;
        match (v.as_u64(), &v) {
            (Some(id), _) if (min..=MAX_ID).contains(&id) => Ok(id),
            (Some(id), _) => Err(self.error(
                at,
                what,
                format_args!("is out of range: {id} not in {min}..=2^53"),
            )),
            (None, Value::Int(i)) => {
                Err(self.error(at, what, format_args!("is out of range: {i} is negative")))
            }
            (None, _) => Err(self.wrong_type(at, what, "an id (integer)", &v)),
        }
    }

    fn id(&mut self, what: &str) -> Result<Id> {
        self.id_in(what, 1)
    }

    /// UNSUBSCRIBED and UNREGISTERED use request id 0 for a router-initiated revocation.
    fn id_or_zero(&mut self, what: &str) -> Result<Id> {
        self.id_in(what, 0)
    }

    fn string(&mut self, what: &str) -> Result<String> {
        match self.take(what)? {
            (Value::Str(s), _) => Ok(s),
            (other, at) => Err(self.wrong_type(at, what, "a string", &other)),
        }
    }

    fn dict(&mut self, what: &str) -> Result<Dict> {
        match self.take(what)? {
            (Value::Dict(d), _) => Ok(d),
            (other, at) => Err(self.wrong_type(at, what, "a dict", &other)),
        }
    }

    /// A dict whose spec-defined attributes are checked (Options or Details).
    fn checked_dict(&mut self, what: &'static str) -> Result<Dict> {
        let d = self.dict(what)?;
        rules::check(self.ty, what, &d)?;
        Ok(d)
    }

    /// An optional, checked dict at the end of the message.
    fn trailing_dict(&mut self, what: &'static str) -> Result<Dict> {
        if self.items.len() == 0 {
            return Ok(Dict::new());
        }
        self.checked_dict(what)
    }

    fn request_type(&mut self) -> Result<MessageType> {
        let what = "REQUEST.Type";
        let (v, at) = self.take(what)?;
        match v.as_u64().and_then(MessageType::from_code) {
            Some(t) if ERROR_REQUEST_TYPES.contains(&t) => Ok(t),
            _ => Err(self.error(
                at,
                what,
                format_args!(
                    "must be the code of SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, \
                     CALL or INVOCATION, found {}",
                    describe(&v)
                ),
            )),
        }
    }

    /// Arguments and ArgumentsKw, or a transparent payload where `transparent_ok`.
    ///
    /// `null` in either place means "none" (autobahn-python accepts it too). A transparent
    /// payload given as a string (autobahn-python accepts those) is taken as its UTF-8 bytes.
    fn payload(&mut self, transparent_ok: bool) -> Result<Payload> {
        if self.items.len() == 0 {
            return Ok(Payload::default());
        }
        let args = match self.take("Arguments")? {
            (Value::List(l), _) => l,
            (Value::Null, _) => List::new(),
            (Value::Bytes(b), at) if transparent_ok => return self.transparent(b, at),
            (Value::Str(s), at) if transparent_ok => {
                return self.transparent(Bytes::from(s.into_bytes()), at)
            }
            (other, at) => {
                let expected = if transparent_ok {
                    "a list or a binary payload"
                } else {
                    "a list"
                };
                return Err(self.wrong_type(at, "Arguments", expected, &other));
            }
        };
        if self.items.len() == 0 {
            return Ok(Payload::Arguments {
                args,
                kwargs: Dict::new(),
            });
        }
        let kwargs = match self.take("ArgumentsKw")? {
            (Value::Dict(d), _) => d,
            (Value::Null, _) => Dict::new(),
            (other, at) => return Err(self.wrong_type(at, "ArgumentsKw", "a dict", &other)),
        };
        Ok(Payload::Arguments { args, kwargs })
    }

    fn transparent(&mut self, payload: Bytes, at: usize) -> Result<Payload> {
        if self.items.len() != 0 {
            return Err(self.error(
                at,
                "Arguments",
                "is a transparent payload, so it must be the last element",
            ));
        }
        Ok(Payload::Transparent(payload))
    }
}

/// A short description of a value for error messages: integers by value, others by type.
fn describe(v: &Value) -> String {
    match v {
        Value::UInt(u) => u.to_string(),
        Value::Int(i) => i.to_string(),
        other => other.type_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: List) -> Result<Message> {
        Message::from_list(list)
    }

    fn err(list: List) -> String {
        match parse(list) {
            Ok(m) => panic!("accepted {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn v(json: &str) -> List {
        // A tiny JSON-to-Value bridge for readable tests (through serde_json's own Value).
        fn conv(j: serde_json::Value) -> Value {
            match j {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => Value::UInt(u),
                    (_, Some(i), _) => Value::Int(i),
                    (_, _, f) => Value::Float(f.unwrap_or_default()),
                },
                serde_json::Value::String(s) => Value::Str(s),
                serde_json::Value::Array(a) => Value::List(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => {
                    Value::Dict(o.into_iter().map(|(k, v)| (k, conv(v))).collect())
                }
            }
        }
        match conv(serde_json::from_str(json).unwrap()) {
            Value::List(l) => l,
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn every_type_round_trips_through_the_list_form() {
        let all = examples::all();
        assert_eq!(all.len(), MessageType::ALL.len());
        for m in all {
            let list = m.to_list();
            assert!(list.len() <= MAX_FIELDS);
            assert_eq!(list[0], Value::UInt(u64::from(m.message_type().code())));
            assert_eq!(parse(list).as_ref(), Ok(&m), "{}", m.message_type());
        }
    }

    #[test]
    fn empty_arguments_are_omitted_at_the_end() {
        let m = parse(v(r#"[50, 7, {}, [], {}]"#)).unwrap();
        assert_eq!(m.to_list().len(), 3);
        let m = parse(v(r#"[50, 7, {}, [], {"a": 1}]"#)).unwrap();
        assert_eq!(m.to_list(), v(r#"[50, 7, {}, [], {"a": 1}]"#));
        let m = parse(v(r#"[50, 7, {}, null, {"a": 1}]"#)).unwrap();
        assert_eq!(m.payload().unwrap().keyword_arguments().unwrap().len(), 1);
        let m = parse(v(r#"[34, 7, 8, {}]"#)).unwrap();
        assert_eq!(m.to_list().len(), 3);
    }

    #[test]
    fn transparent_payload_in_place_of_arguments() {
        let m = parse(vec![
            Value::UInt(36),
            Value::UInt(1),
            Value::UInt(2),
            Value::Dict(Dict::new()),
            Value::Bytes(Bytes::from_static(b"\x01\x02")),
        ])
        .unwrap();
        assert_eq!(
            m.payload().unwrap().transparent().unwrap().as_ref(),
            b"\x01\x02"
        );
        // autobahn-python also takes a string there; we keep its bytes.
        let m = parse(v(r#"[16, 1, {"enc_algo": "cryptobox"}, "t", "a1666e"]"#)).unwrap();
        assert_eq!(
            m.payload().unwrap().transparent().unwrap().as_ref(),
            b"a1666e"
        );
        // ...but only as the last element, and never in ABORT.
        assert!(err(v(r#"[16, 1, {}, "t", "x", {}]"#)).contains("last element"));
        assert!(err(v(r#"[3, {}, "r", "x"]"#)).contains("must be a list"));
    }

    #[test]
    fn structural_errors_say_what_was_wrong() {
        assert!(err(vec![]).contains("empty list"));
        assert!(err(v(r#"["x"]"#)).contains("element 0 (message type) must be an integer"));
        assert!(err(v(r#"[7, 1]"#)).contains("unknown message type 7"));
        assert!(err(v(r#"[-1]"#)).contains("must be an integer"));
        assert!(err(v(r#"[33, 1]"#)).contains("SUBSCRIBED: has 2 elements, expected 3"));
        assert!(err(v(r#"[48, 1, {}, "p", [], {}, 1]"#)).contains("expected 4 to 6"));
        assert!(err(v(r#"[1, 5, {"roles": {"x": {}}}]"#))
            .contains("element 1 (Realm) must be a string, found integer"));
        assert!(err(v(r#"[36, 1, 2, [], []]"#))
            .contains("element 3 (Details) must be a dict, found list"));
        assert!(err(v(r#"[36, 1, 2, {}, {}]"#))
            .contains("element 4 (Arguments) must be a list or a binary payload, found dict"));
        assert!(err(v(r#"[36, 1, 2, {}, [], []]"#))
            .contains("element 5 (ArgumentsKw) must be a dict, found list"));
        assert!(err(v(r#"[8, 5, 1, {}, "e"]"#)).contains("REQUEST.Type"));
        assert!(err(v(r#"[8, 99999999999999999999, 1, {}, "e"]"#)).contains("REQUEST.Type"));
    }

    #[test]
    fn ids_are_checked_against_the_range() {
        assert!(err(v(r#"[33, 0, 1]"#)).contains("element 1 (Request) is out of range: 0"));
        assert!(err(v(r#"[33, 1, 9007199254740993]"#))
            .contains("element 2 (Subscription) is out of range"));
        assert!(parse(v(r#"[33, 1, 9007199254740992]"#)).is_ok());
        assert!(err(v(r#"[33, -5, 1]"#)).contains("-5 is negative"));
        assert!(err(v(r#"[33, 1.0, 1]"#)).contains("must be an id (integer), found float"));
        assert!(err(v(r#"[337, 18446744073709551615]"#)).contains("out of range"));
        // Revocations use request id 0.
        assert!(parse(v(r#"[35, 0, {"subscription": 5, "reason": "x"}]"#)).is_ok());
        assert!(parse(v(r#"[67, 0, {"registration": 5}]"#)).is_ok());
    }

    #[test]
    fn known_options_are_type_checked() {
        assert!(err(v(r#"[1, "r", {}]"#)).contains("Details.roles is required"));
        assert!(
            err(v(r#"[2, 1, {"roles": {}}]"#)).contains("Details.roles must be a non-empty dict")
        );
        assert!(err(v(r#"[16, 1, {"acknowledge": 1}, "t"]"#))
            .contains("Options.acknowledge must be a bool, found 1"));
        assert!(err(v(r#"[16, 1, {"exclude": ["x"]}, "t"]"#))
            .contains("Options.exclude must be a list of ids"));
        assert!(
            err(v(r#"[32, 1, {"match": "fuzzy"}, "t"]"#)).contains("Options.match must be one of")
        );
        assert!(err(v(r#"[49, 1, {"mode": "skip!"}]"#)).contains("Options.mode"));
        assert!(err(v(r#"[69, 1, {"mode": "skip"}]"#)).contains("Options.mode"));
        assert!(err(v(r#"[64, 1, {"invoke": "all"}, "p"]"#)).contains("Options.invoke"));
        assert!(err(v(r#"[48, 1, {"timeout": -1}, "p"]"#))
            .contains("Options.timeout must be a non-negative integer"));
        assert!(err(v(r#"[68, 1, 2, {"caller": 0}]"#)).contains("Details.caller must be an id"));
        assert!(err(v(r#"[36, 1, 2, {"forward_for": [{"session": 1}]}]"#)).contains("forward_for"));
        assert!(
            err(v(r#"[70, 1, {"ppt_scheme": 5}]"#)).contains("Options.ppt_scheme must be a string")
        );
        // Unknown attributes pass, as the spec asks.
        assert!(parse(v(r#"[16, 1, {"x_whatever": [1, {"a": null}]}, "t"]"#)).is_ok());
    }

    #[test]
    fn long_strings_are_cut_in_errors() {
        let long = "x".repeat(10_000);
        let e = err(v(&format!(r#"[32, 1, {{"match": "{long}"}}, "t"]"#)));
        assert!(e.len() < 300, "{e}");
    }
}
