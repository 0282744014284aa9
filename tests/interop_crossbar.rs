//! The zerowamp client against the real peers: crossbar as the router and autobahn-python
//! peers, over WebSocket and RawSocket, with JSON, MessagePack and CBOR. RPC and PubSub both
//! ways, progressive results, cancel, timeouts, errors, authentication (ticket, WAMP-CRA plain
//! and salted, cryptosign) succeeding and failing, reconnects, caller-driven dispatch, and
//! records sent from LMDB without copies.
//!
//! One crossbar serves the whole binary (see `interop/mod.rs`); it needs `make venv-interop`.
//! Every test name starts with `crossbar_`, so `make test-rust` can leave them to
//! `make test-interop`.

mod common;
mod interop;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use interop::*;
use zerowamp::client::{
    record_passthru, CallError, CallOptions, CancelMode, Client, ClientOptions, Credential, Error,
    Invocation, PublishOptions, RegisterOptions, Snapshot, SubscribeOptions,
};
use zerowamp::runtime::{Backoff, Mode};
use zerowamp::wamp::auth::cryptosign::SigningKey;
use zerowamp::wamp::uri::MatchPolicy;
use zerowamp::wamp::{Dict, Payload, Serializer, Value};

/// How long any one wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

fn options(serializer: Serializer) -> ClientOptions {
    ClientOptions::default().with_serializer(serializer)
}

fn connect(transport: &str, serializer: Serializer) -> Client {
    let url = crossbar().url(transport);
    Client::connect(&url, REALM, options(serializer))
        .unwrap_or_else(|e| panic!("connect to {url} with {serializer}: {e}"))
}

