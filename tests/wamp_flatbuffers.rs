//! FlatBuffers conformance: every flatbuffers byte string of the WAMP test vectors
//! (`../shared/wamp-testsuite`, or `$ZW_TESTSUITE_DIR`) decodes to exactly the sample's expected
//! attributes, encodes back to the same bytes, and those decode to the same message.

use bytes::Bytes;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zerowamp::wamp::codec::flatbuffers::FlatBuffersCodec;
use zerowamp::wamp::codec::Codec;
use zerowamp::wamp::{Dict, Message, Payload, Value};

/// autobahn-python's FlatBuffers HELLO and WELCOME leave the roles out (its builder does not
/// write them), so those vectors' flatbuffers bytes cannot carry the roles their samples list.
/// For these message types the test checks instead that the decoded message has no roles; if a
/// vector ever carries roles, they are compared like every other attribute.
const ROLES_LEFT_OUT_BY_AUTOBAHN: [&str; 2] = ["HELLO", "WELCOME"];

fn testsuite_dir() -> PathBuf {
    let dir = std::env::var_os("ZW_TESTSUITE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/wamp-testsuite"),
        PathBuf::from,
    );
    assert!(
        dir.join("SCHEMA.json").is_file(),
        "the WAMP test vectors are not at {} (set ZW_TESTSUITE_DIR to the wamp-testsuite folder)",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|x| x == "json")
            && path.file_name().is_some_and(|n| n != "SCHEMA.json")
        {
            found.push(path);
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd-length hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The bytes of one `SerializedBytes` entry (flatbuffers samples give `bytes_hex`).
fn sample_bytes(entry: &Json) -> Vec<u8> {
    match entry.get("bytes_hex").and_then(Json::as_str) {
        Some(h) => hex(h),
        None => panic!("flatbuffers sample without bytes_hex: {entry}"),
    }
}

fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::UInt(u),
            (_, Some(i)) => Value::Int(i),
            _ => Value::Float(n.as_f64().expect("a number")),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(a) => Value::List(a.iter().map(to_value).collect()),
        Json::Object(o) => Value::Dict(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
    }
}

/// The decoded message as the test vectors name its attributes.
fn attributes(msg: &Message) -> BTreeMap<&'static str, Value> {
    let mut a = BTreeMap::new();
    a.insert(
        "message_type",
        Value::UInt(u64::from(msg.message_type().code())),
    );
    let dict = |d: &Dict| Value::Dict(d.clone());
    let s = |s: &str| Value::from(s);
    let mut put = |key, v| {
        a.insert(key, v);
    };
    match msg {
        Message::Hello(m) => {
            put("realm", s(&m.realm));
            put("details", dict(&m.details));
            if let Some(r) = m.details.get("roles") {
                put("roles", r.clone());
            }
        }
        Message::Welcome(m) => {
            put("session_id", Value::UInt(m.session));
            put("details", dict(&m.details));
            if let Some(r) = m.details.get("roles") {
                put("roles", r.clone());
            }
        }
        Message::Abort(m) => {
            put("details", dict(&m.details));
            put("reason", s(&m.reason));
        }
        Message::Challenge(m) => {
            put("method", s(&m.method));
            put("extra", dict(&m.extra));
        }
        Message::Authenticate(m) => {
            put("signature", s(&m.signature));
            put("extra", dict(&m.extra));
        }
        Message::Goodbye(m) => {
            put("details", dict(&m.details));
            put("reason", s(&m.reason));
        }
        Message::Error(m) => {
            put(
                "request_type",
                Value::UInt(u64::from(m.request_type.code())),
            );
            put("request_id", Value::UInt(m.request));
            put("details", dict(&m.details));
            put("error", s(&m.error));
        }
        Message::Publish(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
            put("topic", s(&m.topic));
        }
        Message::Published(m) => {
            put("request_id", Value::UInt(m.request));
            put("publication_id", Value::UInt(m.publication));
        }
        Message::Subscribe(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
            put("topic", s(&m.topic));
        }
        Message::Subscribed(m) => {
            put("request_id", Value::UInt(m.request));
            put("subscription_id", Value::UInt(m.subscription));
        }
        Message::Unsubscribe(m) => {
            put("request_id", Value::UInt(m.request));
            put("subscription_id", Value::UInt(m.subscription));
            put("options", dict(&m.options));
        }
        Message::Unsubscribed(m) => {
            put("request_id", Value::UInt(m.request));
            put("details", dict(&m.details));
        }
        Message::Event(m) => {
            put("subscription", Value::UInt(m.subscription));
            put("publication", Value::UInt(m.publication));
            put("details", dict(&m.details));
        }
        Message::EventReceived(m) => put("publication_id", Value::UInt(m.publication)),
        Message::Call(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
            put("procedure", s(&m.procedure));
        }
        Message::Cancel(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
        }
        Message::Result(m) => {
            put("request_id", Value::UInt(m.request));
            put("details", dict(&m.details));
        }
        Message::Register(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
            put("procedure", s(&m.procedure));
        }
        Message::Registered(m) => {
            put("request_id", Value::UInt(m.request));
            put("registration_id", Value::UInt(m.registration));
        }
        Message::Unregister(m) => {
            put("request_id", Value::UInt(m.request));
            put("registration_id", Value::UInt(m.registration));
            put("options", dict(&m.options));
        }
        Message::Unregistered(m) => {
            put("request_id", Value::UInt(m.request));
            put("details", dict(&m.details));
        }
        Message::Invocation(m) => {
            put("request_id", Value::UInt(m.request));
            put("registration_id", Value::UInt(m.registration));
            put("details", dict(&m.details));
        }
        Message::Interrupt(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
        }
        Message::Yield(m) => {
            put("request_id", Value::UInt(m.request));
            put("options", dict(&m.options));
        }
    }
    if let Some(p) = msg.payload() {
        let (args, kwargs, payload) = match p {
            Payload::Arguments { args, kwargs } => (
                Value::List(args.clone()),
                Value::Dict(kwargs.clone()),
                Value::Null,
            ),
            Payload::Transparent(b) => (Value::Null, Value::Null, Value::Bytes(b.clone())),
        };
        a.insert("args", args);
        a.insert("kwargs", kwargs);
        a.insert("payload", payload);
    }
    a
}

