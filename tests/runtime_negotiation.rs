//! WebSocket subprotocol negotiation, refusals and size limits.

mod runtime_support;

use runtime_support::*;
use zerowamp::runtime::{
    CloseReason, ConnectOptions, ConnectionOptions, ListenOptions, TransportError,
};
use zerowamp::transport::rawsocket::{self, Serializer};
use zerowamp::transport::websocket::Subprotocol;

const SERIALIZERS: [Serializer; 4] = [
    Serializer::Json,
    Serializer::MsgPack,
    Serializer::Cbor,
    Serializer::FlatBuffers,
];

#[test]
fn every_subprotocol_is_negotiated_and_carries_messages() {
    let rt = runtime();
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), ListenOptions::default());
    let target = url(&format!("ws://127.0.0.1:{}/", server.port().unwrap()));
    for serializer in SERIALIZERS {
        for sub in [
            Subprotocol::new(serializer),
            Subprotocol::batched(serializer),
        ] {
            let (handler, rx) = channel_handler();
            let conn = rt
                .connect(&target, ConnectOptions::with_subprotocol(sub), handler)
                .unwrap();
            let info = expect_opened(&rx);
            assert_eq!(info.subprotocol, Some(sub));
            assert_eq!(info.serializer, serializer);
            // JSON goes as text frames, which must be UTF-8; the others are binary.
            let first: &[u8] = if sub.is_text() {
                b"[1,\"x\"]"
            } else {
                b"\x00\x1e\xff"
            };
            conn.send(first.to_vec()).unwrap();
            conn.send(Vec::new()).unwrap();
            assert_eq!(&expect_frame(&rx)[..], first, "{sub}");
            assert_eq!(&expect_frame(&rx)[..], b"", "{sub}");
            conn.close();
            assert_eq!(expect_closed(&rx), CloseReason::Local);
        }
    }
}

#[test]
fn the_server_preference_decides() {
    let rt = runtime();
    let options = ListenOptions {
        subprotocols: vec![
            Subprotocol::new(Serializer::MsgPack),
            Subprotocol::new(Serializer::Json),
        ],
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), options);
    let (handler, rx) = channel_handler();
    let offer = ConnectOptions {
        subprotocols: vec![
            Subprotocol::new(Serializer::Json),
            Subprotocol::new(Serializer::Cbor),
            Subprotocol::new(Serializer::MsgPack),
        ],
        ..ConnectOptions::default()
    };
    rt.connect(
        &url(&format!("ws://127.0.0.1:{}/", server.port().unwrap())),
        offer,
        handler,
    )
    .unwrap();
    assert_eq!(
        expect_opened(&rx).subprotocol,
        Some(Subprotocol::new(Serializer::MsgPack))
    );
}

#[test]
fn a_client_offering_nothing_we_speak_gets_http_400() {
    let rt = runtime();
    let options = ListenOptions {
        subprotocols: vec![Subprotocol::new(Serializer::Cbor)],
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), options);
    let (handler, rx) = channel_handler();
    let offer = ConnectOptions::with_subprotocol(Subprotocol::new(Serializer::Json));
    rt.connect(
        &url(&format!("ws://127.0.0.1:{}/", server.port().unwrap())),
        offer,
        handler,
    )
    .unwrap();
    match expect_closed(&rx) {
        CloseReason::Error(TransportError::HttpRefused { status, body }) => {
            assert_eq!(status, 400);
            assert!(body.contains("wamp.2.cbor"), "{body}");
        }
        other => panic!("expected HTTP 400, got {other:?}"),
    }
    wait_until("the listener to count the refusal", || {
        server.failed_handshakes() == 1
    });
    assert_eq!(server.accepted(), 0);
}

#[test]
fn a_rawsocket_serializer_the_router_does_not_speak_is_refused() {
    let rt = runtime();
    let options = ListenOptions {
        subprotocols: vec![Subprotocol::new(Serializer::Cbor)],
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("rs://127.0.0.1:0"), options);
    let (handler, rx) = channel_handler();
    let offer = ConnectOptions::with_subprotocol(Subprotocol::new(Serializer::Json));
    rt.connect(
        &url(&format!("rs://127.0.0.1:{}", server.port().unwrap())),
        offer,
        handler,
    )
    .unwrap();
    assert_eq!(
        expect_closed(&rx),
        CloseReason::Error(TransportError::RawSocket(rawsocket::Error::RouterRefused(
            rawsocket::Refusal::SerializerUnsupported
        )))
    );
}

fn small_limit(max: usize) -> ConnectionOptions {
    ConnectionOptions {
        max_message_size: max,
        ..ConnectionOptions::default()
    }
}

#[test]
fn an_oversize_websocket_message_is_refused_with_1009() {
    let rt = runtime();
    let options = ListenOptions {
        connection: small_limit(1024),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), options);
    let (handler, rx) = channel_handler();
    let conn = rt
        .connect(
            &url(&format!("ws://127.0.0.1:{}/", server.port().unwrap())),
            ConnectOptions::default(),
            handler,
        )
        .unwrap();
    expect_opened(&rx);
    conn.send(vec![7u8; 1024]).unwrap();
    assert_eq!(expect_frame(&rx).len(), 1024);
    conn.send(vec![7u8; 1025]).unwrap();
    assert_eq!(
        expect_closed(&rx),
        CloseReason::Remote {
            code: Some(1009),
            reason: "message too big".to_string()
        }
    );
}

#[test]
fn an_oversize_rawsocket_message_is_refused_before_sending() {
    let rt = runtime();
    let options = ListenOptions {
        connection: small_limit(4096),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("rs://127.0.0.1:0"), options);
    let (handler, rx) = channel_handler();
    let conn = rt
        .connect(
            &url(&format!("rs://127.0.0.1:{}", server.port().unwrap())),
            ConnectOptions::default(),
            handler,
        )
        .unwrap();
    let info = expect_opened(&rx);
    // The router announced 4096 in its handshake reply; the client keeps to it.
    assert_eq!(info.max_send, 4096);
    assert_eq!(
        conn.send(vec![0u8; 4097]),
        Err(zerowamp::runtime::SendError::TooLarge {
            length: 4097,
            max: 4096
        })
    );
    conn.send(vec![1u8; 4096]).unwrap();
    assert_eq!(expect_frame(&rx).len(), 4096);
}

#[test]
fn sends_over_the_local_limit_are_refused() {
    let rt = runtime();
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), ListenOptions::default());
    let (handler, rx) = channel_handler();
    let options = ConnectOptions {
        connection: small_limit(100),
        ..ConnectOptions::default()
    };
    let conn = rt
        .connect(
            &url(&format!("ws://127.0.0.1:{}/", server.port().unwrap())),
            options,
            handler,
        )
        .unwrap();
    expect_opened(&rx);
    assert_eq!(
        conn.send(vec![0u8; 101]),
        Err(zerowamp::runtime::SendError::TooLarge {
            length: 101,
            max: 100
        })
    );
}