fn kwargs(entries: &[(&str, Value)]) -> Dict {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn args(values: Vec<Value>) -> Payload {
    Payload::args(values)
}

fn uri_of(e: &CallError) -> String {
    e.uri().unwrap_or("(not a WAMP error)").to_owned()
}

/// Polls `f` until it returns `Some`, or fails the test after [`WAIT`].
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Everything one transport and serializer can do, both ways, against an autobahn peer on
/// the same transport and serializer.
fn exercise(transport: &str, serializer: Serializer) {
    let name = serializer.name();
    let peer = Peer::start(transport, name, &format!("py.{transport}.{name}"));
    let client = connect(transport, serializer);
    assert_eq!(client.serializer(), serializer);
    let zw = |what: &str| format!("zw.{transport}.{name}.{what}");

    // zerowamp calls autobahn: positional and keyword arguments, binaries included.
    let blob = Bytes::from_static(&[0, 1, 2, 254, 255]);
    let sent = Payload::new(
        vec![
            1.into(),
            "two".into(),
            Value::Bytes(blob.clone()),
            (-3).into(),
        ],
        kwargs(&[("k", "v".into()), ("n", 2.5.into())]),
    );
    let result = client
        .call(&peer.uri("echo"), sent.clone(), CallOptions::default())
        .expect("echo");
    assert_eq!(result.payload, sent, "{transport}/{name}: echo");

    // An application error, with its URI and arguments.
    let failed = client
        .call(
            &peer.uri("fail"),
            args(vec!["com.example.error.bad".into(), "went wrong".into()]),
            CallOptions::default(),
        )
        .expect_err("fail must fail");
    assert_eq!(uri_of(&failed), "com.example.error.bad");
    match &failed {
        CallError::Wamp(e) => assert_eq!(e.args, vec![Value::from("went wrong")]),
        other => panic!("{other:?}"),
    }
    let missing = client
        .call(
            "com.example.nothing.here",
            Payload::default(),
            CallOptions::default(),
        )
        .expect_err("no such procedure");
    assert_eq!(uri_of(&missing), "wamp.error.no_such_procedure");

    // Progressive results: one callback per chunk, then the final result.
    let chunks = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let seen = chunks.clone();
    client
        .call_progressive(
            &peer.uri("progress"),
            args(vec![4.into()]),
            CallOptions::default(),
            move |chunk| {
                seen.lock()
                    .unwrap()
                    .push(chunk.payload.arguments().to_vec())
            },
            move |result| {
                let _ = done_tx.send(result);
            },
        )
        .expect("progressive call");
    let last = done_rx
        .recv_timeout(WAIT)
        .expect("final result")
        .expect("ok");
    assert_eq!(last.payload.arguments(), [Value::from(4)]);
    let chunks: Vec<Vec<Value>> = chunks.lock().unwrap().clone();
    let expected: Vec<Vec<Value>> = (0..4).map(|i| vec![Value::from(i)]).collect();
    assert_eq!(chunks, expected, "{transport}/{name}: progressive chunks");

    // Cancel (kill): crossbar interrupts the autobahn callee, which stops and answers canceled.
    let (tx, rx) = mpsc::channel();
    let call = client
        .call_async(
            &peer.uri("slow"),
            args(vec![30.into()]),
            CallOptions::default(),
            move |r| {
                let _ = tx.send(r);
            },
        )
        .expect("slow call");
    eventually("the callee to start", || {
        let started = client
            .call(
                &peer.uri("slow_started"),
                Payload::default(),
                CallOptions::default(),
            )
            .expect("slow_started");
        (started.payload.arguments() == [Value::Bool(true)]).then_some(())
    });
    call.cancel(CancelMode::Kill).expect("cancel");
    let canceled = rx.recv_timeout(WAIT).expect("an answer after cancel");
    assert_eq!(
        canceled.as_ref().map_err(uri_of).err().as_deref(),
        Some("wamp.error.canceled"),
        "{canceled:?}"
    );
    let was = client
        .call(
            &peer.uri("was_canceled"),
            Payload::default(),
            CallOptions::default(),
        )
        .expect("was_canceled");
    assert_eq!(was.payload.arguments(), [Value::Bool(true)]);

    // A call timeout: fails locally with wamp.error.timeout.
    let started = Instant::now();
    let timed_out = client
        .call(
            &peer.uri("slow"),
            args(vec![30.into()]),
            CallOptions {
                timeout: Some(Duration::from_millis(300)),
                ..CallOptions::default()
            },
        )
        .expect_err("times out");
    assert_eq!(uri_of(&timed_out), "wamp.error.timeout");
    assert!(started.elapsed() < Duration::from_secs(10));

    // autobahn calls zerowamp: a plain callee, a failing one, a progressive one.
    let _add = client
        .register(&zw("add"), RegisterOptions::default(), |inv: Invocation| {
            let sum: i64 = inv.args().iter().filter_map(Value::as_i64).sum();
            let _ = inv.yield_(args(vec![sum.into()]));
        })
        .expect("register add");
    let _fail = client
        .register(
            &zw("fail"),
            RegisterOptions::default(),
            |inv: Invocation| {
                let _ = inv.error("com.example.error.refused", args(vec!["no".into()]));
            },
        )
        .expect("register fail");
    let _count = client
        .register(
            &zw("count"),
            RegisterOptions::default(),
            |inv: Invocation| {
                // Answered from another thread, to show invocations travel.
                std::thread::spawn(move || {
                    let n = inv.args().first().and_then(Value::as_i64).unwrap_or(0);
                    if inv.wants_progress() {
                        for i in 0..n {
                            inv.progress(args(vec![i.into()])).expect("progress");
                        }
                    }
                    inv.yield_(args(vec![n.into()])).expect("yield");
                });
            },
        )
        .expect("register count");
    let sum = client
        .call(
            &peer.uri("call"),
            args(vec![zw("add").into(), 2.into(), 40.into()]),
            CallOptions::default(),
        )
        .expect("autobahn calls zerowamp");
    assert_eq!(sum.payload.arguments(), [Value::from(42)]);
    let refused = client
        .call(
            &peer.uri("call"),
            args(vec![zw("fail").into()]),
            CallOptions::default(),
        )
        .expect_err("the zerowamp callee fails");
    assert_eq!(uri_of(&refused), "com.example.error.refused");
    let progressive = client
        .call(
            &peer.uri("call_progressive"),
            args(vec![zw("count").into(), 3.into()]),
            CallOptions::default(),
        )
        .expect("autobahn gets progressive results from zerowamp");
    assert_eq!(
        progressive.payload.arguments(),
        [Value::List(vec![
            Value::List(vec![0.into(), 1.into(), 2.into()]),
            3.into()
        ])]
    );

    // zerowamp publishes, autobahn receives (acknowledged publish).
    let publication = client
        .publish(
            &peer.uri("inbox"),
            Payload::new(
                vec!["hello".into(), Value::Bytes(blob.clone())],
                kwargs(&[("x", 1.into())]),
            ),
            PublishOptions {
                acknowledge: true,
                ..PublishOptions::default()
            },
        )
        .expect("publish");
    assert!(publication.is_some());
    let received = eventually("autobahn to receive the event", || {
        let r = client
            .call(
                &peer.uri("received"),
                Payload::default(),
                CallOptions::default(),
            )
            .expect("received");
        match r.payload.arguments() {
            [Value::List(events)] if !events.is_empty() => Some(events.clone()),
            _ => None,
        }
    });
    assert_eq!(
        received[0],
        Value::List(vec![
            Value::List(vec!["hello".into(), Value::Bytes(blob.clone())]),
            Value::Dict(kwargs(&[("x", 1.into())])),
        ])
    );

    // autobahn publishes, zerowamp receives: an exact and a prefix subscription.
    let (event_tx, event_rx) = mpsc::channel();
    let exact_tx = event_tx.clone();
    let exact = client
        .subscribe(&zw("news"), SubscribeOptions::default(), move |event| {
            let _ = exact_tx.send((event.topic.clone(), event.payload.clone(), event.publisher));
        })
        .expect("subscribe");
    let _prefix = client
        .subscribe(
            &zw("tree"),
            SubscribeOptions {
                match_policy: MatchPolicy::Prefix,
                ..SubscribeOptions::default()
            },
            move |event| {
                let _ =
                    event_tx.send((event.topic.clone(), event.payload.clone(), event.publisher));
            },
        )
        .expect("prefix subscribe");
    client
        .call(
            &peer.uri("publish"),
            Payload::new(
                vec![zw("news").into(), "extra!".into()],
                kwargs(&[("n", 7.into())]),
            ),
            CallOptions::default(),
        )
        .expect("autobahn publishes");
    let (topic, payload, publisher) = event_rx.recv_timeout(WAIT).expect("event from autobahn");
    assert_eq!(topic, zw("news"));
    assert_eq!(
        payload,
        Payload::new(vec!["extra!".into()], kwargs(&[("n", 7.into())]))
    );
    assert!(publisher.is_some(), "crossbar discloses the publisher");
    client
        .call(
            &peer.uri("publish"),
            args(vec![zw("tree.a.b").into(), 1.into()]),
            CallOptions::default(),
        )
        .expect("autobahn publishes below the prefix");
    let (topic, payload, _) = event_rx.recv_timeout(WAIT).expect("prefix event");
    assert_eq!(topic, zw("tree.a.b"));
    assert_eq!(payload.arguments(), [Value::from(1)]);

    // After unsubscribing nothing more arrives.
    exact.unsubscribe().expect("unsubscribe");
    client
        .call(
            &peer.uri("publish"),
            args(vec![zw("news").into(), "late".into()]),
            CallOptions::default(),
        )
        .expect("publish again");
    assert!(event_rx.recv_timeout(Duration::from_millis(300)).is_err());

    client.leave().expect("leave");
    let after = client.call(
        &peer.uri("echo"),
        Payload::default(),
        CallOptions::default(),
    );
    assert!(
        matches!(after, Err(CallError::Client(Error::Closed))),
        "{after:?}"
    );
}

#[test]
fn crossbar_websocket_json() {
    exercise("ws", Serializer::Json);
}

#[test]
fn crossbar_websocket_msgpack() {
    exercise("ws", Serializer::MsgPack);
}

#[test]
fn crossbar_websocket_cbor() {
    exercise("ws", Serializer::Cbor);
}

#[test]
fn crossbar_rawsocket_json() {
    exercise("rs", Serializer::Json);
}

#[test]
fn crossbar_rawsocket_msgpack() {
    exercise("rs", Serializer::MsgPack);
}

#[test]
fn crossbar_rawsocket_cbor() {
    exercise("rs", Serializer::Cbor);
}

/// Every transport and serializer crossbar serves.
const TRANSPORTS: [&str; 2] = ["ws", "rs"];
const SERIALIZERS: [Serializer; 3] = [Serializer::Json, Serializer::MsgPack, Serializer::Cbor];

/// Joins with `credential` (and `authid`) over `transport` with `serializer`; returns the
/// authrole crossbar gave, or the error.
fn join_with(
    transport: &str,
    serializer: Serializer,
    authid: &str,
    credential: Credential,
) -> Result<String, Error> {
    let options = options(serializer)
        .with_authid(authid)
        .with_credential(credential);
    let client = Client::connect(&crossbar().url(transport), REALM, options)?;
    let joined = client.joined().expect("joined");
    let role = joined.authrole.clone().unwrap_or_default();
    assert_eq!(joined.authid.as_deref(), Some(authid));
    client.leave()?;
    Ok(role)
}

fn assert_refused(result: Result<String, Error>) {
    match result {
        Err(Error::JoinRefused { reason, .. }) => {
            assert!(reason.starts_with("wamp.error."), "{reason}")
        }
        other => panic!("expected the join to be refused, got {other:?}"),
    }
}

/// Runs `check` for every transport and serializer.
fn everywhere(check: impl Fn(&str, Serializer)) {
    for transport in TRANSPORTS {
        for serializer in SERIALIZERS {
            check(transport, serializer);
        }
    }
}

#[test]
fn crossbar_ticket_authentication_succeeds_and_fails() {
    everywhere(|t, s| {
        let role = join_with(t, s, TICKET_AUTHID, Credential::ticket(TICKET));
        assert_eq!(role.expect("ticket accepted"), "ticket_role", "{t}/{s}");
        assert_refused(join_with(t, s, TICKET_AUTHID, Credential::ticket("wrong")));
        assert_refused(join_with(t, s, "mallory", Credential::ticket(TICKET)));
    });
}

#[test]
fn crossbar_wampcra_authentication_succeeds_and_fails() {
    everywhere(|t, s| {
        let role = join_with(t, s, CRA_AUTHID, Credential::wampcra(CRA_SECRET));
        assert_eq!(role.expect("WAMP-CRA accepted"), "cra_role", "{t}/{s}");
        let salted = join_with(
            t,
            s,
            CRA_SALTED_AUTHID,
            Credential::wampcra(CRA_SALTED_SECRET),
        );
        assert_eq!(
            salted.expect("salted WAMP-CRA accepted"),
            "cra_role",
            "{t}/{s}"
        );
        assert_refused(join_with(t, s, CRA_AUTHID, Credential::wampcra("wrong")));
    });
}

#[test]
fn crossbar_cryptosign_authentication_succeeds_and_fails() {
    everywhere(|t, s| {
        let key = SigningKey::from_seed(&CRYPTOSIGN_SEED);
        let role = join_with(t, s, CRYPTOSIGN_AUTHID, Credential::cryptosign(key, None));
        assert_eq!(
            role.expect("cryptosign accepted"),
            "cryptosign_role",
            "{t}/{s}"
        );
        let stranger = SigningKey::from_seed(&[7; 32]);
        let refused = join_with(
            t,
            s,
            CRYPTOSIGN_AUTHID,
            Credential::cryptosign(stranger, None),
        );
        assert_refused(refused);
    });
}

#[test]
fn crossbar_reconnect_restores_subscriptions_and_registrations_and_fails_calls_in_flight() {
    let peer = Peer::start("rs", "cbor", "py.reconnect");
    let quick = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(500),
        ..Backoff::default()
    };
    let url = crossbar().ws_url();
    let client = Client::connect(
        &url,
        REALM,
        options(Serializer::Cbor).with_reconnect(Some(quick)),
    )
    .expect("connect");
    let (event_tx, event_rx) = mpsc::channel();
    let _sub = client
        .subscribe(
            "zw.reconnect.topic",
            SubscribeOptions::default(),
            move |event| {
                let _ = event_tx.send(event.payload.clone());
            },
        )
        .expect("subscribe");
    let _reg = client
        .register(
            "zw.reconnect.proc",
            RegisterOptions::default(),
            |inv: Invocation| {
                let _ = inv.yield_(args(vec!["still here".into()]));
            },
        )
        .expect("register");
    let first = client.session_id().expect("joined");

    // A call in flight when the session goes must fail, not hang.
    let (call_tx, call_rx) = mpsc::channel();
    client
        .call_async(
            &peer.uri("slow"),
            args(vec![30.into()]),
            CallOptions::default(),
            move |r| {
                let _ = call_tx.send(r);
            },
        )
        .expect("slow call");

    // Another session has crossbar kill ours (GOODBYE from the router).
    let killer = connect("rs", Serializer::MsgPack);
    killer
        .call(
            "wamp.session.kill",
            args(vec![first.into()]),
            CallOptions::default(),
        )
        .expect("kill the session");
    let lost = call_rx
        .recv_timeout(WAIT)
        .expect("the call in flight is answered");
    assert!(
        matches!(lost, Err(CallError::Client(Error::SessionLost { .. }))),
        "{lost:?}"
    );

    let second = eventually("the client to rejoin", || {
        client.session_id().filter(|id| *id != first)
    });
    assert_ne!(first, second);
    // The subscription and the registration come back by themselves.
    let answer = eventually("the registration to be restored", || {
        killer
            .call(
                "zw.reconnect.proc",
                Payload::default(),
                CallOptions::default(),
            )
            .ok()
    });
    assert_eq!(answer.payload.arguments(), [Value::from("still here")]);
    let got = eventually("the subscription to be restored", || {
        killer
            .publish(
                "zw.reconnect.topic",
                args(vec!["back".into()]),
                PublishOptions::default(),
            )
            .expect("publish");
        event_rx.recv_timeout(Duration::from_millis(200)).ok()
    });
    assert_eq!(got.arguments(), [Value::from("back")]);
    client.leave().expect("leave");
    killer.leave().expect("leave");
}

