//! RPC through the router core: routing, caller identification, progressive results and
//! invocations, cancel modes, timeouts, callees and callers leaving mid-call, shared
//! registrations per invocation policy.

mod router_support;

use std::collections::HashSet;

use router_support::*;
use zerowamp::router::reason;
use zerowamp::wamp::message::{Message, Unregister};
use zerowamp::wamp::{Dict, Payload, Value};

fn progress() -> Dict {
    dict(&[("progress", Value::Bool(true))])
}

#[test]
fn call_yield_result() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    let reg = net.register(callee, 1, "com.app.add", Dict::new());
    net.send(
        caller.peer,
        call(
            7,
            "com.app.add",
            Dict::new(),
            args(vec![Value::from(2u64), Value::from(3u64)]),
        ),
    );
    let inv = net.invocation(callee);
    assert_eq!(inv.registration, reg);
    assert_eq!(
        inv.payload.arguments(),
        &[Value::from(2u64), Value::from(3u64)]
    );
    assert!(inv.details.is_empty(), "{:?}", inv.details);
    net.send(
        callee.peer,
        yield_(inv.request, Dict::new(), args(vec![Value::from(5u64)])),
    );
    let r = net.result(caller);
    assert_eq!(
        (r.request, r.payload.arguments()),
        (7, &[Value::from(5u64)][..])
    );
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 1, 0)));

    // A late or unknown YIELD is dropped, not an error.
    net.send(
        callee.peer,
        yield_(inv.request, Dict::new(), Payload::default()),
    );
    assert!(net.recv(caller.peer).is_none());
    assert!(net.recv(callee.peer).is_none());
}

#[test]
fn callee_errors_reach_the_caller() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.fail", Dict::new());
    net.send(
        caller.peer,
        call(3, "com.app.fail", Dict::new(), Payload::default()),
    );
    let inv = net.invocation(callee);
    net.send(
        callee.peer,
        invocation_error(inv.request, "com.app.error.bad"),
    );
    let e = net.error(caller);
    assert_eq!((e.request, e.error.as_str()), (3, "com.app.error.bad"));
}

#[test]
fn routing_errors() {
    let mut net = Net::open();
    let (a, b) = (net.join(), net.join());
    net.send(
        a.peer,
        call(1, "com.app.none", Dict::new(), Payload::default()),
    );
    assert_eq!(net.error(a).error, reason::NO_SUCH_PROCEDURE);
    net.send(a.peer, call(2, "com..bad", Dict::new(), Payload::default()));
    assert_eq!(net.error(a).error, reason::INVALID_URI);
    net.register(a, 3, "com.app.p", Dict::new());
    net.send(b.peer, register(1, "com.app.p", Dict::new()));
    assert_eq!(net.error(b).error, reason::PROCEDURE_ALREADY_EXISTS);
    net.send(b.peer, register(2, "wamp.session.count", Dict::new()));
    assert_eq!(net.error(b).error, reason::INVALID_URI);
    net.send(
        b.peer,
        Message::Unregister(Unregister {
            request: 3,
            registration: 1,
            options: Dict::new(),
        }),
    );
    assert_eq!(net.error(b).error, reason::NO_SUCH_REGISTRATION);
}

#[test]
fn pattern_registrations_route_by_precedence() {
    let mut net = Net::open();
    let (exact, prefix, wild, caller) = (net.join(), net.join(), net.join(), net.join());
    let re = net.register(exact, 1, "com.app.obj.get", Dict::new());
    let rp = net.register(
        prefix,
        1,
        "com.app.",
        dict(&[("match", Value::from("prefix"))]),
    );
    let rw = net.register(
        wild,
        1,
        "com..obj.get",
        dict(&[("match", Value::from("wildcard"))]),
    );
    net.send(
        caller.peer,
        call(1, "com.app.obj.get", Dict::new(), Payload::default()),
    );
    let i = net.invocation(exact);
    assert_eq!((i.registration, i.details.get("procedure")), (re, None));
    net.send(
        caller.peer,
        call(2, "com.app.obj.put", Dict::new(), Payload::default()),
    );
    let i = net.invocation(prefix);
    assert_eq!(i.registration, rp);
    assert_eq!(
        i.details.get("procedure"),
        Some(&Value::from("com.app.obj.put"))
    );
    net.send(
        caller.peer,
        call(3, "com.other.obj.get", Dict::new(), Payload::default()),
    );
    let i = net.invocation(wild);
    assert_eq!(i.registration, rw);
    assert_eq!(
        i.details.get("procedure"),
        Some(&Value::from("com.other.obj.get"))
    );
}

