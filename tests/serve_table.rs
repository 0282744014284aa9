//! Serving a table (`zerowamp::serve`) against the embedded router, over WebSocket and RawSocket
//! with every serializer that carries passthru payloads (JSON, MessagePack, CBOR): key calls for
//! every key codec, a missing key, keys that do not fit, ranges as progressive results, the
//! change feed (puts, deletes, truncates, aborted transactions, several tables), and the
//! zero-copy claim (no copy of a 64 KiB record on RawSocket with MessagePack).

mod common;

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{check_record, record, RECORD, RECORD_BFBS};
use zerowamp::client::{
    record_passthru, CallError, CallOptions, CallResult, Client, ClientOptions, EventDelivery,
    SubscribeOptions, RECORD_SCHEME,
};
use zerowamp::router::server::{RouterServer, ServerConfig};
use zerowamp::serve::{publish_changes, serve_table, Error, ServeOptions};
use zerowamp::store::{Env, KeyCodec, PutFlags, Table, TableOptions, ValueType};
use zerowamp::wamp::session::Passthru;
use zerowamp::wamp::{Dict, Payload, Serializer, Value};

const WAIT: Duration = Duration::from_secs(10);
const REALM: &str = "realm1";

/// A router with a WebSocket and a RawSocket listener.
fn server() -> RouterServer {
    RouterServer::start(&ServerConfig::open(
        REALM,
        &["ws://127.0.0.1:0/ws", "rs://127.0.0.1:0"],
    ))
    .expect("server starts")
}

fn url(server: &RouterServer, transport: &str) -> String {
    let index = usize::from(transport == "rs");
    server.listeners()[index].url().to_owned()
}

fn connect(url: &str, serializer: Serializer) -> Client {
    Client::connect(
        url,
        REALM,
        ClientOptions::default().with_serializer(serializer),
    )
    .unwrap_or_else(|e| panic!("connect to {url} with {serializer}: {e}"))
}

/// A Record table with `key`.
fn record_table(env: &Env, name: &str, key: KeyCodec) -> Table {
    env.register_schema(RECORD_BFBS).expect("schema");
    env.open_table(
        name,
        &TableOptions {
            key,
            value: ValueType::FlatBuffer {
                root_type: RECORD.into(),
            },
            create: true,
        },
    )
    .expect("open table")
}

fn encoded(codec: &KeyCodec, key: &zerowamp::store::Key) -> Vec<u8> {
    let mut out = Vec::new();
    codec.encode(key, &mut out).expect("encodes");
    out
}

/// One table per key codec, each holding records 1..=3 under keys derived from the id, and
/// how a caller names the key of record `id` (every accepted form).
struct Tables {
    tables: Vec<(Table, KeyForms)>,
}

/// Every WAMP value that names the key of record `id`.
type KeyForms = fn(u64) -> Vec<Value>;

fn uuid_of(id: u64) -> [u8; 16] {
    let mut u = [0u8; 16];
    u[8..].copy_from_slice(&id.to_be_bytes());
    u[0] = 0xab;
    u
}

fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex::encode(u);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn u64_forms(id: u64) -> Vec<Value> {
    vec![
        Value::UInt(id),
        Value::Bytes(Bytes::copy_from_slice(&id.to_be_bytes())),
    ]
}

fn uuid_forms(id: u64) -> Vec<Value> {
    let u = uuid_of(id);
    vec![
        Value::Bytes(Bytes::copy_from_slice(&u)),
        Value::from(uuid_text(&u).to_uppercase()),
    ]
}

fn str_forms(id: u64) -> Vec<Value> {
    vec![Value::from(format!("user-{id}"))]
}

fn bytes_forms(id: u64) -> Vec<Value> {
    vec![Value::Bytes(Bytes::from(vec![0, 1, id as u8, 0]))]
}

fn composite_forms(id: u64) -> Vec<Value> {
    vec![Value::List(vec![
        Value::from(format!("g{}", id % 2)),
        Value::UInt(id),
    ])]
}

