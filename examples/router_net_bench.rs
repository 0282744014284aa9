//! Throughput and memory of `zerowamp router` over loopback sockets: calls per second
//! (sequential, and 100 in flight), events per second (1 and 100 subscribers), and the router
//! process's resident memory with 1,000 idle sessions.
//!
//! The router runs as its own process (the real binary), so its memory is its own. The clients
//! are minimal peers on the runtime and the codecs, all in this process: they answer and count
//! in their connection handlers, on the client's I/O thread, so the client adds little work.
//! Payloads are as in `router_bench` (the core alone, in-process): a 64-octet binary argument
//! for calls, a 1 KiB passthru payload for events.
//!
//! `cargo run --release --example router_net_bench -- target/release/zerowamp [SECONDS]`

#[path = "../tests/server_support/process.rs"]
mod process;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use process::RouterProcess;
use zerowamp::runtime::{ConnectOptions, Connection, Event, Runtime, RuntimeOptions};
use zerowamp::transport::rawsocket;
use zerowamp::transport::websocket::Subprotocol;
use zerowamp::transport::TransportUrl;
use zerowamp::wamp::message::{Call, Hello, Publish, Register, Subscribe, Yield};
use zerowamp::wamp::{Codec, Dict, Message, Payload, Serializer, Value};

const WAIT: Duration = Duration::from_secs(20);

/// One client connection: sends messages encoded with its serializer.
#[derive(Clone)]
struct Wire {
    connection: Connection,
    codec: &'static dyn Codec,
}

impl Wire {
    fn send(&self, msg: &Message) {
        let mut frame = Vec::with_capacity(128);
        self.codec.encode(msg, &mut frame).expect("encodes");
        self.connection.send(frame).expect("queued");
    }
}

/// Connects to `url`, joins `realm1` and returns once WELCOME came; every later message goes to
/// `on_message`, on the client's I/O thread.
fn join(
    runtime: &Runtime,
    url: &str,
    serializer: Serializer,
    mut on_message: impl FnMut(&Wire, Message) + Send + 'static,
) -> Wire {
    let url = TransportUrl::parse(url).expect("url");
    let raw = rawsocket::Serializer::ALL
        .into_iter()
        .find(|s| s.name() == serializer.name())
        .expect("a RawSocket id");
    let codec = serializer.codec();
    let (welcome_tx, welcome_rx) = channel();
    let mut welcomed = false;
    let connection = runtime
        .connect(
            &url,
            ConnectOptions::with_subprotocol(Subprotocol::new(raw)),
            move |connection: &Connection, event: Event| {
                let Event::Frame(frame) = event else {
                    return;
                };
                let Ok(msg) = codec.decode(frame) else {
                    return;
                };
                if !welcomed {
                    welcomed = true;
                    let _ = welcome_tx.send(matches!(msg, Message::Welcome(_)));
                    return;
                }
                let wire = Wire {
                    connection: connection.clone(),
                    codec,
                };
                on_message(&wire, msg);
            },
        )
        .expect("connect");
    let wire = Wire { connection, codec };
    let roles: Dict = ["caller", "callee", "publisher", "subscriber"]
        .into_iter()
        .map(|r| (r.to_owned(), Value::Dict(Dict::new())))
        .collect();
    let mut details = Dict::new();
    details.insert("roles".to_owned(), Value::Dict(roles));
    wire.send(&Message::Hello(Hello {
        realm: "realm1".to_owned(),
        details,
    }));
    assert_eq!(welcome_rx.recv_timeout(WAIT), Ok(true), "no WELCOME");
    wire
}

fn call(request: u64, payload: &Payload) -> Message {
    Message::Call(Call {
        request,
        options: Dict::new(),
        procedure: "com.bench.echo".to_owned(),
        payload: payload.clone(),
    })
}

/// A callee echoing every invocation, answered in its handler.
fn echo_callee(runtime: &Runtime, url: &str, serializer: Serializer) -> Wire {
    let (registered_tx, registered_rx) = channel();
    let callee = join(runtime, url, serializer, move |wire, msg| match msg {
        Message::Invocation(inv) => wire.send(&Message::Yield(Yield {
            request: inv.request,
            options: Dict::new(),
            payload: inv.payload,
        })),
        Message::Registered(_) => {
            let _ = registered_tx.send(());
        }
        other => panic!("callee got {other:?}"),
    });
    callee.send(&Message::Register(Register {
        request: 1,
        options: Dict::new(),
        procedure: "com.bench.echo".to_owned(),
    }));
    registered_rx.recv_timeout(WAIT).expect("REGISTERED");
    callee
}

