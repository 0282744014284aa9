//! Helpers shared by the runtime tests: echo servers, channel handlers, a test CA.
#![allow(dead_code)]

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use zerowamp::runtime::{
    CloseReason, Connection, Event, Handler, ListenOptions, Listener, Runtime, RuntimeOptions,
};
use zerowamp::transport::tls::{TlsClientConfig, TlsServerConfig};
use zerowamp::transport::TransportUrl;

/// How long any one wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

pub fn runtime() -> Runtime {
    Runtime::new(RuntimeOptions::default()).expect("runtime starts")
}

pub fn url(text: &str) -> TransportUrl {
    TransportUrl::parse(text).expect("valid URL")
}

/// A handler that forwards every event to a channel.
pub fn channel_handler() -> (impl Handler, Receiver<Event>) {
    let (tx, rx) = channel();
    let handler = move |_: &Connection, event: Event| {
        let _ = tx.send(event);
    };
    (handler, rx)
}

/// Listens on `url` and echoes every frame back on the connection it came from.
pub fn echo_server(rt: &Runtime, url: &TransportUrl, options: ListenOptions) -> Listener {
    rt.listen(url, options, |_conn| {
        Box::new(|conn: &Connection, event: Event| {
            if let Event::Frame(frame) = event {
                let _ = conn.send(frame);
            }
        })
    })
    .expect("listen")
}

pub fn next_event(rx: &Receiver<Event>) -> Event {
    match rx.recv_timeout(WAIT) {
        Ok(event) => event,
        Err(RecvTimeoutError::Timeout) => panic!("no event within {WAIT:?}"),
        Err(RecvTimeoutError::Disconnected) => panic!("handler dropped without Closed"),
    }
}

pub fn expect_opened(rx: &Receiver<Event>) -> zerowamp::runtime::OpenInfo {
    match next_event(rx) {
        Event::Opened(info) => info,
        other => panic!("expected Opened, got {other:?}"),
    }
}

pub fn expect_frame(rx: &Receiver<Event>) -> bytes::Bytes {
    match next_event(rx) {
        Event::Frame(frame) => frame,
        other => panic!("expected a frame, got {other:?}"),
    }
}

pub fn expect_closed(rx: &Receiver<Event>) -> CloseReason {
    match next_event(rx) {
        Event::Closed(reason) => reason,
        other => panic!("expected Closed, got {other:?}"),
    }
}

/// Polls `cond` until it holds or [`WAIT`] runs out.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A CA made now, and a server certificate for `localhost` and 127.0.0.1 signed by it.
pub struct TestPki {
    pub ca_pem: String,
    pub server: TlsServerConfig,
}

impl TestPki {
    pub fn new() -> TestPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let leaf_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("leaf params");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca)
            .expect("leaf certificate");
        let server =
            TlsServerConfig::from_pem(leaf.pem().as_bytes(), leaf_key.serialize_pem().as_bytes())
                .expect("server TLS config");
        TestPki {
            ca_pem: ca.pem(),
            server,
        }
    }

    pub fn client(&self) -> TlsClientConfig {
        TlsClientConfig::from_ca_pem(self.ca_pem.as_bytes()).expect("client TLS config")
    }
}
