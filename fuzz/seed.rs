//! Writes the seed corpora of the fuzz targets from the WAMP conformance vectors:
//! `cargo run --example seed -- <corpus dir>` (what `make fuzz-seeds` runs).
//!
//! The vectors are read from `$ZW_TESTSUITE_DIR`, else from `../shared/wamp-testsuite` beside the
//! repository; if they are missing this fails, rather than fuzzing from nothing.
//!
//! - `codec_<serializer>`: every byte string of every sample, for every serializer we have or
//!   are about to have (flatbuffers), as it is.
//! - `batched_<serializer>`: each sample framed as a batch of one, and all samples of a file as
//!   one batch (JSON: once with each separator).
//! - `message_list`: every sample and every raw validation list, in the list grammar.
//! - `session`: joins with each kind of credential, request/answer flows, and every sample a
//!   router may send, fed to an established session.
//! - `rawsocket`: handshakes followed by frames carrying the CBOR samples, and a ping.
//! - `uri`: the URIs of the samples as patterns of each policy, looked up.
//! - `transport_url`: one URL of each form.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde_json::Value as Json;
use zerowamp::wamp::codec::json as json_codec;
use zerowamp::wamp::message::{Challenge, Event, Invocation, Welcome};
use zerowamp::wamp::{Dict, Message, Payload, Serializer, Value};
use zerowamp_fuzz::message::write_message;
use zerowamp_fuzz::session::{Op, Script};
use zerowamp_fuzz::values::{word_index, write_str};

/// The serializers with a `codec_<name>` target (flatbuffers: its target is added when the codec
/// lands; its seeds are ready).
const CODEC_SEEDS: &[&str] = &["json", "msgpack", "cbor", "flatbuffers"];

type Result<T, E = String> = std::result::Result<T, E>;

fn main() -> Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let suite = std::env::var_os("ZW_TESTSUITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/wamp-testsuite"
            ))
        });
    if !suite.is_dir() {
        return Err(format!(
            "WAMP test suite not found at {} (set ZW_TESTSUITE_DIR)",
            suite.display()
        ));
    }
    let mut files = Vec::new();
    json_files(&suite.join("singlemessage"), &mut files)?;
    files.sort();
    let mut corpus = Corpus::default();
    for path in &files {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Json =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("vector");
        seed_file(stem, &doc, &mut corpus)?;
    }
    seed_sessions(&mut corpus)?;
    seed_urls(&mut corpus);
    corpus.write(&out)
}

/// Seed inputs by target, each with a file name.
#[derive(Default)]
struct Corpus(BTreeMap<String, Vec<(String, Vec<u8>)>>);

impl Corpus {
    fn add(&mut self, target: &str, name: String, bytes: Vec<u8>) {
        self.0
            .entry(target.to_owned())
            .or_default()
            .push((name, bytes));
    }

    fn write(&self, dir: &Path) -> Result<()> {
        for (target, seeds) in &self.0 {
            let target_dir = dir.join(target);
            fs::create_dir_all(&target_dir)
                .map_err(|e| format!("{}: {e}", target_dir.display()))?;
            for (name, bytes) in seeds {
                let path = target_dir.join(format!("seed-{name}"));
                fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            println!("{:16} {:4} seeds", target, seeds.len());
        }
        Ok(())
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            json_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn hex_decode(s: &str) -> Result<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad hex {s:?}"))
        })
        .collect()
}

/// The byte strings of one sample, by serializer name.
fn sample_bytes(sample: &Json) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let Some(serializers) = sample["serializers"].as_object() else {
        return Ok(out);
    };
    for (name, reps) in serializers {
        for rep in reps.as_array().into_iter().flatten() {
            if let Some(h) = rep["bytes_hex"].as_str() {
                out.push((name.clone(), hex_decode(h)?));
            }
        }
    }
    Ok(out)
}

