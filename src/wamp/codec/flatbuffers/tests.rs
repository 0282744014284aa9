use super::encode::encode;
use super::generated as fb;
use super::FlatBuffersCodec;
use crate::wamp::codec::Codec;
use crate::wamp::error::Error;
use crate::wamp::message::{examples, *};
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;
use flatbuffers::FlatBufferBuilder;

fn dict(pairs: &[(&str, Value)]) -> Dict {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn frame(msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    FlatBuffersCodec
        .encode(msg, &mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", msg.message_type()));
    out
}

fn decode(bytes: &[u8]) -> crate::wamp::Result<Message> {
    FlatBuffersCodec.decode(Bytes::copy_from_slice(bytes))
}

fn round_trip(msg: &Message) {
    let bytes = frame(msg);
    let back = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", msg.message_type()));
    assert_eq!(&back, msg);
    // Re-encoding what was decoded gives the same bytes.
    assert_eq!(frame(&back), bytes, "{}", msg.message_type());
}

fn err(bytes: &[u8]) -> String {
    match decode(bytes) {
        Ok(m) => panic!("accepted {m:?}"),
        Err(e) => e.to_string(),
    }
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// Position of field `slot` (vtable offset) of the table at `table`, if present.
fn field(b: &[u8], table: usize, slot: usize) -> Option<usize> {
    let vtable = (table as i64 - i64::from(le32(b, table) as i32)) as usize;
    let vlen = usize::from(u16::from_le_bytes([b[vtable], b[vtable + 1]]));
    (slot < vlen)
        .then(|| usize::from(u16::from_le_bytes([b[vtable + slot], b[vtable + slot + 1]])))
        .filter(|o| *o != 0)
        .map(|o| table + o)
}

/// Position of the union tag byte (`Message.msg_type`).
fn tag_at(b: &[u8]) -> usize {
    field(b, le32(b, 0), 4).expect("msg_type present")
}

/// Position of the message table.
fn msg_table(b: &[u8]) -> usize {
    let at = field(b, le32(b, 0), 6).expect("msg present");
    at + le32(b, at)
}

fn event(details: Dict, payload: Payload) -> Message {
    Message::Event(Event {
        subscription: 1,
        publication: 2,
        details,
        payload,
    })
}

#[test]
fn every_message_type_round_trips() {
    let all = examples::all();
    assert_eq!(all.len(), MessageType::ALL.len());
    for msg in &all {
        round_trip(msg);
    }
}

#[test]
fn the_union_tag_is_the_message_code() {
    for msg in examples::all() {
        let bytes = frame(&msg);
        let want = match msg.message_type() {
            MessageType::EventReceived => 37,
            t => t.code(),
        };
        assert_eq!(
            u16::from(bytes[tag_at(&bytes)]),
            want,
            "{}",
            msg.message_type()
        );
    }
}

#[test]
fn the_binary_schema_tags_messages_with_their_codes() {
    // (Frames are not checked against wamp.bfbs with flatbuffers-reflection: its verifier
    // 0.1.0 looks union variants up by position, not by value, which sparse tags defeat.)
    use flatbuffers_reflection::reflection::root_as_schema;
    let bfbs = include_bytes!("../../../../schemas/bfbs/wamp.bfbs");
    let schema = root_as_schema(bfbs).expect("wamp.bfbs is a schema");
    let union = schema
        .enums()
        .iter()
        .find(|e| e.name() == "zerowamp.wamp.AnyMessage")
        .expect("the union AnyMessage");
    for v in union.values().iter().filter(|v| v.value() != 0) {
        let name = match v.name() {
            "ErrorMessage" => "ERROR",
            "ResultMessage" => "RESULT",
            "EventReceived" => "EVENT_RECEIVED",
            n => &n.to_uppercase(),
        };
        let ty = MessageType::from_name(name).unwrap_or_else(|| panic!("{name}"));
        let want = if ty == MessageType::EventReceived {
            37
        } else {
            ty.code()
        };
        assert_eq!(v.value(), i64::from(want), "{name}");
    }
    assert_eq!(union.values().len(), MessageType::ALL.len() + 1);
    let root = schema.root_table().expect("a root type");
    assert_eq!(root.name(), "zerowamp.wamp.Message");
}

#[test]
fn a_whole_hello_and_welcome_round_trip() {
    let features = |names: &[&str]| {
        Value::Dict(dict(&[(
            "features",
            Value::Dict(
                names
                    .iter()
                    .map(|n| ((*n).to_owned(), Value::Bool(true)))
                    .collect(),
            ),
        )]))
    };
    let hello = Message::Hello(Hello {
        realm: "realm1".into(),
        details: dict(&[
            (
                "roles",
                Value::Dict(dict(&[
                    (
                        "caller",
                        features(&["progressive_call_results", "payload_passthru_mode"]),
                    ),
                    ("callee", features(&["shared_registration"])),
                    ("publisher", Value::Dict(Dict::new())),
                    ("subscriber", features(&["pattern_based_subscription"])),
                ])),
            ),
            (
                "authmethods",
                Value::List(vec!["cryptosign".into(), "anonymous".into()]),
            ),
            ("authid", "alice".into()),
            ("authrole", "user".into()),
            (
                "authextra",
                Value::Dict(dict(&[
                    ("pubkey", "9c1947f1b26a4e4d".into()),
                    ("channel_binding", Value::Null),
                    ("trustroot", Value::UInt(0)),
                ])),
            ),
            ("agent", "zerowamp".into()),
            ("resumable", Value::Bool(true)),
            ("resume-session", Value::UInt(77)),
            ("resume-token", "tok".into()),
        ]),
    });
    round_trip(&hello);
    // A method outside the enum sends the whole list in `attributes`.
    let Message::Hello(mut h) = hello else {
        unreachable!()
    };
    h.details.insert(
        "authmethods".into(),
        Value::List(vec!["ticket".into(), "x_custom".into()]),
    );
    round_trip(&Message::Hello(h));

    let welcome = Message::Welcome(Welcome {
        session: 9_129_137_332,
        details: dict(&[
            (
                "roles",
                Value::Dict(dict(&[
                    (
                        "broker",
                        features(&["publisher_exclusion", "event_retention"]),
                    ),
                    (
                        "dealer",
                        features(&["call_canceling", "payload_passthru_mode"]),
                    ),
                ])),
            ),
            ("realm", "realm1".into()),
            ("authid", "alice".into()),
            ("authrole", "user".into()),
            ("authmethod", "cryptosign".into()),
            ("authprovider", "static".into()),
            (
                "authextra",
                Value::Dict(dict(&[("x", Value::List(vec![]))])),
            ),
            ("resumed", Value::Bool(false)),
            ("resumable", Value::Bool(true)),
            ("resume_token", "t".into()),
            ("x_cb_node", "node1".into()),
        ]),
    });
    round_trip(&welcome);
    // authmethod anonymous is 0, the enum's default: it travels in `attributes`.
    let Message::Welcome(mut w) = welcome else {
        unreachable!()
    };
    w.details.insert("authmethod".into(), "anonymous".into());
    round_trip(&Message::Welcome(w));
}

#[test]
fn autobahns_hello_without_roles_decodes() {
    // hello.json's flatbuffers vector, as autobahn-python writes it: no roles.
    let bytes: &[u8] = &[
        0x0c, 0, 0, 0, 0x08, 0, 0x0a, 0, 0x09, 0, 0x04, 0, 0x08, 0, 0, 0, 0x10, 0, 0, 0, 0, 0x01,
        0x0a, 0, 0x08, 0, 0, 0, 0, 0, 0x04, 0, 0x0a, 0, 0, 0, 0x04, 0, 0, 0, 0x11, 0, 0, 0, b'c',
        b'o', b'm', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'r', b'e', b'a', b'l',
        b'm', 0, 0, 0,
    ];
    let msg = decode(bytes).expect("autobahn's HELLO decodes");
    let Message::Hello(h) = &msg else {
        panic!("{msg:?}")
    };
    assert_eq!(h.realm, "com.example.realm");
    assert!(h.details.is_empty());
    // ...and re-encodes to the same bytes.
    assert_eq!(frame(&msg), bytes);
    // The other details are still checked: a bad type in `attributes` is refused.
    let bad = Message::Hello(Hello {
        realm: "r".into(),
        details: dict(&[("agent", Value::UInt(5))]),
    });
    assert!(err(&frame(&bad)).contains("Details.agent must be a string"));
}

#[test]
fn attributes_a_typed_field_cannot_hold_exactly_survive() {
    let cases = [
        Message::Publish(Publish {
            request: 1,
            options: dict(&[
                ("acknowledge", Value::Bool(false)),
                ("exclude_me", Value::Bool(true)),
                ("exclude", Value::List(vec![])),
                (
                    "eligible",
                    Value::List(vec![Value::UInt(3), Value::UInt(4)]),
                ),
                ("eligible_authid", Value::List(vec!["a".into(), "b".into()])),
                ("exclude_authrole", Value::List(vec!["r".into()])),
                ("retain", Value::Bool(true)),
                ("transaction_hash", "".into()),
                (
                    "x_list",
                    Value::List(vec![Value::Float(0.5), Value::Int(-3)]),
                ),
            ]),
            topic: "t".into(),
            payload: Payload::default(),
        }),
        Message::Publish(Publish {
            request: 1,
            options: dict(&[
                ("exclude_me", Value::Bool(false)),
                ("forward_for", Value::List(vec![])),
            ]),
            topic: "".into(),
            payload: Payload::args(vec![Value::Null]),
        }),
        Message::Call(Call {
            request: 1,
            options: dict(&[
                ("timeout", Value::UInt(0)),
                ("receive_progress", Value::Bool(true)),
                ("caller", Value::UInt(MAX_ID)),
            ]),
            procedure: "p".into(),
            payload: Payload::default(),
        }),
        Message::Call(Call {
            request: 1,
            options: dict(&[("timeout", Value::UInt(1 << 40))]),
            procedure: "p".into(),
            payload: Payload::default(),
        }),
        Message::Subscribe(Subscribe {
            request: 1,
            options: dict(&[
                ("match", "exact".into()),
                ("get_retained", Value::Bool(true)),
            ]),
            topic: "t".into(),
        }),
        Message::Subscribe(Subscribe {
            request: 1,
            options: dict(&[("match", "wildcard".into())]),
            topic: "a..c".into(),
        }),
        Message::Register(Register {
            request: 1,
            options: dict(&[
                ("invoke", "single".into()),
                ("match", "prefix".into()),
                ("concurrency", Value::UInt(70_000)),
                ("force_reregister", Value::Bool(true)),
                ("disclose_caller", Value::Bool(true)),
            ]),
            procedure: "p".into(),
        }),
        Message::Register(Register {
            request: 1,
            options: dict(&[
                ("invoke", "roundrobin".into()),
                ("concurrency", Value::UInt(4)),
            ]),
            procedure: "p".into(),
        }),
        Message::Cancel(Cancel {
            request: 1,
            options: dict(&[("mode", "skip".into())]),
        }),
        Message::Cancel(Cancel {
            request: 1,
            options: dict(&[("mode", "killnowait".into())]),
        }),
        Message::Interrupt(Interrupt {
            request: 1,
            options: dict(&[
                ("mode", "kill".into()),
                ("reason", "wamp.error.canceled".into()),
            ]),
        }),
        Message::Interrupt(Interrupt {
            request: 1,
            options: dict(&[("mode", "killnowait".into())]),
        }),
        Message::Goodbye(Goodbye {
            details: dict(&[("message", "bye".into()), ("resumable", Value::Bool(false))]),
            reason: "wamp.close.normal".into(),
        }),
        Message::Abort(Abort {
            details: dict(&[("message", "no".into())]),
            reason: "wamp.error.no_such_realm".into(),
            payload: Payload::new(vec![], dict(&[("k", Value::Bool(true))])),
        }),
        Message::Unsubscribed(Unsubscribed {
            request: 0,
            details: dict(&[("subscription", Value::UInt(9)), ("reason", "gone".into())]),
        }),
        Message::Unregistered(Unregistered {
            request: 0,
            details: dict(&[("registration", Value::UInt(9)), ("reason", "gone".into())]),
        }),
        Message::Invocation(Invocation {
            request: 1,
            registration: 2,
            details: dict(&[
                ("procedure", "com.x".into()),
                ("timeout", Value::UInt(100)),
                ("caller", Value::UInt(5)),
                ("caller_authid", "a".into()),
                ("caller_authrole", "r".into()),
                ("receive_progress", Value::Bool(true)),
                ("transaction_hash", "h".into()),
            ]),
            payload: Payload::args(vec![Value::Bytes(Bytes::from_static(b"\x00\x01"))]),
        }),
        Message::Result(ResultMessage {
            request: 1,
            details: dict(&[("progress", Value::Bool(true)), ("callee", Value::UInt(3))]),
            payload: Payload::default(),
        }),
        Message::Yield(Yield {
            request: 1,
            options: dict(&[
                ("progress", Value::Bool(false)),
                ("callee_authid", "c".into()),
            ]),
            payload: Payload::default(),
        }),
        event(
            dict(&[
                ("publisher", Value::UInt(7)),
                ("retained", Value::Bool(true)),
                ("x_acknowledged_delivery", Value::Bool(true)),
                (
                    "forward_for",
                    Value::List(vec![Value::Dict(dict(&[
                        ("session", Value::UInt(1)),
                        ("authid", "".into()),
                        ("authrole", "".into()),
                    ]))]),
                ),
            ]),
            Payload::default(),
        ),
    ];
    for msg in &cases {
        round_trip(msg);
    }
}

#[test]
fn passthru_attributes_in_both_spellings() {
    let payload = Payload::Transparent(Bytes::from_static(b"\x83\xa5color"));
    // autobahn's names go into the typed fields...
    let typed = event(
        dict(&[
            ("enc_algo", "xbr".into()),
            ("enc_serializer", "flatbuffers".into()),
            ("enc_key", "key-1".into()),
            ("ppt_cipher", "aes256gcm".into()),
        ]),
        payload.clone(),
    );
    round_trip(&typed);
    let bytes = frame(&typed);
    let t = msg_table(&bytes);
    assert_eq!(bytes[field(&bytes, t, 16).expect("ppt_scheme")], 3);
    assert_eq!(bytes[field(&bytes, t, 18).expect("ppt_serializer")], 6);
    assert_eq!(bytes[field(&bytes, t, 20).expect("ppt_cipher")], 2);
    assert!(field(&bytes, t, 40).is_none(), "no attributes needed");
    // ...the spec's names (and values outside the enums) travel in `attributes`.
    let spec = event(
        dict(&[
            ("ppt_scheme", "x_zerowamp".into()),
            ("ppt_serializer", "flatbuffers".into()),
            ("ppt_keyid", "k".into()),
            ("enc_algo", "null".into()),
        ]),
        payload,
    );
    round_trip(&spec);
    let bytes = frame(&spec);
    let t = msg_table(&bytes);
    assert!(field(&bytes, t, 16).is_none());
    assert!(field(&bytes, t, 40).is_some());
}

#[test]
fn challenge_methods_outside_the_enum_travel_as_names() {
    for method in [
        "wampcra",
        "cryptosign",
        "anonymous",
        "cryptosign-proxy",
        "x_custom",
    ] {
        let msg = Message::Challenge(Challenge {
            method: method.into(),
            extra: dict(&[("challenge", "c".into()), ("iterations", Value::UInt(1000))]),
        });
        round_trip(&msg);
    }
}

#[test]
fn a_passthru_payload_is_a_slice_of_the_frame() {
    let payload: Vec<u8> = (0..65_536u32).map(|i| (i % 251) as u8).collect();
    let msg = event(
        Dict::new(),
        Payload::Transparent(Bytes::from(payload.clone())),
    );
    let received = Bytes::from(frame(&msg));
    let decoded = FlatBuffersCodec.decode(received.clone()).expect("decodes");
    let got = decoded
        .payload()
        .and_then(Payload::transparent)
        .expect("transparent");
    assert_eq!(got.as_ref(), payload.as_slice());
    let inside = received.as_ptr_range();
    assert!(
        inside.contains(&got.as_ptr()),
        "the payload was copied out of the frame"
    );
    assert!(got.as_ptr_range().end <= inside.end);

    // Binary values inside args (CBOR byte strings) are frame slices too.
    let msg = event(
        Dict::new(),
        Payload::args(vec![Value::Bytes(Bytes::from(payload.clone()))]),
    );
    let received = Bytes::from(frame(&msg));
    let decoded = FlatBuffersCodec.decode(received.clone()).expect("decodes");
    let Some(Value::Bytes(got)) = decoded
        .payload()
        .map(Payload::arguments)
        .and_then(|a| a.first())
    else {
        panic!("{decoded:?}")
    };
    assert_eq!(got.as_ref(), payload.as_slice());
    assert!(received.as_ptr_range().contains(&got.as_ptr()));
}

#[test]
fn a_large_payload_is_copied_once_into_place() {
    // Every residue modulo 8 around the size where exact sizing starts, and 64 KiB.
    for len in (2040..2064).chain([65_536, 65_541]) {
        let payload = Bytes::from(vec![0xa5u8; len]);
        let msg = event(
            dict(&[("enc_algo", "cryptobox".into()), ("x_y", "z".into())]),
            Payload::Transparent(payload),
        );
        let mut out = b"prefix".to_vec();
        let placement = encode(&msg, &mut out).expect("encodes");
        if len >= 2048 {
            assert!(!placement.grew, "{len}: the region grew");
            assert_eq!(placement.moved, 0, "{len}: the frame was moved");
        }
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(decode(&out[6..]).expect("decodes"), msg, "{len}");
        assert_eq!(&out[6..], frame(&msg).as_slice(), "{len}");
    }
}

#[test]
fn encoding_errors_leave_the_output_as_it_was() {
    let msg = Message::Abort(Abort {
        details: Dict::new(),
        reason: "r".into(),
        payload: Payload::Transparent(Bytes::from_static(b"x")),
    });
    let mut out = b"keep".to_vec();
    let e = FlatBuffersCodec.encode(&msg, &mut out).unwrap_err();
    assert!(e
        .to_string()
        .contains("ABORT cannot carry a transparent payload"));
    assert_eq!(out, b"keep");
    // Values nested too deeply for the CBOR writer.
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::List(vec![deep]);
    }
    let msg = event(Dict::new(), Payload::args(vec![deep]));
    assert!(FlatBuffersCodec.encode(&msg, &mut out).is_err());
    assert_eq!(out, b"keep");
}

/// A small deterministic generator for garbage.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn garbage_and_truncated_frames_are_errors_not_panics() {
    assert!(err(&[]).contains("malformed flatbuffers"));
    assert!(err(&[1, 2, 3]).contains("malformed flatbuffers"));
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..5_000 {
        let len = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = decode(&bytes);
    }
    for msg in examples::all() {
        let bytes = frame(&msg);
        // The first object built lies at the end, after at most 7 bytes of padding: cutting
        // more leaves an offset pointing past the end.
        for cut in 0..bytes.len() - 7 {
            let e = err(&bytes[..cut]);
            assert!(
                e.contains("malformed flatbuffers"),
                "{}: {e}",
                msg.message_type()
            );
        }
        // Flip each byte in turn: an error or some message, never a panic.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = decode(&b);
        }
    }
    assert!(err(&frame(&examples::all()[0])[..10]).contains("out of bounds"));
}