#[test]
fn crossbar_caller_driven_mode_runs_callbacks_on_the_dispatching_thread() {
    let client = Client::connect(
        &crossbar().rs_url(),
        REALM,
        options(Serializer::MsgPack).with_mode(Mode::CallerDriven),
    )
    .expect("connect");
    let fd = client.fd().expect("a descriptor in caller-driven mode");
    assert!(fd >= 0);
    let me = std::thread::current().id();
    let ran_on = Arc::new(Mutex::new(Vec::new()));
    let seen = ran_on.clone();
    let _reg = client
        .register(
            "zw.driven.echo",
            RegisterOptions::default(),
            move |inv: Invocation| {
                seen.lock().unwrap().push(std::thread::current().id());
                let payload = inv.payload().clone();
                let _ = inv.yield_(payload);
            },
        )
        .expect("register");
    // The blocking call dispatches by itself while it waits (the callee is this client).
    let r = client
        .call(
            "zw.driven.echo",
            args(vec![5.into()]),
            CallOptions::default(),
        )
        .expect("call");
    assert_eq!(r.payload.arguments(), [Value::from(5)]);
    // An asynchronous call's callback runs only inside dispatch, on this thread.
    let result = Arc::new(Mutex::new(None));
    let slot = result.clone();
    client
        .call_async(
            "zw.driven.echo",
            args(vec![6.into()]),
            CallOptions::default(),
            move |r| {
                *slot.lock().unwrap() = Some((std::thread::current().id(), r));
            },
        )
        .expect("call_async");
    let until = Instant::now() + WAIT;
    while result.lock().unwrap().is_none() {
        assert!(Instant::now() < until, "no result dispatched");
        let mut pollfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pollfd, 1, 50) };
        client.dispatch(64).expect("dispatch");
    }
    let (thread, r) = result.lock().unwrap().take().expect("result");
    assert_eq!(thread, me);
    assert_eq!(r.expect("ok").payload.arguments(), [Value::from(6)]);
    assert!(ran_on.lock().unwrap().iter().all(|t| *t == me));
    client.leave().expect("leave");
}

