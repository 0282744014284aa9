//! The router server on real sockets: every transport and serializer talking to every other,
//! undecodable frames, the join timeout, call timeouts driven by the server's timers, slow
//! consumers, graceful shutdown and in-process sessions.

mod router_support;
mod server_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use router_support::{args, call, dict, publish, register, subscribe, yield_};
use server_support::{open_server, server_with, tls_files, wait_until, Peer, WAIT};
use zerowamp::router::server::{ListenerConfig, RouterServer, ServerConfig};
use zerowamp::runtime::{Runtime, RuntimeOptions};
use zerowamp::wamp::message::{Hello, Message, MessageType};
use zerowamp::wamp::{Dict, Serializer, Value};

fn runtime() -> Runtime {
    Runtime::new(RuntimeOptions::default()).expect("client runtime")
}

fn url_of(server: &RouterServer, index: usize) -> String {
    server.listeners()[index].url().to_owned()
}

/// The callee side of one call: INVOCATION in, YIELD with the same arguments out.
fn echo_once(callee: &mut Peer) {
    match callee.recv() {
        Message::Invocation(inv) => {
            callee.send(&yield_(inv.request, Dict::new(), inv.payload));
        }
        other => panic!("expected INVOCATION, got {other:?}"),
    }
}

fn expect_result(peer: &mut Peer, request: u64, payload: &zerowamp::wamp::Payload) {
    match peer.recv() {
        Message::Result(r) => {
            assert_eq!(r.request, request);
            assert_eq!(&r.payload, payload);
        }
        other => panic!("expected RESULT, got {other:?}"),
    }
}

#[test]
fn every_transport_and_serializer_reaches_every_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tls, client_tls) = tls_files(dir.path());
    let unix = format!("unix://{}", dir.path().join("rs.sock").display());
    let ws_unix = format!("ws+unix://{}", dir.path().join("ws.sock").display());
    let listeners = vec![
        ListenerConfig::new("ws://127.0.0.1:0/ws"),
        ListenerConfig::new("rs://127.0.0.1:0"),
        ListenerConfig::new(&unix),
        ListenerConfig::new(&ws_unix),
        ListenerConfig {
            shared_port: true,
            ..ListenerConfig::new("rs://127.0.0.1:0")
        },
        ListenerConfig {
            tls: Some(tls.clone()),
            ..ListenerConfig::new("wss://127.0.0.1:0/ws")
        },
        ListenerConfig {
            tls: Some(tls),
            ..ListenerConfig::new("rss://127.0.0.1:0")
        },
    ];
    let server = server_with(ServerConfig::open("realm1", &[]), listeners);
    let shared = server.listeners()[4].local_addr().expect("tcp").port();
    let rt = runtime();

    let (mut callee, _) = Peer::join(&rt, &url_of(&server, 1), Serializer::Cbor);
    callee.send(&register(1, "com.echo", Dict::new()));
    assert!(matches!(callee.recv(), Message::Registered(_)));
    let (mut listener, _) = Peer::join(&rt, &unix, Serializer::MsgPack);
    listener.send(&subscribe(1, "com.topic", Dict::new()));
    assert!(matches!(listener.recv(), Message::Subscribed(_)));

    let peers: Vec<(String, Serializer)> = vec![
        (url_of(&server, 0), Serializer::Json),
        (url_of(&server, 0), Serializer::MsgPack),
        (url_of(&server, 0), Serializer::FlatBuffers),
        (url_of(&server, 1), Serializer::Json),
        (unix.clone(), Serializer::Cbor),
        (ws_unix.clone(), Serializer::Json),
        (format!("ws://127.0.0.1:{shared}/ws"), Serializer::Cbor),
        (format!("rs://127.0.0.1:{shared}"), Serializer::MsgPack),
        (url_of(&server, 5), Serializer::MsgPack),
        (url_of(&server, 6), Serializer::Json),
    ];
    for (i, (url, serializer)) in peers.iter().enumerate() {
        let tls = url.starts_with("wss:") || url.starts_with("rss:");
        let mut peer = Peer::connect_tls(&rt, url, *serializer, tls.then(|| client_tls.clone()));
        peer.hello("realm1", Dict::new());
        let payload = args(vec![Value::from(i as u64), Value::from(url.as_str())]);
        peer.send(&call(7, "com.echo", Dict::new(), payload.clone()));
        echo_once(&mut callee);
        expect_result(&mut peer, 7, &payload);
        let ack = dict(&[("acknowledge", Value::Bool(true))]);
        peer.send(&publish(8, "com.topic", ack, payload.clone()));
        assert!(
            matches!(peer.recv(), Message::Published(_)),
            "{url} {serializer}"
        );
        match listener.recv() {
            Message::Event(e) => assert_eq!(e.payload, payload),
            other => panic!("expected EVENT, got {other:?}"),
        }
        peer.leave();
    }
}

