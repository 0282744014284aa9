//! Limits in the router core: slow consumers are dropped with a clear reason while everyone
//! else goes on; pending calls and subscriptions per session are bounded.

mod router_support;

use router_support::*;
use zerowamp::router::{reason, RouterConfig, RouterEvent};
use zerowamp::wamp::message::Message;
use zerowamp::wamp::{Dict, Payload, Value};

#[test]
fn slow_consumer_is_disconnected_and_others_go_on() {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_outbound_queue = 10;
    let mut net = Net::new(config);
    let (slow, fast, publisher) = (net.join(), net.join(), net.join());
    net.subscribe(slow, 1, "com.t", Dict::new());
    net.subscribe(fast, 1, "com.t", Dict::new());
    let ack = dict(&[("acknowledge", Value::Bool(true))]);
    for r in 1..=25u64 {
        net.send(
            publisher.peer,
            publish(r, "com.t", ack.clone(), args(vec![Value::from(r)])),
        );
        // The fast subscriber and the publisher keep up; the slow one never reads.
        let e = net.event(fast);
        assert_eq!(e.payload.arguments(), &[Value::from(r)]);
        assert!(matches!(
            net.recv(publisher.peer),
            Some(Message::Published(_))
        ));
        assert!(net.router.outbound_len(slow.peer) <= 10);
    }
    // All the slow one gets is the reason it was dropped.
    let queued = net.recv_all(slow.peer);
    assert_eq!(queued.len(), 1, "{queued:?}");
    match &queued[0] {
        Message::Abort(a) => {
            assert_eq!(a.reason, reason::SLOW_CONSUMER);
            let text = a
                .details
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("");
            assert!(text.contains("10 messages"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(net.router.should_close(slow.peer));
    assert!(net.router.session(slow.peer).is_none());
    let events: Vec<RouterEvent> = std::iter::from_fn(|| net.router.poll_event()).collect();
    assert!(events.contains(&RouterEvent::SlowConsumer { peer: slow.peer }));
    // Its subscription is gone; the topic still has the fast subscriber.
    assert_eq!(net.router.realm_stats("realm1"), Some((1, 0, 0)));
    // Messages the dropped peer sends are ignored.
    net.send(slow.peer, publish(99, "com.t", ack, Payload::default()));
    assert!(net.recv(fast.peer).is_none());
    assert!(net.recv(slow.peer).is_none());
}

#[test]
fn slow_callee_dropped_fails_its_calls() {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_outbound_queue = 3;
    let mut net = Net::new(config);
    let (callee, a, b) = (net.join(), net.join(), net.join());
    net.register(callee, 1, "com.p", Dict::new());
    // Calls 1-3 fill the callee's queue; the 4th overflows it and it is dropped.
    for (caller, r) in [(a, 1), (b, 1), (a, 2), (b, 2)] {
        net.send(
            caller.peer,
            call(r, "com.p", Dict::new(), Payload::default()),
        );
    }
    assert_eq!(net.abort(callee.peer).reason, reason::SLOW_CONSUMER);
    for caller in [a, b] {
        let errors: Vec<(u64, String)> = net
            .recv_all(caller.peer)
            .into_iter()
            .map(|m| match m {
                Message::Error(e) => (e.request, e.error),
                other => panic!("{other:?}"),
            })
            .collect();
        let want = vec![
            (1, reason::CANCELED.to_owned()),
            (2, reason::CANCELED.to_owned()),
        ];
        assert_eq!(errors, want);
    }
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 0, 0)));
}

#[test]
fn overflow_cascades_stay_bounded() {
    // A caller whose queue overflows with the errors of a dropped callee is dropped as well.
    let mut config = RouterConfig::open("realm1");
    config.limits.max_outbound_queue = 3;
    let mut net = Net::new(config);
    let (callee, caller, bystander) = (net.join(), net.join(), net.join());
    net.register(callee, 1, "com.p", Dict::new());
    for r in 1..=4 {
        net.send(
            caller.peer,
            call(r, "com.p", Dict::new(), Payload::default()),
        );
    }
    assert_eq!(net.abort(callee.peer).reason, reason::SLOW_CONSUMER);
    assert_eq!(net.abort(caller.peer).reason, reason::SLOW_CONSUMER);
    assert!(net.recv(caller.peer).is_none());
    net.send(
        bystander.peer,
        publish(
            1,
            "com.t",
            dict(&[("acknowledge", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    assert!(matches!(
        net.recv(bystander.peer),
        Some(Message::Published(_))
    ));
    assert_eq!(net.router.session_count(), 1);
}

#[test]
fn pending_calls_per_session_are_bounded() {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_pending_calls = 2;
    let mut net = Net::new(config);
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.p", Dict::new());
    net.send(
        caller.peer,
        call(1, "com.p", Dict::new(), Payload::default()),
    );
    net.send(
        caller.peer,
        call(2, "com.p", Dict::new(), Payload::default()),
    );
    net.send(
        caller.peer,
        call(3, "com.p", Dict::new(), Payload::default()),
    );
    let e = net.error(caller);
    assert_eq!((e.request, e.error.as_str()), (3, reason::TOO_MANY_CALLS));
    let first = net.invocation(callee);
    net.send(
        callee.peer,
        yield_(first.request, Dict::new(), Payload::default()),
    );
    assert_eq!(net.result(caller).request, 1);
    net.send(
        caller.peer,
        call(4, "com.p", Dict::new(), Payload::default()),
    );
    assert!(net.recv(caller.peer).is_none());
    assert_eq!(net.recv_all(callee.peer).len(), 2);
}

#[test]
fn subscriptions_and_registrations_per_session_are_bounded() {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_subscriptions_and_registrations = 2;
    let mut net = Net::new(config);
    let c = net.join();
    net.subscribe(c, 1, "com.a", Dict::new());
    net.register(c, 2, "com.b", Dict::new());
    net.send(c.peer, subscribe(3, "com.c", Dict::new()));
    assert_eq!(net.error(c).error, reason::INVALID_ARGUMENT);
    net.send(c.peer, register(4, "com.d", Dict::new()));
    assert_eq!(net.error(c).error, reason::INVALID_ARGUMENT);
}