fn seed_file(stem: &str, doc: &Json, corpus: &mut Corpus) -> Result<()> {
    let mut batches: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    let samples = doc["samples"]
        .as_array()
        .ok_or(format!("{stem}: no samples"))?;
    for (i, sample) in samples.iter().enumerate() {
        for (k, (serializer, bytes)) in sample_bytes(sample)?.into_iter().enumerate() {
            let name = format!("{stem}-{i}-{k}");
            if CODEC_SEEDS.contains(&serializer.as_str()) {
                corpus.add(&format!("codec_{serializer}"), name.clone(), bytes.clone());
            }
            if let Some(s) = Serializer::from_name(&serializer) {
                corpus.add(
                    &format!("batched_{s}"),
                    name.clone(),
                    batch(s, &[&bytes], 0),
                );
                batches
                    .entry(serializer.clone())
                    .or_default()
                    .push(bytes.clone());
                if let Ok(msg) = s.codec().decode(Bytes::from(bytes)) {
                    seed_message(&name, &msg, corpus);
                }
            }
        }
        // Raw validation lists (valid or not) for the list target.
        if let Some(wmsg) = sample.get("wmsg") {
            let text = serde_json::to_vec(wmsg).map_err(|e| e.to_string())?;
            if let Ok(Value::List(list)) = json_codec::decode_value(&text) {
                let mut out = Vec::new();
                write_list(&list, &mut out);
                corpus.add("message_list", format!("{stem}-{i}-wmsg"), out);
            }
        }
    }
    for (serializer, frames) in &batches {
        let Some(s) = Serializer::from_name(serializer) else {
            continue;
        };
        let frames: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        corpus.add(
            &format!("batched_{s}"),
            format!("{stem}-all"),
            batch(s, &frames, 0),
        );
        if s == Serializer::Json {
            corpus.add(
                "batched_json",
                format!("{stem}-all-1e"),
                batch(s, &frames, 0x1e),
            );
        }
    }
    Ok(())
}

/// A raw list in the list grammar: a literal code, a count, the items.
fn write_list(list: &[Value], out: &mut Vec<u8>) {
    out.push(0x80);
    let (code, rest) = match list.split_first() {
        Some((code, rest)) => (code.clone(), rest),
        None => (Value::Null, &[][..]),
    };
    zerowamp_fuzz::values::write_value(&code, out);
    out.push(rest.len().min(255) as u8);
    for v in rest.iter().take(255) {
        zerowamp_fuzz::values::write_value(v, out);
    }
}

/// Frames `messages` (already serialized) as one batch; `separator` 0 means the one we write.
fn batch(s: Serializer, messages: &[&[u8]], separator: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        if s == Serializer::Json {
            out.extend_from_slice(m);
            out.push(if separator == 0 { 0x18 } else { separator });
        } else {
            out.extend_from_slice(&(m.len() as u32).to_be_bytes());
            out.extend_from_slice(m);
        }
    }
    out
}

/// Seeds made from one decoded sample: the list target, a session that receives it, a
/// RawSocket carrying it, and its URIs for the URI target.
fn seed_message(name: &str, msg: &Message, corpus: &mut Corpus) {
    let mut list = Vec::new();
    write_message(msg, &mut list);
    corpus.add("message_list", name.to_owned(), list);

    let session = joined(0).router(msg).op(Op::Leave, &[]).into_bytes();
    corpus.add("session", name.to_owned(), session);

    let mut frame = Vec::new();
    if Serializer::Cbor.codec().encode(msg, &mut frame).is_ok() {
        // Control 0xF0: both sides accept 2^24 octets, fed one octet at a time.
        let mut input = vec![0xf0, 0x7f, 0xf3, 0x00, 0x00];
        input.push(0x00);
        input.extend_from_slice(&(frame.len() as u32).to_be_bytes()[1..]);
        input.extend_from_slice(&frame);
        input.extend_from_slice(&[0x01, 0x00, 0x00, 0x02, b'h', b'i']);
        corpus.add("rawsocket", name.to_owned(), input);
    }

    for uri in uris(msg) {
        for (policy, pattern) in [
            (0u8, uri.clone()),
            (1, prefix_of(&uri)),
            (2, wildcard_of(&uri)),
        ] {
            let mut input = vec![1, policy];
            write_str(&pattern, &mut input);
            write_str(&uri, &mut input);
            corpus.add("uri", format!("{name}-{policy}"), input);
        }
    }
}