/// A sample record with a large payload, as stored in LMDB.
fn big_record(id: u64, payload_len: usize) -> Vec<u8> {
    use common::{Record, RecordArgs};
    let mut fbb = flatbuffers::FlatBufferBuilder::with_capacity(payload_len + 256);
    let name = fbb.create_string("big");
    let payload: Vec<u8> = (0..payload_len).map(|i| (i % 251) as u8).collect();
    let payload = fbb.create_vector(&payload);
    let record = Record::create(
        &mut fbb,
        &RecordArgs {
            id,
            name: Some(name),
            payload: Some(payload),
            ..RecordArgs::default()
        },
    );
    fbb.finish(record, None);
    fbb.finished_data().to_vec()
}

#[test]
fn crossbar_records_from_lmdb_go_out_with_no_copy_on_rawsocket_and_one_on_websocket() {
    use zerowamp::store::{EnvOptions, PutFlags};
    const PAYLOAD: usize = 256 * 1024;
    let (_dir, env) = common::temp_env(&EnvOptions {
        map_size: 64 << 20,
        ..EnvOptions::default()
    });
    let table = common::record_table(&env, "records");
    let mut txn = env.begin_write().expect("write txn");
    txn.put(
        &table,
        &common::key(1),
        &big_record(1, PAYLOAD),
        PutFlags::default(),
    )
    .expect("put");
    txn.commit().expect("commit");

    let subscriber = connect("rs", Serializer::Cbor);
    let (tx, rx) = mpsc::channel();
    let _sub = subscriber
        .subscribe("zw.records", SubscribeOptions::default(), move |event| {
            let _ = tx.send(event.payload.clone());
        })
        .expect("subscribe");

    // (transport, serializer, transport copies of each message octet, serializer copies)
    let cases = [
        ("rs", Serializer::MsgPack, 0, false),
        ("rs", Serializer::Cbor, 0, false),
        ("ws", Serializer::MsgPack, 1, false),
        ("ws", Serializer::Cbor, 1, false),
        // The contrast: JSON must base64 the record (a serializer copy on top of masking).
        ("ws", Serializer::Json, 1, true),
    ];
    for (transport, serializer, masked, serializer_copies) in cases {
        let publisher = connect(transport, serializer);
        let snapshot = Snapshot::begin(&env).expect("snapshot");
        let probe = snapshot.clone();
        let record = snapshot
            .get(&table, &common::key(1))
            .expect("get")
            .expect("the record is there");
        let record_len = record.len() as u64;
        let in_map = record.as_ptr();
        let before = publisher.stats();
        publisher
            .publish(
                "zw.records",
                Payload::Transparent(record),
                PublishOptions {
                    acknowledge: true,
                    passthru: Some(record_passthru()),
                    ..PublishOptions::default()
                },
            )
            .expect("publish the record");
        // The caller ends its own use right away; the pinned record lives on until written.
        drop(snapshot);
        eventually("the snapshot to be released once written", || {
            (probe.holders() == 1).then_some(())
        });
        // The write is counted just after the buffers it wrote are let go.
        eventually("the write to be counted", || {
            let sent = publisher.stats().transport.message_bytes_sent;
            (sent - before.transport.message_bytes_sent > record_len).then_some(())
        });
        let after = publisher.stats();
        let sent = after.transport.message_bytes_sent - before.transport.message_bytes_sent;
        let copied = after.transport.message_bytes_copied - before.transport.message_bytes_copied;
        let by_serializer =
            after.payload_octets_copied_by_serializer - before.payload_octets_copied_by_serializer;
        assert!(sent > record_len, "{transport}/{serializer}: sent {sent}");
        assert_eq!(
            copied,
            masked * sent,
            "{transport}/{serializer}: transport copies"
        );
        let expected_by_serializer = if serializer_copies { record_len } else { 0 };
        assert_eq!(
            by_serializer, expected_by_serializer,
            "{transport}/{serializer}"
        );
        // Copies of the record itself, per record octet.
        let record_copies = (copied.min(record_len) + by_serializer) as f64 / record_len as f64;
        match (transport, serializer) {
            ("rs", _) => assert_eq!(record_copies, 0.0),
            (_, Serializer::Json) => assert_eq!(record_copies, 2.0),
            _ => assert!(record_copies <= 1.0, "{record_copies}"),
        }
        eprintln!(
            "{transport}/{serializer}: {record_len} record octets, {sent} sent, {copied} copied \
             by the transport, {by_serializer} by the serializer: {record_copies} copies per \
             record octet"
        );

        // The subscriber gets the record, intact (crossbar forwards it as one binary argument).
        let payload = rx.recv_timeout(WAIT).expect("the record arrives");
        let bytes = match payload.arguments() {
            [Value::Bytes(b)] => b.clone(),
            other => panic!("{transport}/{serializer}: {other:?}"),
        };
        assert_ne!(bytes.as_ptr(), in_map);
        let record = common::root_as_record(&bytes).expect("a valid record");
        assert_eq!(record.payload().map(|p| p.len()), Some(PAYLOAD));
        publisher.leave().expect("leave");
    }
    subscriber.leave().expect("leave");
}