fn key_of(codec: &KeyCodec, id: u64) -> Vec<u8> {
    use zerowamp::store::Key;
    let key = match codec {
        KeyCodec::U64 => Key::U64(id),
        KeyCodec::Uuid => Key::Uuid(uuid_of(id)),
        KeyCodec::Str => Key::Str(format!("user-{id}").into()),
        KeyCodec::Bytes => Key::Bytes(vec![0, 1, id as u8, 0].into()),
        KeyCodec::Composite(_) => {
            Key::Composite(vec![Key::Str(format!("g{}", id % 2).into()), Key::U64(id)])
        }
    };
    encoded(codec, &key)
}

fn tables(env: &Env) -> Tables {
    let list: Vec<(&str, KeyCodec, KeyForms)> = vec![
        ("by_u64", KeyCodec::U64, u64_forms),
        ("by_uuid", KeyCodec::Uuid, uuid_forms),
        ("by_str", KeyCodec::Str, str_forms),
        ("by_bytes", KeyCodec::Bytes, bytes_forms),
        (
            "by_pair",
            KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]),
            composite_forms,
        ),
    ];
    let tables: Vec<(Table, KeyForms)> = list
        .into_iter()
        .map(|(name, codec, forms)| (record_table(env, name, codec), forms))
        .collect();
    let mut txn = env.begin_write().expect("write");
    for (table, _) in &tables {
        for id in 1..=3 {
            txn.put(
                table,
                &key_of(table.key_codec(), id),
                &record(id),
                PutFlags::default(),
            )
            .expect("put");
        }
    }
    txn.commit().expect("commit");
    Tables { tables }
}

fn call(client: &Client, procedure: &str, args: Vec<Value>) -> Result<CallResult, CallError> {
    client.call(procedure, Payload::args(args), CallOptions::default())
}

/// The record bytes of a passthru result (or event), checking the passthru description.
fn record_bytes(payload: &Payload, passthru: Option<&Passthru>) -> Bytes {
    assert_eq!(passthru, Some(&record_passthru()), "{payload:?}");
    match payload {
        Payload::Transparent(bytes) => bytes.clone(),
        other => panic!("not a passthru payload: {other:?}"),
    }
}

fn wamp_error(e: CallError) -> (String, Vec<Value>) {
    match e {
        CallError::Wamp(w) => (w.uri, w.args),
        other => panic!("not a WAMP error: {other:?}"),
    }
}

/// A progressive call: the records, and the final result (args, kwargs) or its error.
#[allow(clippy::type_complexity)]
fn call_range(
    client: &Client,
    procedure: &str,
    args: Vec<Value>,
    kwargs: Dict,
) -> (Vec<CallResult>, Result<CallResult, CallError>) {
    let (chunk_tx, chunks) = channel();
    let (done_tx, done) = channel();
    client
        .call_progressive(
            procedure,
            Payload::new(args, kwargs),
            CallOptions::default(),
            move |chunk| {
                let _ = chunk_tx.send(chunk);
            },
            move |result| {
                let _ = done_tx.send(result);
            },
        )
        .expect("call");
    let result = done.recv_timeout(WAIT).expect("final result");
    (chunks.try_iter().collect(), result)
}

fn ids_of(chunks: &[CallResult]) -> Vec<u64> {
    chunks
        .iter()
        .map(|c| {
            let bytes = record_bytes(&c.payload, c.passthru.as_ref());
            common::root_as_record(&bytes).expect("record").id()
        })
        .collect()
}

