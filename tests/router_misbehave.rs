//! Misbehaving peers: every kind of protocol violation gets ABORT
//! `wamp.error.protocol_violation` for that peer only, and a long randomized (fixed-seed)
//! stream of garbage from many peers neither panics the router nor disturbs a good pair of
//! sessions calling and publishing alongside.

mod router_support;

use bytes::Bytes;
use router_support::*;
use zerowamp::router::{reason, PeerId};
use zerowamp::wamp::message::*;
use zerowamp::wamp::{Dict, Id, Message, Payload, Value, MAX_ID};

/// Messages only a router sends, and other things a joined client must not send.
fn bad_in_session() -> Vec<(&'static str, Message)> {
    let d = Dict::new;
    vec![
        ("HELLO again", hello("realm1", &[])),
        (
            "WELCOME",
            Message::Welcome(Welcome {
                session: 1,
                details: d(),
            }),
        ),
        (
            "CHALLENGE",
            Message::Challenge(Challenge {
                method: "ticket".into(),
                extra: d(),
            }),
        ),
        (
            "AUTHENTICATE",
            Message::Authenticate(Authenticate {
                signature: "x".into(),
                extra: d(),
            }),
        ),
        (
            "PUBLISHED",
            Message::Published(Published {
                request: 1,
                publication: 1,
            }),
        ),
        (
            "SUBSCRIBED",
            Message::Subscribed(Subscribed {
                request: 1,
                subscription: 1,
            }),
        ),
        (
            "UNSUBSCRIBED",
            Message::Unsubscribed(Unsubscribed {
                request: 1,
                details: d(),
            }),
        ),
        (
            "EVENT",
            Message::Event(Event {
                subscription: 1,
                publication: 1,
                details: d(),
                payload: Payload::default(),
            }),
        ),
        (
            "RESULT",
            Message::Result(ResultMessage {
                request: 1,
                details: d(),
                payload: Payload::default(),
            }),
        ),
        (
            "REGISTERED",
            Message::Registered(Registered {
                request: 1,
                registration: 1,
            }),
        ),
        (
            "UNREGISTERED",
            Message::Unregistered(Unregistered {
                request: 1,
                details: d(),
            }),
        ),
        (
            "INVOCATION",
            Message::Invocation(Invocation {
                request: 1,
                registration: 1,
                details: d(),
                payload: Payload::default(),
            }),
        ),
        (
            "INTERRUPT",
            Message::Interrupt(Interrupt {
                request: 1,
                options: d(),
            }),
        ),
        (
            "ERROR for a CALL",
            Message::Error(ErrorMessage {
                request_type: MessageType::Call,
                request: 1,
                details: d(),
                error: "x.y".into(),
                payload: Payload::default(),
            }),
        ),
        ("request id 0", publish(0, "com.t", d(), Payload::default())),
        (
            "request id past 2^53",
            call(MAX_ID + 1, "com.p", d(), Payload::default()),
        ),
        (
            "acknowledge not a bool",
            publish(
                1,
                "com.t",
                dict(&[("acknowledge", Value::from("yes"))]),
                Payload::default(),
            ),
        ),
        (
            "exclude not ids",
            publish(
                1,
                "com.t",
                dict(&[("exclude", Value::List(vec![Value::from("a")]))]),
                Payload::default(),
            ),
        ),
        (
            "eligible not a list",
            publish(
                1,
                "com.t",
                dict(&[("eligible", Value::from(3u64))]),
                Payload::default(),
            ),
        ),
        (
            "unknown match",
            subscribe(1, "com.t", dict(&[("match", Value::from("glob"))])),
        ),
        (
            "unknown invoke",
            register(1, "com.p", dict(&[("invoke", Value::from("everyone"))])),
        ),
        (
            "unknown cancel mode",
            Message::Cancel(Cancel {
                request: 1,
                options: dict(&[("mode", Value::from("now"))]),
            }),
        ),
        (
            "timeout negative",
            call(
                1,
                "com.p",
                dict(&[("timeout", Value::Int(-5))]),
                Payload::default(),
            ),
        ),
        (
            "progress without the feature",
            call(
                1,
                "com.p",
                dict(&[("progress", Value::Bool(true))]),
                Payload::default(),
            ),
        ),
    ]
}

#[test]
fn each_violation_aborts_only_its_peer() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.good", Dict::new());
    for (n, (what, msg)) in bad_in_session().into_iter().enumerate() {
        let bad = net.join_basic();
        net.subscribe(bad, 1, "com.t", Dict::new());
        net.send(bad.peer, msg);
        let abort = net.abort(bad.peer);
        assert_eq!(abort.reason, reason::PROTOCOL_VIOLATION, "{what}");
        let text = abort
            .details
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("");
        assert!(!text.is_empty(), "{what}: the ABORT says why");
        assert!(net.router.should_close(bad.peer), "{what}");
        assert!(net.router.session(bad.peer).is_none(), "{what}");
        // The good pair is undisturbed.
        let request = n as Id + 1;
        net.send(
            caller.peer,
            call(request, "com.good", Dict::new(), Payload::default()),
        );
        let inv = net.invocation(callee);
        net.send(
            callee.peer,
            yield_(inv.request, Dict::new(), Payload::default()),
        );
        assert_eq!(net.result(caller).request, request, "{what}");
    }
    assert_eq!(
        net.router.realm_stats("realm1"),
        Some((0, 1, 0)),
        "violators left nothing behind"
    );
}

