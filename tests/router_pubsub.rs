//! PubSub through the router core: delivery, exclusion, black/white lists, acknowledgement,
//! pattern subscriptions, publisher identification, and passthru payloads shared without copies.

mod router_support;

use bytes::Bytes;
use router_support::*;
use zerowamp::router::reason;
use zerowamp::wamp::{Dict, Message, Payload, Value};

#[test]
fn event_reaches_subscribers_but_not_the_publisher() {
    let mut net = Net::open();
    let (a, b, p) = (net.join(), net.join(), net.join());
    let sa = net.subscribe(a, 1, "com.app.t", Dict::new());
    let sb = net.subscribe(b, 1, "com.app.t", Dict::new());
    assert_eq!(sa, sb, "one subscription per topic, shared");
    net.subscribe(p, 1, "com.app.t", Dict::new());
    net.send(
        p.peer,
        publish(2, "com.app.t", Dict::new(), args(vec![Value::from(7u64)])),
    );
    let ea = net.event(a);
    let eb = net.event(b);
    assert_eq!(ea.subscription, sa);
    assert_eq!(ea.publication, eb.publication);
    assert_eq!(ea.payload.arguments(), &[Value::from(7u64)]);
    assert!(ea.details.is_empty(), "{:?}", ea.details);
    assert!(net.recv(p.peer).is_none(), "exclude_me is the default");

    net.send(
        p.peer,
        publish(
            3,
            "com.app.t",
            dict(&[("exclude_me", Value::Bool(false))]),
            Payload::default(),
        ),
    );
    assert_eq!(net.recv_all(p.peer).len(), 1);
    assert_eq!(net.recv_all(a.peer).len(), 1);
}

