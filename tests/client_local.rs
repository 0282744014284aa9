//! The client against a scripted router (`client_support`): what a real router does not do on
//! demand. A transport that drops without a word (calls in flight fail, the client reconnects
//! and restores its subscriptions and registrations), a router that stops reading (the send
//! queue stays bounded: requests fail or wait), invocations dropped unanswered, blocking calls
//! from callbacks, the last handle dropped on the I/O thread, and connect failures.

mod client_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use client_support::{FakeRouter, WAIT};
use zerowamp::client::{
    CallError, CallOptions, Client, ClientOptions, Error, Invocation, PublishOptions,
    RegisterOptions, SendFull, SubscribeOptions,
};
use zerowamp::runtime::{Backoff, Mode};
use zerowamp::wamp::{Message, MessageType, Payload, Serializer, Value};

const REALM: &str = "realm1";

fn options() -> ClientOptions {
    ClientOptions::default().with_serializer(Serializer::Cbor)
}

#[test]
fn a_dropped_transport_fails_calls_in_flight_then_reconnects_and_restores() {
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let backoff = Backoff {
        initial: Duration::from_millis(300),
        max: Duration::from_millis(300),
        jitter: 0.0,
        ..Backoff::default()
    };
    let client = Client::connect(
        &router.url(),
        REALM,
        options().with_reconnect(Some(backoff)),
    )
    .expect("connect");
    let first = client.session_id().expect("joined");
    let (event_tx, event_rx) = mpsc::channel();
    let sub = client
        .subscribe("com.t", SubscribeOptions::default(), move |e| {
            let _ = event_tx.send(e.payload.clone());
        })
        .expect("subscribe");
    let (inv_tx, inv_rx) = mpsc::channel();
    let _reg = client
        .register(
            "com.p",
            RegisterOptions::default(),
            move |inv: Invocation| {
                let _ = inv_tx.send(inv.args().to_vec());
                let _ = inv.yield_(Payload::args(vec!["done".into()]));
            },
        )
        .expect("register");
    let (call_tx, call_rx) = mpsc::channel();
    client
        .call_async(
            "com.hold",
            Payload::default(),
            CallOptions::default(),
            move |r| {
                let _ = call_tx.send(r);
            },
        )
        .expect("call");
    router.wait_for("the call", |s| {
        s.messages.iter().any(|m| matches!(m, Message::Call(_)))
    });

    // The router's side of the transport goes, without GOODBYE.
    router.last_connection().close();
    let lost = call_rx.recv_timeout(WAIT).expect("the call is answered");
    match lost {
        Err(CallError::Client(Error::SessionLost { reason })) => {
            assert_eq!(reason, "wamp.close.transport_lost")
        }
        other => panic!("{other:?}"),
    }
    // Until the session is back, requests are refused rather than queued.
    assert!(!client.is_joined());
    let refused = client.publish("com.t", Payload::default(), PublishOptions::default());
    assert_eq!(refused, Err(Error::NotConnected));

    let second = client.wait_joined(WAIT).expect("rejoined");
    assert_ne!(first, second);
    router.wait_for(
        "the subscription and registration to be asked for again",
        |s| {
            let subscribes = s
                .messages
                .iter()
                .filter(|m| matches!(m, Message::Subscribe(_)));
            let registers = s
                .messages
                .iter()
                .filter(|m| matches!(m, Message::Register(_)));
            subscribes.count() == 2 && registers.count() == 2
        },
    );
    // Both records were confirmed under the new ids (the request ids start over at 1).
    let until = Instant::now() + WAIT;
    while sub.id() != Some(501) {
        assert!(
            Instant::now() < until,
            "subscription not restored: {:?}",
            sub.id()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    router.event(Serializer::Cbor, 501, vec!["after".into()]);
    let event = event_rx
        .recv_timeout(WAIT)
        .expect("event after the reconnect");
    assert_eq!(event.arguments(), [Value::from("after")]);
    router.invoke(Serializer::Cbor, 77, 702, vec![1.into()]);
    assert_eq!(
        inv_rx.recv_timeout(WAIT).expect("invocation"),
        vec![Value::from(1)]
    );
    router.wait_for("the yield", |s| {
        s.messages
            .iter()
            .any(|m| matches!(m, Message::Yield(y) if y.request == 77))
    });
    client.leave().expect("leave");
    assert_eq!(
        client.publish("com.t", Payload::default(), PublishOptions::default()),
        Err(Error::Closed)
    );
}

#[test]
fn a_router_that_stops_reading_makes_requests_fail_or_wait_never_grow() {
    let router = FakeRouter::start(Mode::CallerDriven, 16 * 1024);
    let limit = 256 * 1024;
    let failing = Client::connect(
        &router.url(),
        REALM,
        options().with_send_queue(limit, SendFull::Fail),
    )
    .expect("connect");
    let blocking = Client::connect(
        &router.url(),
        REALM,
        options().with_send_queue(limit, SendFull::Block(Duration::from_millis(300))),
    )
    .expect("connect");
    router.set_pumping(false);

    let chunk = Payload::args(vec![Value::Bytes(vec![7u8; 64 * 1024].into())]);
    let fill = |client: &Client| -> (usize, Error) {
        for sent in 0..10_000 {
            match client.publish("com.flood", chunk.clone(), PublishOptions::default()) {
                Ok(_) => {}
                Err(e) => return (sent, e),
            }
        }
        panic!("the send queue never filled");
    };
    let (sent, error) = fill(&failing);
    assert!(matches!(error, Error::QueueFull { waited } if waited < Duration::from_millis(50)));
    // Below the limit plus one message (and what the kernel buffers took).
    let queued = failing.stats();
    eprintln!("queue full after {sent} publishes of 64 KiB: {queued:?}");

    let started = Instant::now();
    let (_, error) = fill(&blocking);
    match error {
        Error::QueueFull { waited } => assert!(waited >= Duration::from_millis(300), "{waited:?}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Room frees once the router reads again: a blocked request goes through.
    let resumed = Arc::new(std::sync::Barrier::new(2));
    let wait = resumed.clone();
    let publisher = blocking.clone();
    let payload = chunk.clone();
    let handle = std::thread::spawn(move || {
        wait.wait();
        let started = Instant::now();
        let r = publisher.publish("com.flood", payload, PublishOptions::default());
        (r, started.elapsed())
    });
    resumed.wait();
    std::thread::sleep(Duration::from_millis(100));
    router.set_pumping(true);
    let (r, _) = handle.join().expect("publisher thread");
    // Block(300 ms) may still run out while a large backlog drains; if so, try again.
    if r.is_err() {
        let until = Instant::now() + WAIT;
        loop {
            match blocking.publish("com.flood", chunk.clone(), PublishOptions::default()) {
                Ok(_) => break,
                Err(Error::QueueFull { .. }) if Instant::now() < until => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
    let reply = failing
        .publish(
            "com.flood",
            Payload::default(),
            PublishOptions {
                acknowledge: true,
                ..PublishOptions::default()
            },
        )
        .or_else(|_| {
            // The failing client may still find its queue full for a moment.
            std::thread::sleep(Duration::from_millis(500));
            failing.publish(
                "com.flood",
                Payload::default(),
                PublishOptions {
                    acknowledge: true,
                    ..PublishOptions::default()
                },
            )
        });
    assert!(matches!(reply, Ok(Some(_))), "{reply:?}");
    failing.leave().expect("leave");
    blocking.leave().expect("leave");
}

#[test]
fn invocations_dropped_unanswered_get_a_runtime_error() {
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let client = Client::connect(&router.url(), REALM, options()).expect("connect");
    let _reg = client
        .register(
            "com.forgetful",
            RegisterOptions::default(),
            |inv: Invocation| {
                drop(inv);
            },
        )
        .expect("register");
    router.invoke(Serializer::Cbor, 5, 701, vec![]);
    router.wait_for("the error", |s| {
        s.messages.iter().any(|m| {
            matches!(m, Message::Error(e) if e.request_type == MessageType::Invocation
                && e.request == 5 && e.error == "wamp.error.runtime_error")
        })
    });
    client.leave().expect("leave");
}

#[test]
fn blocking_methods_inside_callbacks_fail_instead_of_hanging() {
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let client = Client::connect(&router.url(), REALM, options()).expect("connect");
    let inner = client.clone();
    let (tx, rx) = mpsc::channel();
    let _reg = client
        .register(
            "com.nested",
            RegisterOptions::default(),
            move |inv: Invocation| {
                let blocking = inner.call("echo", Payload::default(), CallOptions::default());
                let subscribing = inner.subscribe("com.x", SubscribeOptions::default(), |_| {});
                // The callback-based form works.
                let (result_tx, result_rx) = mpsc::channel();
                let started = inner.call_async(
                    "echo",
                    Payload::args(vec![3.into()]),
                    CallOptions::default(),
                    move |r| {
                        let _ = result_tx.send(r);
                    },
                );
                let _ = tx.send((
                    blocking.err(),
                    subscribing.err(),
                    started.is_ok(),
                    result_rx,
                ));
                let _ = inv.yield_(Payload::default());
            },
        )
        .expect("register");
    router.invoke(Serializer::Cbor, 9, 701, vec![]);
    let (blocking, subscribing, started, result_rx) = rx.recv_timeout(WAIT).expect("callback ran");
    assert_eq!(blocking, Some(CallError::Client(Error::BlockingInCallback)));
    assert_eq!(
        subscribing.map(|e| e.to_string()),
        Some(Error::BlockingInCallback.to_string())
    );
    assert!(started);
    let echoed = result_rx
        .recv_timeout(WAIT)
        .expect("async result")
        .expect("ok");
    assert_eq!(echoed.payload.arguments(), [Value::from(3)]);
    client.leave().expect("leave");
}

#[test]
fn the_last_handle_dropped_inside_a_callback_stops_the_client_cleanly() {
    static IO_PANICS: AtomicUsize = AtomicUsize::new(0);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("zerowamp-client") {
            IO_PANICS.fetch_add(1, Ordering::SeqCst);
        }
        default_hook(info);
    }));
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let client = Client::connect(&router.url(), REALM, options()).expect("connect");
    let holder: Arc<Mutex<Option<Client>>> = Arc::new(Mutex::new(Some(client.clone())));
    let in_handler = holder.clone();
    let sub = client
        .subscribe("com.last", SubscribeOptions::default(), move |_| {
            // Takes the last handle and drops it, here on the client's I/O thread.
            drop(in_handler.lock().unwrap().take());
        })
        .expect("subscribe");
    let subscription = sub.id().expect("confirmed");
    drop(sub);
    drop(client);
    router.event(Serializer::Cbor, subscription, vec![]);
    router.wait_for("the client to close its connection", |s| s.closed >= 1);
    assert!(holder.lock().unwrap().is_none());
    assert_eq!(IO_PANICS.load(Ordering::SeqCst), 0);
}

#[test]
fn connecting_fails_fast_with_a_clear_error() {
    match Client::connect("http://127.0.0.1:1", REALM, options()) {
        Err(Error::Url(_)) => {}
        other => panic!("{other:?}"),
    }
    // A port nobody listens on: refused at once, not retried (the first connection never is).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let started = Instant::now();
    match Client::connect(&format!("rs://127.0.0.1:{port}"), REALM, options()) {
        Err(Error::Transport(_)) => {}
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // No reconnect policy: when the connection goes, the client closes.
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let client =
        Client::connect(&router.url(), REALM, options().with_reconnect(None)).expect("connect");
    router.last_connection().close();
    let until = Instant::now() + WAIT;
    loop {
        match client.publish("com.t", Payload::default(), PublishOptions::default()) {
            Err(Error::Closed) => break,
            other => assert!(Instant::now() < until, "still {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(client.wait_joined(WAIT), Err(Error::Closed));
}

#[test]
fn flatbuffers_works_between_zerowamp_endpoints() {
    // crossbar cannot serve FlatBuffers: the scripted router speaks it with our codec.
    let router = FakeRouter::start(Mode::IoThread, 1 << 20);
    let client = Client::connect(
        &router.url(),
        REALM,
        ClientOptions::default().with_serializer(Serializer::FlatBuffers),
    )
    .expect("connect with FlatBuffers");
    assert_eq!(client.serializer(), Serializer::FlatBuffers);
    let sent = Payload::args(vec![
        1.into(),
        "two".into(),
        Value::Bytes(vec![3u8; 4096].into()),
    ]);
    let result = client
        .call("echo", sent.clone(), CallOptions::default())
        .expect("call");
    assert_eq!(result.payload, sent);
    let publication = client
        .publish(
            "com.fbs",
            Payload::default(),
            PublishOptions {
                acknowledge: true,
                ..PublishOptions::default()
            },
        )
        .expect("publish");
    assert!(publication.is_some());
    let (tx, rx) = mpsc::channel();
    let sub = client
        .subscribe("com.fbs", SubscribeOptions::default(), move |e| {
            let _ = tx.send(e.payload.clone());
        })
        .expect("subscribe");
    router.event(
        Serializer::FlatBuffers,
        sub.id().expect("id"),
        vec!["news".into()],
    );
    assert_eq!(
        rx.recv_timeout(WAIT).expect("event").arguments(),
        [Value::from("news")]
    );
    // The serializer copies the binary into the message (FlatBuffers has no split form).
    assert_eq!(client.stats().payload_octets_copied_by_serializer, 4096);
    sub.unsubscribe().expect("unsubscribe");
    client.leave().expect("leave");
}