#[test]
fn caller_identification() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.who", Dict::new());
    net.send(
        caller.peer,
        call(
            1,
            "com.app.who",
            dict(&[("disclose_me", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    let i = net.invocation(callee);
    assert_eq!(i.details.get("caller"), Some(&Value::from(caller.session)));
    assert_eq!(
        i.details.get("caller_authrole"),
        Some(&Value::from("anonymous"))
    );
    assert!(i.details.contains_key("caller_authid"));

    // A registration may ask for the caller's identity on every call.
    let c2 = net.join();
    net.register(
        c2,
        1,
        "com.app.who2",
        dict(&[("disclose_caller", Value::Bool(true))]),
    );
    net.send(
        caller.peer,
        call(2, "com.app.who2", Dict::new(), Payload::default()),
    );
    assert_eq!(
        net.invocation(c2).details.get("caller"),
        Some(&Value::from(caller.session))
    );
}

#[test]
fn progressive_call_results() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.stream", Dict::new());
    net.send(
        caller.peer,
        call(
            9,
            "com.app.stream",
            dict(&[("receive_progress", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    let inv = net.invocation(callee);
    assert_eq!(
        inv.details.get("receive_progress"),
        Some(&Value::Bool(true))
    );
    for n in 0..3u64 {
        net.send(
            callee.peer,
            yield_(inv.request, progress(), args(vec![Value::from(n)])),
        );
        let r = net.result(caller);
        assert_eq!(r.details.get("progress"), Some(&Value::Bool(true)));
        assert_eq!(r.payload.arguments(), &[Value::from(n)]);
    }
    net.send(
        callee.peer,
        yield_(inv.request, Dict::new(), args(vec![Value::from("done")])),
    );
    let r = net.result(caller);
    assert_eq!(r.details.get("progress"), None);
    assert_eq!(r.request, 9);

    // A basic callee is not asked for progress, and progress it sends anyway is a violation.
    let basic = net.join_basic();
    net.register(basic, 1, "com.app.basic", Dict::new());
    net.send(
        caller.peer,
        call(
            10,
            "com.app.basic",
            dict(&[("receive_progress", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    let inv = net.invocation(basic);
    assert_eq!(inv.details.get("receive_progress"), None);
    net.send(
        basic.peer,
        yield_(inv.request, progress(), Payload::default()),
    );
    assert_eq!(net.abort(basic.peer).reason, reason::PROTOCOL_VIOLATION);
    // ... and its pending call fails for the caller.
    assert_eq!(net.error(caller).error, reason::CANCELED);
}

#[test]
fn progressive_call_invocations_stick_to_one_callee() {
    let mut net = Net::open();
    let (c1, c2, caller) = (net.join(), net.join(), net.join());
    let shared = dict(&[("invoke", Value::from("roundrobin"))]);
    net.register(c1, 1, "com.app.upload", shared.clone());
    net.register(c2, 1, "com.app.upload", shared);
    let opts = dict(&[
        ("progress", Value::Bool(true)),
        ("disclose_me", Value::Bool(true)),
    ]);
    net.send(
        caller.peer,
        call(4, "com.app.upload", opts, args(vec![Value::from(0u64)])),
    );
    let first = net.invocation(c1);
    assert_eq!(first.details.get("progress"), Some(&Value::Bool(true)));
    for n in 1..4u64 {
        // Later chunks omit the options; the first chunk's stay in force.
        net.send(
            caller.peer,
            call(4, "com.app.upload", progress(), args(vec![Value::from(n)])),
        );
        let i = net.invocation(c1);
        assert_eq!(i.request, first.request);
        assert_eq!(i.details.get("caller"), Some(&Value::from(caller.session)));
        assert_eq!(i.payload.arguments(), &[Value::from(n)]);
    }
    net.send(
        caller.peer,
        call(
            4,
            "com.app.upload",
            Dict::new(),
            args(vec![Value::from(99u64)]),
        ),
    );
    let last = net.invocation(c1);
    assert_eq!(
        (last.request, last.details.get("progress")),
        (first.request, None)
    );
    assert!(net.recv(c2.peer).is_none());
    net.send(
        c1.peer,
        yield_(first.request, Dict::new(), Payload::default()),
    );
    assert_eq!(net.result(caller).request, 4);

    // Reusing the request id of a finished, non-streaming call in flight is a violation.
    net.send(
        caller.peer,
        call(5, "com.app.upload", Dict::new(), Payload::default()),
    );
    net.send(
        caller.peer,
        call(5, "com.app.upload", Dict::new(), Payload::default()),
    );
    assert!(net
        .recv_all(caller.peer)
        .iter()
        .any(|m| matches!(m, Message::Abort(a) if a.reason == reason::PROTOCOL_VIOLATION)));
}

#[test]
fn progressive_invocations_need_support_on_both_sides() {
    let mut net = Net::open();
    let (basic_callee, caller, basic_caller) = (net.join_basic(), net.join(), net.join_basic());
    net.register(basic_callee, 1, "com.app.up", Dict::new());
    net.send(
        caller.peer,
        call(1, "com.app.up", progress(), Payload::default()),
    );
    assert_eq!(net.error(caller).error, reason::FEATURE_NOT_SUPPORTED);
    net.send(
        basic_caller.peer,
        call(1, "com.app.up", progress(), Payload::default()),
    );
    assert_eq!(
        net.abort(basic_caller.peer).reason,
        reason::PROTOCOL_VIOLATION
    );
}

/// A callee and caller with a call in flight; returns the INVOCATION request id.
fn in_flight(net: &mut Net, callee: Client, caller: Client, request: u64) -> u64 {
    net.send(
        caller.peer,
        call(request, "com.app.slow", Dict::new(), Payload::default()),
    );
    net.invocation(callee).request
}

fn interrupt_mode(net: &mut Net, c: Client, invocation: u64) -> String {
    match net.recv(c.peer) {
        Some(Message::Interrupt(i)) => {
            assert_eq!(i.request, invocation);
            i.options
                .get("mode")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
}

#[test]
fn cancel_modes() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.slow", Dict::new());

    // skip: ERROR now, no INTERRUPT, the late YIELD is dropped.
    let inv = in_flight(&mut net, callee, caller, 1);
    net.send(caller.peer, cancel(1, "skip"));
    let e = net.error(caller);
    assert_eq!((e.request, e.error.as_str()), (1, reason::CANCELED));
    assert!(net.recv(callee.peer).is_none());
    net.send(callee.peer, yield_(inv, Dict::new(), Payload::default()));
    assert!(net.recv(caller.peer).is_none());

    // killnowait: ERROR now and INTERRUPT; the callee's answer is dropped.
    let inv = in_flight(&mut net, callee, caller, 2);
    net.send(caller.peer, cancel(2, "killnowait"));
    assert_eq!(net.error(caller).error, reason::CANCELED);
    assert_eq!(interrupt_mode(&mut net, callee, inv), "killnowait");
    net.send(callee.peer, invocation_error(inv, reason::CANCELED));
    assert!(net.recv(caller.peer).is_none());

    // kill: INTERRUPT, then the caller gets whatever the callee answers.
    let inv = in_flight(&mut net, callee, caller, 3);
    net.send(caller.peer, cancel(3, "kill"));
    assert!(net.recv(caller.peer).is_none());
    assert_eq!(interrupt_mode(&mut net, callee, inv), "kill");
    net.send(caller.peer, cancel(3, "kill"));
    assert!(
        net.recv(callee.peer).is_none(),
        "a second cancel is ignored"
    );
    net.send(callee.peer, invocation_error(inv, reason::CANCELED));
    let e = net.error(caller);
    assert_eq!((e.request, e.error.as_str()), (3, reason::CANCELED));

    // kill where the callee finishes first: the caller gets the RESULT.
    let inv = in_flight(&mut net, callee, caller, 4);
    net.send(caller.peer, cancel(4, "kill"));
    interrupt_mode(&mut net, callee, inv);
    net.send(callee.peer, yield_(inv, Dict::new(), Payload::default()));
    assert_eq!(net.result(caller).request, 4);

    // Cancel of something not in flight: nothing happens.
    net.send(caller.peer, cancel(77, "kill"));
    assert!(net.recv(caller.peer).is_none());
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 1, 0)));
}

#[test]
fn cancel_on_a_callee_without_canceling_is_skip() {
    let mut net = Net::open();
    let (callee, caller) = (net.join_basic(), net.join());
    net.register(callee, 1, "com.app.slow", Dict::new());
    in_flight(&mut net, callee, caller, 1);
    net.send(caller.peer, cancel(1, "kill"));
    assert_eq!(net.error(caller).error, reason::CANCELED);
    assert!(
        net.recv(callee.peer).is_none(),
        "no INTERRUPT for a callee that cannot take one"
    );
}

#[test]
fn dealer_side_timeout() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.slow", Dict::new());
    assert_eq!(net.router.next_timeout(), None);
    let start = net.now;
    net.send(
        caller.peer,
        call(
            1,
            "com.app.slow",
            dict(&[("timeout", Value::from(500u64))]),
            Payload::default(),
        ),
    );
    let inv = net.invocation(callee).request;
    net.send(
        caller.peer,
        call(
            2,
            "com.app.slow",
            dict(&[("timeout", Value::from(200u64))]),
            Payload::default(),
        ),
    );
    let inv2 = net.invocation(callee).request;
    assert_eq!(
        net.router.next_timeout(),
        Some(start + std::time::Duration::from_millis(200))
    );
    net.advance(199);
    let now = net.now;
    net.router.handle_timeout(now);
    assert!(net.recv(caller.peer).is_none());
    net.advance(1);
    let now = net.now;
    net.router.handle_timeout(now);
    let e = net.error(caller);
    assert_eq!((e.request, e.error.as_str()), (2, reason::TIMEOUT));
    assert_eq!(interrupt_mode(&mut net, callee, inv2), "killnowait");
    // The first call answers in time.
    net.send(callee.peer, yield_(inv, Dict::new(), Payload::default()));
    assert_eq!(net.result(caller).request, 1);
    assert_eq!(net.router.next_timeout(), None);
}

#[test]
fn callee_leaving_mid_call_fails_its_calls() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.slow", Dict::new());
    in_flight(&mut net, callee, caller, 1);
    in_flight(&mut net, callee, caller, 2);
    let now = net.now;
    net.router.detach(callee.peer, now);
    let errors: Vec<(u64, String)> = net
        .recv_all(caller.peer)
        .into_iter()
        .map(|m| match m {
            Message::Error(e) => (e.request, e.error),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (1, reason::CANCELED.to_owned()),
            (2, reason::CANCELED.to_owned())
        ]
    );
    net.send(
        caller.peer,
        call(3, "com.app.slow", Dict::new(), Payload::default()),
    );
    assert_eq!(net.error(caller).error, reason::NO_SUCH_PROCEDURE);
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 0, 0)));
}

#[test]
fn caller_leaving_interrupts_its_invocations() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.slow", Dict::new());
    let inv = in_flight(&mut net, callee, caller, 1);
    net.send(caller.peer, goodbye());
    assert!(matches!(net.recv(caller.peer), Some(Message::Goodbye(_))));
    assert_eq!(interrupt_mode(&mut net, callee, inv), "killnowait");
    net.send(callee.peer, yield_(inv, Dict::new(), Payload::default()));
    assert!(net.recv(caller.peer).is_none());
    assert_eq!(net.router.realm_stats("realm1"), Some((0, 1, 0)));
}

/// Registers `n` callees with `policy`, makes `calls` calls, and returns the callee index each
/// call went to.
fn route(policy: &str, n: usize, calls: u64) -> Vec<usize> {
    let mut net = Net::open();
    let callees: Vec<Client> = (0..n).map(|_| net.join()).collect();
    let opts = dict(&[("invoke", Value::from(policy))]);
    let mut reg = None;
    for c in &callees {
        let id = net.register(*c, 1, "com.app.shared", opts.clone());
        assert_eq!(*reg.get_or_insert(id), id, "one shared registration");
    }
    let caller = net.join();
    let mut out = Vec::new();
    for r in 1..=calls {
        net.send(
            caller.peer,
            call(r, "com.app.shared", Dict::new(), Payload::default()),
        );
        let got: Vec<usize> = (0..n)
            .filter(|&i| !net.recv_all(callees[i].peer).is_empty())
            .collect();
        assert_eq!(got.len(), 1, "exactly one callee per call");
        out.push(got[0]);
    }
    out
}

#[test]
fn shared_registration_policies() {
    assert_eq!(route("roundrobin", 3, 7), vec![0, 1, 2, 0, 1, 2, 0]);
    assert_eq!(route("first", 3, 4), vec![0; 4]);
    assert_eq!(route("last", 3, 4), vec![2; 4]);
    let random = route("random", 3, 60);
    let seen: HashSet<usize> = random.iter().copied().collect();
    assert_eq!(seen.len(), 3, "random reaches every callee: {random:?}");
    assert_eq!(route("single", 1, 2), vec![0, 0]);
}

#[test]
fn shared_registration_rules() {
    let mut net = Net::open();
    let (a, b, c, caller) = (net.join(), net.join(), net.join(), net.join());
    let rr = dict(&[("invoke", Value::from("roundrobin"))]);
    let reg = net.register(a, 1, "com.app.s", rr.clone());
    net.register(b, 1, "com.app.s", rr.clone());
    // Another policy, or a second registration by the same session, is refused.
    net.send(
        c.peer,
        register(1, "com.app.s", dict(&[("invoke", Value::from("first"))])),
    );
    assert_eq!(net.error(c).error, reason::PROCEDURE_ALREADY_EXISTS);
    net.send(a.peer, register(2, "com.app.s", rr));
    assert_eq!(net.error(a).error, reason::PROCEDURE_ALREADY_EXISTS);
    // Unregistering one callee leaves the other serving.
    net.send(
        a.peer,
        Message::Unregister(Unregister {
            request: 3,
            registration: reg,
            options: Dict::new(),
        }),
    );
    assert!(matches!(net.recv(a.peer), Some(Message::Unregistered(_))));
    for r in 1..=3 {
        net.send(
            caller.peer,
            call(r, "com.app.s", Dict::new(), Payload::default()),
        );
        net.invocation(b);
    }
    assert!(net.recv(a.peer).is_none());
}

#[test]
fn passthru_call_and_result_are_forwarded_untouched() {
    let mut net = Net::open();
    let (callee, caller) = (net.join(), net.join());
    net.register(callee, 1, "com.app.get", Dict::new());
    let key = bytes::Bytes::from_static(b"key-bytes");
    let ppt = dict(&[
        ("ppt_scheme", Value::from("x")),
        ("ppt_serializer", Value::from("flatbuffers")),
    ]);
    net.send(
        caller.peer,
        call(
            1,
            "com.app.get",
            ppt.clone(),
            Payload::Transparent(key.clone()),
        ),
    );
    let inv = net.invocation(callee);
    assert_eq!(bytes_of(&inv.payload).as_ptr(), key.as_ptr());
    assert_eq!(
        inv.details.get("ppt_serializer"),
        Some(&Value::from("flatbuffers"))
    );
    let record = bytes::Bytes::from(vec![7u8; 1000]);
    net.send(
        callee.peer,
        yield_(inv.request, ppt, Payload::Transparent(record.clone())),
    );
    let r = net.result(caller);
    assert_eq!(bytes_of(&r.payload).as_ptr(), record.as_ptr());
    assert_eq!(r.details.get("ppt_scheme"), Some(&Value::from("x")));
}

#[test]
fn session_meta_procedures() {
    let mut net = Net::open();
    let (a, b) = (net.join(), net.join());
    net.send(
        a.peer,
        call(1, "wamp.session.count", Dict::new(), Payload::default()),
    );
    assert_eq!(net.result(a).payload.arguments(), &[Value::from(2u64)]);
    net.send(
        a.peer,
        call(2, "wamp.session.list", Dict::new(), Payload::default()),
    );
    let list = net.result(a).payload.arguments()[0].clone();
    assert_eq!(
        list,
        Value::List(vec![Value::from(a.session), Value::from(b.session)])
    );
    net.send(
        a.peer,
        call(
            3,
            "wamp.session.get",
            Dict::new(),
            args(vec![Value::from(b.session)]),
        ),
    );
    let info = net.result(a).payload.arguments()[0].clone();
    assert_eq!(
        info.as_dict().and_then(|d| d.get("session")),
        Some(&Value::from(b.session))
    );
    net.send(
        a.peer,
        call(
            4,
            "wamp.session.get",
            Dict::new(),
            args(vec![Value::from(12345u64)]),
        ),
    );
    assert_eq!(net.error(a).error, "wamp.error.no_such_session");
    net.send(
        a.peer,
        call(5, "wamp.nothing", Dict::new(), Payload::default()),
    );
    assert_eq!(net.error(a).error, reason::NO_SUCH_PROCEDURE);
}