#[test]
fn crossbar_tls_with_a_test_ca_over_websocket_and_rawsocket() {
    let peer = Peer::start("rs", "msgpack", "py.tls");
    for transport in ["wss", "rss"] {
        let options = options(Serializer::MsgPack)
            .with_tls(crossbar().tls())
            .with_authid(TICKET_AUTHID)
            .with_credential(Credential::ticket(TICKET));
        let client = Client::connect(&crossbar().url(transport), REALM, options)
            .unwrap_or_else(|e| panic!("{transport}: {e}"));
        let echoed = client
            .call(
                &peer.uri("echo"),
                args(vec![transport.into()]),
                CallOptions::default(),
            )
            .expect("echo over TLS");
        assert_eq!(echoed.payload.arguments(), [Value::from(transport)]);
        // TLS encrypts every octet it is given: the one copy TLS cannot avoid, counted apart.
        let stats = client.stats().transport;
        assert_eq!(stats.message_bytes_encrypted, stats.message_bytes_sent);
        client.leave().expect("leave");
        // Without the CA the server is not trusted.
        let untrusted = Client::connect(&crossbar().url(transport), REALM, options_untrusted());
        assert!(
            matches!(untrusted, Err(Error::Transport(_))),
            "{untrusted:?}"
        );
    }
}

/// Options whose TLS trusts only the public roots (not the run's CA).
fn options_untrusted() -> ClientOptions {
    options(Serializer::MsgPack)
}
