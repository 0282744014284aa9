//! WAMP conformance: every test vector of the WAMP spec's test suite (`../shared/wamp-testsuite`,
//! or `$ZW_TESTSUITE_DIR`), through every codec we have.
//!
//! - Serialization samples: each byte string of each serializer decodes to exactly the expected
//!   attributes; the message encodes again and decodes to the same message; and our encoding is
//!   byte-identical to one of the sample's representations for that serializer.
//! - Validation samples (a raw `wmsg` list): accepted, or rejected with an error naming the
//!   offending attribute when the sample says so; accepted ones round-trip through every codec.
//! - Multi-message sequences: every step's message is built from its attributes, checked, and
//!   round-tripped through every codec.
//!
//! Serializers we do not implement are skipped by name only (`SKIPPED`), and counted; any other
//! sample that cannot be matched fails the test.

use bytes::Bytes;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zerowamp::wamp::codec::json as json_codec;
use zerowamp::wamp::{Message, MessageType, Payload, Serializer, Value};

/// Serializers whose byte strings this test leaves alone, by name, and why.
const SKIPPED: &[&str] = &["ubjson", "flatbuffers"];
const SKIPPED_WHY: &[&str] = &[
    "serializer out of scope",
    "checked by tests/wamp_flatbuffers.rs, which knows that autobahn leaves roles out of HELLO/WELCOME",
];

fn suite_dir() -> PathBuf {
    match std::env::var_os("ZW_TESTSUITE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/wamp-testsuite"
        )),
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// What was checked, for the summary (and to fail when nothing was).
#[derive(Default)]
struct Tally {
    /// Byte strings decoded and round-tripped, per serializer.
    decoded: BTreeMap<&'static str, usize>,
    /// Serialization samples checked, per serializer.
    samples: BTreeMap<&'static str, usize>,
    /// Byte strings skipped by serializer name.
    skipped: BTreeMap<String, usize>,
    validation_accepted: usize,
    validation_rejected: usize,
    sequence_steps: usize,
    failures: Vec<String>,
}

fn main_serializer(name: &str) -> Option<Serializer> {
    Serializer::ALL.into_iter().find(|s| s.name() == name)
}

fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("bad hex: {e}")))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of one representation; when it gives them in several forms, they must agree.
fn representation_bytes(rep: &Json) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let mut forms = Vec::new();
    if let Some(h) = rep.get("bytes_hex").and_then(Json::as_str) {
        forms.push(hex_decode(h)?);
    }
    if let Some(b) = rep.get("bytes_base64").and_then(Json::as_str) {
        forms.push(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| e.to_string())?,
        );
    }
    if let Some(s) = rep.get("bytes").and_then(Json::as_str) {
        forms.push(s.as_bytes().to_vec());
    }
    let first = forms.first().ok_or("representation without bytes")?.clone();
    if forms.iter().any(|f| *f != first) {
        return Err("bytes, bytes_hex and bytes_base64 disagree".into());
    }
    Ok(first)
}