fn uris(msg: &Message) -> Vec<String> {
    let uri = match msg {
        Message::Hello(m) => &m.realm,
        Message::Abort(m) => &m.reason,
        Message::Goodbye(m) => &m.reason,
        Message::Error(m) => &m.error,
        Message::Publish(m) => &m.topic,
        Message::Subscribe(m) => &m.topic,
        Message::Call(m) => &m.procedure,
        Message::Register(m) => &m.procedure,
        _ => return Vec::new(),
    };
    vec![uri.clone()]
}

/// `a.b.c` → `a.b.`
fn prefix_of(uri: &str) -> String {
    match uri.rfind('.') {
        Some(i) => uri[..=i].to_owned(),
        None => uri.to_owned(),
    }
}

/// `a.b.c` → `a..c`
fn wildcard_of(uri: &str) -> String {
    let parts: Vec<&str> = uri.split('.').collect();
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i == 1 && parts.len() > 2 { "" } else { p })
        .collect::<Vec<_>>()
        .join(".")
}

/// A script that connects and is welcomed by a router announcing both roles and every
/// feature.
fn joined(credentials: u8) -> Script {
    Script::new(credentials)
        .op(Op::Connect, &[])
        .op(Op::Welcome, &[41, 0b111])
}

fn seed_sessions(corpus: &mut Corpus) -> Result<()> {
    let w = |word: &str| word_index(word).ok_or(format!("{word} is not in WORDS"));
    let (proc_, topic) = (w("com.example.proc")?, w("com.example.topic")?);
    // Dict {progress: true} / {receive_progress: true} in the value grammar (keys: index + 1).
    let progress = w("progress")? + 1;
    let receive_progress = w("receive_progress")? + 1;
    let canceled = w("wamp.error.canceled")?;
    let flows: Vec<(&str, Script)> = vec![
        (
            // A progressive call: one progressive result, then the final one.
            "call-result",
            joined(0)
                .op(Op::Call, &[proc_, 0b101, 50, 1, 3, 1])
                .op(Op::Reply, &[0, 0, 10, 1, progress, 2, 1, 3, 5])
                .op(Op::Reply, &[0, 0, 0, 0]),
        ),
        (
            // A call that times out, and a call canceled with `kill` that then fails.
            "call-timeout-cancel",
            joined(0)
                .op(Op::Call, &[proc_, 0b100, 5, 0])
                .op(Op::Time, &[1])
                .op(Op::Call, &[proc_, 0, 0, 0])
                .op(Op::Cancel, &[1, 1])
                .op(Op::Reply, &[1, 1, 0, canceled, 0]),
        ),
        (
            "subscribe-event-unsubscribe",
            joined(0)
                .op(Op::Subscribe, &[topic, 1])
                .op(Op::Reply, &[0, 0, 4])
                .op(Op::Event, &[0, 9, 0, 1, 3, 1])
                .op(Op::Unsubscribe, &[0])
                .op(Op::Reply, &[1, 0]),
        ),
        (
            "publish-acknowledged",
            joined(0)
                .op(Op::Publish, &[topic, 1, 1, 3, 7])
                .op(Op::Reply, &[0, 0, 3]),
        ),
        (
            // Progressive results to an invocation, an interrupt, unregistering.
            "register-invoke-yield",
            joined(0)
                .op(Op::Register, &[proc_, 0, 1])
                .op(Op::Reply, &[0, 0, 6])
                .op(Op::Invocation, &[0, 3, 10, 1, receive_progress, 2, 1, 3, 9])
                .op(Op::Yield, &[0, 1, 0])
                .op(Op::Yield, &[0, 0, 1, 3, 1])
                .op(Op::Invocation, &[0, 4, 0, 0])
                .op(Op::Interrupt, &[1, 0])
                .op(Op::ErrorInvocation, &[1, canceled, 0])
                .op(Op::Unregister, &[0])
                .op(Op::Reply, &[1, 0]),
        ),
        (
            "leave-goodbye",
            joined(0).op(Op::Leave, &[]).router(&Message::Goodbye(
                zerowamp::wamp::message::Goodbye {
                    details: Dict::new(),
                    reason: "wamp.close.goodbye_and_out".into(),
                },
            )),
        ),
        (
            "transport-lost",
            joined(0)
                .op(Op::Call, &[proc_, 0, 0, 0])
                .op(Op::TransportClosed, &[]),
        ),
    ];
    for (name, script) in flows {
        corpus.add("session", name.to_owned(), script.into_bytes());
    }

    // One join per authentication method, through a challenge.
    let challenges: [(u8, &str, Dict); 3] = [
        (1, "ticket", Dict::new()),
        (2, "wampcra", cra_extra()),
        (4, "cryptosign", hex_challenge()),
    ];
    for (flags, method, extra) in challenges {
        let challenge = Message::Challenge(Challenge {
            method: method.into(),
            extra,
        });
        let welcome = Message::Welcome(Welcome {
            session: 7,
            details: Dict::new(),
        });
        let script = Script::new(flags)
            .op(Op::Connect, &[])
            .router(&challenge)
            .router(&welcome);
        corpus.add("session", format!("auth-{method}"), script.into_bytes());
    }

    // A transparent (passthru) event and invocation.
    let mut ppt = Dict::new();
    ppt.insert("ppt_scheme".into(), Value::from("mqtt"));
    ppt.insert("ppt_serializer".into(), Value::from("native"));
    let payload = Payload::Transparent(Bytes::from_static(b"\x01\x02\x03"));
    let event = Message::Event(Event {
        subscription: 5,
        publication: 6,
        details: ppt.clone(),
        payload: payload.clone(),
    });
    let invocation = Message::Invocation(Invocation {
        request: 3,
        registration: 6,
        details: ppt,
        payload,
    });
    let script = joined(0)
        .op(Op::Subscribe, &[topic, 0])
        .op(Op::Reply, &[0, 0, 4])
        .router(&event)
        .op(Op::Register, &[proc_, 0, 0])
        .op(Op::Reply, &[1, 0, 5])
        .router(&invocation);
    corpus.add("session", "passthru".into(), script.into_bytes());
    Ok(())
}

fn cra_extra() -> Dict {
    let mut extra = Dict::new();
    let challenge = r#"{"authid":"fuzz","authrole":"user","authmethod":"wampcra","authprovider":"static","nonce":"abc","timestamp":"2024-01-01T00:00:00.000Z","session":7}"#;
    extra.insert("challenge".into(), Value::from(challenge));
    extra.insert("salt".into(), Value::from("salt"));
    extra.insert("iterations".into(), Value::UInt(10));
    extra.insert("keylen".into(), Value::UInt(32));
    extra
}

fn hex_challenge() -> Dict {
    let mut extra = Dict::new();
    extra.insert("challenge".into(), Value::from("ab".repeat(32)));
    extra
}

fn seed_urls(corpus: &mut Corpus) {
    let urls = [
        "ws://localhost:8080/ws",
        "wss://example.com/ws?x=1",
        "rs://127.0.0.1:8080",
        "rss://[::1]:9000",
        "unix:///tmp/zerowamp.sock",
        "ws+unix:///tmp/zerowamp.sock:/ws",
        "WS://Host:80",
    ];
    for (i, url) in urls.iter().enumerate() {
        corpus.add("transport_url", i.to_string(), url.as_bytes().to_vec());
    }
}