#[test]
fn wrong_or_missing_union_types_are_errors() {
    let bytes = frame(&examples::all()[13]); // EVENT
    let at = tag_at(&bytes);
    let mut b = bytes.clone();
    b[at] = 7;
    assert!(err(&b).contains("unknown message type 7"));
    b[at] = 200;
    assert!(err(&b).contains("unknown message type 200"));
    b[at] = 0;
    assert!(err(&b).contains("no message in the frame"));
    // An EVENT table read as a PUBLISH: its publication id is no string offset.
    b[at] = 16;
    assert!(err(&b).contains("malformed flatbuffers"));
}

#[test]
fn huge_lengths_are_errors() {
    let args = vec![Value::from("abcdefgh")];
    let bytes = frame(&event(Dict::new(), Payload::args(args)));
    let t = msg_table(&bytes);
    let at = field(&bytes, t, 10).expect("args");
    let vector = at + le32(&bytes, at);
    let mut b = bytes.clone();
    b[vector..vector + 4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert!(err(&b).contains("out of bounds"));
    // A CBOR array claiming 2^64 - 1 elements inside a well-formed vector.
    let mut b = bytes.clone();
    let cbor = vector + 4;
    assert_eq!(b[cbor], 0x81);
    b[cbor] = 0x9b;
    let e = err(&b);
    assert!(e.contains("EVENT args: CBOR"), "{e}");
    // A string length past the end.
    let bytes = frame(&Message::Subscribe(Subscribe {
        request: 1,
        options: Dict::new(),
        topic: "com.example".into(),
    }));
    let t = msg_table(&bytes);
    let at = field(&bytes, t, 8).expect("topic");
    let s = at + le32(&bytes, at);
    let mut b = bytes.clone();
    b[s..s + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(err(&b).contains("out of bounds"));
}

/// An EVENT table built by hand, for combinations the encoder never writes.
fn hand_built_event(
    add: impl for<'a, 'b> FnOnce(&mut fb::EventBuilder<'a, 'b, flatbuffers::DefaultAllocator>, Hand<'a>),
) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let hand = Hand {
        cbor_list: fbb.create_vector(&[0x81u8, 0x01]),
        cbor_map: fbb.create_vector(&[
            0xa1u8, 0x69, b'p', b'u', b'b', b'l', b'i', b's', b'h', b'e', b'r', 0x05,
        ]),
        bytes: fbb.create_vector(&[1u8, 2, 3]),
    };
    let mut t = fb::EventBuilder::new(&mut fbb);
    t.add_subscription(1);
    t.add_publication(2);
    add(&mut t, hand);
    let msg = t.finish().as_union_value();
    let mut m = fb::MessageBuilder::new(&mut fbb);
    m.add_msg_type(fb::AnyMessage::Event);
    m.add_msg(msg);
    let root = m.finish();
    fbb.finish(root, None);
    fbb.finished_data().to_vec()
}

/// Vectors made ready for [`hand_built_event`].
#[derive(Clone, Copy)]
struct Hand<'a> {
    /// CBOR `[1]`
    cbor_list: flatbuffers::WIPOffset<flatbuffers::Vector<'a, u8>>,
    /// CBOR `{"publisher": 5}`
    cbor_map: flatbuffers::WIPOffset<flatbuffers::Vector<'a, u8>>,
    bytes: flatbuffers::WIPOffset<flatbuffers::Vector<'a, u8>>,
}

#[test]
fn contradicting_fields_are_errors() {
    let ok = hand_built_event(|t, h| t.add_args(h.cbor_list));
    assert_eq!(
        decode(&ok).expect("decodes").payload(),
        Some(&Payload::args(vec![Value::UInt(1)]))
    );
    let both = hand_built_event(|t, h| {
        t.add_args(h.cbor_list);
        t.add_payload(h.bytes);
    });
    assert!(err(&both).contains("both a transparent payload and args"));
    let twice = hand_built_event(|t, h| {
        t.add_publisher(5);
        t.add_attributes(h.cbor_map);
    });
    assert!(err(&twice).contains("\"publisher\" is given both"));
    let attributes = hand_built_event(|t, h| t.add_attributes(h.cbor_map));
    let Message::Event(e) = decode(&attributes).expect("decodes") else {
        panic!()
    };
    assert_eq!(e.details.get("publisher"), Some(&Value::UInt(5)));
    let not_a_map = hand_built_event(|t, h| t.add_attributes(h.cbor_list));
    assert!(err(&not_a_map).contains("EVENT attributes: CBOR expected a map"));
    let not_cbor = hand_built_event(|t, h| t.add_kwargs(h.bytes));
    assert!(matches!(
        decode(&not_cbor),
        Err(Error::Malformed {
            serializer: "flatbuffers",
            ..
        })
    ));
    let unknown = hand_built_event(|t, _| t.add_ppt_scheme(fb::PPTScheme(9)));
    assert!(err(&unknown).contains("ppt_scheme has the unknown value 9"));
    let id = hand_built_event(|t, _| t.add_publisher(MAX_ID + 1));
    assert!(err(&id).contains("Details.publisher must be an id"));
}

#[test]
fn missing_strings_and_methods_are_errors() {
    let build = |tag: fb::AnyMessage,
                 table: fn(
        &mut FlatBufferBuilder<'_>,
    ) -> flatbuffers::WIPOffset<flatbuffers::UnionWIPOffset>| {
        let mut fbb = FlatBufferBuilder::new();
        let msg = table(&mut fbb);
        let mut m = fb::MessageBuilder::new(&mut fbb);
        m.add_msg_type(tag);
        m.add_msg(msg);
        let root = m.finish();
        fbb.finish(root, None);
        fbb.finished_data().to_vec()
    };
    let publish = build(fb::AnyMessage::Publish, |fbb| {
        let mut t = fb::PublishBuilder::new(fbb);
        t.add_request(1);
        t.finish().as_union_value()
    });
    assert!(err(&publish).contains("PUBLISH: topic is missing"));
    let challenge = build(fb::AnyMessage::Challenge, |fbb| {
        fb::ChallengeBuilder::new(fbb).finish().as_union_value()
    });
    assert!(err(&challenge).contains("authentication method is missing"));
    let both = build(fb::AnyMessage::Challenge, |fbb| {
        let name = fbb.create_string("x_custom");
        let mut t = fb::ChallengeBuilder::new(fbb);
        t.add_method(fb::AuthMethod::TICKET);
        t.add_method_name(name);
        t.finish().as_union_value()
    });
    assert!(err(&both).contains("both as method and as method_name"));
    let subscribed = build(fb::AnyMessage::Subscribed, |fbb| {
        let mut t = fb::SubscribedBuilder::new(fbb);
        t.add_request(1);
        t.finish().as_union_value()
    });
    assert!(err(&subscribed).contains("Subscription) is out of range: 0"));
    // The table of the union is missing.
    let mut fbb = FlatBufferBuilder::new();
    let mut m = fb::MessageBuilder::new(&mut fbb);
    m.add_msg_type(fb::AnyMessage::Event);
    let root = m.finish();
    fbb.finish(root, None);
    let e = err(fbb.finished_data());
    assert!(
        e.contains("malformed flatbuffers") || e.contains("table is missing"),
        "{e}"
    );
}

#[test]
fn a_key_value_pair_from_another_writer_reads_as_a_dict() {
    let mut fbb = FlatBufferBuilder::new();
    let k = fbb.create_string("challenge");
    let v = fbb.create_string("abc");
    let mut kv = fb::KeyValueBuilder::new(&mut fbb);
    kv.add_key(k);
    kv.add_value(v);
    let kv = kv.finish();
    let mut t = fb::ChallengeBuilder::new(&mut fbb);
    t.add_method(fb::AuthMethod::WAMPCRA);
    t.add_extra(kv);
    let msg = t.finish().as_union_value();
    let mut m = fb::MessageBuilder::new(&mut fbb);
    m.add_msg_type(fb::AnyMessage::Challenge);
    m.add_msg(msg);
    let root = m.finish();
    fbb.finish(root, None);
    let Message::Challenge(c) = decode(fbb.finished_data()).expect("decodes") else {
        panic!()
    };
    assert_eq!(c.method, "wampcra");
    assert_eq!(c.extra, dict(&[("challenge", "abc".into())]));
}

#[test]
fn list_values_keep_their_types() {
    // Integers, floats, nested containers and binaries in args and kwargs.
    let args: List = vec![
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Float(f64::NAN),
        Value::Float(-0.0),
        Value::Bytes(Bytes::new()),
        Value::Dict(dict(&[("", Value::List(vec![Value::Null]))])),
    ];
    round_trip(&event(
        Dict::new(),
        Payload::new(args, dict(&[("k", Value::Bool(false))])),
    ));
}