/// A [`Value`] in the vectors' JSON form (binaries as hex strings).
fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::UInt(u) => json!(u),
        Value::Float(f) => json!(f),
        Value::Str(s) => json!(s),
        Value::Bytes(b) => json!(hex(b)),
        Value::List(l) => Json::Array(l.iter().map(to_json).collect()),
        Value::Dict(d) => Json::Object(d.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

fn dict_json(d: &zerowamp::wamp::Dict) -> Json {
    Json::Object(d.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

/// args, kwargs and payload as the vectors name them (absent parts are null).
fn payload_attributes(p: &Payload, a: &mut Map<String, Json>) {
    let (args, kwargs, payload) = match p {
        Payload::Arguments { args, kwargs } => (
            if args.is_empty() {
                Json::Null
            } else {
                Json::Array(args.iter().map(to_json).collect())
            },
            if kwargs.is_empty() {
                Json::Null
            } else {
                dict_json(kwargs)
            },
            Json::Null,
        ),
        Payload::Transparent(b) => (Json::Null, Json::Null, json!(hex(b))),
    };
    a.insert("args".into(), args);
    a.insert("kwargs".into(), kwargs);
    a.insert("payload".into(), payload);
}

/// A decoded message's attributes, named as the vectors name them, read from the struct fields.
fn attributes(msg: &Message) -> Map<String, Json> {
    let mut a = Map::new();
    a.insert("message_type".into(), json!(msg.message_type().code()));
    a.insert("type".into(), json!(msg.message_type().name()));
    let mut put = |k: &str, v: Json| {
        a.insert(k.to_owned(), v);
    };
    match msg {
        Message::Hello(m) => {
            put("realm", json!(m.realm));
            put("details", dict_json(&m.details));
            put("roles", m.details.get("roles").map_or(Json::Null, to_json));
        }
        Message::Welcome(m) => {
            put("session_id", json!(m.session));
            put("details", dict_json(&m.details));
            put("roles", m.details.get("roles").map_or(Json::Null, to_json));
        }
        Message::Abort(m) => {
            put("details", dict_json(&m.details));
            put("reason", json!(m.reason));
        }
        Message::Challenge(m) => {
            put("method", json!(m.method));
            put("extra", dict_json(&m.extra));
        }
        Message::Authenticate(m) => {
            put("signature", json!(m.signature));
            put("extra", dict_json(&m.extra));
        }
        Message::Goodbye(m) => {
            put("details", dict_json(&m.details));
            put("reason", json!(m.reason));
        }
        Message::Error(m) => {
            put("request_type", json!(m.request_type.code()));
            put("request_id", json!(m.request));
            put("details", dict_json(&m.details));
            put("error", json!(m.error));
        }
        Message::Publish(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
            put("topic", json!(m.topic));
        }
        Message::Published(m) => {
            put("request_id", json!(m.request));
            put("publication_id", json!(m.publication));
        }
        Message::Subscribe(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
            put("topic", json!(m.topic));
        }
        Message::Subscribed(m) => {
            put("request_id", json!(m.request));
            put("subscription_id", json!(m.subscription));
        }
        Message::Unsubscribe(m) => {
            put("request_id", json!(m.request));
            put("subscription_id", json!(m.subscription));
            put("options", dict_json(&m.options));
        }
        Message::Unsubscribed(m) => {
            put("request_id", json!(m.request));
            put("details", dict_json(&m.details));
        }
        Message::Event(m) => {
            // The single-message vectors say subscription/publication, the sequences *_id.
            put("subscription", json!(m.subscription));
            put("subscription_id", json!(m.subscription));
            put("publication", json!(m.publication));
            put("publication_id", json!(m.publication));
            put("details", dict_json(&m.details));
        }
        Message::EventReceived(m) => put("publication_id", json!(m.publication)),
        Message::Call(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
            put("procedure", json!(m.procedure));
        }
        Message::Cancel(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
        }
        Message::Result(m) => {
            put("request_id", json!(m.request));
            put("details", dict_json(&m.details));
        }
        Message::Register(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
            put("procedure", json!(m.procedure));
        }
        Message::Registered(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
        }
        Message::Unregister(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
            put("options", dict_json(&m.options));
        }
        Message::Unregistered(m) => {
            put("request_id", json!(m.request));
            put("details", dict_json(&m.details));
        }
        Message::Invocation(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
            put("details", dict_json(&m.details));
        }
        Message::Interrupt(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
        }
        Message::Yield(m) => {
            put("request_id", json!(m.request));
            put("options", dict_json(&m.options));
        }
    }
    if let Some(p) = msg.payload() {
        payload_attributes(p, &mut a);
    }
    a
}

/// Every expected attribute must be one we produce, with the same value.
fn check_attributes(
    msg: &Message,
    expected: &Map<String, Json>,
    skip: &[&str],
) -> Result<(), String> {
    let ours = attributes(msg);
    for (k, want) in expected.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
        match ours.get(k) {
            None => {
                return Err(format!(
                    "attribute {k:?} is not one we know for {}",
                    msg.message_type()
                ))
            }
            Some(got) if got != want => {
                return Err(format!("attribute {k:?}: expected {want}, decoded {got}"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Encodes and decodes `msg` with every codec; each must give the same message back.
fn round_trip_everywhere(msg: &Message, tally: &mut Tally) -> Result<(), String> {
    for s in Serializer::ALL {
        let mut out = Vec::new();
        s.codec()
            .encode(msg, &mut out)
            .map_err(|e| format!("{s}: encode: {e}"))?;
        let back = s
            .codec()
            .decode(Bytes::from(out))
            .map_err(|e| format!("{s}: decode of our encoding: {e}"))?;
        if back != *msg {
            return Err(format!(
                "{s}: round trip changed the message: {msg:?} -> {back:?}"
            ));
        }
        *tally.decoded.entry(s.name()).or_default() += 1;
    }
    Ok(())
}

fn check_serialization_sample(
    file_code: u64,
    sample: &Json,
    tally: &mut Tally,
) -> Result<(), String> {
    let expected = sample["expected_attributes"]
        .as_object()
        .ok_or("expected_attributes is not an object")?;
    if expected.get("message_type").and_then(Json::as_u64) != Some(file_code) {
        return Err(format!(
            "expected message_type differs from the file's code {file_code}"
        ));
    }
    let serializers = sample["serializers"]
        .as_object()
        .ok_or("serializers is not an object")?;
    for (name, reps) in serializers {
        let reps = reps
            .as_array()
            .ok_or_else(|| format!("{name}: not a list"))?;
        if SKIPPED.contains(&name.as_str()) {
            *tally.skipped.entry(name.clone()).or_default() += reps.len();
            continue;
        }
        let s = main_serializer(name).ok_or_else(|| format!("unknown serializer {name:?}"))?;
        let codec = s.codec();
        let mut listed = Vec::new();
        let mut ours = None;
        for rep in reps {
            let bytes = representation_bytes(rep).map_err(|e| format!("{name}: {e}"))?;
            let msg = codec
                .decode(Bytes::from(bytes.clone()))
                .map_err(|e| format!("{name}: {} does not decode: {e}", hex(&bytes)))?;
            if u64::from(msg.message_type().code()) != file_code {
                return Err(format!(
                    "{name}: decoded a {} instead of code {file_code}",
                    msg.message_type()
                ));
            }
            check_attributes(&msg, expected, &[]).map_err(|e| format!("{name}: {e}"))?;
            let mut again = Vec::new();
            codec
                .encode(&msg, &mut again)
                .map_err(|e| format!("{name}: encode: {e}"))?;
            let back = codec
                .decode(Bytes::from(again.clone()))
                .map_err(|e| format!("{name}: re-decode: {e}"))?;
            if back != msg {
                return Err(format!(
                    "{name}: re-encoded message decodes differently: {msg:?} -> {back:?}"
                ));
            }
            if ours.as_ref().is_some_and(|o| *o != again) {
                return Err(format!("{name}: equal samples encode differently"));
            }
            ours = Some(again);
            listed.push(bytes);
            *tally.decoded.entry(s.name()).or_default() += 1;
        }
        let ours = ours.ok_or_else(|| format!("{name}: no representation"))?;
        if !listed.contains(&ours) {
            return Err(format!(
                "{name}: our encoding {} matches none of the sample's {} representation(s)",
                String::from_utf8(ours.clone()).unwrap_or_else(|_| hex(&ours)),
                listed.len()
            ));
        }
        *tally.samples.entry(s.name()).or_default() += 1;
    }
    Ok(())
}

fn check_validation_sample(sample: &Json, tally: &mut Tally) -> Result<(), String> {
    let wmsg = serde_json::to_vec(&sample["wmsg"]).map_err(|e| e.to_string())?;
    // The raw list is given as JSON: read it exactly as a JSON frame would be read.
    let decoded = json_codec::decode_value(&wmsg)
        .map_err(|e| format!("wmsg is not readable JSON: {e}"))
        .and_then(|v| match v {
            Value::List(l) => Ok(l),
            other => Err(format!("wmsg is a {}", other.type_name())),
        })
        .map(Message::from_list)?;
    match (sample.get("expected_error"), decoded) {
        (None, Ok(msg)) => {
            round_trip_everywhere(&msg, tally)?;
            tally.validation_accepted += 1;
            Ok(())
        }
        (None, Err(e)) => Err(format!("valid message rejected: {e}")),
        (Some(want), Ok(msg)) => Err(format!("accepted {msg:?}, expected an error like {want}")),
        (Some(want), Err(e)) => {
            let contains = want.get("contains").and_then(Json::as_str).unwrap_or("");
            if want
                .get("type")
                .and_then(Json::as_str)
                .is_some_and(|t| t != "protocol_violation")
            {
                return Err(format!("unexpected expected_error type in {want}"));
            }
            if !e.to_string().contains(contains) {
                return Err(format!(
                    "rejected, but the error {e:?} does not mention {contains:?}"
                ));
            }
            tally.validation_rejected += 1;
            Ok(())
        }
    }
}

/// The attributes of each message type in wire order, as the sequences name them (an
/// attribute missing at the end is left out; one missing in the middle is written as null).
fn wire_order(ty: MessageType) -> &'static [&'static str] {
    use MessageType as T;
    match ty {
        T::Hello => &["realm", "details"],
        T::Welcome => &["session_id", "details"],
        T::Abort => &["details", "reason", "args", "kwargs"],
        T::Challenge => &["method", "extra"],
        T::Authenticate => &["signature", "extra"],
        T::Goodbye => &["details", "reason"],
        T::Error => &[
            "request_type",
            "request_id",
            "details",
            "error",
            "args",
            "kwargs",
        ],
        T::Publish => &["request_id", "options", "topic", "args", "kwargs"],
        T::Published => &["request_id", "publication_id"],
        T::Subscribe => &["request_id", "options", "topic"],
        T::Subscribed => &["request_id", "subscription_id"],
        T::Unsubscribe => &["request_id", "subscription_id", "options"],
        T::Unsubscribed => &["request_id", "details"],
        T::Event => &[
            "subscription_id",
            "publication_id",
            "details",
            "args",
            "kwargs",
        ],
        T::EventReceived => &["publication_id"],
        T::Call => &["request_id", "options", "procedure", "args", "kwargs"],
        T::Cancel | T::Interrupt => &["request_id", "options"],
        T::Result => &["request_id", "details", "args", "kwargs"],
        T::Register => &["request_id", "options", "procedure"],
        T::Registered => &["request_id", "registration_id"],
        T::Unregister => &["request_id", "registration_id", "options"],
        T::Unregistered => &["request_id", "details"],
        T::Invocation => &["request_id", "registration_id", "details", "args", "kwargs"],
        T::Yield => &["request_id", "options", "args", "kwargs"],
    }
}

fn check_sequence(file: &Json, tally: &mut Tally) -> Result<(), String> {
    let steps = file["sequence"]
        .as_array()
        .ok_or("sequence is not a list")?;
    for step in steps {
        let attrs = step["message"]
            .as_object()
            .ok_or("step message is not an object")?;
        let name = attrs
            .get("type")
            .and_then(Json::as_str)
            .ok_or("step message without type")?;
        let ty =
            MessageType::from_name(name).ok_or_else(|| format!("unknown message type {name:?}"))?;
        let names = wire_order(ty);
        for k in attrs.keys().filter(|k| *k != "type") {
            if !names.contains(&k.as_str()) {
                return Err(format!(
                    "step {}: attribute {k:?} is not one we know for {name}",
                    step["step"]
                ));
            }
        }
        let mut wire = vec![json!(ty.code())];
        wire.extend(
            names
                .iter()
                .map(|n| attrs.get(*n).cloned().unwrap_or(Json::Null)),
        );
        while wire.last().is_some_and(Json::is_null) {
            wire.pop();
        }
        let text = serde_json::to_vec(&wire).map_err(|e| e.to_string())?;
        let msg = json_codec::decode_value(&text)
            .map_err(|e| e.to_string())
            .and_then(|v| match v {
                Value::List(l) => Message::from_list(l).map_err(|e| e.to_string()),
                _ => Err("not a list".into()),
            })
            .map_err(|e| format!("step {}: {e}", step["step"]))?;
        check_attributes(&msg, attrs, &["type"])
            .map_err(|e| format!("step {}: {e}", step["step"]))?;
        round_trip_everywhere(&msg, tally).map_err(|e| format!("step {}: {e}", step["step"]))?;
        tally.sequence_steps += 1;
    }
    Ok(())
}

fn check_file(path: &Path, tally: &mut Tally) -> Result<(), String> {
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    let file: Json = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    if file.get("sequence").is_some() {
        return check_sequence(&file, tally);
    }
    let code = file["wamp_message_code"]
        .as_u64()
        .ok_or("no wamp_message_code")?;
    let name = file["wamp_message_type"]
        .as_str()
        .ok_or("no wamp_message_type")?;
    let ty = MessageType::from_name(name).ok_or_else(|| format!("unknown message type {name}"))?;
    if u64::from(ty.code()) != code {
        return Err(format!(
            "{name} has code {code} in the vectors, {} here",
            ty.code()
        ));
    }
    let samples = file["samples"].as_array().ok_or("no samples")?;
    for (i, sample) in samples.iter().enumerate() {
        let what = sample["description"].as_str().unwrap_or("?");
        let result = if sample.get("serializers").is_some() {
            check_serialization_sample(code, sample, tally)
        } else if sample.get("wmsg").is_some() {
            check_validation_sample(sample, tally)
        } else {
            Err("neither a serialization nor a validation sample".into())
        };
        if let Err(e) = result {
            tally
                .failures
                .push(format!("{} sample {i} ({what}): {e}", path.display()));
        }
    }
    Ok(())
}

#[test]
fn wamp_conformance_vectors() {
    let dir = suite_dir();
    assert!(
        dir.is_dir(),
        "WAMP test suite not found at {} — set ZW_TESTSUITE_DIR to the wamp-testsuite directory",
        dir.display()
    );
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    let mut tally = Tally::default();
    let mut vector_files = 0;
    for path in &files {
        // The JSON Schema describing the vectors is the one JSON file that is not a vector.
        if path
            .strip_prefix(&dir)
            .is_ok_and(|p| p == Path::new("SCHEMA.json"))
        {
            continue;
        }
        vector_files += 1;
        if let Err(e) = check_file(path, &mut tally) {
            tally.failures.push(format!("{}: {e}", path.display()));
        }
    }
    println!(
        "WAMP conformance: {vector_files} vector files under {}",
        dir.display()
    );
    for s in Serializer::ALL {
        println!(
            "  {:8} {:3} serialization samples, {:3} byte strings decoded and round-tripped",
            s.name(),
            tally.samples.get(s.name()).copied().unwrap_or(0),
            tally.decoded.get(s.name()).copied().unwrap_or(0),
        );
    }
    println!(
        "  validation samples: {} accepted, {} rejected as expected; sequence steps: {}",
        tally.validation_accepted, tally.validation_rejected, tally.sequence_steps
    );
    for (name, n) in &tally.skipped {
        let why = SKIPPED
            .iter()
            .position(|s| s == name)
            .map_or("", |i| SKIPPED_WHY[i]);
        println!("  skipped by name: {n} {name} byte strings ({why})");
    }
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    for s in Serializer::ALL
        .into_iter()
        .filter(|s| !SKIPPED.contains(&s.name()))
    {
        assert!(
            tally.samples.get(s.name()).copied().unwrap_or(0) > 0,
            "no {s} sample was checked"
        );
    }
    assert!(
        tally.validation_accepted > 0 && tally.validation_rejected > 0 && tally.sequence_steps > 0
    );
}
