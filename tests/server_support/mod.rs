//! A blocking WAMP peer over the runtime for the router server tests: connect with one
//! serializer, send messages, wait for the next one.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

use bytes::Bytes;
use zerowamp::router::server::{ListenerConfig, RouterServer, ServerConfig, TlsFiles};
use zerowamp::runtime::{CloseReason, ConnectOptions, Connection, Event, Runtime};
use zerowamp::transport::rawsocket;
use zerowamp::transport::tls::TlsClientConfig;
use zerowamp::transport::websocket::Subprotocol;
use zerowamp::transport::TransportUrl;
use zerowamp::wamp::message::{Goodbye, Hello};
use zerowamp::wamp::{Codec, Dict, Id, Message, Serializer, Value};

pub mod process;

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server for realm `realm1` (anonymous, everything allowed) on `urls`.
pub fn open_server(urls: &[&str]) -> RouterServer {
    RouterServer::start(&ServerConfig::open("realm1", urls)).expect("server starts")
}

/// A server with `config`'s realms and limits on `listeners`.
pub fn server_with(mut config: ServerConfig, listeners: Vec<ListenerConfig>) -> RouterServer {
    config.listeners = listeners;
    RouterServer::start(&config).expect("server starts")
}

/// Polls `cond` until it holds; fails the test after [`WAIT`].
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What a peer's handler saw.
enum Seen {
    Frame(Bytes),
    Closed(CloseReason),
}

/// One connection speaking WAMP with one serializer.
pub struct Peer {
    pub connection: Connection,
    codec: &'static dyn Codec,
    rx: Receiver<Seen>,
    closed: Option<CloseReason>,
}

fn subprotocol(serializer: Serializer) -> Subprotocol {
    let raw = rawsocket::Serializer::ALL
        .into_iter()
        .find(|s| s.name() == serializer.name())
        .expect("every codec has a RawSocket id");
    Subprotocol::new(raw)
}

impl Peer {
    /// Connects to `url` offering only `serializer`, and waits until the transport is open.
    pub fn connect(runtime: &Runtime, url: &str, serializer: Serializer) -> Peer {
        Peer::connect_tls(runtime, url, serializer, None)
    }

    /// Like [`connect`](Self::connect), trusting `tls` for `wss://` and `rss://`.
    pub fn connect_tls(
        runtime: &Runtime,
        url: &str,
        serializer: Serializer,
        tls: Option<TlsClientConfig>,
    ) -> Peer {
        let url = TransportUrl::parse(url).expect("URL");
        let (tx, rx) = channel();
        let (open_tx, open_rx) = channel();
        let mut options = ConnectOptions::with_subprotocol(subprotocol(serializer));
        options.tls = tls;
        let connection = runtime
            .connect(
                &url,
                options,
                move |_: &Connection, event: Event| match event {
                    Event::Opened(_) => {
                        let _ = open_tx.send(());
                    }
                    Event::Frame(frame) => {
                        let _ = tx.send(Seen::Frame(frame));
                    }
                    Event::Closed(reason) => {
                        let _ = tx.send(Seen::Closed(reason));
                    }
                },
            )
            .expect("connect");
        let mut peer = Peer {
            connection,
            codec: serializer.codec(),
            rx,
            closed: None,
        };
        if open_rx.recv_timeout(WAIT).is_err() {
            panic!("{url}: not open within {WAIT:?}: {:?}", peer.closed());
        }
        peer
    }

    /// Connects and joins `realm1` with every client feature; returns the peer and its
    /// session id.
    pub fn join(runtime: &Runtime, url: &str, serializer: Serializer) -> (Peer, Id) {
        let mut peer = Peer::connect(runtime, url, serializer);
        let session = peer.hello("realm1", Dict::new());
        (peer, session)
    }

    /// Sends HELLO (with every client feature, plus `details`) and expects WELCOME.
    pub fn hello(&mut self, realm: &str, details: Dict) -> Id {
        let mut all = full_details();
        all.extend(details);
        self.send(&Message::Hello(Hello {
            realm: realm.to_owned(),
            details: all,
        }));
        match self.recv() {
            Message::Welcome(w) => w.session,
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    /// Encodes and sends `msg`.
    pub fn send(&self, msg: &Message) {
        let mut frame = Vec::new();
        self.codec.encode(msg, &mut frame).expect("encodes");
        self.connection.send(frame).expect("sends");
    }

    /// Sends raw bytes as one message.
    pub fn send_raw(&self, frame: &[u8]) {
        self.connection.send(frame.to_vec()).expect("sends");
    }

    /// The next message; fails the test on timeout or close.
    pub fn recv(&mut self) -> Message {
        match self.next(WAIT) {
            Some(msg) => msg,
            None => panic!("no message within {WAIT:?} (closed: {:?})", self.closed),
        }
    }

    /// The next message within `wait`, or `None` (timeout, or the connection closed).
    pub fn next(&mut self, wait: Duration) -> Option<Message> {
        if self.closed.is_some() {
            return None;
        }
        match self.rx.recv_timeout(wait) {
            Ok(Seen::Frame(frame)) => {
                Some(self.codec.decode(frame).expect("router sends valid WAMP"))
            }
            Ok(Seen::Closed(reason)) => {
                self.closed = Some(reason);
                None
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("handler gone without Closed"),
        }
    }

    /// Waits for the connection to close (messages before that are dropped) and says why.
    pub fn closed(&mut self) -> CloseReason {
        while self.closed.is_none() {
            match self.rx.recv_timeout(WAIT) {
                Ok(Seen::Frame(_)) => {}
                Ok(Seen::Closed(reason)) => self.closed = Some(reason),
                Err(_) => panic!("not closed within {WAIT:?}"),
            }
        }
        self.closed.clone().expect("set above")
    }

    /// Leaves with GOODBYE and expects the router's GOODBYE back.
    pub fn leave(&mut self) {
        self.send(&Message::Goodbye(Goodbye {
            details: Dict::new(),
            reason: "wamp.close.close_realm".to_owned(),
        }));
        match self.recv() {
            Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.goodbye_and_out"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
    }
}

/// HELLO details announcing every client feature the router supports.
pub fn full_details() -> Dict {
    let features: Dict = [
        "progressive_call_results",
        "call_canceling",
        "call_timeout",
        "progressive_call_invocations",
        "caller_identification",
        "publisher_identification",
        "pattern_based_subscription",
        "pattern_based_registration",
        "shared_registration",
    ]
    .into_iter()
    .map(|f| (f.to_owned(), Value::Bool(true)))
    .collect();
    let role = || {
        let mut r = Dict::new();
        r.insert("features".to_owned(), Value::Dict(features.clone()));
        Value::Dict(r)
    };
    let roles: Dict = ["caller", "callee", "publisher", "subscriber"]
        .into_iter()
        .map(|name| (name.to_owned(), role()))
        .collect();
    let mut details = Dict::new();
    details.insert("roles".to_owned(), Value::Dict(roles));
    details
}

/// A CA made now and a server certificate for `localhost` and 127.0.0.1 signed by it, written
/// as PEM files into `dir`; returns the files for a listener and a client config trusting the CA.
pub fn tls_files(dir: &std::path::Path) -> (TlsFiles, TlsClientConfig) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf certificate");
    let files = TlsFiles {
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    };
    std::fs::write(&files.cert, leaf.pem()).expect("write certificate");
    std::fs::write(&files.key, leaf_key.serialize_pem()).expect("write key");
    let client = TlsClientConfig::from_ca_pem(ca.pem().as_bytes()).expect("client TLS config");
    (files, client)
}