#[test]
fn listeners_speak_only_their_serializers() {
    let server = server_with(
        ServerConfig::open("realm1", &[]),
        vec![ListenerConfig {
            serializers: vec!["json".to_owned()],
            ..ListenerConfig::new("ws://127.0.0.1:0/ws")
        }],
    );
    let rt = runtime();
    let url = url_of(&server, 0);
    Peer::join(&rt, &url, Serializer::Json);
    let refused = rt
        .connect(
            &url.parse().expect("url"),
            zerowamp::runtime::ConnectOptions::with_subprotocol(
                zerowamp::transport::websocket::Subprotocol::new(
                    zerowamp::transport::rawsocket::Serializer::Cbor,
                ),
            ),
            |_: &zerowamp::runtime::Connection, _| {},
        )
        .expect("connect starts");
    let start = Instant::now();
    while !refused.is_open() && start.elapsed() < Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!refused.is_open(), "a CBOR-only client got in");
    assert!(
        server.listeners()[0].failed_handshakes() >= 1,
        "the refused handshake is counted"
    );
}

#[test]
fn undecodable_frames_abort_only_their_peer() {
    let server = server_with(
        ServerConfig {
            transport: zerowamp::router::server::TransportConfig {
                max_message_size: 4096,
                ..Default::default()
            },
            ..ServerConfig::open("realm1", &[])
        },
        vec![
            ListenerConfig::new("ws://127.0.0.1:0/ws"),
            ListenerConfig::new("rs://127.0.0.1:0"),
        ],
    );
    let rt = runtime();
    let (ws, rs) = (url_of(&server, 0), url_of(&server, 1));
    let (mut good, _) = Peer::join(&rt, &ws, Serializer::Json);
    good.send(&register(1, "com.self", Dict::new()));
    assert!(matches!(good.recv(), Message::Registered(_)));

    let cases: Vec<(&str, Serializer, Vec<u8>)> = vec![
        (&ws, Serializer::Json, b"this is not json".to_vec()),
        (&ws, Serializer::Json, b"[999, 1, {}]".to_vec()),
        (&ws, Serializer::Json, b"[1, 2, 3]".to_vec()),
        (&rs, Serializer::Cbor, vec![0xff, 0x00, 0x13]),
        (&rs, Serializer::MsgPack, vec![0x93, 0x01, 0xc1, 0xc1]),
        (&ws, Serializer::FlatBuffers, vec![1, 2, 3]),
    ];
    for (url, serializer, garbage) in cases {
        let mut bad = Peer::connect(&rt, url, serializer);
        bad.send_raw(&garbage);
        match bad.recv() {
            Message::Abort(a) => assert_eq!(a.reason, "wamp.error.protocol_violation"),
            other => panic!("expected ABORT, got {other:?}"),
        }
        bad.closed();
    }
    // After joining too: garbage mid-session.
    let (mut bad, _) = Peer::join(&rt, &rs, Serializer::Cbor);
    bad.send_raw(&[0x9f, 0xff, 0xff]);
    assert!(matches!(bad.recv(), Message::Abort(_)));
    bad.closed();
    // Oversize: the transport closes the connection.
    let (mut big, _) = Peer::join(&rt, &ws, Serializer::Json);
    let huge = format!("[16, 1, {{}}, \"com.t\", [\"{}\"]]", "x".repeat(8000));
    big.send_raw(huge.as_bytes());
    big.closed();

    let payload = args(vec![Value::from("still here")]);
    good.send(&call(2, "com.self", Dict::new(), payload.clone()));
    echo_once(&mut good);
    expect_result(&mut good, 2, &payload);
    assert_eq!(server.session_count(), 1);
}