#[test]
fn acknowledged_publish_and_errors() {
    let mut net = Net::open();
    let p = net.join();
    net.send(
        p.peer,
        publish(
            5,
            "com.app.t",
            dict(&[("acknowledge", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    match net.recv(p.peer) {
        Some(Message::Published(m)) => {
            assert_eq!(m.request, 5);
            assert!(m.publication >= 1 && m.publication <= 1 << 53);
        }
        other => panic!("{other:?}"),
    }
    // Invalid and reserved topics: ERROR only when acknowledged.
    net.send(
        p.peer,
        publish(6, "com..t", Dict::new(), Payload::default()),
    );
    assert!(net.recv(p.peer).is_none());
    let ack = dict(&[("acknowledge", Value::Bool(true))]);
    net.send(
        p.peer,
        publish(7, "com..t", ack.clone(), Payload::default()),
    );
    assert_eq!(net.error(p).error, reason::INVALID_URI);
    net.send(
        p.peer,
        publish(8, "wamp.session.on_join", ack, Payload::default()),
    );
    let e = net.error(p);
    assert_eq!((e.error.as_str(), e.request), (reason::INVALID_URI, 8));
}

#[test]
fn black_and_white_lists() {
    let mut net = Net::open();
    let subs: Vec<Client> = (0..4).map(|_| net.join()).collect();
    for s in &subs {
        net.subscribe(*s, 1, "com.app.t", Dict::new());
    }
    let p = net.join();
    let ids = |v: &[usize]| Value::List(v.iter().map(|&i| Value::from(subs[i].session)).collect());
    let got = |net: &mut Net| -> Vec<usize> {
        (0..subs.len())
            .filter(|&i| !net.recv_all(subs[i].peer).is_empty())
            .collect()
    };
    net.send(
        p.peer,
        publish(
            1,
            "com.app.t",
            dict(&[("exclude", ids(&[1, 2]))]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![0, 3]);
    net.send(
        p.peer,
        publish(
            2,
            "com.app.t",
            dict(&[("eligible", ids(&[1, 2]))]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![1, 2]);
    net.send(
        p.peer,
        publish(
            3,
            "com.app.t",
            dict(&[("eligible", ids(&[1, 2])), ("exclude", ids(&[2]))]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![1]);
    // authid/authrole variants: anonymous authids are "anonymous-<session>".
    let authid = Value::List(vec![Value::from(format!("anonymous-{}", subs[3].session))]);
    net.send(
        p.peer,
        publish(
            4,
            "com.app.t",
            dict(&[("eligible_authid", authid.clone())]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![3]);
    net.send(
        p.peer,
        publish(
            5,
            "com.app.t",
            dict(&[("exclude_authid", authid)]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![0, 1, 2]);
    let role = Value::List(vec![Value::from("anonymous")]);
    net.send(
        p.peer,
        publish(
            6,
            "com.app.t",
            dict(&[("exclude_authrole", role.clone())]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), Vec::<usize>::new());
    net.send(
        p.peer,
        publish(
            7,
            "com.app.t",
            dict(&[("eligible_authrole", role)]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), vec![0, 1, 2, 3]);
    let other = Value::List(vec![Value::from("admin")]);
    net.send(
        p.peer,
        publish(
            8,
            "com.app.t",
            dict(&[("eligible_authrole", other)]),
            Payload::default(),
        ),
    );
    assert_eq!(got(&mut net), Vec::<usize>::new());
}

#[test]
fn pattern_subscriptions_carry_the_topic() {
    let mut net = Net::open();
    let (exact, prefix, wild) = (net.join(), net.join(), net.join());
    let se = net.subscribe(exact, 1, "com.app.a.b", Dict::new());
    let sp = net.subscribe(
        prefix,
        1,
        "com.app.",
        dict(&[("match", Value::from("prefix"))]),
    );
    let sw = net.subscribe(
        wild,
        1,
        "com..a.b",
        dict(&[("match", Value::from("wildcard"))]),
    );
    let p = net.join();
    net.send(
        p.peer,
        publish(1, "com.app.a.b", Dict::new(), Payload::default()),
    );
    let e = net.event(exact);
    assert_eq!((e.subscription, e.details.get("topic")), (se, None));
    let e = net.event(prefix);
    assert_eq!(e.subscription, sp);
    assert_eq!(e.details.get("topic"), Some(&Value::from("com.app.a.b")));
    let e = net.event(wild);
    assert_eq!(e.subscription, sw);
    assert_eq!(e.details.get("topic"), Some(&Value::from("com.app.a.b")));

    net.send(
        p.peer,
        publish(2, "com.app.x", Dict::new(), Payload::default()),
    );
    assert!(net.recv(exact.peer).is_none());
    assert!(net.recv(wild.peer).is_none());
    assert_eq!(
        net.event(prefix).details.get("topic"),
        Some(&Value::from("com.app.x"))
    );

    // A session subscribed through two patterns gets one event per subscription.
    net.subscribe(
        exact,
        2,
        "com.app.",
        dict(&[("match", Value::from("prefix"))]),
    );
    net.send(
        p.peer,
        publish(3, "com.app.a.b", Dict::new(), Payload::default()),
    );
    assert_eq!(net.recv_all(exact.peer).len(), 2);

    // A bad pattern for its policy.
    net.send(exact.peer, subscribe(3, "com..x", Dict::new()));
    assert_eq!(net.error(exact).error, reason::INVALID_URI);
}

#[test]
fn publisher_identification() {
    let mut net = Net::open();
    let (s, p) = (net.join(), net.join());
    net.subscribe(s, 1, "com.app.t", Dict::new());
    net.send(
        p.peer,
        publish(
            1,
            "com.app.t",
            dict(&[("disclose_me", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    let e = net.event(s);
    assert_eq!(e.details.get("publisher"), Some(&Value::from(p.session)));
    assert_eq!(
        e.details.get("publisher_authrole"),
        Some(&Value::from("anonymous"))
    );
    assert_eq!(
        e.details.get("publisher_authid"),
        Some(&Value::from(format!("anonymous-{}", p.session)))
    );
    net.send(
        p.peer,
        publish(2, "com.app.t", Dict::new(), Payload::default()),
    );
    assert!(net.event(s).details.get("publisher").is_none());
}

#[test]
fn unsubscribe_and_its_errors() {
    let mut net = Net::open();
    let (a, b, p) = (net.join(), net.join(), net.join());
    let sub = net.subscribe(a, 1, "com.app.t", Dict::new());
    net.subscribe(b, 1, "com.app.t", Dict::new());
    net.send(
        a.peer,
        Message::Unsubscribe(zerowamp::wamp::message::Unsubscribe {
            request: 2,
            subscription: sub,
            options: Dict::new(),
        }),
    );
    assert!(matches!(net.recv(a.peer), Some(Message::Unsubscribed(u)) if u.request == 2));
    net.send(
        p.peer,
        publish(1, "com.app.t", Dict::new(), Payload::default()),
    );
    assert!(net.recv(a.peer).is_none());
    assert_eq!(net.recv_all(b.peer).len(), 1);
    net.send(
        a.peer,
        Message::Unsubscribe(zerowamp::wamp::message::Unsubscribe {
            request: 3,
            subscription: sub,
            options: Dict::new(),
        }),
    );
    let e = net.error(a);
    assert_eq!(
        (e.error.as_str(), e.request),
        (reason::NO_SUCH_SUBSCRIPTION, 3)
    );
    // b leaving drops the subscription altogether.
    net.send(b.peer, goodbye());
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 0, 0)));
}

#[test]
fn passthru_payload_is_shared_not_copied() {
    let mut net = Net::open();
    let subs: Vec<Client> = (0..5).map(|_| net.join()).collect();
    for s in &subs {
        net.subscribe(*s, 1, "com.app.records", Dict::new());
    }
    let p = net.join();
    let record = Bytes::from(vec![0xABu8; 4096]);
    let ppt = dict(&[
        ("ppt_scheme", Value::from("x_zerowamp")),
        ("ppt_serializer", Value::from("flatbuffers")),
        ("enc_algo", Value::from("null")),
    ]);
    // Both forms: autobahn's transparent payload, and the spec's single binary argument.
    for (n, payload) in [
        Payload::Transparent(record.clone()),
        Payload::args(vec![Value::Bytes(record.clone())]),
    ]
    .into_iter()
    .enumerate()
    {
        net.send(
            p.peer,
            publish(
                n as u64 + 1,
                "com.app.records",
                ppt.clone(),
                payload.clone(),
            ),
        );
        for s in &subs {
            let e = net.event(*s);
            let got = bytes_of(&e.payload);
            assert_eq!(got.as_ptr(), record.as_ptr(), "same buffer, no copy");
            assert_eq!(got.len(), record.len());
            assert_eq!(
                std::mem::discriminant(&e.payload),
                std::mem::discriminant(&payload)
            );
            for key in ["ppt_scheme", "ppt_serializer", "enc_algo"] {
                assert_eq!(e.details.get(key), ppt.get(key), "{key}");
            }
        }
    }
}

#[test]
fn meta_events_on_join_and_leave() {
    let mut net = Net::open();
    let watcher = net.join();
    net.subscribe(watcher, 1, "wamp.session.on_join", Dict::new());
    net.subscribe(watcher, 2, "wamp.session.on_leave", Dict::new());
    let c = net.join();
    let e = net.event(watcher);
    let info = e.payload.arguments()[0]
        .as_dict()
        .cloned()
        .unwrap_or_default();
    assert_eq!(info.get("session"), Some(&Value::from(c.session)));
    assert_eq!(info.get("authrole"), Some(&Value::from("anonymous")));
    let now = net.now;
    net.router.detach(c.peer, now);
    let e = net.event(watcher);
    assert_eq!(e.payload.arguments()[0], Value::from(c.session));
}