/// No arguments may be written as null or as an empty list/dict.
fn normalize(key: &str, v: Value) -> Value {
    match (key, v) {
        ("args", Value::List(l)) if l.is_empty() => Value::Null,
        ("kwargs", Value::Dict(d)) if d.is_empty() => Value::Null,
        (_, v) => v,
    }
}

/// Compares the decoded message with a sample's expected attributes; `Err` says what differs.
/// Returns how many attributes were left out by autobahn (see ROLES_LEFT_OUT_BY_AUTOBAHN).
fn check(msg: &Message, expected: &serde_json::Map<String, Json>) -> Result<usize, String> {
    let ours = attributes(msg);
    let mut left_out = 0;
    for (key, want) in expected {
        let want = match (key.as_str(), want) {
            ("payload", Json::String(h)) => Value::Bytes(Bytes::from(hex(h))),
            _ => to_value(want),
        };
        let want = normalize(key, want);
        match ours.get(key.as_str()) {
            Some(got) if normalize(key, got.clone()) == want => {}
            None if key == "roles"
                && ROLES_LEFT_OUT_BY_AUTOBAHN.contains(&msg.message_type().name()) =>
            {
                left_out += 1;
            }
            Some(got) => return Err(format!("{key}: expected {want:?}, decoded {got:?}")),
            None => return Err(format!("{key}: the test does not know this attribute")),
        }
    }
    Ok(left_out)
}

/// Fails on a `flatbuffers` byte string anywhere but in `samples[*].serializers`, so that
/// none is skipped unnoticed.
fn no_other_flatbuffers(j: &Json, path: &str) {
    match j {
        Json::Object(o) => {
            for (k, v) in o {
                if k == "flatbuffers" {
                    panic!("{path}: flatbuffers bytes outside samples[*].serializers");
                }
                no_other_flatbuffers(v, &format!("{path}.{k}"));
            }
        }
        Json::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                no_other_flatbuffers(v, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn every_flatbuffers_vector_decodes_encodes_and_round_trips() {
    let dir = testsuite_dir();
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    assert!(
        !files.is_empty(),
        "no test vector files in {}",
        dir.display()
    );

    let codec = FlatBuffersCodec;
    let (mut checked, mut identical, mut roles_left_out) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).expect("readable vector file");
        let doc: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let samples = doc.get("samples").and_then(Json::as_array);
        for (i, sample) in samples.into_iter().flatten().enumerate() {
            let serializers = sample.get("serializers");
            if let Some(s) = serializers {
                let mut others = s.clone();
                if let Some(o) = others.as_object_mut() {
                    o.remove("flatbuffers");
                }
                no_other_flatbuffers(&others, &format!("{name} sample {i}"));
            }
            let Some(entries) = serializers
                .and_then(|s| s.get("flatbuffers"))
                .and_then(Json::as_array)
            else {
                continue;
            };
            let expected = sample
                .get("expected_attributes")
                .and_then(Json::as_object)
                .unwrap_or_else(|| {
                    panic!("{name} sample {i}: flatbuffers without expected_attributes")
                });
            for entry in entries {
                checked += 1;
                let at = format!("{name} sample {i} ({})", sample["description"]);
                let bytes = sample_bytes(entry);
                let msg = match codec.decode(Bytes::from(bytes.clone())) {
                    Ok(m) => m,
                    Err(e) => {
                        failures.push(format!("{at}: decode failed: {e}"));
                        continue;
                    }
                };
                match check(&msg, expected) {
                    Ok(n) => roles_left_out += n,
                    Err(e) => {
                        failures.push(format!("{at}: {e}"));
                        continue;
                    }
                }
                let mut again = Vec::new();
                if let Err(e) = codec.encode(&msg, &mut again) {
                    failures.push(format!("{at}: encode failed: {e}"));
                    continue;
                }
                if again == bytes {
                    identical += 1;
                } else {
                    failures.push(format!(
                        "{at}: re-encoded bytes differ\n  vector:  {}\n  encoded: {}",
                        to_hex(&bytes),
                        to_hex(&again)
                    ));
                }
                match codec.decode(Bytes::from(again)) {
                    Ok(m) if m == msg => {}
                    Ok(m) => failures.push(format!("{at}: round trip gave {m:?}, not {msg:?}")),
                    Err(e) => failures.push(format!("{at}: re-encoded bytes do not decode: {e}")),
                }
            }
        }
        no_other_flatbuffers(&doc.get("sequence").cloned().unwrap_or(Json::Null), &name);
    }
    println!(
        "flatbuffers: {checked} samples checked in {} files, {identical} re-encoded byte for byte, \
         {roles_left_out} without the roles autobahn leaves out",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} samples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked > 0,
        "no flatbuffers sample found in {}",
        dir.display()
    );
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
