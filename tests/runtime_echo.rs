//! Echo between a client and a server endpoint on every transport: ws, wss, rs, rss, unix,
//! ws+unix, and one port serving both RawSocket and WebSocket.

mod runtime_support;

use runtime_support::*;
use zerowamp::runtime::{CloseReason, ConnectOptions, ListenOptions, Runtime};
use zerowamp::transport::rawsocket::Serializer;
use zerowamp::transport::url::Framing;
use zerowamp::transport::websocket::Subprotocol;
use zerowamp::transport::TransportUrl;

/// Connects to `url`, sends messages of several sizes, checks they come back unchanged, then
/// closes cleanly.
fn echo(rt: &Runtime, url: &TransportUrl, options: ConnectOptions, framing: Framing) {
    let (handler, rx) = channel_handler();
    let conn = rt.connect(url, options, handler).expect("connect");
    let info = expect_opened(&rx);
    assert_eq!(info.framing, framing);
    let messages: Vec<Vec<u8>> = [0usize, 1, 125, 126, 65_535, 65_536, 1 << 20]
        .iter()
        .map(|&n| (0..n).map(|i| (i * 7 + n) as u8).collect())
        .collect();
    for message in &messages {
        conn.send(message.clone()).expect("send");
    }
    for message in &messages {
        assert_eq!(&expect_frame(&rx)[..], &message[..]);
    }
    conn.close();
    assert_eq!(expect_closed(&rx), CloseReason::Local);
}

#[test]
fn websocket_over_tcp() {
    let rt = runtime();
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/ws"), ListenOptions::default());
    let port = server.port().unwrap();
    echo(
        &rt,
        &url(&format!("ws://127.0.0.1:{port}/ws")),
        ConnectOptions::default(),
        Framing::WebSocket,
    );
}

#[test]
fn rawsocket_over_tcp() {
    let rt = runtime();
    let server = echo_server(&rt, &url("rs://127.0.0.1:0"), ListenOptions::default());
    let port = server.port().unwrap();
    echo(
        &rt,
        &url(&format!("rs://127.0.0.1:{port}")),
        ConnectOptions::default(),
        Framing::RawSocket,
    );
}

#[test]
fn websocket_over_tls_with_a_test_ca() {
    let pki = TestPki::new();
    let rt = runtime();
    let options = ListenOptions {
        tls: Some(pki.server.clone()),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("wss://127.0.0.1:0/"), options);
    let port = server.port().unwrap();
    let connect = ConnectOptions {
        tls: Some(pki.client()),
        tls_server_name: Some("localhost".to_string()),
        ..ConnectOptions::default()
    };
    echo(
        &rt,
        &url(&format!("wss://127.0.0.1:{port}/")),
        connect,
        Framing::WebSocket,
    );
}

#[test]
fn rawsocket_over_tls_with_a_test_ca() {
    let pki = TestPki::new();
    let rt = runtime();
    let options = ListenOptions {
        tls: Some(pki.server.clone()),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("rss://127.0.0.1:0"), options);
    let port = server.port().unwrap();
    let connect = ConnectOptions {
        tls: Some(pki.client()),
        ..ConnectOptions::default()
    };
    echo(
        &rt,
        &url(&format!("rss://127.0.0.1:{port}")),
        connect,
        Framing::RawSocket,
    );
}

#[test]
fn tls_with_an_untrusted_ca_fails_the_connection() {
    let pki = TestPki::new();
    let other = TestPki::new();
    let rt = runtime();
    let options = ListenOptions {
        tls: Some(pki.server.clone()),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("rss://127.0.0.1:0"), options);
    let port = server.port().unwrap();
    let connect = ConnectOptions {
        tls: Some(other.client()),
        ..ConnectOptions::default()
    };
    let (handler, rx) = channel_handler();
    rt.connect(&url(&format!("rss://127.0.0.1:{port}")), connect, handler)
        .unwrap();
    match expect_closed(&rx) {
        CloseReason::Error(zerowamp::runtime::TransportError::Tls(detail)) => {
            assert!(detail.contains("certificate"), "{detail}")
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
fn rawsocket_and_websocket_over_unix_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let rs_path = dir.path().join("rs.sock");
    let ws_path = dir.path().join("ws.sock");
    let _rs = echo_server(
        &rt,
        &url(&format!("unix://{}", rs_path.display())),
        ListenOptions::default(),
    );
    let _ws = echo_server(
        &rt,
        &url(&format!("ws+unix://{}", ws_path.display())),
        ListenOptions::default(),
    );
    echo(
        &rt,
        &url(&format!("unix://{}", rs_path.display())),
        ConnectOptions::default(),
        Framing::RawSocket,
    );
    echo(
        &rt,
        &url(&format!("ws+unix://{}", ws_path.display())),
        ConnectOptions::default(),
        Framing::WebSocket,
    );
}

#[test]
fn one_port_serves_both_framings() {
    let rt = runtime();
    let options = ListenOptions {
        shared_port: true,
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("ws://127.0.0.1:0/"), options);
    let port = server.port().unwrap();
    echo(
        &rt,
        &url(&format!("rs://127.0.0.1:{port}")),
        ConnectOptions::default(),
        Framing::RawSocket,
    );
    echo(
        &rt,
        &url(&format!("ws://127.0.0.1:{port}/")),
        ConnectOptions::default(),
        Framing::WebSocket,
    );
    assert_eq!(server.accepted(), 2);
}

#[test]
fn one_tls_port_serves_both_framings() {
    let pki = TestPki::new();
    let rt = runtime();
    let options = ListenOptions {
        shared_port: true,
        tls: Some(pki.server.clone()),
        ..ListenOptions::default()
    };
    let server = echo_server(&rt, &url("wss://127.0.0.1:0/"), options);
    let port = server.port().unwrap();
    for scheme in ["rss", "wss"] {
        let connect = ConnectOptions {
            tls: Some(pki.client()),
            ..ConnectOptions::default()
        };
        let framing = if scheme == "rss" {
            Framing::RawSocket
        } else {
            Framing::WebSocket
        };
        let target = match scheme {
            "rss" => format!("rss://127.0.0.1:{port}"),
            _ => format!("wss://127.0.0.1:{port}/"),
        };
        echo(&rt, &url(&target), connect, framing);
    }
}

#[test]
fn the_peer_closing_is_reported_with_its_code() {
    let rt = runtime();
    let (server_tx, server_rx) = std::sync::mpsc::channel();
    let server = rt
        .listen(
            &url("ws://127.0.0.1:0/"),
            ListenOptions::default(),
            move |conn| {
                let _ = server_tx.send(conn.clone());
                Box::new(|_: &zerowamp::runtime::Connection, _: zerowamp::runtime::Event| {})
            },
        )
        .unwrap();
    let port = server.port().unwrap();
    let (handler, rx) = channel_handler();
    let options = ConnectOptions::with_subprotocol(Subprotocol::new(Serializer::Json));
    rt.connect(&url(&format!("ws://127.0.0.1:{port}/")), options, handler)
        .unwrap();
    expect_opened(&rx);
    let accepted = server_rx.recv_timeout(WAIT).unwrap();
    accepted.close_with(4001, "going away for a test");
    assert_eq!(
        expect_closed(&rx),
        CloseReason::Remote {
            code: Some(4001),
            reason: "going away for a test".to_string()
        }
    );
}