fn kwargs(entries: &[(&str, Value)]) -> Dict {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Events of a subscription, as they come.
fn subscribe(
    client: &Client,
    topic: &str,
) -> (zerowamp::client::Subscription, Receiver<EventDelivery>) {
    let (tx, rx) = channel();
    let sub = client
        .subscribe(topic, SubscribeOptions::default(), move |e| {
            let _ = tx.send(e.clone());
        })
        .expect("subscribe");
    (sub, rx)
}

fn next_event(rx: &Receiver<EventDelivery>) -> EventDelivery {
    rx.recv_timeout(WAIT).expect("an event")
}

/// Everything a served table does, on one transport with one serializer (both clients).
fn exercise(transport: &str, serializer: Serializer) {
    let server = server();
    let url = url(&server, transport);
    let (_dir, env) = common::temp_env(&common::small());
    let tables = tables(&env);
    let callee = connect(&url, serializer);
    let caller = connect(&url, serializer);
    let what = format!("{transport}/{serializer}");

    // Every key codec, every form of key it takes.
    let mut registrations = Vec::new();
    for (table, forms) in &tables.tables {
        let procedure = format!("com.test.{}.get", table.name());
        registrations.push(
            serve_table(&callee, &env, table, &procedure, ServeOptions::default()).expect("serve"),
        );
        for id in 1..=3 {
            for key in forms(id) {
                let result = call(&caller, &procedure, vec![key.clone()])
                    .unwrap_or_else(|e| panic!("{what} {procedure} {key:?}: {e}"));
                let bytes = record_bytes(&result.payload, result.passthru.as_ref());
                assert_eq!(bytes, record(id), "{what} {procedure} {key:?}");
                check_record(&bytes, id);
            }
        }
        // A key of the right type with no record.
        let missing = forms(9).remove(0);
        let (uri, args) =
            wamp_error(call(&caller, &procedure, vec![missing]).expect_err("missing"));
        assert_eq!(uri, "zerowamp.error.not_found", "{what} {procedure}");
        let message = args.first().and_then(Value::as_str).unwrap_or_default();
        assert!(
            message.contains(table.name()) && message.contains("key"),
            "{what}: {message}"
        );
        // Keys that do not fit, and no key at all.
        for bad in [
            vec![Value::Float(1.5)],
            vec![Value::Dict(Dict::new())],
            vec![],
        ] {
            let (uri, args) =
                wamp_error(call(&caller, &procedure, bad.clone()).expect_err("bad key"));
            assert_eq!(
                uri, "wamp.error.invalid_argument",
                "{what} {procedure} {bad:?}"
            );
            assert!(!args.is_empty(), "{what}: a message says why");
        }
    }
    let (uri, args) =
        wamp_error(call(&caller, "com.test.by_u64.get", vec![Value::Int(-1)]).expect_err("neg"));
    assert_eq!(uri, "wamp.error.invalid_argument");
    assert!(
        args[0]
            .as_str()
            .unwrap_or_default()
            .contains("non-negative"),
        "{args:?}"
    );
    let (uri, _) = wamp_error(
        call(&caller, "com.test.by_u64.get", vec![Value::from("12")]).expect_err("a string"),
    );
    assert_eq!(uri, "wamp.error.invalid_argument");

    // A range, record by record as progressive results, then the count.
    let by_u64 = &tables.tables[0].0;
    let range = ServeOptions {
        range: true,
        ..ServeOptions::default()
    };
    registrations.push(
        serve_table(&callee, &env, by_u64, "com.test.by_u64.range", range).expect("serve range"),
    );
    let (chunks, done) = call_range(
        &caller,
        "com.test.by_u64.range",
        vec![Value::UInt(2), Value::Null],
        Dict::new(),
    );
    assert_eq!(ids_of(&chunks), vec![2, 3], "{what}");
    let done = done.expect("range result");
    assert_eq!(done.payload.arguments(), [Value::UInt(2)], "{what}");
    assert_eq!(
        done.payload.keyword_arguments(),
        Some(&kwargs(&[("more", Value::Bool(false))]))
    );
    // A range needs progressive results.
    let (uri, args) = wamp_error(
        call(&caller, "com.test.by_u64.range", vec![]).expect_err("needs receive_progress"),
    );
    assert_eq!(uri, "wamp.error.invalid_argument");
    assert!(args[0]
        .as_str()
        .unwrap_or_default()
        .contains("receive_progress"));

    // The change feed: puts as records, deletes as keys, aborted transactions not at all.
    let by_str = &tables.tables[2].0;
    let feed_u64 = publish_changes(&env, by_u64, &callee, "com.test.by_u64.changed").expect("feed");
    let _feed_str =
        publish_changes(&env, by_str, &callee, "com.test.by_str.changed").expect("feed");
    let (_s1, events_u64) = subscribe(&caller, "com.test.by_u64.changed");
    let (_s2, events_str) = subscribe(&caller, "com.test.by_str.changed");

    let mut txn = env.begin_write().expect("w");
    txn.put(
        by_u64,
        &key_of(by_u64.key_codec(), 7),
        &record(70),
        PutFlags::default(),
    )
    .expect("put");
    // The last value of a key is what goes out.
    txn.put(
        by_u64,
        &key_of(by_u64.key_codec(), 7),
        &record(7),
        PutFlags::default(),
    )
    .expect("put");
    txn.delete(by_u64, &key_of(by_u64.key_codec(), 1))
        .expect("delete");
    txn.put(
        by_str,
        &key_of(by_str.key_codec(), 8),
        &record(8),
        PutFlags::default(),
    )
    .expect("put");
    txn.commit().expect("commit");

    let put = next_event(&events_u64);
    assert_eq!(put.topic, "com.test.by_u64.changed");
    assert_eq!(
        record_bytes(&put.payload, put.passthru.as_ref()),
        record(7),
        "{what}"
    );
    let deleted = next_event(&events_u64);
    assert_eq!(
        deleted.payload.arguments(),
        [Value::Bytes(Bytes::from(key_of(by_u64.key_codec(), 1)))],
        "{what}"
    );
    assert_eq!(
        deleted.payload.keyword_arguments(),
        Some(&kwargs(&[("deleted", Value::Bool(true))]))
    );
    let other = next_event(&events_str);
    assert_eq!(
        record_bytes(&other.payload, other.passthru.as_ref()),
        record(8)
    );

    // Served calls see the commit at once.
    let result = call(&caller, "com.test.by_u64.get", vec![Value::UInt(7)]).expect("new record");
    assert_eq!(
        record_bytes(&result.payload, result.passthru.as_ref()),
        record(7)
    );
    let (uri, _) = wamp_error(
        call(&caller, "com.test.by_u64.get", vec![Value::UInt(1)]).expect_err("deleted"),
    );
    assert_eq!(uri, "zerowamp.error.not_found");

    // Aborted: nothing. Then a truncate, and a put after it in the same transaction.
    let mut txn = env.begin_write().expect("w");
    txn.put(
        by_u64,
        &key_of(by_u64.key_codec(), 5),
        &record(5),
        PutFlags::default(),
    )
    .expect("put");
    txn.abort();
    let mut txn = env.begin_write().expect("w");
    txn.truncate(by_u64).expect("truncate");
    txn.put(
        by_u64,
        &key_of(by_u64.key_codec(), 6),
        &record(6),
        PutFlags::default(),
    )
    .expect("put");
    txn.commit().expect("commit");
    let truncated = next_event(&events_u64);
    assert!(truncated.payload.arguments().is_empty(), "{what}");
    assert_eq!(
        truncated.payload.keyword_arguments(),
        Some(&kwargs(&[("truncated", Value::Bool(true))])),
        "{what}: the aborted put never went out"
    );
    let after = next_event(&events_u64);
    assert_eq!(
        record_bytes(&after.payload, after.passthru.as_ref()),
        record(6)
    );

    // A stopped feed publishes nothing more; the other feed goes on.
    drop(feed_u64);
    let mut txn = env.begin_write().expect("w");
    txn.put(
        by_u64,
        &key_of(by_u64.key_codec(), 9),
        &record(9),
        PutFlags::default(),
    )
    .expect("put");
    txn.put(
        by_str,
        &key_of(by_str.key_codec(), 9),
        &record(9),
        PutFlags::default(),
    )
    .expect("put");
    txn.commit().expect("commit");
    let still = next_event(&events_str);
    assert_eq!(
        record_bytes(&still.payload, still.passthru.as_ref()),
        record(9)
    );
    assert!(
        events_u64.recv_timeout(Duration::from_millis(200)).is_err(),
        "{what}: a dropped feed is silent"
    );

    for registration in registrations {
        registration.unregister().expect("unregister");
    }
    caller.leave().expect("leave");
    callee.leave().expect("leave");
}

#[test]
fn websocket_json() {
    exercise("ws", Serializer::Json);
}

#[test]
fn websocket_msgpack() {
    exercise("ws", Serializer::MsgPack);
}

#[test]
fn websocket_cbor() {
    exercise("ws", Serializer::Cbor);
}

#[test]
fn rawsocket_json() {
    exercise("rs", Serializer::Json);
}

#[test]
fn rawsocket_msgpack() {
    exercise("rs", Serializer::MsgPack);
}

#[test]
fn rawsocket_cbor() {
    exercise("rs", Serializer::Cbor);
}

#[test]
fn ranges_take_limit_reverse_prefixes_and_stop_at_the_cap() {
    let server = server();
    let url = url(&server, "rs");
    let (_dir, env) = common::temp_env(&common::small());
    let pairs = record_table(
        &env,
        "pairs",
        KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]),
    );
    let mut txn = env.begin_write().expect("w");
    for id in 1..=10 {
        txn.put(
            &pairs,
            &key_of(pairs.key_codec(), id),
            &record(id),
            PutFlags::default(),
        )
        .expect("put");
    }
    txn.commit().expect("commit");
    let callee = connect(&url, Serializer::Cbor);
    let caller = connect(&url, Serializer::MsgPack);
    let capped = ServeOptions {
        range: true,
        max_range: 4,
        ..ServeOptions::default()
    };
    let _range = serve_table(&callee, &env, &pairs, "com.test.pairs.range", capped).expect("serve");
    let run = |args: Vec<Value>, kw: Dict| {
        let (chunks, done) = call_range(&caller, "com.test.pairs.range", args, kw);
        let done = done.expect("result");
        let more = done
            .payload
            .keyword_arguments()
            .and_then(|k| k.get("more"))
            .and_then(Value::as_bool);
        assert_eq!(
            done.payload.arguments(),
            [Value::UInt(chunks.len() as u64)],
            "the count"
        );
        (ids_of(&chunks), more)
    };
    // Group g1 (odd ids) by its prefix, in key order; the cap stops at 4.
    let g1 = || Value::List(vec!["g1".into()]);
    let g2 = || Value::List(vec!["g2".into()]);
    assert_eq!(
        run(vec![g1(), g2()], Dict::new()),
        (vec![1, 3, 5, 7], Some(true))
    );
    assert_eq!(
        run(vec![g1(), g2()], kwargs(&[("limit", Value::UInt(2))])),
        (vec![1, 3], Some(true))
    );
    assert_eq!(
        run(
            vec![g1(), Value::Null],
            kwargs(&[("reverse", Value::Bool(true)), ("limit", Value::UInt(3))])
        ),
        (vec![9, 7, 5], Some(true))
    );
    // A whole key as a bound: from g0/4 (included) to g0/8 (excluded).
    let at = |g: &str, id: u64| Value::List(vec![g.into(), Value::UInt(id)]);
    assert_eq!(
        run(vec![at("g0", 4), at("g0", 8)], Dict::new()),
        (vec![4, 6], Some(false))
    );
    // A limit above the cap is held to the cap.
    assert_eq!(
        run(vec![], kwargs(&[("limit", Value::UInt(100))])).0.len(),
        4
    );
    assert_eq!(run(vec![at("h", 0)], Dict::new()), (vec![], Some(false)));

    // Bad arguments are refused before anything is sent.
    let refused = |args: Vec<Value>, kw: Dict| {
        let (chunks, done) = call_range(&caller, "com.test.pairs.range", args, kw);
        assert!(chunks.is_empty());
        wamp_error(done.expect_err("refused"))
    };
    for (args, kw, says) in [
        (vec![Value::UInt(1)], Dict::new(), "a list of 2 values"),
        (
            vec![Value::Null, Value::Null, Value::Null],
            Dict::new(),
            "at most two",
        ),
        (vec![], kwargs(&[("limit", Value::Int(-1))]), "limit"),
        (vec![], kwargs(&[("reverse", Value::UInt(1))]), "reverse"),
        (vec![], kwargs(&[("order", Value::Null)]), "unknown keyword"),
    ] {
        let (uri, args) = refused(args, kw);
        assert_eq!(uri, "wamp.error.invalid_argument");
        let message = args[0].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn a_64_kib_record_goes_out_with_no_copy_on_rawsocket_with_msgpack() {
    const SIZE: usize = 64 * 1024;
    let server = server();
    let url = url(&server, "rs");
    let (_dir, env) = common::temp_env(&common::small());
    let table = env
        .open_table("blobs", &common::raw_opts(KeyCodec::U64))
        .expect("table");
    let blob: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let mut txn = env.begin_write().expect("w");
    txn.put(&table, &1u64.to_be_bytes(), &blob, PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");

    let callee = connect(&url, Serializer::MsgPack);
    let caller = connect(&url, Serializer::MsgPack);
    let _get = serve_table(
        &callee,
        &env,
        &table,
        "com.test.blobs.get",
        ServeOptions::default(),
    )
    .expect("serve");
    let before = callee.stats();
    let result = call(&caller, "com.test.blobs.get", vec![Value::UInt(1)]).expect("call");
    // The caller can have the RESULT before the callee's I/O thread has counted its write.
    let sent_by = |stats: &zerowamp::client::ClientStats| stats.transport.message_bytes_sent;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sent_by(&callee.stats()) - sent_by(&before) <= SIZE as u64
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let after = callee.stats();
    // A raw table's values go out under our scheme, without naming a serializer.
    assert_eq!(result.passthru, Some(Passthru::new(RECORD_SCHEME)));
    match &result.payload {
        Payload::Transparent(bytes) => assert_eq!(bytes.as_ref(), blob.as_slice()),
        other => panic!("{other:?}"),
    }
    let sent = after.transport.message_bytes_sent - before.transport.message_bytes_sent;
    assert!(sent > SIZE as u64, "the record went out ({sent} octets)");
    assert_eq!(
        after.payload_octets_copied_by_serializer - before.payload_octets_copied_by_serializer,
        0,
        "the serializer wrote the envelope only"
    );
    assert_eq!(
        after.transport.message_bytes_copied - before.transport.message_bytes_copied,
        0,
        "RawSocket wrote the record from the map"
    );
    // The pinned snapshot ends once the record is written: the map can be resized again (LMDB
    // allows that only while this process has no live transaction).
    let bigger = env.info().expect("info").map_size as usize * 2;
    let until = Instant::now() + WAIT;
    while env.set_map_size(bigger).is_err() {
        assert!(Instant::now() < until, "the snapshot was never released");
        std::thread::sleep(Duration::from_millis(10));
    }
    caller.leave().expect("leave");
    callee.leave().expect("leave");
}

#[test]
fn serving_refuses_a_table_of_another_environment_and_a_bad_topic() {
    let server = server();
    let client = connect(&url(&server, "rs"), Serializer::Cbor);
    let (_d1, env) = common::temp_env(&common::small());
    let (_d2, other) = common::temp_env(&common::small());
    let table = env
        .open_table("t", &common::raw_opts(KeyCodec::U64))
        .expect("t");
    let wrong = serve_table(
        &client,
        &other,
        &table,
        "com.test.t",
        ServeOptions::default(),
    )
    .expect_err("another env");
    assert!(matches!(wrong, Error::InvalidArgument(_)), "{wrong}");
    let wrong = publish_changes(&other, &table, &client, "com.test.t").expect_err("another env");
    assert!(matches!(wrong, Error::InvalidArgument(_)), "{wrong}");
    let bad = publish_changes(&env, &table, &client, "com..t").expect_err("bad topic");
    assert!(bad.to_string().contains("com..t"), "{bad}");
    let bad = serve_table(&client, &env, &table, "com..t", ServeOptions::default())
        .expect_err("bad procedure");
    assert!(matches!(bad, Error::Client(_)), "{bad}");
    client.leave().expect("leave");
}
