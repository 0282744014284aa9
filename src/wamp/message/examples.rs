//! One message of every type, with every optional part filled in, for the unit tests of the
//! message layer and the codecs.

use super::*;

fn dict(pairs: &[(&str, Value)]) -> Dict {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Every message type, each with nested values, binaries, negative numbers and floats.
pub(crate) fn all() -> Vec<Message> {
    let payload = || {
        Payload::new(
            vec![
                Value::from("Hello, world!"),
                Value::from(-42i64),
                Value::Float(1.5),
                Value::Bytes(Bytes::from_static(b"\x00\x01binary\xff")),
                Value::Null,
                Value::List(vec![Value::Bool(true), Value::UInt(u64::MAX)]),
            ],
            dict(&[
                ("n", Value::Int(i64::MIN)),
                ("nested", Value::Dict(dict(&[("k", "v".into())]))),
            ]),
        )
    };
    let details = || dict(&[("x_custom", Value::from("é ☃ \u{1F600} \"quoted\" \\ \n"))]);
    let roles = || {
        dict(&[(
            "roles",
            Value::Dict(dict(&[("caller", Value::Dict(Dict::new()))])),
        )])
    };
    let transparent = || Payload::Transparent(Bytes::from_static(b"\x83\xa5color"));
    vec![
        Message::Hello(Hello {
            realm: "realm1".into(),
            details: roles(),
        }),
        Message::Welcome(Welcome {
            session: MAX_ID,
            details: roles(),
        }),
        Message::Abort(Abort {
            details: details(),
            reason: "wamp.error.no_such_realm".into(),
            payload: payload(),
        }),
        Message::Challenge(Challenge {
            method: "wampcra".into(),
            extra: details(),
        }),
        Message::Authenticate(Authenticate {
            signature: "sig".into(),
            extra: Dict::new(),
        }),
        Message::Goodbye(Goodbye {
            details: Dict::new(),
            reason: "wamp.close.normal".into(),
        }),
        Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request: 1,
            details: details(),
            error: "com.myapp.error".into(),
            payload: payload(),
        }),
        Message::Publish(Publish {
            request: 2,
            options: Dict::new(),
            topic: "t".into(),
            payload: transparent(),
        }),
        Message::Published(Published {
            request: 2,
            publication: 3,
        }),
        Message::Subscribe(Subscribe {
            request: 4,
            options: Dict::new(),
            topic: "t".into(),
        }),
        Message::Subscribed(Subscribed {
            request: 4,
            subscription: 5,
        }),
        Message::Unsubscribe(Unsubscribe {
            request: 6,
            subscription: 5,
            options: Dict::new(),
        }),
        Message::Unsubscribed(Unsubscribed {
            request: 0,
            details: dict(&[("subscription", Value::UInt(5)), ("reason", "gone".into())]),
        }),
        Message::Event(Event {
            subscription: 5,
            publication: 3,
            details: details(),
            payload: payload(),
        }),
        Message::EventReceived(EventReceived { publication: 3 }),
        Message::Call(Call {
            request: 7,
            options: dict(&[("timeout", Value::UInt(1000))]),
            procedure: "p".into(),
            payload: Payload::args(vec![Value::from(1u64)]),
        }),
        Message::Cancel(Cancel {
            request: 7,
            options: dict(&[("mode", "kill".into())]),
        }),
        Message::Result(ResultMessage {
            request: 7,
            details: Dict::new(),
            payload: Payload::default(),
        }),
        Message::Register(Register {
            request: 8,
            options: Dict::new(),
            procedure: "p".into(),
        }),
        Message::Registered(Registered {
            request: 8,
            registration: 9,
        }),
        Message::Unregister(Unregister {
            request: 10,
            registration: 9,
            options: dict(&[(
                "forward_for",
                Value::List(vec![Value::Dict(dict(&[
                    ("session", Value::UInt(1)),
                    ("authid", "a".into()),
                    ("authrole", "r".into()),
                ]))]),
            )]),
        }),
        Message::Unregistered(Unregistered {
            request: 10,
            details: Dict::new(),
        }),
        Message::Invocation(Invocation {
            request: 11,
            registration: 9,
            details: Dict::new(),
            payload: transparent(),
        }),
        Message::Interrupt(Interrupt {
            request: 11,
            options: Dict::new(),
        }),
        Message::Yield(Yield {
            request: 11,
            options: Dict::new(),
            payload: Payload::new(Vec::new(), dict(&[("only", "kwargs".into())])),
        }),
    ]
}
