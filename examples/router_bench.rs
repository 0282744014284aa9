//! Throughput of the router core alone, with in-process peers: no sockets, no codecs. Shows
//! what the routing itself costs per call and per event.
//!
//! `cargo run --release --example router_bench [-- SECONDS]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::router::{PeerId, Router, RouterConfig};
use zerowamp::wamp::message::{Call, Publish, Register, Subscribe, Yield};
use zerowamp::wamp::{Dict, Message, Payload, Value};

fn join(router: &mut Router) -> PeerId {
    let now = Instant::now();
    let peer = router
        .join_local("realm1", "bench", "anonymous", Dict::new(), now)
        .expect("join");
    while router.poll_outbound(peer).is_some() {}
    peer
}

fn setup(router: &mut Router, peer: PeerId, msg: Message) {
    router.handle(peer, msg, Instant::now());
    while router.poll_outbound(peer).is_some() {}
}

/// Calls per second with `in_flight` calls outstanding at a time.
fn calls(seconds: f64, in_flight: u64) -> f64 {
    let mut router = Router::with_seed(RouterConfig::open("realm1"), 1).expect("router");
    let (callee, caller) = (join(&mut router), join(&mut router));
    setup(
        &mut router,
        callee,
        Message::Register(Register {
            request: 1,
            options: Dict::new(),
            procedure: "com.bench.get".into(),
        }),
    );
    let payload = Payload::args(vec![Value::Bytes(Bytes::from(vec![0u8; 64]))]);
    let now = Instant::now();
    let start = Instant::now();
    let mut request = 0u64;
    let mut done = 0u64;
    let issue = |router: &mut Router, request: u64| {
        router.handle(
            caller,
            Message::Call(Call {
                request,
                options: Dict::new(),
                procedure: "com.bench.get".into(),
                payload: payload.clone(),
            }),
            now,
        );
    };
    for _ in 0..in_flight {
        request += 1;
        issue(&mut router, request);
    }
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..1000 {
            while let Some(Message::Invocation(inv)) = router.poll_outbound(callee) {
                router.handle(
                    callee,
                    Message::Yield(Yield {
                        request: inv.request,
                        options: Dict::new(),
                        payload: inv.payload,
                    }),
                    now,
                );
            }
            while let Some(msg) = router.poll_outbound(caller) {
                assert!(matches!(msg, Message::Result(_)), "{msg:?}");
                done += 1;
                request += 1;
                issue(&mut router, request);
            }
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

/// Events delivered per second with `subscribers` subscribers and a shared 1 KiB payload.
fn events(seconds: f64, subscribers: usize) -> f64 {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_sessions = subscribers + 10;
    let mut router = Router::with_seed(config, 1).expect("router");
    let subs: Vec<PeerId> = (0..subscribers).map(|_| join(&mut router)).collect();
    for &s in &subs {
        setup(
            &mut router,
            s,
            Message::Subscribe(Subscribe {
                request: 1,
                options: Dict::new(),
                topic: "com.bench.t".into(),
            }),
        );
    }
    let publisher = join(&mut router);
    let record = Bytes::from(vec![0u8; 1024]);
    let mut options = Dict::new();
    options.insert("ppt_scheme".into(), Value::from("x_zerowamp"));
    options.insert("ppt_serializer".into(), Value::from("flatbuffers"));
    let now = Instant::now();
    let start = Instant::now();
    let mut delivered = 0u64;
    let mut request = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..100 {
            request += 1;
            router.handle(
                publisher,
                Message::Publish(Publish {
                    request,
                    options: options.clone(),
                    topic: "com.bench.t".into(),
                    payload: Payload::Transparent(record.clone()),
                }),
                now,
            );
            for &s in &subs {
                while router.poll_outbound(s).is_some() {
                    delivered += 1;
                }
            }
        }
    }
    delivered as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let seconds = Duration::from_secs_f64(seconds).as_secs_f64();
    println!("router core, in-process peers, {seconds:.1} s per measurement");
    println!("calls/s, sequential:        {:>12.0}", calls(seconds, 1));
    println!("calls/s, 100 in flight:     {:>12.0}", calls(seconds, 100));
    println!("events/s, 1 subscriber:     {:>12.0}", events(seconds, 1));
    println!("events/s, 100 subscribers:  {:>12.0}", events(seconds, 100));
}
