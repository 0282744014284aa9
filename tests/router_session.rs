//! The session lifecycle in the router core: HELLO/WELCOME, GOODBYE, in-process sessions,
//! session limits, shutdown, lifecycle events, outbound draining.

mod router_support;

use router_support::*;
use zerowamp::router::{
    reason, JoinError, RouterConfig, RouterEvent, TransportInfo, TransportKind,
};
use zerowamp::wamp::message::Message;
use zerowamp::wamp::{Dict, Payload, Value, MAX_ID};

#[test]
fn welcome_announces_roles_and_identity() {
    let mut net = Net::open();
    let peer = net.attach();
    net.send(peer, hello("realm1", &[]));
    let Some(Message::Welcome(w)) = net.recv(peer) else {
        panic!("no WELCOME");
    };
    assert!((1..=MAX_ID).contains(&w.session));
    let feature = |role: &str, name: &str| {
        w.details
            .get("roles")
            .and_then(Value::as_dict)
            .and_then(|r| r.get(role))
            .and_then(Value::as_dict)
            .and_then(|r| r.get("features"))
            .and_then(Value::as_dict)
            .and_then(|f| f.get(name))
            .cloned()
    };
    for name in [
        "publisher_identification",
        "publisher_exclusion",
        "subscriber_blackwhite_listing",
        "pattern_based_subscription",
        "payload_passthru_mode",
    ] {
        assert_eq!(feature("broker", name), Some(Value::Bool(true)), "{name}");
    }
    for name in [
        "caller_identification",
        "progressive_call_results",
        "progressive_call_invocations",
        "call_canceling",
        "call_timeout",
        "pattern_based_registration",
        "shared_registration",
    ] {
        assert_eq!(feature("dealer", name), Some(Value::Bool(true)), "{name}");
    }
    assert_eq!(w.details.get("authmethod"), Some(&Value::from("anonymous")));
    assert_eq!(w.details.get("authrole"), Some(&Value::from("anonymous")));
    assert_eq!(w.details.get("realm"), Some(&Value::from("realm1")));
    let identity = net.router.session(peer).cloned().expect("joined");
    assert_eq!(identity.session, w.session);
    assert_eq!(
        net.router.poll_event(),
        Some(RouterEvent::Joined { peer, identity })
    );
    // Session ids differ.
    let ids: std::collections::HashSet<u64> = (0..50).map(|_| net.join().session).collect();
    assert_eq!(ids.len(), 50);
}

#[test]
fn goodbye_then_a_new_session_on_the_same_peer() {
    let mut net = Net::open();
    let c = net.join();
    net.send(c.peer, goodbye());
    match net.recv(c.peer) {
        Some(Message::Goodbye(g)) => assert_eq!(g.reason, reason::GOODBYE_AND_OUT),
        other => panic!("{other:?}"),
    }
    assert!(net.router.session(c.peer).is_none());
    assert!(!net.router.should_close(c.peer));
    net.send(c.peer, hello("realm1", &[]));
    assert!(matches!(net.recv(c.peer), Some(Message::Welcome(w)) if w.session != c.session));
    let left = std::iter::from_fn(|| net.router.poll_event())
        .filter(
            |e| matches!(e, RouterEvent::Left { reason, .. } if reason == "wamp.close.close_realm"),
        )
        .count();
    assert_eq!(left, 1);
}

#[test]
fn client_abort_ends_the_session() {
    let mut net = Net::open();
    let c = net.join();
    net.subscribe(c, 1, "com.t", Dict::new());
    net.send(
        c.peer,
        Message::Abort(zerowamp::wamp::message::Abort {
            details: Dict::new(),
            reason: "wamp.close.normal".into(),
            payload: Payload::default(),
        }),
    );
    assert!(net.recv(c.peer).is_none());
    assert!(net.router.should_close(c.peer));
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 0, 0)));
}

#[test]
fn max_sessions() {
    let mut config = RouterConfig::open("realm1");
    config.limits.max_sessions = 2;
    let mut net = Net::new(config);
    let a = net.join();
    net.join();
    let peer = net.attach();
    net.send(peer, hello("realm1", &[]));
    let abort = net.abort(peer);
    assert_eq!(abort.reason, reason::MAX_SESSIONS);
    assert!(abort
        .details
        .get("message")
        .and_then(Value::as_str)
        .is_some());
    let now = net.now;
    assert_eq!(
        net.router
            .join_local("realm1", "x", "anonymous", Dict::new(), now),
        Err(JoinError::MaxSessions(2))
    );
    net.router.detach(a.peer, now);
    net.join();
    assert_eq!(net.router.session_count(), 2);
}