#[test]
fn connections_that_do_not_join_are_closed_after_the_join_timeout() {
    let mut config = ServerConfig::open("realm1", &[]);
    config.transport.join_timeout_ms = 200;
    let server = server_with(config, vec![ListenerConfig::new("rs://127.0.0.1:0")]);
    let rt = runtime();
    let url = url_of(&server, 0);
    let start = Instant::now();
    let mut idle = Peer::connect(&rt, &url, Serializer::Json);
    match idle.recv() {
        Message::Abort(a) => {
            let text = a.details.get("message").cloned();
            assert!(
                matches!(&text, Some(Value::Str(s)) if s.contains("no session joined within 200 ms")),
                "{text:?}"
            );
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
    idle.closed();
    assert!(start.elapsed() >= Duration::from_millis(200));

    // A session that is joined stays; after GOODBYE the clock starts again.
    let (mut peer, _) = Peer::join(&rt, &url, Serializer::Cbor);
    std::thread::sleep(Duration::from_millis(400));
    peer.send(&subscribe(1, "com.t", Dict::new()));
    assert!(matches!(peer.recv(), Message::Subscribed(_)));
    peer.leave();
    assert!(matches!(peer.recv(), Message::Abort(_)));
    peer.closed();
    wait_until("the server to count no connection", || {
        server.connection_count() == 0
    });
}

#[test]
fn call_timeouts_fire_without_any_traffic() {
    let server = open_server(&["ws://127.0.0.1:0/ws"]);
    let rt = runtime();
    let url = url_of(&server, 0);
    let (mut callee, _) = Peer::join(&rt, &url, Serializer::MsgPack);
    callee.send(&register(1, "com.slow", Dict::new()));
    assert!(matches!(callee.recv(), Message::Registered(_)));
    let (mut caller, _) = Peer::join(&rt, &url, Serializer::Json);
    let start = Instant::now();
    caller.send(&call(
        5,
        "com.slow",
        dict(&[("timeout", Value::from(150u64))]),
        args(vec![]),
    ));
    let invocation = match callee.recv() {
        Message::Invocation(inv) => inv.request,
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    match caller.recv() {
        Message::Error(e) => {
            assert_eq!(e.request_type, MessageType::Call);
            assert_eq!(e.error, "wamp.error.timeout");
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    match callee.recv() {
        Message::Interrupt(i) => assert_eq!(i.request, invocation),
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
}

/// A RawSocket client written by hand, so that it can stop reading.
fn raw_json_client(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(&[0x7f, 0xf1, 0, 0]).expect("handshake");
    let mut reply = [0u8; 4];
    s.read_exact(&mut reply).expect("handshake reply");
    assert_eq!(reply[0], 0x7f);
    let send = |s: &mut TcpStream, text: &str| {
        let len = text.len() as u32;
        let head = [0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        s.write_all(&head)
            .and_then(|_| s.write_all(text.as_bytes()))
    };
    send(&mut s, r#"[1, "realm1", {"roles": {"subscriber": {}}}]"#).expect("HELLO");
    send(&mut s, r#"[32, 1, {}, "com.firehose"]"#).expect("SUBSCRIBE");
    s
}

#[test]
fn a_peer_that_stops_reading_is_disconnected() {
    let mut config = ServerConfig::open("realm1", &[]);
    config.transport.send_queue_limit = 256 * 1024;
    let server = server_with(config, vec![ListenerConfig::new("rs://127.0.0.1:0")]);
    let port = server.listeners()[0].local_addr().expect("tcp").port();
    let stalled = raw_json_client(port);
    let rt = runtime();
    let (mut publisher, _) = Peer::join(&rt, &url_of(&server, 0), Serializer::Cbor);
    wait_until("the raw client to join", || server.session_count() == 2);
    std::thread::sleep(Duration::from_millis(50)); // its SUBSCRIBE
    let chunk = Value::Bytes(bytes::Bytes::from(vec![7u8; 60_000]));
    let mut sent = 0;
    while server.session_count() > 1 {
        assert!(sent < 5_000, "the stalled subscriber was never dropped");
        publisher.send(&publish(
            sent + 1,
            "com.firehose",
            Dict::new(),
            args(vec![chunk.clone()]),
        ));
        sent += 1;
        if sent % 50 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // The publisher is unharmed.
    publisher.send(&subscribe(1, "com.other", Dict::new()));
    assert!(matches!(publisher.recv(), Message::Subscribed(_)));
    drop(stalled);
}

#[test]
fn shutdown_says_goodbye_to_every_session() {
    let server = open_server(&["ws://127.0.0.1:0/ws", "rs://127.0.0.1:0"]);
    let rt = runtime();
    let (mut polite, _) = Peer::join(&rt, &url_of(&server, 0), Serializer::Json);
    let (mut silent, _) = Peer::join(&rt, &url_of(&server, 1), Serializer::Cbor);
    let mut fresh = Peer::connect(&rt, &url_of(&server, 0), Serializer::MsgPack);
    let local = server
        .join_local("realm1", "local", "anonymous", Dict::new())
        .expect("local join");
    assert!(matches!(local.try_recv(), Some(Message::Welcome(_))));
    let answer = std::thread::spawn(move || {
        match polite.recv() {
            Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        polite.send(&Message::Goodbye(zerowamp::wamp::message::Goodbye {
            details: Dict::new(),
            reason: "wamp.close.goodbye_and_out".to_owned(),
        }));
        polite.closed();
    });
    // The grace is all the silent peer ever gets, so the test takes that long.
    let cut = server.shutdown(Duration::from_secs(1));
    answer.join().expect("the polite peer saw GOODBYE");
    assert_eq!(cut, 1, "only the silent peer is cut");
    match silent.recv() {
        Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    silent.closed();
    match fresh.recv() {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.close.system_shutdown"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    match local.try_recv() {
        Some(Message::Goodbye(g)) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
        other => panic!("expected GOODBYE, got {other:?}"),
    }
}

#[test]
fn local_sessions_serve_network_callers() {
    let server = open_server(&["ws://127.0.0.1:0/ws"]);
    let service = server
        .join_local("realm1", "svc", "anonymous", server_support::full_details())
        .expect("join");
    assert!(matches!(service.try_recv(), Some(Message::Welcome(_))));
    assert_eq!(
        service.identity().map(|i| i.authid.to_string()),
        Some("svc".to_owned())
    );
    service.send(register(1, "com.local.echo", Dict::new()));
    assert!(matches!(
        service.recv_timeout(WAIT),
        Some(Message::Registered(_))
    ));
    let worker = std::thread::spawn(move || {
        for _ in 0..3 {
            match service.recv_timeout(WAIT) {
                Some(Message::Invocation(inv)) => {
                    service.send(yield_(inv.request, Dict::new(), inv.payload))
                }
                other => panic!("expected INVOCATION, got {other:?}"),
            }
        }
        service
    });
    let rt = runtime();
    let (mut caller, _) = Peer::join(&rt, &url_of(&server, 0), Serializer::Cbor);
    for i in 0..3u64 {
        let payload = args(vec![Value::from(i)]);
        caller.send(&call(i + 1, "com.local.echo", Dict::new(), payload.clone()));
        expect_result(&mut caller, i + 1, &payload);
    }
    let service = worker.join().expect("worker");
    drop(service);
    caller.send(&call(9, "com.local.echo", Dict::new(), args(vec![])));
    match caller.recv() {
        Message::Error(e) => assert_eq!(e.error, "wamp.error.no_such_procedure"),
        other => panic!("expected ERROR, got {other:?}"),
    }

    // A local peer that says HELLO itself.
    let hello = server.attach_local();
    hello.send(Message::Hello(Hello {
        realm: "realm1".to_owned(),
        details: server_support::full_details(),
    }));
    assert!(matches!(
        hello.recv_timeout(WAIT),
        Some(Message::Welcome(_))
    ));
    hello.send(Message::Hello(Hello {
        realm: "realm1".to_owned(),
        details: Dict::new(),
    }));
    assert!(matches!(hello.recv_timeout(WAIT), Some(Message::Abort(_))));
    assert!(hello.is_closed());
    assert_eq!(hello.recv_timeout(Duration::from_millis(10)), None);
}