/// Calls per second with `in_flight` calls outstanding at a time.
fn calls(url: &str, serializer: Serializer, seconds: f64, in_flight: u64) -> f64 {
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let _callee = echo_callee(&runtime, url, serializer);
    let payload = Payload::args(vec![Value::Bytes(Bytes::from(vec![0u8; 64]))]);
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (results_tx, results_rx) = channel();
    let (counter, halt, next) = (done.clone(), stop.clone(), payload.clone());
    let caller = join(&runtime, url, serializer, move |wire, msg| {
        let Message::Result(r) = msg else {
            panic!("caller got {msg:?}");
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if in_flight == 1 {
            let _ = results_tx.send(r.request);
        } else if !halt.load(Ordering::Relaxed) {
            // Keep the window full: each answer sends the next call.
            wire.send(&call(r.request + in_flight, &next));
        }
    });
    let start = Instant::now();
    if in_flight == 1 {
        let mut request = 0;
        while start.elapsed().as_secs_f64() < seconds {
            request += 1;
            caller.send(&call(request, &payload));
            assert_eq!(results_rx.recv_timeout(WAIT), Ok(request));
        }
    } else {
        for request in 1..=in_flight {
            caller.send(&call(request, &payload));
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Events delivered per second to `subscribers` subscribers, with a 1 KiB passthru payload; the
/// publisher keeps at most a few thousand events undelivered.
fn events(url: &str, serializer: Serializer, seconds: f64, subscribers: usize) -> f64 {
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let delivered = Arc::new(AtomicU64::new(0));
    let (subscribed_tx, subscribed_rx) = channel();
    let subs: Vec<Wire> = (0..subscribers)
        .map(|_| {
            let (count, subscribed) = (delivered.clone(), subscribed_tx.clone());
            let wire = join(&runtime, url, serializer, move |_, msg| match msg {
                Message::Event(_) => {
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Message::Subscribed(_) => {
                    let _ = subscribed.send(());
                }
                other => panic!("subscriber got {other:?}"),
            });
            wire.send(&Message::Subscribe(Subscribe {
                request: 1,
                options: Dict::new(),
                topic: "com.bench.t".to_owned(),
            }));
            subscribed_rx.recv_timeout(WAIT).expect("SUBSCRIBED");
            wire
        })
        .collect();
    let publisher = join(&runtime, url, serializer, |_, msg| {
        panic!("publisher got {msg:?}")
    });
    let mut options = Dict::new();
    options.insert("ppt_scheme".to_owned(), Value::from("x_zerowamp"));
    options.insert("ppt_serializer".to_owned(), Value::from("flatbuffers"));
    let record = Bytes::from(vec![0u8; 1024]);
    let window = 4096.max(subscribers as u64 * 20);
    let start = Instant::now();
    let mut published = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        if published * subscribers as u64 - delivered.load(Ordering::Relaxed) > window {
            std::thread::sleep(Duration::from_micros(50));
            continue;
        }
        published += 1;
        publisher.send(&Message::Publish(Publish {
            request: published,
            options: options.clone(),
            topic: "com.bench.t".to_owned(),
            payload: Payload::Transparent(record.clone()),
        }));
    }
    let rate = delivered.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    drop(subs);
    rate
}

/// A fresh router's RSS with no session and with `sessions` idle sessions over `listen`, in KiB
/// (a fresh process each time: memory freed is not always given back to the system).
fn memory(binary: &Path, listen: &str, serializer: Serializer, sessions: usize) -> (u64, u64) {
    let router = start_router(binary, &[listen]);
    let before = router.rss_kib();
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let idle: Vec<Wire> = (0..sessions)
        .map(|_| join(&runtime, &router.urls[0], serializer, |_, _| {}))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let with = router.rss_kib();
    drop(idle);
    (before, with)
}

fn start_router(binary: &Path, listen: &[&str]) -> RouterProcess {
    let mut args = Vec::new();
    for url in listen {
        args.extend(["--listen", url]);
    }
    RouterProcess::start(binary, &args, WAIT)
        .unwrap_or_else(|e| panic!("the router did not start: {e:?}"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .expect("usage: router_net_bench PATH/TO/zerowamp [SECONDS]");
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let binary = Path::new(&binary);
    let router = start_router(binary, &["rs://127.0.0.1:0", "ws://127.0.0.1:0/ws"]);
    let (rs, ws) = (router.urls[0].clone(), router.urls[1].clone());
    println!(
        "zerowamp router over loopback, clients in one other process, {seconds:.1} s per measurement"
    );
    for (label, url, serializer) in [
        ("RawSocket, CBOR", &rs, Serializer::Cbor),
        ("WebSocket, JSON", &ws, Serializer::Json),
    ] {
        println!("  {label}:");
        println!(
            "    calls/s, sequential        {:>10.0}",
            calls(url, serializer, seconds, 1)
        );
        println!(
            "    calls/s, 100 in flight     {:>10.0}",
            calls(url, serializer, seconds, 100)
        );
        println!(
            "    events/s, 1 subscriber     {:>10.0}",
            events(url, serializer, seconds, 1)
        );
        println!(
            "    events/s, 100 subscribers  {:>10.0}",
            events(url, serializer, seconds, 100)
        );
    }
    println!("  router RSS with idle sessions (a fresh router each):");
    for (label, listen, serializer) in [
        ("WebSocket, JSON", "ws://127.0.0.1:0/ws", Serializer::Json),
        ("RawSocket, CBOR", "rs://127.0.0.1:0", Serializer::Cbor),
    ] {
        let (before, with) = memory(binary, listen, serializer, 1000);
        println!(
            "    {label}: {:.1} MiB with none, {:.1} MiB with 1,000 ({:.1} KiB per session)",
            before as f64 / 1024.0,
            with as f64 / 1024.0,
            with.saturating_sub(before) as f64 / 1000.0
        );
    }
}