#[test]
fn local_sessions_are_first_class() {
    let mut net = Net::open();
    let now = net.now;
    let local = net
        .router
        .join_local("realm1", "table-server", "anonymous", full_roles(), now)
        .expect("joined");
    let Some(Message::Welcome(w)) = net.recv(local) else {
        panic!("no WELCOME");
    };
    let who = net.router.session(local).cloned().expect("identity");
    assert_eq!(
        (&*who.authid, who.authmethod, who.authprovider),
        ("table-server", "trusted", "local")
    );
    let server = Client {
        peer: local,
        session: w.session,
    };
    net.register(server, 1, "com.db.get", Dict::new());

    // A socket peer calls the in-process callee.
    let remote = net.router.attach(TransportInfo::new(
        TransportKind::WebSocket,
        "127.0.0.1:5000",
    ));
    net.send(remote, hello("realm1", &[]));
    let Some(Message::Welcome(_)) = net.recv(remote) else {
        panic!("no WELCOME");
    };
    let caller = Client {
        peer: remote,
        session: 0,
    };
    net.send(
        remote,
        call(
            1,
            "com.db.get",
            dict(&[("disclose_me", Value::Bool(true))]),
            args(vec![Value::from("k")]),
        ),
    );
    let inv = net.invocation(server);
    assert_eq!(
        inv.details
            .get("caller_authid")
            .and_then(Value::as_str)
            .map(|s| s.starts_with("anonymous-")),
        Some(true)
    );
    net.send(
        local,
        yield_(inv.request, Dict::new(), args(vec![Value::from("v")])),
    );
    assert_eq!(net.result(caller).payload.arguments(), &[Value::from("v")]);

    // The transport kind shows in the meta API.
    net.send(
        remote,
        call(
            2,
            "wamp.session.get",
            Dict::new(),
            args(vec![Value::from(w.session)]),
        ),
    );
    let info = net.result(caller).payload.arguments()[0].clone();
    let kind = info
        .as_dict()
        .and_then(|d| d.get("transport"))
        .and_then(Value::as_dict)
        .and_then(|t| t.get("type"))
        .cloned();
    assert_eq!(kind, Some(Value::from("local")));

    assert_eq!(
        net.router
            .join_local("nope", "x", "anonymous", Dict::new(), now),
        Err(JoinError::NoSuchRealm("nope".into()))
    );
    assert_eq!(
        net.router
            .join_local("realm1", "x", "root", Dict::new(), now),
        Err(JoinError::NoSuchRole("root".into()))
    );
    // attach_local + HELLO works like any transport.
    let p = net.router.attach_local();
    net.send(p, hello("realm1", &[]));
    assert!(matches!(net.recv(p), Some(Message::Welcome(_))));
}

#[test]
fn shutdown_says_goodbye_to_everyone() {
    let mut net = Net::open();
    let (a, b) = (net.join(), net.join());
    let fresh = net.attach();
    let now = net.now;
    net.router.shutdown(now);
    for c in [a, b] {
        match net.recv(c.peer) {
            Some(Message::Goodbye(g)) => assert_eq!(g.reason, reason::SYSTEM_SHUTDOWN),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(net.abort(fresh).reason, reason::SYSTEM_SHUTDOWN);
    assert!(net.router.should_close(fresh));
    assert!(
        !net.router.should_close(a.peer),
        "waits for the GOODBYE reply"
    );
    net.send(a.peer, goodbye());
    assert!(net.router.should_close(a.peer));
    assert!(net.recv(a.peer).is_none(), "no reply to the reply");
    // A connection that opens during the shutdown is refused at once, before it says anything.
    let late = net.attach();
    assert_eq!(net.abort(late).reason, reason::SYSTEM_SHUTDOWN);
    assert!(net.router.should_close(late));
    assert_eq!(net.router.session_count(), 0);
}

#[test]
fn reject_reports_undecodable_frames() {
    let mut net = Net::open();
    let (bad, good) = (net.join(), net.join());
    net.subscribe(bad, 1, "com.t", Dict::new());
    let now = net.now;
    net.router
        .reject(bad.peer, "malformed json at byte 3: expected value", now);
    let a = net.abort(bad.peer);
    assert_eq!(a.reason, reason::PROTOCOL_VIOLATION);
    assert_eq!(
        a.details.get("message"),
        Some(&Value::from("malformed json at byte 3: expected value"))
    );
    assert!(net.router.should_close(bad.peer));
    assert!(net
        .router
        .poll_event()
        .into_iter()
        .chain(std::iter::from_fn(|| net.router.poll_event()))
        .any(|e| matches!(e, RouterEvent::ProtocolViolation { peer, .. } if peer == bad.peer)));
    net.send(
        good.peer,
        publish(
            1,
            "com.t",
            dict(&[("acknowledge", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    assert!(matches!(net.recv(good.peer), Some(Message::Published(_))));
    // A stale handle after detach is simply unknown.
    net.router.detach(bad.peer, now);
    net.send(bad.peer, hello("realm1", &[]));
    assert!(net.recv(bad.peer).is_none());
    assert!(net.router.should_close(bad.peer));
}

#[test]
fn poll_transmit_drains_every_peer() {
    let mut net = Net::open();
    let subs: Vec<Client> = (0..3).map(|_| net.join()).collect();
    for s in &subs {
        net.subscribe(*s, 1, "com.t", Dict::new());
    }
    let p = net.join();
    for r in 1..=4 {
        net.send(p.peer, publish(r, "com.t", Dict::new(), Payload::default()));
    }
    let mut per_peer = std::collections::HashMap::new();
    while let Some((peer, m)) = net.router.poll_transmit() {
        assert!(matches!(
            m,
            Message::Event(_) | Message::Welcome(_) | Message::Subscribed(_)
        ));
        *per_peer.entry(peer).or_insert(0) += 1;
    }
    for s in &subs {
        assert_eq!(per_peer.get(&s.peer), Some(&4));
        assert_eq!(net.router.outbound_len(s.peer), 0);
    }
    assert!(net.router.next_ready().is_none());
}