#[test]
fn violations_before_joining() {
    let mut net = Net::open();
    for msg in [
        call(1, "com.p", Dict::new(), Payload::default()),
        goodbye(),
        Message::Authenticate(Authenticate {
            signature: "x".into(),
            extra: Dict::new(),
        }),
        Message::Welcome(Welcome {
            session: 1,
            details: Dict::new(),
        }),
    ] {
        let peer = net.attach();
        net.send(peer, msg);
        assert_eq!(net.abort(peer).reason, reason::PROTOCOL_VIOLATION);
        // Nothing more is processed for a closed peer.
        net.send(peer, hello("realm1", &[]));
        assert!(net.recv(peer).is_none());
    }
    // HELLO with a mistyped detail.
    let peer = net.attach();
    net.send(
        peer,
        hello("realm1", &[("authmethods", Value::from("ticket"))]),
    );
    assert_eq!(net.abort(peer).reason, reason::PROTOCOL_VIOLATION);
}

/// A small deterministic generator for the random test (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn id(&mut self) -> Id {
        *self.pick(&[0, 1, 2, 3, 7, 1000, MAX_ID, MAX_ID + 1, u64::MAX])
    }

    fn uri(&mut self) -> String {
        self.pick(&[
            "com.t",
            "com.p",
            "com.",
            "",
            "com..t",
            "wamp.session.count",
            "wamp.x",
            "com t",
            "a.b.c",
            "com.t.x",
            "COM.T",
            "com.#",
            "..",
            "com.good",
        ])
        .to_string()
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.below(if depth > 2 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => Value::Int(-(self.below(1000) as i64)),
            3 => Value::UInt(self.id()),
            4 => Value::Float(1.5),
            5 => Value::Str(self.uri()),
            6 => Value::List((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Dict(self.options(depth + 1)),
        }
    }

    fn options(&mut self, depth: u32) -> Dict {
        const KEYS: [&str; 24] = [
            "acknowledge",
            "exclude_me",
            "exclude",
            "eligible",
            "exclude_authid",
            "eligible_authrole",
            "disclose_me",
            "match",
            "invoke",
            "receive_progress",
            "progress",
            "timeout",
            "mode",
            "ppt_scheme",
            "enc_algo",
            "disclose_caller",
            "roles",
            "authmethods",
            "authid",
            "authextra",
            "pubkey",
            "reason",
            "message",
            "x_unknown",
        ];
        let mut d = Dict::new();
        for _ in 0..self.below(4) {
            let key = *self.pick(&KEYS);
            let v = match (key, self.below(3)) {
                ("match", 0) => Value::from(*self.pick(&["exact", "prefix", "wildcard"])),
                ("invoke", 0) => {
                    Value::from(*self.pick(&["single", "roundrobin", "random", "first", "last"]))
                }
                ("mode", 0) => Value::from(*self.pick(&["skip", "kill", "killnowait"])),
                (_, 1) => Value::Bool(self.below(2) == 0),
                _ => self.value(depth),
            };
            d.insert(key.to_owned(), v);
        }
        d
    }

    fn payload(&mut self) -> Payload {
        match self.below(3) {
            0 => Payload::default(),
            1 => Payload::Transparent(Bytes::from(vec![1u8; self.below(64) as usize])),
            _ => Payload::new(
                (0..self.below(3)).map(|_| self.value(1)).collect(),
                self.options(1),
            ),
        }
    }

    fn message(&mut self) -> Message {
        let ty = *self.pick(&MessageType::ALL);
        let (r, o, u, p) = (self.id(), self.options(0), self.uri(), self.payload());
        match ty {
            MessageType::Hello => Message::Hello(Hello {
                realm: self.pick(&["realm1", "nope", ""]).to_string(),
                details: o,
            }),
            MessageType::Welcome => Message::Welcome(Welcome {
                session: r,
                details: o,
            }),
            MessageType::Abort => Message::Abort(Abort {
                details: o,
                reason: u,
                payload: p,
            }),
            MessageType::Challenge => Message::Challenge(Challenge {
                method: u,
                extra: o,
            }),
            MessageType::Authenticate => Message::Authenticate(Authenticate {
                signature: u,
                extra: o,
            }),
            MessageType::Goodbye => Message::Goodbye(Goodbye {
                details: o,
                reason: u,
            }),
            MessageType::Error => Message::Error(ErrorMessage {
                request_type: *self.pick(&MessageType::ALL),
                request: r,
                details: o,
                error: u,
                payload: p,
            }),
            MessageType::Publish => Message::Publish(Publish {
                request: r,
                options: o,
                topic: u,
                payload: p,
            }),
            MessageType::Published => Message::Published(Published {
                request: r,
                publication: r,
            }),
            MessageType::Subscribe => Message::Subscribe(Subscribe {
                request: r,
                options: o,
                topic: u,
            }),
            MessageType::Subscribed => Message::Subscribed(Subscribed {
                request: r,
                subscription: r,
            }),
            MessageType::Unsubscribe => Message::Unsubscribe(Unsubscribe {
                request: r,
                subscription: self.id(),
                options: o,
            }),
            MessageType::Unsubscribed => Message::Unsubscribed(Unsubscribed {
                request: r,
                details: o,
            }),
            MessageType::Event => Message::Event(Event {
                subscription: r,
                publication: r,
                details: o,
                payload: p,
            }),
            MessageType::EventReceived => Message::EventReceived(EventReceived { publication: r }),
            MessageType::Call => Message::Call(Call {
                request: r,
                options: o,
                procedure: u,
                payload: p,
            }),
            MessageType::Cancel => Message::Cancel(Cancel {
                request: r,
                options: o,
            }),
            MessageType::Result => Message::Result(ResultMessage {
                request: r,
                details: o,
                payload: p,
            }),
            MessageType::Register => Message::Register(Register {
                request: r,
                options: o,
                procedure: u,
            }),
            MessageType::Registered => Message::Registered(Registered {
                request: r,
                registration: r,
            }),
            MessageType::Unregister => Message::Unregister(Unregister {
                request: r,
                registration: self.id(),
                options: o,
            }),
            MessageType::Unregistered => Message::Unregistered(Unregistered {
                request: r,
                details: o,
            }),
            MessageType::Invocation => Message::Invocation(Invocation {
                request: r,
                registration: r,
                details: o,
                payload: p,
            }),
            MessageType::Interrupt => Message::Interrupt(Interrupt {
                request: r,
                options: o,
            }),
            MessageType::Yield => Message::Yield(Yield {
                request: r,
                options: o,
                payload: p,
            }),
        }
    }
}

#[test]
fn randomized_garbage_does_not_disturb_good_sessions() {
    let mut config = zerowamp::router::RouterConfig::open("realm1");
    config.limits.max_outbound_queue = 64;
    let mut net = Net::new(config);
    let (callee, caller, subscriber) = (net.join(), net.join(), net.join());
    net.register(callee, 1, "com.good.echo", Dict::new());
    net.subscribe(subscriber, 1, "com.good.news", Dict::new());
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut bad: Vec<PeerId> = Vec::new();
    let mut request = 0;
    for round in 0..400u64 {
        // Churn: new peers, some half of which join properly first.
        if bad.len() < 30 || rng.below(10) == 0 {
            let peer = net.attach();
            if rng.below(2) == 0 {
                net.send(peer, hello("realm1", &[]));
            }
            bad.push(peer);
        }
        for _ in 0..20 {
            let peer = *rng.pick(&bad);
            let msg = rng.message();
            net.send(peer, msg);
        }
        // Misbehaving peers read sometimes (some never do, and may be dropped for it),
        // and sometimes disconnect.
        for &peer in &bad {
            if rng.below(3) == 0 {
                net.recv_all(peer);
            }
        }
        if rng.below(5) == 0 {
            let at = rng.below(bad.len() as u64) as usize;
            let peer = bad.swap_remove(at);
            let now = net.now;
            net.router.detach(peer, now);
        }
        net.advance(rng.below(50));
        let now = net.now;
        net.router.handle_timeout(now);

        // The good sessions: a call answered with its argument, an event delivered.
        request += 1;
        net.send(
            caller.peer,
            call(
                request,
                "com.good.echo",
                Dict::new(),
                args(vec![Value::from(round)]),
            ),
        );
        let inv = net.invocation(callee);
        assert_eq!(inv.payload.arguments(), &[Value::from(round)]);
        net.send(
            callee.peer,
            yield_(inv.request, Dict::new(), inv.payload.clone()),
        );
        let r = net.result(caller);
        assert_eq!(
            (r.request, r.payload.arguments()),
            (request, &[Value::from(round)][..])
        );
        net.send(
            caller.peer,
            publish(
                request,
                "com.good.news",
                Dict::new(),
                args(vec![Value::from(round)]),
            ),
        );
        let e = net.event(subscriber);
        assert_eq!(e.payload.arguments(), &[Value::from(round)]);
        for good in [callee, caller, subscriber] {
            let extra = net.recv_all(good.peer);
            // Random peers may publish to the good topic only through patterns they
            // subscribed to, never make the good sessions fail: only events are allowed.
            assert!(
                extra.iter().all(|m| matches!(m, Message::Event(_))),
                "round {round}: {extra:?}"
            );
            assert!(net.router.session(good.peer).is_some());
        }
    }
    let violations = std::iter::from_fn(|| net.router.poll_event())
        .filter(|e| matches!(e, zerowamp::router::RouterEvent::ProtocolViolation { .. }))
        .count();
    assert!(
        violations > 50,
        "the garbage was mostly refused ({violations} violations)"
    );
}
