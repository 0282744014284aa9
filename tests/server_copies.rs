//! The router server's side of the zero-copy claim: one passthru payload published to many
//! subscribers is encoded once per subscriber as an envelope only — the payload itself is one
//! shared buffer written after each envelope, never copied into a subscriber's message.

mod server_support;

use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use server_support::{open_server, wait_until, WAIT};
use zerowamp::client::{
    record_passthru, Client, ClientOptions, PublishOptions, SubscribeOptions, Subscription,
};
use zerowamp::router::server::RouterServer;
use zerowamp::wamp::{Payload, Serializer};

const TOPIC: &str = "com.example.records";
const SUBSCRIBERS: usize = 8;
const PAYLOAD: usize = 64 * 1024;

fn client(url: &str, serializer: Serializer) -> Client {
    let options = ClientOptions::default()
        .with_serializer(serializer)
        .with_reconnect(None);
    Client::connect(url, "realm1", options).expect("client joins")
}

/// A subscriber whose events arrive on `events`.
fn subscriber(
    url: &str,
    serializer: Serializer,
    events: mpsc::Sender<Bytes>,
) -> (Client, Subscription) {
    let client = client(url, serializer);
    let subscription = client
        .subscribe(TOPIC, SubscribeOptions::default(), move |event| {
            let bytes = event.payload.transparent().cloned().unwrap_or_default();
            let _ = events.send(bytes);
        })
        .expect("subscribed");
    (client, subscription)
}

fn record() -> Bytes {
    (0..PAYLOAD)
        .map(|i| (i * 7 % 251) as u8)
        .collect::<Vec<_>>()
        .into()
}

/// Publishes one record to `subscribers` clients of `serializer` on `server`'s first listener;
/// returns the server's stats for that one publication (after minus before).
fn publish_to_subscribers(
    server: &RouterServer,
    serializer: Serializer,
    subscribers: usize,
) -> (u64, u64, u64) {
    let url = server.listeners()[0].url().to_owned();
    let (tx, rx) = mpsc::channel();
    let subs: Vec<_> = (0..subscribers)
        .map(|_| subscriber(&url, serializer, tx.clone()))
        .collect();
    let publisher = client(&url, Serializer::MsgPack);
    let record = record();
    let before = server.stats();
    let options = PublishOptions {
        passthru: Some(record_passthru()),
        ..PublishOptions::default()
    };
    publisher
        .publish(TOPIC, Payload::Transparent(record.clone()), options)
        .expect("published");
    for _ in 0..subscribers {
        let got = rx
            .recv_timeout(WAIT)
            .expect("every subscriber gets the event");
        assert_eq!(got, record, "the exact bytes arrive");
    }
    wait_until("the server counts every EVENT", || {
        server.stats().payload_octets_sent - before.payload_octets_sent
            >= (subscribers * PAYLOAD) as u64
    });
    let after = server.stats();
    for (client, sub) in subs {
        drop(sub);
        client.leave().expect("leaves");
    }
    publisher.leave().expect("leaves");
    (
        after.payload_octets_sent - before.payload_octets_sent,
        after.payload_octets_copied_by_serializer - before.payload_octets_copied_by_serializer,
        after.transport.message_bytes_copied - before.transport.message_bytes_copied,
    )
}

#[test]
fn a_passthru_payload_reaches_every_rawsocket_subscriber_without_a_copy() {
    let server = open_server(&["rs://127.0.0.1:0"]);
    for serializer in [Serializer::MsgPack, Serializer::Cbor] {
        let (sent, copied_by_serializer, copied_by_transport) =
            publish_to_subscribers(&server, serializer, SUBSCRIBERS);
        assert_eq!(
            sent,
            (SUBSCRIBERS * PAYLOAD) as u64,
            "{serializer:?}: one EVENT per subscriber"
        );
        assert_eq!(
            copied_by_serializer, 0,
            "{serializer:?}: the payload is not copied into any EVENT"
        );
        assert_eq!(
            copied_by_transport, 0,
            "{serializer:?}: RawSocket writes it with writev"
        );
    }
    server.shutdown(Duration::from_secs(2));
}

#[test]
fn websocket_server_frames_are_not_masked_so_nothing_is_copied_either() {
    let server = open_server(&["ws://127.0.0.1:0/ws"]);
    let (sent, copied_by_serializer, copied_by_transport) =
        publish_to_subscribers(&server, Serializer::MsgPack, SUBSCRIBERS);
    assert_eq!(sent, (SUBSCRIBERS * PAYLOAD) as u64);
    assert_eq!(copied_by_serializer, 0);
    assert_eq!(copied_by_transport, 0);
    server.shutdown(Duration::from_secs(2));
}

/// The counter is not a constant: JSON has to base64 the payload into every EVENT.
#[test]
fn json_subscribers_are_counted_as_copies() {
    let server = open_server(&["rs://127.0.0.1:0"]);
    let (sent, copied_by_serializer, _) = publish_to_subscribers(&server, Serializer::Json, 3);
    assert_eq!(sent, (3 * PAYLOAD) as u64);
    assert_eq!(copied_by_serializer, (3 * PAYLOAD) as u64);
    server.shutdown(Duration::from_secs(2));
}
