//! Codec tests: round trips of every message type, the zero-copy claim, and
//! hostile input (garbage, truncation, wrong types, unknown codes, huge lengths, deep nesting)
//! for every decoder.

use super::*;
use crate::wamp::error::Error;
use crate::wamp::message::{examples, Event, Payload};
use crate::wamp::value::{Dict, Value};

/// The serializers whose frames are the generic list form (FlatBuffers has its own tests).
const LIST_FORM: [Serializer; 3] = [Serializer::Json, Serializer::MsgPack, Serializer::Cbor];

fn encode(s: Serializer, m: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    s.codec().encode(m, &mut out).unwrap();
    out
}

fn decode(s: Serializer, bytes: &[u8]) -> Result<Message> {
    s.codec().decode(Bytes::copy_from_slice(bytes))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn malformed(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(e @ Error::Malformed { .. }) => e.to_string(),
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

fn invalid(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(e @ Error::Invalid { .. }) => e.to_string(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

fn event_with(payload: Bytes) -> Message {
    Message::Event(Event {
        subscription: 1,
        publication: 2,
        details: Dict::new(),
        payload: Payload::args(vec![Value::Bytes(payload)]),
    })
}

#[test]
fn every_message_round_trips_in_every_serializer() {
    for s in Serializer::ALL {
        for m in &examples::all() {
            let frame = encode(s, m);
            assert_eq!(
                &s.codec().decode(Bytes::from(frame)).unwrap(),
                m,
                "{s} {}",
                m.message_type()
            );
        }
    }
}

#[test]
fn binary_payloads_are_slices_of_the_received_frame() {
    let payload = Bytes::from(vec![0xa5u8; 64 * 1024]);
    for s in [Serializer::MsgPack, Serializer::Cbor] {
        let frame = Bytes::from(encode(s, &event_with(payload.clone())));
        let range = frame.as_ptr() as usize..frame.as_ptr() as usize + frame.len();
        let msg = s.codec().decode(frame.clone()).unwrap();
        let got = msg.payload().unwrap().arguments()[0]
            .as_bytes()
            .unwrap()
            .clone();
        assert_eq!(got, payload);
        assert!(
            range.contains(&(got.as_ptr() as usize)),
            "{s}: payload was copied out of the frame"
        );
        assert!(range.contains(&(got.as_ptr() as usize + got.len() - 1)));
        // The same holds for a transparent payload.
        let t = Message::Event(Event {
            subscription: 1,
            publication: 2,
            details: Dict::new(),
            payload: Payload::Transparent(payload.clone()),
        });
        let frame = Bytes::from(encode(s, &t));
        let range = frame.as_ptr() as usize..frame.as_ptr() as usize + frame.len();
        let msg = s.codec().decode(frame.clone()).unwrap();
        let got = msg.payload().unwrap().transparent().unwrap().clone();
        assert_eq!(got, payload);
        assert!(
            range.contains(&(got.as_ptr() as usize)),
            "{s}: transparent payload was copied out of the frame"
        );
    }
}

#[test]
fn a_binary_payload_is_written_once_with_a_small_head() {
    let payload = Bytes::from(vec![7u8; 64 * 1024]);
    for s in [Serializer::MsgPack, Serializer::Cbor] {
        let out = encode(s, &event_with(payload.clone()));
        // The frame is the payload plus a few bytes of envelope: no second copy, no expansion.
        assert!(out.len() < payload.len() + 16, "{s}: {} bytes", out.len());
        assert!(out.windows(payload.len()).any(|w| w == payload.as_ref()));
    }
    // JSON carries it as base64: 4/3 of the size.
    let out = encode(Serializer::Json, &event_with(payload.clone()));
    assert!(out.len() < payload.len() * 4 / 3 + 32);
}

#[test]
fn garbage_never_panics() {
    // xorshift64*: deterministic pseudo-random frames, biased towards valid type bytes by
    // splicing in pieces of real messages.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let seeds: Vec<Vec<u8>> = LIST_FORM
        .iter()
        .flat_map(|&s| examples::all().into_iter().map(move |m| encode(s, &m)))
        .collect();
    for _ in 0..20_000 {
        let seed = &seeds[(next() % seeds.len() as u64) as usize];
        let mut frame = seed.clone();
        let flips = 1 + next() % 4;
        for _ in 0..flips {
            let i = (next() % frame.len() as u64) as usize;
            frame[i] = next() as u8;
        }
        if next() % 4 == 0 {
            frame.truncate((next() % frame.len() as u64) as usize);
        }
        for s in Serializer::ALL {
            let _ = s.codec().decode(Bytes::from(frame.clone()));
        }
    }
    for len in 0..64 {
        let frame: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        for s in Serializer::ALL {
            let _ = s.codec().decode(Bytes::from(frame.clone()));
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    for s in LIST_FORM {
        for m in examples::all() {
            let full = encode(s, &m);
            for cut in 0..full.len() {
                assert!(
                    decode(s, &full[..cut]).is_err(),
                    "{s} {} cut at {cut}",
                    m.message_type()
                );
            }
        }
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    for s in LIST_FORM {
        let mut frame = encode(s, &examples::all()[0]);
        frame.extend_from_slice(b"[]");
        assert!(malformed(decode(s, &frame)).contains("trailing"), "{s}");
    }
}

#[test]
fn wrong_types_and_unknown_codes_are_invalid() {
    for s in LIST_FORM {
        let enc = |v: Value| {
            let mut out = Vec::new();
            match s {
                Serializer::Json => json::encode_value(&v, &mut out).unwrap(),
                Serializer::MsgPack => msgpack::encode_value(&v, &mut out).unwrap(),
                _ => cbor::encode_value(&v, &mut out).unwrap(),
            }
            out
        };
        let list = |items: Vec<Value>| enc(Value::List(items));
        assert!(invalid(decode(s, &list(vec![Value::UInt(7)]))).contains("unknown message type 7"));
        assert!(invalid(decode(s, &list(vec![]))).contains("empty list"));
        assert!(invalid(decode(s, &enc(Value::Dict(Dict::new()))))
            .contains("must be a list, found dict"));
        assert!(invalid(decode(s, &enc(Value::UInt(36)))).contains("must be a list"));
        let event = list(vec![
            36u64.into(),
            "x".into(),
            2u64.into(),
            Value::Dict(Dict::new()),
        ]);
        assert!(invalid(decode(s, &event)).contains("element 1 (Subscription) must be an id"));
        let event = list(vec![
            36u64.into(),
            (1u64 << 60).into(),
            2u64.into(),
            Value::Dict(Dict::new()),
        ]);
        assert!(invalid(decode(s, &event)).contains("out of range"));
    }
}

#[test]
fn huge_declared_lengths_fail_without_allocating() {
    let cases: &[(Serializer, &str)] = &[
        (Serializer::MsgPack, "ddffffffff"),          // array of 2^32-1
        (Serializer::MsgPack, "dfffffffff"),          // map of 2^32-1
        (Serializer::MsgPack, "c6ffffffff00"),        // bin of 4 GiB
        (Serializer::MsgPack, "dbffffffff00"),        // str of 4 GiB
        (Serializer::Cbor, "9bffffffffffffffff"),     // array of 2^64-1
        (Serializer::Cbor, "bbffffffffffffffff"),     // map of 2^64-1
        (Serializer::Cbor, "5bffffffffffffffff00"),   // bytes of 2^64-1
        (Serializer::Cbor, "7b7fffffffffffffff00"),   // text of 2^63-1
        (Serializer::Cbor, "825f5bffffffffffffffff"), // a chunk of 2^64-1
    ];
    for (s, h) in cases {
        let e = malformed(decode(*s, &hex(h)));
        assert!(
            e.contains("left") || e.contains("truncated"),
            "{s} {h}: {e}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = |open: &[u8], close: &[u8]| {
        let mut v = Vec::new();
        for _ in 0..100_000 {
            v.extend_from_slice(open);
        }
        for _ in 0..100_000 {
            v.extend_from_slice(close);
        }
        v
    };
    assert!(malformed(decode(Serializer::Json, &deep(b"[", b"]"))).contains("recursion"));
    assert!(malformed(decode(Serializer::MsgPack, &deep(&[0x91], &[]))).contains("nested deeper"));
    assert!(malformed(decode(Serializer::Cbor, &deep(&[0x81], &[]))).contains("nested deeper"));
    assert!(malformed(decode(Serializer::Cbor, &deep(&[0x9f], &[0xff]))).contains("nested deeper"));
    // Encoding a value nested that deep is refused too.
    let mut v = Value::Null;
    for _ in 0..1000 {
        v = Value::List(vec![v]);
    }
    for s in LIST_FORM {
        let m = Message::Event(Event {
            subscription: 1,
            publication: 1,
            details: Dict::new(),
            payload: Payload::args(vec![v.clone()]),
        });
        let mut out = b"kept".to_vec();
        assert!(matches!(
            s.codec().encode(&m, &mut out),
            Err(Error::Unencodable { .. })
        ));
        assert_eq!(out, b"kept", "{s}: output not restored");
    }
}

#[test]
fn msgpack_rejects_what_is_not_a_wamp_value() {
    let d = |h: &str| msgpack::decode_value(Bytes::from(hex(h)));
    assert!(malformed(d("c1")).contains("never used"));
    assert!(malformed(d("d40100")).contains("extension"));
    assert!(malformed(d("c70101ff")).contains("extension"));
    assert!(malformed(d("81 01 01".replace(' ', "").as_str())).contains("keys must be strings"));
    assert!(malformed(d("82a16101a16102")).contains("duplicate dict key \"a\""));
    assert!(malformed(d("a2c328")).contains("UTF-8"));
    assert!(malformed(d("")).contains("truncated"));
    assert!(malformed(d("cd01")).contains("truncated"));
}

#[test]
fn msgpack_numbers_use_the_smallest_form() {
    let cases: &[(Value, &str)] = &[
        (Value::UInt(0x7f), "7f"),
        (Value::UInt(0x80), "cc80"),
        (Value::UInt(0x100), "cd0100"),
        (Value::UInt(0x1_0000), "ce00010000"),
        (Value::UInt(0x1_0000_0000), "cf0000000100000000"),
        (Value::Int(-1), "ff"),
        (Value::Int(-32), "e0"),
        (Value::Int(-33), "d0df"),
        (Value::Int(-129), "d1ff7f"),
        (Value::Int(-32769), "d2ffff7fff"),
        (Value::Int(i64::MIN), "d38000000000000000"),
        (Value::Int(5), "05"),
        (Value::Float(1.5), "cb3ff8000000000000"),
        (
            Value::Str("a".repeat(32)),
            &format!("d920{}", "61".repeat(32)),
        ),
        (Value::Bytes(Bytes::from_static(b"\x01")), "c40101"),
    ];
    for (v, h) in cases {
        let mut out = Vec::new();
        msgpack::encode_value(v, &mut out).unwrap();
        assert_eq!(out, hex(h), "{v:?}");
        assert_eq!(&msgpack::decode_value(Bytes::from(out)).unwrap(), v);
    }
    // Other widths decode to the same numbers.
    assert_eq!(
        msgpack::decode_value(Bytes::from(hex("d005"))).unwrap(),
        Value::UInt(5)
    );
    assert_eq!(
        msgpack::decode_value(Bytes::from(hex("ca3fc00000"))).unwrap(),
        Value::Float(1.5)
    );
}

#[test]
fn cbor_rejects_what_is_not_a_wamp_value() {
    let d = |h: &str| cbor::decode_value(Bytes::from(hex(h)));
    assert!(malformed(d("f7")).contains("undefined"));
    assert!(malformed(d("f0")).contains("simple value"));
    assert!(malformed(d("ff")).contains("unexpected break"));
    assert!(malformed(d("1c")).contains("reserved"));
    assert!(malformed(d("c11a00000000")).contains("tag 1"));
    assert!(malformed(d("3bffffffffffffffff")).contains("below -2^63"));
    assert!(malformed(d("a10101")).contains("keys must be strings"));
    assert!(malformed(d("a261610161610f")).contains("duplicate dict key"));
    assert!(malformed(d("62c328")).contains("UTF-8"));
    assert!(malformed(d("1f")).contains("indefinite length is not allowed"));
    assert!(malformed(d("5f4101")).contains("truncated"));
    assert!(malformed(d("5f6161ff")).contains("wrong type"));
    assert!(malformed(d("9f01")).contains("truncated"));
}

#[test]
fn cbor_reads_what_other_encoders_write() {
    let d = |h: &str| cbor::decode_value(Bytes::from(hex(h))).unwrap();
    // Indefinite-length list, map, byte and text strings.
    assert_eq!(d("9f0102ff"), Value::List(vec![1u64.into(), 2u64.into()]));
    assert_eq!(d("bf6161f5ff").as_dict().unwrap()["a"], Value::Bool(true));
    assert_eq!(
        d("5f42010241ffff"),
        Value::Bytes(Bytes::from_static(b"\x01\x02\xff"))
    );
    assert_eq!(d("7f626162626364ff"), Value::from("abcd"));
    // Half, single and double floats; self-described CBOR; non-minimal integers.
    assert_eq!(d("f93e00"), Value::Float(1.5));
    assert_eq!(d("f90001"), Value::Float(2f64.powi(-24)));
    assert_eq!(d("f97c00"), Value::Float(f64::INFINITY));
    assert_eq!(d("f9fc00"), Value::Float(f64::NEG_INFINITY));
    assert!(d("f97e00").as_f64().unwrap().is_nan());
    assert_eq!(d("fa3fc00000"), Value::Float(1.5));
    assert_eq!(d("d9d9f701"), Value::UInt(1));
    assert_eq!(d("1b0000000000000005"), Value::UInt(5));
    assert_eq!(d("3b7ffffffffffffffe"), Value::Int(i64::MIN + 1));
}

#[test]
fn cbor_lists_and_dicts_encode_without_wrapping() {
    let items = vec![Value::from("a"), Value::Bytes(Bytes::from_static(b"\x01"))];
    let mut direct = Vec::new();
    cbor::encode_list(&items, &mut direct).unwrap();
    let mut wrapped = Vec::new();
    cbor::encode_value(&Value::List(items), &mut wrapped).unwrap();
    assert_eq!(direct, wrapped);
    let dict: Dict = [("k".to_owned(), Value::Null)].into_iter().collect();
    let mut direct = Vec::new();
    cbor::encode_dict(&dict, &mut direct).unwrap();
    assert_eq!(direct, hex("a1616bf6"));
}

#[test]
fn cbor_numbers_use_the_smallest_form() {
    let cases: &[(Value, &str)] = &[
        (Value::UInt(23), "17"),
        (Value::UInt(24), "1818"),
        (Value::UInt(256), "190100"),
        (Value::UInt(65536), "1a00010000"),
        (Value::UInt(u64::MAX), "1bffffffffffffffff"),
        (Value::Int(-1), "20"),
        (Value::Int(-24), "37"),
        (Value::Int(-25), "3818"),
        (Value::Int(i64::MIN), "3b7fffffffffffffff"),
        (Value::Float(1.5), "fb3ff8000000000000"),
        (Value::Null, "f6"),
        (Value::Bool(false), "f4"),
    ];
    for (v, h) in cases {
        let mut out = Vec::new();
        cbor::encode_value(v, &mut out).unwrap();
        assert_eq!(out, hex(h), "{v:?}");
        assert_eq!(&cbor::decode_value(Bytes::from(out)).unwrap(), v);
    }
}

#[test]
fn json_binary_strings_and_escapes() {
    let mut out = Vec::new();
    let v = Value::List(vec![
        Value::Bytes(Bytes::from_static(b"\x00\x01\x02")),
        Value::from("\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}é☃"),
        Value::Float(0.1),
        Value::Float(1e300),
        Value::Float(-0.0),
        Value::Int(-7),
    ]);
    json::encode_value(&v, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "[\"\\u0000AAEC\",\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001fé☃\",0.1,1e300,-0.0,-7]"
    );
    assert_eq!(json::decode_value(&out).unwrap(), v);
    // Whitespace around and inside is fine; unpadded base64 too.
    assert_eq!(
        json::decode_value(b" [ \"\\u0000AAEC\" ]\n")
            .unwrap()
            .as_list()
            .unwrap()[0],
        v.as_list().unwrap()[0]
    );
    assert_eq!(
        json::decode_value(b"[\"\\u0000AAE\"]")
            .unwrap()
            .as_list()
            .unwrap()[0],
        Value::Bytes(Bytes::from_static(b"\x00\x01"))
    );
}

#[test]
fn json_rejects_what_it_cannot_carry() {
    assert!(malformed(json::decode_value(b"[\"\\u0000!!\"]")).contains("base64"));
    assert!(malformed(json::decode_value(b"{\"a\":1,\"a\":2}")).contains("duplicate dict key"));
    assert!(malformed(json::decode_value(b"[1,]")).contains("json"));
    assert!(malformed(json::decode_value(b"[\xff]")).contains("json"));
    let e = json::decode_value(b"[1,\n 2,\n x]").unwrap_err();
    assert!(matches!(e, Error::Malformed { offset: 9, .. }), "{e:?}");
    for bad in [
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::from("\0abc"),
    ] {
        let mut out = b"kept".to_vec();
        let m = Message::Event(Event {
            subscription: 1,
            publication: 1,
            details: Dict::new(),
            payload: Payload::args(vec![Value::UInt(1), bad.clone()]),
        });
        assert!(
            matches!(Json.encode(&m, &mut out), Err(Error::Unencodable { .. })),
            "{bad:?}"
        );
        assert_eq!(out, b"kept");
    }
}

#[test]
fn names_and_ids() {
    for s in Serializer::ALL {
        assert_eq!(Serializer::from_rawsocket_id(s.rawsocket_id()), Some(s));
        assert_eq!(Serializer::from_name(s.name()), Some(s));
        assert_eq!(s.codec().serializer(), s);
    }
    assert_eq!(
        Serializer::from_rawsocket_id(5),
        Some(Serializer::FlatBuffers)
    );
    assert_eq!(Serializer::from_rawsocket_id(4), None); // ubjson: not supported
    assert_eq!(Serializer::MsgPack.rawsocket_id(), 2);
    assert!(!Serializer::Json.is_binary() && Serializer::Cbor.is_binary());
}

/// A passthru-shaped message (one binary in Arguments, or autobahn's binary in place of them)
/// of every type that carries a payload.
fn trailing_binary_messages(payload: &Bytes) -> Vec<Message> {
    use crate::wamp::message::{Publish, ResultMessage, Yield};
    let one = || Payload::args(vec![Value::Bytes(payload.clone())]);
    vec![
        event_with(payload.clone()),
        Message::Publish(Publish {
            request: 7,
            options: Dict::new(),
            topic: "com.example.t".into(),
            payload: Payload::Transparent(payload.clone()),
        }),
        Message::Result(ResultMessage {
            request: 8,
            details: Dict::new(),
            payload: Payload::args(vec![Value::from("first"), Value::Bytes(payload.clone())]),
        }),
        Message::Yield(Yield {
            request: 9,
            options: Dict::new(),
            payload: one(),
        }),
    ]
}

#[test]
fn split_encoding_leaves_the_trailing_binary_out_and_shares_it() {
    let payload = Bytes::from((0..5000u32).map(|i| i as u8).collect::<Vec<u8>>());
    for s in [Serializer::MsgPack, Serializer::Cbor] {
        for m in trailing_binary_messages(&payload) {
            let mut head = b"kept".to_vec();
            let body = s.codec().encode_split(&m, 1024, &mut head).unwrap();
            let body = body.unwrap_or_else(|| panic!("{s}: {m:?} was not split"));
            assert_eq!(
                body.as_ptr(),
                payload.as_ptr(),
                "{s}: the binary was copied"
            );
            assert!(head.len() < 64, "{s}: the head holds {} octets", head.len());
            // Head and body back to back are exactly the whole encoding.
            let mut joined = head[4..].to_vec();
            joined.extend_from_slice(&body);
            assert_eq!(joined, encode(s, &m), "{s}: {m:?}");
            assert_eq!(decode(s, &joined).unwrap(), m);
        }
    }
}

#[test]
fn split_encoding_falls_back_to_the_whole_message() {
    let small = Bytes::from_static(b"tiny");
    let large = Bytes::from(vec![1u8; 2048]);
    let mut kwargs = Dict::new();
    kwargs.insert("k".into(), Value::Bytes(large.clone()));
    let not_trailing = [
        // Below the threshold.
        event_with(small),
        // A binary followed by ArgumentsKw does not end the message.
        Message::Event(Event {
            subscription: 1,
            publication: 2,
            details: Dict::new(),
            payload: Payload::new(vec![Value::Bytes(large.clone())], kwargs),
        }),
        // No binary at all.
        Message::Event(Event {
            subscription: 1,
            publication: 2,
            details: Dict::new(),
            payload: Payload::args(vec![Value::from("x")]),
        }),
    ];
    for s in Serializer::ALL {
        let cases: Vec<Message> = match s {
            // JSON and FlatBuffers never split, not even a trailing binary.
            Serializer::Json | Serializer::FlatBuffers => trailing_binary_messages(&large),
            _ => not_trailing.to_vec(),
        };
        for m in cases {
            let mut out = Vec::new();
            let body = s.codec().encode_split(&m, 1024, &mut out).unwrap();
            assert_eq!(body, None, "{s}: {m:?}");
            let mut whole = Vec::new();
            s.codec().encode(&m, &mut whole).unwrap();
            assert_eq!(out, whole, "{s}");
        }
    }
}
