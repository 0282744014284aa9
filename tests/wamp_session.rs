//! The client session driven by a scripted router: joins with every auth method, refused joins,
//! the protocol violation classes, the advanced profile, leaving, the conformance suite's
//! multi-message session vectors, and a randomized message sequence that must never panic.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::wamp::auth::cra::{self, ChallengeInfo, Salting};
use zerowamp::wamp::auth::cryptosign::{self, ChannelBinding, SigningKey};
use zerowamp::wamp::auth::ticket::{self, Ticket};
use zerowamp::wamp::message::{
    Event, Invocation, Payload, Published, ResultMessage, Subscribed, Welcome,
};
use zerowamp::wamp::session::{
    CallOptions, CancelMode, Credential, ErrorOptions, Initiator, InterruptMode, InvokePolicy,
    LeaveKind, Passthru, PublishOptions, RegisterOptions, Roles, Session, SessionConfig,
    SessionError, SessionEvent, State, SubscribeOptions, YieldOptions,
};
use zerowamp::wamp::uri::MatchPolicy;
use zerowamp::wamp::{Dict, List, Message, MessageType, Value, MAX_ID};

// ---------------------------------------------------------------------------------------------
// The scripted router
// ---------------------------------------------------------------------------------------------

/// A JSON text as a WAMP value (integers as in decoders: non-negative ones unsigned).
fn value(json: &str) -> Value {
    fn conv(j: serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Value::UInt(u),
                (None, Some(i)) => Value::Int(i),
                _ => Value::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(a) => Value::List(a.into_iter().map(conv).collect()),
            serde_json::Value::Object(o) => {
                Value::Dict(o.into_iter().map(|(k, v)| (k, conv(v))).collect())
            }
        }
    }
    conv(serde_json::from_str(json).unwrap_or_else(|e| panic!("bad test JSON {json}: {e}")))
}

fn dict(json: &str) -> Dict {
    match value(json) {
        Value::Dict(d) => d,
        other => panic!("not a dict: {other:?}"),
    }
}

fn list(json: &str) -> List {
    match value(json) {
        Value::List(l) => l,
        other => panic!("not a list: {other:?}"),
    }
}

/// A router message in the WAMP list form, as JSON, e.g. `[50, 1, {}, [3]]`.
fn msg(json: &str) -> Message {
    Message::from_list(list(json)).unwrap_or_else(|e| panic!("bad message {json}: {e}"))
}

fn args(json: &str) -> Payload {
    Payload::args(list(json))
}

/// The WELCOME of a router announcing every feature the session can use.
fn full_welcome() -> Message {
    msg(
        r#"[2, 9129137332, {"authid": "alice", "authrole": "user", "authmethod": "anonymous",
        "authprovider": "static", "realm": "realm1",
        "roles": {
          "broker": {"features": {"pattern_based_subscription": true,
             "publisher_exclusion": true, "subscriber_blackwhite_listing": true,
             "publisher_identification": true, "payload_passthru_mode": true}},
          "dealer": {"features": {"progressive_call_results": true, "call_canceling": true,
             "call_timeout": true, "progressive_call_invocations": true,
             "caller_identification": true, "pattern_based_registration": true,
             "shared_registration": true, "payload_passthru_mode": true}}}}]"#,
    )
}

/// A router that announces no advanced feature.
fn basic_welcome() -> Message {
    msg(r#"[2, 77, {"roles": {"broker": {}, "dealer": {}}}]"#)
}

/// The session under test and the router's clock.
struct Peer {
    s: Session,
    now: Instant,
}

impl Peer {
    fn new(config: SessionConfig) -> Peer {
        Peer {
            s: Session::new(config),
            now: Instant::now(),
        }
    }

    /// Connected and welcomed by `welcome`; the HELLO and Joined are consumed.
    fn joined_with(config: SessionConfig, welcome: Message) -> Peer {
        let mut p = Peer::new(config);
        p.s.connect().unwrap();
        assert!(matches!(p.sent().as_slice(), [Message::Hello(_)]));
        p.feed(welcome);
        assert!(matches!(p.events().as_slice(), [SessionEvent::Joined(_)]));
        assert_eq!(p.s.state(), State::Established);
        p
    }

    fn joined() -> Peer {
        Peer::joined_with(SessionConfig::new("realm1"), full_welcome())
    }

    /// Feeds a message that must be accepted.
    fn feed(&mut self, m: Message) {
        let shown = format!("{m:?}");
        if let Err(e) = self.s.handle_message(m, self.now) {
            panic!("{shown} refused: {e}");
        }
    }

    fn feed_json(&mut self, json: &str) {
        self.feed(msg(json));
    }

    /// Everything the session queued for sending.
    fn sent(&mut self) -> Vec<Message> {
        std::iter::from_fn(|| self.s.poll_transmit()).collect()
    }

    /// The one message queued for sending.
    fn sent_one(&mut self) -> Message {
        let mut all = self.sent();
        assert_eq!(all.len(), 1, "expected one message, got {all:?}");
        all.remove(0)
    }

    fn events(&mut self) -> Vec<SessionEvent> {
        std::iter::from_fn(|| self.s.poll_event()).collect()
    }

    fn event(&mut self) -> SessionEvent {
        let mut all = self.events();
        assert_eq!(all.len(), 1, "expected one event, got {all:?}");
        all.remove(0)
    }

    /// Feeds `m`, which must be a protocol violation whose reason contains `why`; checks the
    /// ABORT, the closed state and the Left event.
    fn violation(&mut self, m: Message, why: &str) {
        let shown = format!("{m:?}");
        match self.s.handle_message(m, self.now) {
            Err(SessionError::ProtocolViolation(reason)) => {
                assert!(
                    reason.contains(why),
                    "{shown}: reason {reason:?} lacks {why:?}"
                )
            }
            other => panic!("{shown}: expected a protocol violation, got {other:?}"),
        }
        let abort = self.sent().pop();
        match abort {
            Some(Message::Abort(a)) => {
                assert_eq!(a.reason, "wamp.error.protocol_violation");
                let message = a.details.get("message").and_then(Value::as_str);
                assert!(message.is_some_and(|m| m.contains(why)), "{message:?}");
            }
            other => panic!("{shown}: expected ABORT, sent {other:?}"),
        }
        assert_eq!(self.s.state(), State::Closed);
        match self.events().pop() {
            Some(SessionEvent::Left(left)) => {
                assert_eq!(left.kind, LeaveKind::Abort);
                assert_eq!(left.initiator, Initiator::Local);
                assert_eq!(left.reason, "wamp.error.protocol_violation");
            }
            other => panic!("{shown}: expected Left, got {other:?}"),
        }
        // Nothing more is processed.
        assert_eq!(
            self.s
                .handle_message(msg("[6, {}, \"wamp.close.close_realm\"]"), self.now),
            Err(SessionError::Closed)
        );
        assert!(self.sent().is_empty());
    }

    fn call(&mut self, procedure: &str, options: CallOptions) -> u64 {
        let id = self
            .s
            .call(procedure, Payload::default(), options, self.now)
            .unwrap();
        match self.sent_one() {
            Message::Call(c) => assert_eq!(c.request, id),
            other => panic!("expected CALL, got {other:?}"),
        }
        id
    }

    /// Subscribes and lets the router confirm with `subscription`.
    fn subscribed(&mut self, topic: &str, options: SubscribeOptions, subscription: u64) -> u64 {
        let request = self.s.subscribe(topic, options).unwrap();
        assert!(matches!(self.sent_one(), Message::Subscribe(_)));
        self.feed_json(&format!("[33, {request}, {subscription}]"));
        assert_eq!(
            self.event(),
            SessionEvent::Subscribed {
                request,
                subscription
            }
        );
        subscription
    }

    /// Registers and lets the router confirm with `registration`.
    fn registered(&mut self, procedure: &str, options: RegisterOptions, registration: u64) {
        let request = self.s.register(procedure, options).unwrap();
        assert!(matches!(self.sent_one(), Message::Register(_)));
        self.feed_json(&format!("[65, {request}, {registration}]"));
        assert_eq!(
            self.event(),
            SessionEvent::Registered {
                request,
                registration
            }
        );
    }
}

fn expect_error(e: SessionEvent, request: u64, uri: &str) {
    match e {
        SessionEvent::Error(err) => {
            assert_eq!(err.request, request);
            assert_eq!(err.error, uri);
        }
        other => panic!("expected an error {uri}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Joining
// ---------------------------------------------------------------------------------------------

#[test]
fn anonymous_join_announces_roles_and_features() {
    let mut p = Peer::new(SessionConfig::new("realm1"));
    assert_eq!(p.s.state(), State::Closed);
    p.s.connect().unwrap();
    assert_eq!(p.s.state(), State::Establishing);
    let hello = match p.sent_one() {
        Message::Hello(h) => h,
        other => panic!("{other:?}"),
    };
    assert_eq!(hello.realm, "realm1");
    assert_eq!(hello.details["authmethods"], value(r#"["anonymous"]"#));
    assert!(hello.details["agent"]
        .as_str()
        .is_some_and(|a| a.starts_with("zerowamp-")));
    let roles = hello.details["roles"].as_dict().unwrap();
    for role in ["publisher", "subscriber", "caller", "callee"] {
        let features = roles[role].as_dict().unwrap()["features"]
            .as_dict()
            .unwrap();
        assert_eq!(
            features["payload_passthru_mode"],
            Value::Bool(true),
            "{role}"
        );
        assert_eq!(
            features["payload_transparency"],
            Value::Bool(true),
            "{role}"
        );
    }
    let caller = roles["caller"].as_dict().unwrap()["features"]
        .as_dict()
        .unwrap();
    for f in [
        "progressive_call_results",
        "progressive_call_invocations",
        "call_canceling",
        "call_timeout",
        "caller_identification",
    ] {
        assert_eq!(caller.get(f), Some(&Value::Bool(true)), "{f}");
    }
    // A second connect is refused while the session is open.
    assert!(matches!(
        p.s.connect(),
        Err(SessionError::InvalidState { .. })
    ));
    p.feed(full_welcome());
    match p.event() {
        SessionEvent::Joined(j) => {
            assert_eq!(j.session, 9129137332);
            assert_eq!(j.realm, "realm1");
            assert_eq!(j.authid.as_deref(), Some("alice"));
            assert_eq!(j.authrole.as_deref(), Some("user"));
            assert_eq!(j.authmethod.as_deref(), Some("anonymous"));
            assert_eq!(j.authprovider.as_deref(), Some("static"));
            assert!(j.details.contains_key("roles"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.s.session_id(), Some(9129137332));
    assert!(p.s.router_roles().call_canceling());
}

/// Connects with `config`, checks the HELLO offered `method`, answers `challenge` and returns
/// the AUTHENTICATE signature; the session is then welcomed.
fn join_with_challenge(config: SessionConfig, method: &str, extra: Dict) -> (Peer, String) {
    let mut p = Peer::new(config);
    p.s.connect().unwrap();
    match p.sent_one() {
        Message::Hello(h) => {
            let methods = h.details["authmethods"].as_list().unwrap();
            assert!(methods.contains(&Value::from(method)), "{methods:?}");
        }
        other => panic!("{other:?}"),
    }
    let challenge = zerowamp::wamp::message::Challenge {
        method: method.into(),
        extra,
    };
    p.feed(Message::Challenge(challenge));
    assert_eq!(p.s.state(), State::Challenged);
    let signature = match p.sent_one() {
        Message::Authenticate(a) => a.signature,
        other => panic!("{other:?}"),
    };
    p.feed(full_welcome());
    assert!(matches!(p.event(), SessionEvent::Joined(_)));
    (p, signature)
}

#[test]
fn ticket_join() {
    let config = SessionConfig::new("realm1")
        .with_authid("joe")
        .with_credential(Credential::ticket("secret!!!"));
    let (_, signature) = join_with_challenge(config, "ticket", Dict::new());
    assert_eq!(
        ticket::verify(&Ticket::new("secret!!!"), &signature),
        Ok(())
    );
}

fn cra_challenge(salting: Option<Salting>) -> cra::Challenge {
    let info = ChallengeInfo {
        authid: "peter",
        authrole: "user",
        authprovider: "static",
        session: 3251278072152162,
    };
    cra::Challenge::new(
        &info,
        &[7u8; 16],
        Duration::from_secs(1_700_000_000),
        salting,
    )
    .unwrap()
}

#[test]
fn wampcra_join() {
    let challenge = cra_challenge(None);
    let mut extra = Dict::new();
    extra.insert("challenge".into(), Value::from(challenge.challenge()));
    let config = SessionConfig::new("realm1")
        .with_authid("peter")
        .with_credential(Credential::wampcra("secret1"));
    let (_, signature) = join_with_challenge(config, "wampcra", extra);
    assert_eq!(challenge.verify(b"secret1", &signature), Ok(()));
    assert!(challenge.verify(b"secret2", &signature).is_err());
}

#[test]
fn wampcra_salted_join() {
    let salting = Salting::new("salt123", 100, 32).unwrap();
    let challenge = cra_challenge(Some(salting.clone()));
    let mut extra = Dict::new();
    extra.insert("challenge".into(), Value::from(challenge.challenge()));
    extra.insert("salt".into(), Value::from("salt123"));
    extra.insert("iterations".into(), Value::UInt(100));
    extra.insert("keylen".into(), Value::UInt(32));
    let config = SessionConfig::new("realm1")
        .with_authid("peter")
        .with_credential(Credential::wampcra("secret1"));
    let (_, signature) = join_with_challenge(config, "wampcra", extra);
    // The router stores only the derived key.
    let stored = cra::derive_key(b"secret1", &salting);
    assert_eq!(challenge.verify(stored.as_bytes(), &signature), Ok(()));
    assert!(challenge.verify(b"secret1", &signature).is_err());
}

#[test]
fn cryptosign_join() {
    let key = SigningKey::from_seed(&[0x42; 32]);
    let config = SessionConfig::new("realm1")
        .with_authid("carol")
        .with_credential(Credential::cryptosign(key.clone(), None));
    let mut p = Peer::new(config.clone());
    p.s.connect().unwrap();
    match p.sent_one() {
        Message::Hello(h) => {
            let extra = h.details["authextra"].as_dict().unwrap();
            assert_eq!(extra["pubkey"], Value::from(key.public_key().to_hex()));
        }
        other => panic!("{other:?}"),
    }
    let challenge = cryptosign::Challenge::new([9; 32], None).unwrap();
    let mut extra = Dict::new();
    extra.insert("challenge".into(), Value::from(challenge.challenge_hex()));
    let (_, signature) = join_with_challenge(config, "cryptosign", extra);
    assert_eq!(challenge.verify(&key.public_key(), &signature), Ok(()));
}

#[test]
fn cryptosign_join_with_channel_binding() {
    let key = SigningKey::from_seed(&[0x43; 32]);
    let channel_id = [0x5a; 32];
    let config = SessionConfig::new("realm1").with_credential(Credential::cryptosign(
        key.clone(),
        Some(ChannelBinding::TlsUnique),
    ));
    let challenge = cryptosign::Challenge::new([3; 32], Some(&channel_id)).unwrap();
    let mut p = Peer::new(config);
    p.s.set_channel_id(Some(channel_id.to_vec()));
    p.s.connect().unwrap();
    p.sent();
    let mut extra = Dict::new();
    extra.insert("challenge".into(), Value::from(challenge.challenge_hex()));
    extra.insert("channel_binding".into(), Value::from("tls-unique"));
    p.feed(Message::Challenge(zerowamp::wamp::message::Challenge {
        method: "cryptosign".into(),
        extra,
    }));
    let signature = match p.sent_one() {
        Message::Authenticate(a) => a.signature,
        other => panic!("{other:?}"),
    };
    assert_eq!(challenge.verify(&key.public_key(), &signature), Ok(()));
    // Without the binding the same signature does not verify.
    let unbound = cryptosign::Challenge::new([3; 32], None).unwrap();
    assert!(unbound.verify(&key.public_key(), &signature).is_err());
}

#[test]
fn two_challenge_rounds() {
    let config = SessionConfig::new("realm1")
        .with_credential(Credential::ticket("first"))
        .with_credential(Credential::wampcra("second"));
    let mut p = Peer::new(config);
    p.s.connect().unwrap();
    p.sent();
    p.feed_json(r#"[4, "ticket", {}]"#);
    assert!(matches!(p.sent_one(), Message::Authenticate(a) if a.signature == "first"));
    p.feed_json(r#"[4, "wampcra", {"challenge": "{\"nonce\": \"x\"}"}]"#);
    assert!(matches!(p.sent_one(), Message::Authenticate(_)));
    assert_eq!(p.s.state(), State::Challenged);
    p.feed(full_welcome());
    assert!(matches!(p.event(), SessionEvent::Joined(_)));
}

#[test]
fn endless_challenges_are_a_violation() {
    let mut p = Peer::new(SessionConfig::new("realm1").with_credential(Credential::ticket("t")));
    p.s.connect().unwrap();
    p.sent();
    for _ in 0..zerowamp::wamp::session::MAX_CHALLENGES {
        p.feed_json(r#"[4, "ticket", {}]"#);
        assert!(matches!(p.sent_one(), Message::Authenticate(_)));
    }
    p.violation(
        msg(r#"[4, "ticket", {}]"#),
        "more than 4 CHALLENGE messages",
    );
}

#[test]
fn join_refused() {
    let mut p = Peer::new(SessionConfig::new("nope"));
    p.s.connect().unwrap();
    p.sent();
    p.feed_json(r#"[3, {"message": "The realm does not exist."}, "wamp.error.no_such_realm"]"#);
    assert_eq!(p.s.state(), State::Closed);
    match p.event() {
        SessionEvent::Left(left) => {
            assert_eq!(left.reason, "wamp.error.no_such_realm");
            assert_eq!(left.message.as_deref(), Some("The realm does not exist."));
            assert_eq!(left.kind, LeaveKind::Abort);
            assert_eq!(left.initiator, Initiator::Router);
            assert!(!left.was_joined);
        }
        other => panic!("{other:?}"),
    }
    assert!(p.sent().is_empty(), "no answer to ABORT");

    // Refused after the challenge: a wrong ticket.
    let mut p = Peer::new(SessionConfig::new("realm1").with_credential(Credential::ticket("bad")));
    p.s.connect().unwrap();
    p.sent();
    p.feed_json(r#"[4, "ticket", {}]"#);
    p.sent();
    p.feed_json(r#"[3, {}, "wamp.error.authentication_denied"]"#);
    assert!(
        matches!(p.event(), SessionEvent::Left(l) if l.reason == "wamp.error.authentication_denied")
    );
}

#[test]
fn challenge_that_cannot_be_answered_aborts() {
    for (config, challenge, why) in [
        (
            SessionConfig::new("realm1"),
            r#"[4, "ticket", {}]"#,
            "did not offer",
        ),
        (
            SessionConfig::new("realm1").with_credential(Credential::wampcra("s")),
            r#"[4, "wampcra", {}]"#,
            "challenge is missing",
        ),
        (
            SessionConfig::new("realm1").with_credential(Credential::wampcra("s")),
            r#"[4, "wampcra", {"challenge": "c", "salt": "s", "iterations": 99999999999}]"#,
            "iterations",
        ),
        (
            SessionConfig::new("realm1"),
            r#"[4, "scram", {}]"#,
            "does not implement",
        ),
    ] {
        let mut p = Peer::new(config);
        p.s.connect().unwrap();
        p.sent();
        match p.s.handle_message(msg(challenge), p.now) {
            Err(SessionError::CannotAuthenticate(reason)) => {
                assert!(reason.contains(why), "{reason}")
            }
            other => panic!("{challenge}: {other:?}"),
        }
        match p.sent_one() {
            Message::Abort(a) => assert_eq!(a.reason, "wamp.error.cannot_authenticate"),
            other => panic!("{other:?}"),
        }
        assert_eq!(p.s.state(), State::Closed);
        assert!(matches!(p.event(), SessionEvent::Left(l) if !l.was_joined));
    }
}

// ---------------------------------------------------------------------------------------------
// Protocol violations
// ---------------------------------------------------------------------------------------------

#[test]
fn messages_not_allowed_before_the_session_is_established() {
    for (json, name) in [
        (r#"[6, {}, "wamp.close.close_realm"]"#, "GOODBYE"),
        (r#"[8, 48, 1, {}, "wamp.error.x"]"#, "ERROR"),
        ("[33, 1, 2]", "SUBSCRIBED"),
        ("[35, 1]", "UNSUBSCRIBED"),
        ("[17, 1, 2]", "PUBLISHED"),
        ("[50, 1, {}]", "RESULT"),
        ("[65, 1, 2]", "REGISTERED"),
        ("[67, 1]", "UNREGISTERED"),
        ("[68, 1, 2, {}]", "INVOCATION"),
        ("[36, 1, 2, {}]", "EVENT"),
    ] {
        let mut p = Peer::new(SessionConfig::new("realm1"));
        p.s.connect().unwrap();
        p.sent();
        p.violation(
            msg(json),
            &format!("{name} before the session was established"),
        );
    }
}

#[test]
fn messages_a_router_never_sends_or_out_of_state() {
    for (json, why) in [
        (
            r#"[2, 5, {"roles": {"broker": {}}}]"#,
            "WELCOME after the session was established",
        ),
        (
            r#"[4, "ticket", {}]"#,
            "CHALLENGE after the session was established",
        ),
        (
            r#"[1, "realm1", {"roles": {"caller": {}}}]"#,
            "HELLO, which a router never sends",
        ),
        (
            r#"[5, "sig", {}]"#,
            "AUTHENTICATE, which a router never sends",
        ),
        (
            r#"[16, 1, {}, "a.b"]"#,
            "PUBLISH, which a router never sends",
        ),
        (r#"[32, 1, {}, "a.b"]"#, "SUBSCRIBE, which"),
        ("[34, 1, 2]", "UNSUBSCRIBE, which"),
        (r#"[48, 1, {}, "a.b"]"#, "CALL, which"),
        ("[49, 1, {}]", "CANCEL, which"),
        (r#"[64, 1, {}, "a.b"]"#, "REGISTER, which"),
        ("[66, 1, 2]", "UNREGISTER, which"),
        ("[70, 1, {}]", "YIELD, which"),
        ("[337, 1]", "EVENT_RECEIVED, which"),
    ] {
        let mut p = Peer::joined();
        p.violation(msg(json), why);
    }
}

#[test]
fn answers_to_requests_never_made() {
    for (json, why) in [
        (
            "[50, 1, {}]",
            "RESULT answers request 1, which is not pending",
        ),
        (
            "[33, 7, 2]",
            "SUBSCRIBED answers request 7, which is not pending",
        ),
        ("[35, 7]", "UNSUBSCRIBED answers request 7"),
        ("[17, 7, 2]", "PUBLISHED answers request 7"),
        ("[65, 7, 2]", "REGISTERED answers request 7"),
        ("[67, 7]", "UNREGISTERED answers request 7"),
        (
            r#"[8, 48, 7, {}, "wamp.error.x"]"#,
            "ERROR answers request 7",
        ),
        (
            "[36, 5, 9, {}]",
            "EVENT for subscription 5, which is not active",
        ),
        (
            "[68, 3, 5, {}]",
            "INVOCATION for registration 5, which is not active",
        ),
        (
            "[69, 3, {}]",
            "INTERRUPT for invocation 3, which was never received",
        ),
        (
            r#"[8, 68, 3, {}, "wamp.error.x"]"#,
            "ERROR for an INVOCATION, which a router never sends",
        ),
    ] {
        let mut p = Peer::joined();
        p.violation(msg(json), why);
    }
}

#[test]
fn answers_of_the_wrong_type() {
    let mut p = Peer::joined();
    let call = p.call("com.a", CallOptions::default());
    p.violation(
        msg(&format!("[33, {call}, 5]")),
        &format!("SUBSCRIBED answers request {call}, which is a CALL, not a SUBSCRIBE"),
    );

    let mut p = Peer::joined();
    let call = p.call("com.a", CallOptions::default());
    p.violation(
        msg(&format!(r#"[8, 64, {call}, {{}}, "wamp.error.x"]"#)),
        "which is a CALL, not a REGISTER",
    );

    // An unacknowledged publish expects no answer at all.
    let mut p = Peer::joined();
    let id =
        p.s.publish("com.t", Payload::default(), PublishOptions::default())
            .unwrap();
    p.sent();
    p.violation(msg(&format!("[17, {id}, 99]")), "not pending");
}

#[test]
fn attributes_of_the_wrong_type() {
    // Messages built in code skip the codecs' checks: the session checks again.
    let mut p = Peer::joined();
    let call = p.call("com.a", CallOptions::default());
    let mut details = Dict::new();
    details.insert("progress".into(), Value::from("yes"));
    p.violation(
        Message::Result(ResultMessage {
            request: call,
            details,
            payload: Payload::default(),
        }),
        "RESULT.Details.progress must be a bool, found string",
    );

    let mut p = Peer::joined();
    p.subscribed("com.t", SubscribeOptions::default(), 5);
    p.violation(
        Message::Event(Event {
            subscription: 5,
            publication: 1,
            details: dict(r#"{"publisher": "me"}"#),
            payload: Payload::default(),
        }),
        "EVENT.Details.publisher must be an id",
    );

    let mut p = Peer::new(SessionConfig::new("realm1"));
    p.s.connect().unwrap();
    p.sent();
    p.violation(
        Message::Welcome(Welcome {
            session: 5,
            details: Dict::new(),
        }),
        "WELCOME.Details.roles is missing",
    );

    let mut p = Peer::joined();
    p.registered("com.p", RegisterOptions::default(), 8);
    p.violation(
        msg(r#"[69, 1, {"mode": "kill"}]"#).clone(),
        "INTERRUPT for invocation 1",
    );
    let mut p = Peer::joined();
    p.registered("com.p", RegisterOptions::default(), 8);
    p.feed_json("[68, 1, 8, {}]");
    p.events();
    let mut options = Dict::new();
    options.insert("mode".into(), Value::from("skip"));
    p.violation(
        Message::Interrupt(zerowamp::wamp::message::Interrupt {
            request: 1,
            options,
        }),
        "INTERRUPT.Options.mode must be \"kill\" or \"killnowait\"",
    );
}

#[test]
fn ids_out_of_range() {
    let mut p = Peer::new(SessionConfig::new("realm1"));
    p.s.connect().unwrap();
    p.sent();
    p.violation(
        Message::Welcome(Welcome {
            session: 0,
            details: dict(r#"{"roles": {"broker": {}}}"#),
        }),
        "WELCOME.Session is out of range: 0",
    );

    let mut p = Peer::joined();
    p.violation(
        Message::Result(ResultMessage {
            request: MAX_ID + 1,
            details: Dict::new(),
            payload: Payload::default(),
        }),
        "RESULT.Request is out of range: 9007199254740993",
    );

    let mut p = Peer::joined();
    p.subscribed("com.t", SubscribeOptions::default(), 5);
    p.violation(
        Message::Event(Event {
            subscription: 5,
            publication: 0,
            details: Dict::new(),
            payload: Payload::default(),
        }),
        "EVENT.Publication is out of range",
    );

    let mut p = Peer::joined();
    p.registered("com.p", RegisterOptions::default(), 8);
    p.violation(
        Message::Invocation(Invocation {
            request: 0,
            registration: 8,
            details: Dict::new(),
            payload: Payload::default(),
        }),
        "INVOCATION.Request is out of range",
    );

    let mut p = Peer::joined();
    let id =
        p.s.publish(
            "com.t",
            Payload::default(),
            PublishOptions {
                acknowledge: true,
                ..Default::default()
            },
        )
        .unwrap();
    p.sent();
    p.violation(
        Message::Published(Published {
            request: id,
            publication: u64::MAX,
        }),
        "PUBLISHED.Publication is out of range",
    );

    let mut p = Peer::joined();
    p.violation(
        Message::Subscribed(Subscribed {
            request: 0,
            subscription: 1,
        }),
        "SUBSCRIBED.Request is out of range",
    );
}

// ---------------------------------------------------------------------------------------------
// RPC
// ---------------------------------------------------------------------------------------------

#[test]
fn request_ids_are_sequential_over_all_request_types() {
    let mut p = Peer::joined();
    let a = p.call("com.a", CallOptions::default());
    let b =
        p.s.publish("com.t", args("[1]"), PublishOptions::default())
            .unwrap();
    let c = p.s.subscribe("com.t", SubscribeOptions::default()).unwrap();
    let d = p.s.register("com.p", RegisterOptions::default()).unwrap();
    assert_eq!([a, b, c, d], [1, 2, 3, 4]);
    // A refused request draws no id.
    assert!(p
        .s
        .call(
            "not a uri",
            Payload::default(),
            CallOptions::default(),
            p.now
        )
        .is_err());
    assert_eq!(p.s.subscribe("com.u", SubscribeOptions::default()), Ok(5));
}

#[test]
fn call_and_result() {
    let mut p = Peer::joined();
    let id =
        p.s.call(
            "com.myapp.add",
            args("[2, 3]"),
            CallOptions {
                disclose_me: Some(true),
                ..Default::default()
            },
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(r#"[48, 1, {"disclose_me": true}, "com.myapp.add", [2, 3]]"#)
    );
    p.feed_json(&format!(r#"[50, {id}, {{}}, [5], {{"note": "ok"}}]"#));
    match p.event() {
        SessionEvent::CallResult(r) => {
            assert_eq!(r.request, id);
            assert!(!r.progress);
            assert_eq!(
                r.payload,
                Payload::new(list("[5]"), dict(r#"{"note": "ok"}"#))
            );
        }
        other => panic!("{other:?}"),
    }
    // The call is done: a second RESULT is a violation.
    p.violation(msg(&format!("[50, {id}, {{}}]")), "not pending");
}

#[test]
fn call_error() {
    let mut p = Peer::joined();
    let id = p.call("com.myapp.nope", CallOptions::default());
    p.feed_json(&format!(
        r#"[8, 48, {id}, {{}}, "wamp.error.no_such_procedure", ["no callee"]]"#
    ));
    match p.event() {
        SessionEvent::Error(e) => {
            assert_eq!(e.request_type, MessageType::Call);
            assert_eq!(e.error, "wamp.error.no_such_procedure");
            assert_eq!(e.payload.arguments(), [Value::from("no callee")]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn progressive_call_results() {
    let mut p = Peer::joined();
    let id =
        p.s.call(
            "com.myapp.compute_revenue",
            args("[2010, 2011, 2012]"),
            CallOptions {
                receive_progress: true,
                ..Default::default()
            },
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(
            r#"[48, 1, {"receive_progress": true}, "com.myapp.compute_revenue", [2010, 2011, 2012]]"#
        )
    );
    p.feed_json(&format!(
        r#"[50, {id}, {{"progress": true}}, ["Y2010", 120]]"#
    ));
    p.feed_json(&format!(r#"[50, {id}, {{"progress": true}}]"#));
    p.feed_json(&format!(r#"[50, {id}, {{}}, ["Total", 490]]"#));
    let results: Vec<(bool, Payload)> = p
        .events()
        .into_iter()
        .map(|e| match e {
            SessionEvent::CallResult(r) => (r.progress, r.payload),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        results,
        [
            (true, args(r#"["Y2010", 120]"#)),
            (true, Payload::default()),
            (false, args(r#"["Total", 490]"#)),
        ]
    );
    p.violation(
        msg(&format!(r#"[50, {id}, {{"progress": true}}]"#)),
        "not pending",
    );

    // Progress without having asked for it.
    let mut p = Peer::joined();
    let id = p.call("com.a", CallOptions::default());
    p.violation(
        msg(&format!(r#"[50, {id}, {{"progress": true}}]"#)),
        "did not ask for progressive results",
    );
}

#[test]
fn cancel_skip_fails_at_once_and_drops_the_late_answer() {
    let mut p = Peer::joined();
    let id = p.call("com.slow", CallOptions::default());
    p.s.cancel(id, CancelMode::Skip).unwrap();
    assert_eq!(
        p.sent_one(),
        msg(&format!(r#"[49, {id}, {{"mode": "skip"}}]"#))
    );
    expect_error(p.event(), id, "wamp.error.canceled");
    assert_eq!(
        p.s.cancel(id, CancelMode::Skip),
        Err(SessionError::UnknownRequest(id))
    );
    // The dealer's ERROR is dropped; so would be a late RESULT before it.
    p.feed_json(&format!(r#"[50, {id}, {{"progress": true}}]"#));
    p.feed_json(&format!(r#"[8, 48, {id}, {{}}, "wamp.error.canceled"]"#));
    assert!(p.events().is_empty());
    // After the final answer, the id is unknown again.
    p.violation(msg(&format!("[50, {id}, {{}}]")), "not pending");
}

#[test]
fn cancel_kill_waits_for_the_callee() {
    let mut p = Peer::joined();
    let id = p.call("com.slow", CallOptions::default());
    p.s.cancel(id, CancelMode::Kill).unwrap();
    assert_eq!(
        p.sent_one(),
        msg(&format!(r#"[49, {id}, {{"mode": "kill"}}]"#))
    );
    assert!(p.events().is_empty(), "kill does not fail the call locally");
    // The callee finished first: the call gets its result after all.
    p.feed_json(&format!("[50, {id}, {{}}, [42]]"));
    assert!(matches!(p.event(), SessionEvent::CallResult(r) if r.request == id));

    let mut p = Peer::joined();
    let id = p.call("com.slow", CallOptions::default());
    p.s.cancel(id, CancelMode::Kill).unwrap();
    p.sent();
    p.feed_json(&format!(r#"[8, 48, {id}, {{}}, "wamp.error.canceled"]"#));
    expect_error(p.event(), id, "wamp.error.canceled");
}

#[test]
fn cancel_killnowait() {
    let mut p = Peer::joined();
    let id = p.call("com.slow", CallOptions::default());
    p.s.cancel(id, CancelMode::KillNoWait).unwrap();
    assert_eq!(
        p.sent_one(),
        msg(&format!(r#"[49, {id}, {{"mode": "killnowait"}}]"#))
    );
    expect_error(p.event(), id, "wamp.error.canceled");
    p.feed_json(&format!(r#"[8, 48, {id}, {{}}, "wamp.error.canceled"]"#));
    assert!(p.events().is_empty());
}

#[test]
fn cancel_without_dealer_support_is_skip_and_sends_nothing() {
    let mut p = Peer::joined_with(SessionConfig::new("realm1"), basic_welcome());
    let id = p.call("com.slow", CallOptions::default());
    p.s.cancel(id, CancelMode::Kill).unwrap();
    assert!(p.sent().is_empty());
    expect_error(p.event(), id, "wamp.error.canceled");
    p.feed_json(&format!("[50, {id}, {{}}, [1]]"));
    assert!(p.events().is_empty());
}

#[test]
fn call_timeout() {
    let mut p = Peer::joined();
    let t0 = p.now;
    let sec = Duration::from_secs(1);
    let id =
        p.s.call(
            "com.slow",
            Payload::default(),
            CallOptions {
                timeout: Some(sec),
                ..Default::default()
            },
            t0,
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(r#"[48, 1, {"timeout": 1000}, "com.slow"]"#)
    );
    assert_eq!(p.s.next_timeout(), Some(t0 + sec));
    p.s.handle_timeout(t0 + sec - Duration::from_millis(1));
    assert!(p.sent().is_empty() && p.events().is_empty());
    p.s.handle_timeout(t0 + sec);
    assert_eq!(
        p.sent_one(),
        msg(&format!(r#"[49, {id}, {{"mode": "killnowait"}}]"#))
    );
    expect_error(p.event(), id, "wamp.error.timeout");
    assert_eq!(p.s.next_timeout(), None);
    // The dealer's own timeout error arrives late and is dropped.
    p.feed_json(&format!(r#"[8, 48, {id}, {{}}, "wamp.error.timeout"]"#));
    assert!(p.events().is_empty());
}

#[test]
fn call_timeout_restarts_on_progressive_results_and_may_stay_local() {
    let mut p = Peer::joined();
    let t0 = p.now;
    let sec = Duration::from_secs(1);
    let id =
        p.s.call(
            "com.stream",
            Payload::default(),
            CallOptions {
                timeout: Some(sec),
                timeout_local_only: true,
                receive_progress: true,
                ..Default::default()
            },
            t0,
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(r#"[48, 1, {"receive_progress": true}, "com.stream"]"#)
    );
    p.now = t0 + Duration::from_millis(800);
    p.feed_json(&format!(r#"[50, {id}, {{"progress": true}}, [1]]"#));
    p.events();
    assert_eq!(p.s.next_timeout(), Some(p.now + sec));
    p.s.handle_timeout(t0 + sec);
    assert!(
        p.events().is_empty(),
        "the progressive result restarted the timer"
    );
    p.s.handle_timeout(p.now + sec);
    expect_error(p.event(), id, "wamp.error.timeout");
}

#[test]
fn progressive_call_invocations_as_caller() {
    let mut p = Peer::joined();
    let id =
        p.s.call(
            "com.upload",
            args(r#"["chunk1"]"#),
            CallOptions {
                progress: true,
                receive_progress: true,
                disclose_me: Some(true),
                ..Default::default()
            },
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(
            r#"[48, 1, {"progress": true, "receive_progress": true, "disclose_me": true}, "com.upload", ["chunk1"]]"#
        )
    );
    p.s.call_progress(id, args(r#"["chunk2"]"#), true).unwrap();
    p.s.call_progress(id, args(r#"["chunk3"]"#), false).unwrap();
    assert_eq!(
        p.sent(),
        [
            msg(r#"[48, 1, {"progress": true}, "com.upload", ["chunk2"]]"#),
            msg(r#"[48, 1, {}, "com.upload", ["chunk3"]]"#),
        ]
    );
    assert!(matches!(
        p.s.call_progress(id, args("[]"), false),
        Err(SessionError::InvalidOption(_))
    ));
    assert_eq!(
        p.s.call_progress(99, args("[]"), false),
        Err(SessionError::UnknownRequest(99))
    );
    p.feed_json(&format!(r#"[50, {id}, {{}}, ["done"]]"#));
    assert!(matches!(p.event(), SessionEvent::CallResult(_)));

    // A dealer without the feature: refused locally (using it would be a protocol error).
    let mut p = Peer::joined_with(SessionConfig::new("realm1"), basic_welcome());
    let refused = p.s.call(
        "com.upload",
        Payload::default(),
        CallOptions {
            progress: true,
            ..Default::default()
        },
        p.now,
    );
    assert_eq!(
        refused,
        Err(SessionError::FeatureNotSupported {
            role: "dealer",
            feature: "progressive_call_invocations"
        })
    );
}

#[test]
fn registration_invocation_and_late_answers() {
    let mut p = Peer::joined();
    p.registered(
        "com.myapp.add",
        RegisterOptions {
            invoke: Some(InvokePolicy::RoundRobin),
            disclose_caller: Some(true),
            ..Default::default()
        },
        100,
    );
    p.feed_json(
        r#"[68, 7, 100, {"caller": 3335656, "caller_authid": "bob", "caller_authrole": "user"},
            [1, 2]]"#,
    );
    p.feed_json("[68, 9, 100, {}, [3, 4]]");
    let invocations: Vec<_> = p
        .events()
        .into_iter()
        .map(|e| match e {
            SessionEvent::Invocation(i) => i,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(invocations[0].invocation, 7);
    assert_eq!(invocations[0].procedure, "com.myapp.add");
    assert_eq!(invocations[0].caller, Some(3335656));
    assert_eq!(invocations[0].caller_authid.as_deref(), Some("bob"));
    assert_eq!(invocations[1].caller, None);
    // Other traffic in between: a call of our own.
    let call = p.call("com.other", CallOptions::default());
    p.feed_json(&format!("[50, {call}, {{}}]"));
    p.events();
    // Answered out of order, later.
    p.s.yield_(9, args("[7]"), YieldOptions::default()).unwrap();
    p.s.error_invocation(
        7,
        "com.myapp.error.overflow",
        args(r#"["too big"]"#),
        ErrorOptions::default(),
    )
    .unwrap();
    assert_eq!(
        p.sent(),
        [
            msg("[70, 9, {}, [7]]"),
            msg(r#"[8, 68, 7, {}, "com.myapp.error.overflow", ["too big"]]"#),
        ]
    );
    // Each invocation is answered once; unknown ids are refused.
    for id in [7, 9, 0, 12345, MAX_ID + 1] {
        assert_eq!(
            p.s.yield_(id, Payload::default(), YieldOptions::default()),
            Err(SessionError::UnknownInvocation(id))
        );
    }
    assert!(matches!(
        p.s.error_invocation(8, "not a uri!", Payload::default(), ErrorOptions::default()),
        Err(SessionError::InvalidUri { what: "error", .. })
    ));
    // A late INTERRUPT for an answered invocation is ignored; a repeated INVOCATION of an open
    // one is a violation.
    p.feed_json(r#"[69, 7, {"mode": "killnowait"}]"#);
    assert!(p.events().is_empty());
    p.feed_json("[68, 11, 100, {}]");
    p.events();
    p.violation(msg("[68, 11, 100, {}]"), "repeats request id 11");
}

#[test]
fn interrupts() {
    let mut p = Peer::joined();
    p.registered("com.slow", RegisterOptions::default(), 100);
    p.feed_json("[68, 1, 100, {}]");
    p.feed_json("[68, 2, 100, {}]");
    p.events();
    // kill: the dealer waits for an answer.
    p.feed_json(r#"[69, 1, {"mode": "kill", "reason": "wamp.error.canceled"}]"#);
    match p.event() {
        SessionEvent::Interrupt(i) => {
            assert_eq!((i.invocation, i.mode), (1, InterruptMode::Kill));
            assert_eq!(i.reason.as_deref(), Some("wamp.error.canceled"));
        }
        other => panic!("{other:?}"),
    }
    p.s.error_invocation(
        1,
        "wamp.error.canceled",
        Payload::default(),
        ErrorOptions::default(),
    )
    .unwrap();
    assert!(matches!(p.sent_one(), Message::Error(_)));
    // killnowait: the answer is not expected and is dropped.
    p.feed_json(r#"[69, 2, {"mode": "killnowait"}]"#);
    assert!(matches!(
        p.event(),
        SessionEvent::Interrupt(i) if i.mode == InterruptMode::KillNoWait
    ));
    p.s.yield_(2, args("[1]"), YieldOptions::default()).unwrap();
    assert!(p.sent().is_empty());
    assert_eq!(
        p.s.yield_(2, args("[1]"), YieldOptions::default()),
        Err(SessionError::UnknownInvocation(2))
    );
}

#[test]
fn progressive_results_and_invocations_as_callee() {
    let mut p = Peer::joined();
    p.registered("com.sum", RegisterOptions::default(), 100);
    p.feed_json(r#"[68, 5, 100, {"progress": true, "receive_progress": true}, [1]]"#);
    p.feed_json(r#"[68, 5, 100, {"progress": true}, [2]]"#);
    p.s.yield_(
        5,
        args("[3]"),
        YieldOptions {
            progress: true,
            ..Default::default()
        },
    )
    .unwrap();
    p.feed_json("[68, 5, 100, {}, [3]]");
    let chunks: Vec<(bool, bool, Payload)> = p
        .events()
        .into_iter()
        .map(|e| match e {
            SessionEvent::Invocation(i) => (i.progress, i.continuation, i.payload),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        chunks,
        [
            (true, false, args("[1]")),
            (true, true, args("[2]")),
            (false, true, args("[3]")),
        ]
    );
    p.s.yield_(5, args("[6]"), YieldOptions::default()).unwrap();
    assert_eq!(
        p.sent(),
        [
            msg(r#"[70, 5, {"progress": true}, [3]]"#),
            msg("[70, 5, {}, [6]]")
        ]
    );

    // Answered before the caller's last chunk: later chunks are dropped (spec: continuations on
    // completed calls).
    p.feed_json(r#"[68, 6, 100, {"progress": true}, [1]]"#);
    p.events();
    p.s.error_invocation(
        6,
        "com.error.full",
        Payload::default(),
        ErrorOptions::default(),
    )
    .unwrap();
    p.sent();
    p.feed_json(r#"[68, 6, 100, {"progress": true}, [2]]"#);
    p.feed_json("[68, 6, 100, {}, [3]]");
    assert!(p.events().is_empty() && p.sent().is_empty());

    // A progressive YIELD to a caller that did not ask for it is refused locally.
    p.feed_json("[68, 7, 100, {}]");
    p.events();
    assert!(matches!(
        p.s.yield_(
            7,
            Payload::default(),
            YieldOptions {
                progress: true,
                ..Default::default()
            }
        ),
        Err(SessionError::InvalidOption(_))
    ));
}

#[test]
fn pattern_based_registration() {
    let mut p = Peer::joined();
    p.registered(
        "com.myapp.",
        RegisterOptions {
            match_policy: MatchPolicy::Prefix,
            ..Default::default()
        },
        200,
    );
    p.feed_json(r#"[68, 1, 200, {"procedure": "com.myapp.user.get"}]"#);
    assert!(matches!(
        p.event(),
        SessionEvent::Invocation(i) if i.procedure == "com.myapp.user.get"
    ));
    p.violation(
        msg("[68, 2, 200, {}]"),
        "INVOCATION.Details.procedure is missing",
    );
    // The REGISTER carried the match policy.
    let mut p = Peer::joined();
    p.s.register(
        "com..get",
        RegisterOptions {
            match_policy: MatchPolicy::Wildcard,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(r#"[64, 1, {"match": "wildcard"}, "com..get"]"#)
    );
    assert!(matches!(
        p.s.register("com..get", RegisterOptions::default()),
        Err(SessionError::InvalidUri { .. })
    ));
}

#[test]
fn unregister_and_revocation() {
    let mut p = Peer::joined();
    p.registered("com.p", RegisterOptions::default(), 100);
    let req = p.s.unregister(100).unwrap().unwrap();
    assert_eq!(p.sent_one(), msg(&format!("[66, {req}, 100]")));
    // An invocation already on its way is refused by the session itself.
    p.feed_json("[68, 1, 100, {}]");
    assert_eq!(
        p.sent_one(),
        msg(r#"[8, 68, 1, {}, "wamp.error.unavailable"]"#)
    );
    assert!(p.events().is_empty());
    p.feed_json(&format!("[67, {req}]"));
    assert_eq!(
        p.event(),
        SessionEvent::Unregistered {
            request: req,
            registration: 100
        }
    );
    assert_eq!(
        p.s.unregister(100),
        Err(SessionError::UnknownRegistration(100))
    );
    p.registered("com.q", RegisterOptions::default(), 101);
    p.feed_json(r#"[67, 0, {"registration": 101, "reason": "wamp.error.killed"}]"#);
    assert_eq!(
        p.event(),
        SessionEvent::RegistrationRevoked {
            registration: 101,
            reason: Some("wamp.error.killed".into())
        }
    );
    p.violation(
        msg("[68, 2, 101, {}]"),
        "registration 101, which is not active",
    );
}

// ---------------------------------------------------------------------------------------------
// PubSub
// ---------------------------------------------------------------------------------------------

#[test]
fn publish_with_advanced_options() {
    let mut p = Peer::joined();
    let id =
        p.s.publish(
            "com.myapp.topic1",
            args(r#"["Hello, world!"]"#),
            PublishOptions {
                acknowledge: true,
                exclude_me: Some(false),
                exclude: vec![7891255],
                exclude_authid: vec!["eve".into()],
                exclude_authrole: vec!["guest".into()],
                eligible: Some(vec![7891255, 1245751]),
                eligible_authid: Some(vec!["alice".into()]),
                eligible_authrole: Some(vec!["admin".into()]),
                disclose_me: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        p.sent_one(),
        msg(
            r#"[16, 1, {"acknowledge": true, "exclude_me": false, "exclude": [7891255],
            "exclude_authid": ["eve"], "exclude_authrole": ["guest"],
            "eligible": [7891255, 1245751], "eligible_authid": ["alice"],
            "eligible_authrole": ["admin"], "disclose_me": true},
            "com.myapp.topic1", ["Hello, world!"]]"#
        )
    );
    p.feed_json(&format!("[17, {id}, 4429313566]"));
    assert_eq!(
        p.event(),
        SessionEvent::Published {
            request: id,
            publication: 4429313566
        }
    );
    let id =
        p.s.publish(
            "com.myapp.topic1",
            Payload::default(),
            PublishOptions {
                acknowledge: true,
                ..Default::default()
            },
        )
        .unwrap();
    p.sent();
    p.feed_json(&format!(
        r#"[8, 16, {id}, {{}}, "wamp.error.not_authorized"]"#
    ));
    expect_error(p.event(), id, "wamp.error.not_authorized");
    assert!(matches!(
        p.s.publish(
            "com.t",
            Payload::default(),
            PublishOptions {
                exclude: vec![0],
                ..Default::default()
            }
        ),
        Err(SessionError::InvalidOption(_))
    ));
}

#[test]
fn events_with_publisher_identification() {
    let mut p = Peer::joined();
    let sub = p.subscribed("com.myapp.topic1", SubscribeOptions::default(), 5512315355);
    p.feed_json(&format!(
        r#"[36, {sub}, 4429313566, {{"publisher": 3335656, "publisher_authid": "bob",
            "publisher_authrole": "user"}}, ["Hello"], {{"color": "orange"}}]"#
    ));
    match p.event() {
        SessionEvent::Event(e) => {
            assert_eq!(e.subscription, sub);
            assert_eq!(e.publication, 4429313566);
            assert_eq!(e.topic, "com.myapp.topic1");
            assert_eq!(e.publisher, Some(3335656));
            assert_eq!(e.publisher_authid.as_deref(), Some("bob"));
            assert_eq!(e.publisher_authrole.as_deref(), Some("user"));
            assert!(!e.retained && e.passthru.is_none());
            assert_eq!(
                e.payload,
                Payload::new(list(r#"["Hello"]"#), dict(r#"{"color": "orange"}"#))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pattern_based_subscriptions() {
    let mut p = Peer::joined();
    let prefix = p.s.subscribe(
        "com.myapp.",
        SubscribeOptions {
            match_policy: MatchPolicy::Prefix,
            ..Default::default()
        },
    );
    assert_eq!(
        p.sent_one(),
        msg(r#"[32, 1, {"match": "prefix"}, "com.myapp."]"#)
    );
    p.feed_json(&format!("[33, {}, 10]", prefix.unwrap()));
    let wild =
        p.s.subscribe(
            "com..create",
            SubscribeOptions {
                match_policy: MatchPolicy::Wildcard,
                ..Default::default()
            },
        )
        .unwrap();
    p.sent();
    p.feed_json(&format!("[33, {wild}, 11]"));
    p.events();
    p.feed_json(r#"[36, 10, 1, {"topic": "com.myapp.user.new"}]"#);
    p.feed_json(r#"[36, 11, 2, {"topic": "com.shop.create"}]"#);
    let topics: Vec<(u64, String)> = p
        .events()
        .into_iter()
        .map(|e| match e {
            SessionEvent::Event(e) => (e.subscription, e.topic),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        topics,
        [
            (10, "com.myapp.user.new".into()),
            (11, "com.shop.create".into())
        ]
    );
    p.violation(
        msg("[36, 11, 3, {}]"),
        "EVENT.Details.topic is missing for subscription 11, which matches by wildcard",
    );
}

#[test]
fn shared_subscription_ids_are_counted() {
    let mut p = Peer::joined();
    p.subscribed("com.t", SubscribeOptions::default(), 42);
    p.subscribed("com.t", SubscribeOptions::default(), 42);
    p.feed_json(r#"[36, 42, 1, {}, ["once"]]"#);
    assert_eq!(p.events().len(), 1, "one EVENT, one event");
    assert_eq!(p.s.unsubscribe(42), Ok(None));
    assert!(p.sent().is_empty(), "another holder remains");
    p.feed_json("[36, 42, 2, {}]");
    assert_eq!(p.events().len(), 1);
    let req = p.s.unsubscribe(42).unwrap().unwrap();
    assert_eq!(p.sent_one(), msg(&format!("[34, {req}, 42]")));
    assert_eq!(
        p.s.unsubscribe(42),
        Err(SessionError::UnknownSubscription(42))
    );
    // Events in flight before UNSUBSCRIBED are dropped.
    p.feed_json("[36, 42, 3, {}]");
    assert!(p.events().is_empty());
    p.feed_json(&format!("[35, {req}]"));
    assert_eq!(
        p.event(),
        SessionEvent::Unsubscribed {
            request: req,
            subscription: 42
        }
    );
    p.violation(
        msg("[36, 42, 4, {}]"),
        "subscription 42, which is not active",
    );
}

#[test]
fn failed_unsubscribe_keeps_the_subscription() {
    let mut p = Peer::joined();
    p.subscribed("com.t", SubscribeOptions::default(), 42);
    let req = p.s.unsubscribe(42).unwrap().unwrap();
    p.sent();
    p.feed_json(&format!(
        r#"[8, 34, {req}, {{}}, "wamp.error.not_authorized"]"#
    ));
    expect_error(p.event(), req, "wamp.error.not_authorized");
    p.feed_json("[36, 42, 1, {}]");
    assert!(matches!(p.event(), SessionEvent::Event(_)));
    // Revocation.
    p.feed_json(r#"[35, 0, {"subscription": 42, "reason": "wamp.error.killed"}]"#);
    assert_eq!(
        p.event(),
        SessionEvent::SubscriptionRevoked {
            subscription: 42,
            reason: Some("wamp.error.killed".into())
        }
    );
    p.feed_json(r#"[35, 0, {"subscription": 42}]"#);
    assert!(p.events().is_empty(), "a second revocation is ignored");
    p.violation(msg("[35, 0, {}]"), "needs Details.subscription");
}

// ---------------------------------------------------------------------------------------------
// Payload Passthru Mode
// ---------------------------------------------------------------------------------------------

#[test]
fn passthru_payloads_travel_as_one_binary_without_copy() {
    let mut p = Peer::joined();
    let record = Bytes::from(vec![0x10u8, 0, 0, 0, 0xaa, 0xbb]);
    let pt = Passthru::new("zerowamp").with_serializer("flatbuffers");
    p.s.publish(
        "com.records",
        Payload::Transparent(record.clone()),
        PublishOptions {
            passthru: Some(pt.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    match p.sent_one() {
        Message::Publish(m) => {
            assert_eq!(m.options["ppt_scheme"], Value::from("zerowamp"));
            assert_eq!(m.options["ppt_serializer"], Value::from("flatbuffers"));
            match m.payload.arguments() {
                [Value::Bytes(b)] => assert_eq!(b.as_ptr(), record.as_ptr(), "copied"),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    // Autobahn's spelling and form on receive: normalised.
    let sub = p.subscribed("com.records", SubscribeOptions::default(), 9);
    let frame = Bytes::from_static(b"....payload");
    p.feed(Message::Event(Event {
        subscription: sub,
        publication: 1,
        details: dict(r#"{"enc_algo": "cryptobox", "enc_serializer": "cbor", "enc_key": "k"}"#),
        payload: Payload::Transparent(frame.slice(4..)),
    }));
    match p.event() {
        SessionEvent::Event(e) => {
            assert_eq!(
                e.passthru,
                Some(
                    Passthru::new("cryptobox")
                        .with_serializer("cbor")
                        .with_keyid("k")
                )
            );
            let got = e.payload.transparent().unwrap();
            assert_eq!(got.as_ptr(), frame[4..].as_ptr(), "copied");
        }
        other => panic!("{other:?}"),
    }
    // The spec's form in a RESULT.
    let call =
        p.s.call(
            "com.get",
            Payload::Transparent(record.clone()),
            CallOptions {
                passthru: Some(pt.clone()),
                ..Default::default()
            },
            p.now,
        )
        .unwrap();
    p.sent();
    let mut result = ResultMessage {
        request: call,
        details: Dict::new(),
        payload: Payload::args(vec![Value::Bytes(frame.clone())]),
    };
    pt_write(&pt, &mut result.details);
    p.feed(Message::Result(result));
    match p.event() {
        SessionEvent::CallResult(r) => {
            assert_eq!(r.passthru, Some(pt.clone()));
            assert_eq!(
                r.payload.transparent().map(|b| b.as_ptr()),
                Some(frame.as_ptr())
            );
        }
        other => panic!("{other:?}"),
    }
    // A scheme with a payload that is not one binary is a violation.
    p.violation(
        Message::Event(Event {
            subscription: sub,
            publication: 2,
            details: dict(r#"{"ppt_scheme": "x"}"#),
            payload: args(r#"["text"]"#),
        }),
        "payload must be one binary argument",
    );
}

fn pt_write(pt: &Passthru, d: &mut Dict) {
    d.insert("ppt_scheme".into(), Value::from(pt.scheme.as_str()));
    if let Some(s) = &pt.serializer {
        d.insert("ppt_serializer".into(), Value::from(s.as_str()));
    }
}

#[test]
fn passthru_needs_the_router_feature_and_a_binary() {
    let mut p = Peer::joined_with(SessionConfig::new("realm1"), basic_welcome());
    let refused = p.s.publish(
        "com.t",
        Payload::Transparent(Bytes::from_static(b"x")),
        PublishOptions {
            passthru: Some(Passthru::new("s")),
            ..Default::default()
        },
    );
    assert_eq!(
        refused,
        Err(SessionError::FeatureNotSupported {
            role: "broker",
            feature: "payload_passthru_mode"
        })
    );
    let mut p = Peer::joined();
    let mismatched = p.s.publish(
        "com.t",
        args("[1]"),
        PublishOptions {
            passthru: Some(Passthru::new("s")),
            ..Default::default()
        },
    );
    assert!(matches!(mismatched, Err(SessionError::InvalidOption(_))));
    let bare = p.s.publish(
        "com.t",
        Payload::Transparent(Bytes::new()),
        PublishOptions::default(),
    );
    assert!(matches!(bare, Err(SessionError::InvalidOption(_))));
    assert!(p.sent().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Leaving
// ---------------------------------------------------------------------------------------------

#[test]
fn leave_with_goodbye() {
    let mut p = Peer::joined();
    let call = p.call("com.slow", CallOptions::default());
    p.s.leave("wamp.close.close_realm", Some("bye")).unwrap();
    assert_eq!(
        p.sent_one(),
        msg(r#"[6, {"message": "bye"}, "wamp.close.close_realm"]"#)
    );
    assert_eq!(p.s.state(), State::Closing);
    assert!(matches!(
        p.s.call("com.x", Payload::default(), CallOptions::default(), p.now),
        Err(SessionError::InvalidState {
            state: State::Closing,
            ..
        })
    ));
    // While closing, other messages are ignored.
    p.feed_json(&format!("[50, {call}, {{}}]"));
    p.feed_json("[36, 999, 1, {}]");
    assert!(p.events().is_empty());
    p.feed_json(r#"[6, {}, "wamp.close.goodbye_and_out"]"#);
    assert!(p.sent().is_empty(), "no reply to the reply");
    match p.event() {
        SessionEvent::Left(l) => {
            assert_eq!(l.reason, "wamp.close.close_realm");
            assert_eq!(l.kind, LeaveKind::Goodbye);
            assert_eq!(l.initiator, Initiator::Local);
            assert!(l.was_joined);
            assert_eq!(l.unanswered.len(), 1);
            assert_eq!(l.unanswered[0].request, call);
            assert_eq!(l.unanswered[0].request_type, MessageType::Call);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.s.state(), State::Closed);
    // The session can join again; ids start afresh.
    p.s.connect().unwrap();
    p.sent();
    p.feed(full_welcome());
    p.events();
    assert_eq!(p.call("com.a", CallOptions::default()), 1);
}

#[test]
fn router_goodbye_is_answered() {
    let mut p = Peer::joined();
    p.feed_json(
        r#"[6, {"message": "The host is shutting down now."}, "wamp.close.system_shutdown"]"#,
    );
    assert_eq!(
        p.sent_one(),
        msg(r#"[6, {}, "wamp.close.goodbye_and_out"]"#)
    );
    match p.event() {
        SessionEvent::Left(l) => {
            assert_eq!(l.reason, "wamp.close.system_shutdown");
            assert_eq!(l.initiator, Initiator::Router);
            assert_eq!(l.message.as_deref(), Some("The host is shutting down now."));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn abort_and_transport_loss() {
    let mut p = Peer::joined();
    p.s.abort("wamp.close.system_shutdown", "going down")
        .unwrap();
    assert!(matches!(p.sent_one(), Message::Abort(a) if a.reason == "wamp.close.system_shutdown"));
    assert!(matches!(p.event(), SessionEvent::Left(l) if l.was_joined));
    assert!(p.s.abort("wamp.close.x", "again").is_err());

    let mut p = Peer::joined();
    let sub = p.s.subscribe("com.t", SubscribeOptions::default()).unwrap();
    p.sent();
    p.s.transport_closed();
    match p.event() {
        SessionEvent::Left(l) => {
            assert_eq!(l.kind, LeaveKind::TransportLost);
            assert_eq!(l.reason, "wamp.close.transport_lost");
            assert_eq!(l.unanswered[0].request, sub);
        }
        other => panic!("{other:?}"),
    }
    assert!(p.sent().is_empty());
    p.s.transport_closed();
    assert!(p.events().is_empty(), "already closed");
}

#[test]
fn api_misuse_is_refused_without_side_effects() {
    let mut p = Peer::new(SessionConfig::new("realm1"));
    assert!(matches!(
        p.s.publish("com.t", Payload::default(), PublishOptions::default()),
        Err(SessionError::InvalidState {
            state: State::Closed,
            ..
        })
    ));
    assert!(matches!(
        p.s.leave("wamp.close.close_realm", None),
        Err(SessionError::InvalidState { .. })
    ));
    assert_eq!(
        p.s.handle_message(full_welcome(), p.now),
        Err(SessionError::Closed)
    );
    let mut bad = Peer::new(SessionConfig::new("not a realm"));
    assert!(matches!(
        bad.s.connect(),
        Err(SessionError::InvalidUri { what: "realm", .. })
    ));
    let mut subscriber_only = Peer::joined_with(
        SessionConfig::new("realm1").with_roles(Roles {
            publisher: false,
            subscriber: true,
            caller: false,
            callee: false,
        }),
        full_welcome(),
    );
    assert_eq!(
        subscriber_only.s.call(
            "com.a",
            Payload::default(),
            CallOptions::default(),
            subscriber_only.now
        ),
        Err(SessionError::RoleNotAnnounced("caller"))
    );
    assert_eq!(
        subscriber_only
            .s
            .register("com.a", RegisterOptions::default()),
        Err(SessionError::RoleNotAnnounced("callee"))
    );
    let mut p = Peer::joined();
    assert_eq!(
        p.s.cancel(1, CancelMode::Kill),
        Err(SessionError::UnknownRequest(1))
    );
    assert_eq!(
        p.s.unsubscribe(3),
        Err(SessionError::UnknownSubscription(3))
    );
    assert!(p.sent().is_empty() && p.events().is_empty());
    assert_eq!(p.s.state(), State::Established);
}

// ---------------------------------------------------------------------------------------------
// The conformance suite's multi-message session vectors
// ---------------------------------------------------------------------------------------------

fn testsuite_dir() -> PathBuf {
    let dir = std::env::var_os("ZW_TESTSUITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/wamp-testsuite"
            ))
        });
    assert!(
        dir.is_dir(),
        "WAMP test suite not found at {} (set ZW_TESTSUITE_DIR)",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Builds the message of a vector step in the list form, mapping request ids through `ids`
/// (vector id → our id).
fn vector_message(m: &serde_json::Value, ids: &std::collections::HashMap<u64, u64>) -> Message {
    let get = |k: &str| m.get(k).cloned();
    let to_value = |j: serde_json::Value| value(&j.to_string());
    let ty = MessageType::from_name(m["type"].as_str().unwrap()).unwrap();
    let request = || {
        let id = m["request_id"].as_u64().unwrap();
        Value::UInt(*ids.get(&id).unwrap_or(&id))
    };
    let id = |k: &str| Value::UInt(m[k].as_u64().unwrap());
    let dict_of = |k: &str| get(k).map(to_value).unwrap_or(Value::Dict(Dict::new()));
    let mut l: List = vec![Value::UInt(u64::from(ty.code()))];
    match ty {
        MessageType::Subscribe => {
            l.extend([request(), dict_of("options"), to_value(m["topic"].clone())])
        }
        MessageType::Subscribed => l.extend([request(), id("subscription_id")]),
        MessageType::Publish => {
            l.extend([request(), dict_of("options"), to_value(m["topic"].clone())])
        }
        MessageType::Published => l.extend([request(), id("publication_id")]),
        MessageType::Event => l.extend([
            id("subscription_id"),
            id("publication_id"),
            dict_of("details"),
        ]),
        MessageType::Call => l.extend([
            request(),
            dict_of("options"),
            to_value(m["procedure"].clone()),
        ]),
        MessageType::Result => l.extend([request(), dict_of("details")]),
        MessageType::Register => l.extend([
            request(),
            dict_of("options"),
            to_value(m["procedure"].clone()),
        ]),
        MessageType::Registered => l.extend([request(), id("registration_id")]),
        other => panic!("vector message type {other} is not scripted yet"),
    }
    if matches!(
        ty,
        MessageType::Publish | MessageType::Event | MessageType::Call | MessageType::Result
    ) {
        let a = get("args").map(to_value);
        let kw = get("kwargs").map(to_value);
        match (a, kw) {
            (Some(a), Some(kw)) => l.extend([a, kw]),
            (Some(a), None) => l.push(a),
            (None, Some(kw)) => l.extend([Value::List(List::new()), kw]),
            (None, None) => {}
        }
    }
    Message::from_list(l).unwrap()
}

/// Makes the session send what the vector's client step sends; returns our request id.
fn perform(p: &mut Peer, m: &serde_json::Value) -> Option<u64> {
    let to_dict = |k: &str| m.get(k).map(|j| dict(&j.to_string())).unwrap_or_default();
    let payload = || {
        Payload::new(
            m.get("args")
                .map(|j| list(&j.to_string()))
                .unwrap_or_default(),
            m.get("kwargs")
                .map(|j| dict(&j.to_string()))
                .unwrap_or_default(),
        )
    };
    let ty = MessageType::from_name(m["type"].as_str().unwrap()).unwrap();
    let id = match ty {
        MessageType::Subscribe => p.s.subscribe(
            m["topic"].as_str().unwrap(),
            SubscribeOptions::from_dict(&to_dict("options")).unwrap(),
        ),
        MessageType::Publish => p.s.publish(
            m["topic"].as_str().unwrap(),
            payload(),
            PublishOptions::from_dict(&to_dict("options")).unwrap(),
        ),
        MessageType::Call => p.s.call(
            m["procedure"].as_str().unwrap(),
            payload(),
            CallOptions::from_dict(&to_dict("options")).unwrap(),
            p.now,
        ),
        MessageType::Register => p.s.register(
            m["procedure"].as_str().unwrap(),
            RegisterOptions::from_dict(&to_dict("options")).unwrap(),
        ),
        other => panic!("client step {other} is not scripted yet"),
    };
    Some(id.unwrap())
}

#[test]
fn multisession_vectors() {
    let mut files = Vec::new();
    json_files(&testsuite_dir().join("multisession"), &mut files);
    assert!(!files.is_empty(), "no multi-message session vectors found");
    let mut steps_checked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = path.display();
        let mut peers: std::collections::HashMap<
            String,
            (Peer, std::collections::HashMap<u64, u64>, usize),
        > = std::collections::HashMap::new();
        for s in v["sessions"].as_array().unwrap() {
            let id = s["session_id"].as_str().unwrap().to_owned();
            let realm = s["realm"].as_str().unwrap();
            let peer = Peer::joined_with(SessionConfig::new(realm), full_welcome());
            peers.insert(id, (peer, Default::default(), 0));
        }
        for step in v["sequence"].as_array().unwrap() {
            let m = &step["message"];
            let (from, to) = (step["from"].as_str().unwrap(), step["to"].as_str().unwrap());
            if to == "router" {
                let (peer, ids, _) = peers.get_mut(from).unwrap();
                let ours = perform(peer, m).unwrap();
                if let Some(theirs) = m.get("request_id").and_then(|r| r.as_u64()) {
                    ids.insert(theirs, ours);
                }
                let expected = vector_message(m, ids);
                assert_eq!(peer.sent_one(), expected, "{name}: step {}", step["step"]);
            } else {
                let (peer, ids, events) = peers.get_mut(to).unwrap();
                peer.feed(vector_message(m, ids));
                for e in peer.events() {
                    if let SessionEvent::Event(e) = e {
                        *events += 1;
                        let want = m
                            .get("args")
                            .map(|a| list(&a.to_string()))
                            .unwrap_or_default();
                        assert_eq!(e.payload.arguments(), want.as_slice(), "{name}");
                    }
                }
            }
            steps_checked += 1;
        }
        if let Some(outcome) = v.get("expected_outcome") {
            if let Some(count) = outcome.get("event_count").and_then(|c| c.as_u64()) {
                let got: usize = peers.values().map(|(_, _, n)| *n).sum();
                assert_eq!(got as u64, count, "{name}: event count");
            }
            if let Some(recipients) = outcome.get("event_recipients").and_then(|r| r.as_array()) {
                for r in recipients {
                    let (_, _, n) = &peers[r.as_str().unwrap()];
                    assert!(*n > 0, "{name}: {r} received no event");
                }
            }
        }
    }
    println!(
        "multisession vectors: {} files, {steps_checked} steps",
        files.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Randomized message sequences: errors, never a panic
// ---------------------------------------------------------------------------------------------

/// xorshift64*: a small, fixed-seed generator, so a failure reproduces.
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

    /// Mostly small ids (so they hit pending requests), sometimes out of range.
    fn id(&mut self) -> u64 {
        if self.below(10) < 8 {
            1 + self.below(8)
        } else {
            *self.pick(&[0, MAX_ID, MAX_ID + 1, u64::MAX])
        }
    }

    fn value(&mut self) -> Value {
        match self.below(9) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => Value::UInt(self.id()),
            3 => Value::Int(-1),
            4 => Value::from(*self.pick(&["kill", "killnowait", "skip", "x", "", "a.b"])),
            5 => Value::Bytes(Bytes::from_static(b"\x00bin")),
            6 => Value::List(vec![Value::UInt(self.id())]),
            7 => Value::Dict(Dict::new()),
            _ => Value::Float(1.5),
        }
    }

    fn dict(&mut self) -> Dict {
        const KEYS: &[&str] = &[
            "progress",
            "receive_progress",
            "topic",
            "procedure",
            "publisher",
            "caller",
            "mode",
            "reason",
            "subscription",
            "registration",
            "ppt_scheme",
            "enc_algo",
            "timeout",
            "roles",
            "retained",
            "message",
            "authid",
        ];
        let mut d = Dict::new();
        for _ in 0..self.below(4) {
            let key = *self.pick(KEYS);
            d.insert(key.into(), self.value());
        }
        if self.below(3) == 0 {
            d.insert(
                "roles".into(),
                value(r#"{"broker": {}, "dealer": {"features": {"call_canceling": true}}}"#),
            );
        }
        d
    }

    fn payload(&mut self) -> Payload {
        match self.below(4) {
            0 => Payload::default(),
            1 => Payload::Transparent(Bytes::from_static(b"raw")),
            2 => Payload::args(vec![Value::Bytes(Bytes::from_static(b"raw"))]),
            _ => Payload::args(vec![self.value(), self.value()]),
        }
    }

    fn message(&mut self) -> Message {
        use zerowamp::wamp::message::*;
        let types = MessageType::ALL;
        let ty = *self.pick(&types);
        let uri = self
            .pick(&["com.t", "com.p", "a..b", "wamp.error.x"])
            .to_string();
        match ty {
            MessageType::Hello => Message::Hello(Hello {
                realm: uri,
                details: self.dict(),
            }),
            MessageType::Welcome => Message::Welcome(Welcome {
                session: self.id(),
                details: self.dict(),
            }),
            MessageType::Abort => Message::Abort(Abort {
                details: self.dict(),
                reason: uri,
                payload: Payload::default(),
            }),
            MessageType::Challenge => Message::Challenge(Challenge {
                method: self
                    .pick(&["ticket", "wampcra", "cryptosign", "x"])
                    .to_string(),
                extra: self.dict(),
            }),
            MessageType::Authenticate => Message::Authenticate(Authenticate {
                signature: uri,
                extra: self.dict(),
            }),
            MessageType::Goodbye => Message::Goodbye(Goodbye {
                details: self.dict(),
                reason: uri,
            }),
            MessageType::Error => Message::Error(ErrorMessage {
                request_type: *self.pick(&[
                    MessageType::Call,
                    MessageType::Publish,
                    MessageType::Subscribe,
                    MessageType::Unsubscribe,
                    MessageType::Register,
                    MessageType::Unregister,
                    MessageType::Invocation,
                ]),
                request: self.id(),
                details: self.dict(),
                error: uri,
                payload: self.payload(),
            }),
            MessageType::Publish => Message::Publish(Publish {
                request: self.id(),
                options: self.dict(),
                topic: uri,
                payload: self.payload(),
            }),
            MessageType::Published => Message::Published(Published {
                request: self.id(),
                publication: self.id(),
            }),
            MessageType::Subscribe => Message::Subscribe(Subscribe {
                request: self.id(),
                options: self.dict(),
                topic: uri,
            }),
            MessageType::Subscribed => Message::Subscribed(Subscribed {
                request: self.id(),
                subscription: self.id(),
            }),
            MessageType::Unsubscribe => Message::Unsubscribe(Unsubscribe {
                request: self.id(),
                subscription: self.id(),
                options: Dict::new(),
            }),
            MessageType::Unsubscribed => Message::Unsubscribed(Unsubscribed {
                request: self.id(),
                details: self.dict(),
            }),
            MessageType::Event => Message::Event(Event {
                subscription: self.id(),
                publication: self.id(),
                details: self.dict(),
                payload: self.payload(),
            }),
            MessageType::EventReceived => Message::EventReceived(EventReceived {
                publication: self.id(),
            }),
            MessageType::Call => Message::Call(Call {
                request: self.id(),
                options: self.dict(),
                procedure: uri,
                payload: self.payload(),
            }),
            MessageType::Cancel => Message::Cancel(Cancel {
                request: self.id(),
                options: self.dict(),
            }),
            MessageType::Result => Message::Result(ResultMessage {
                request: self.id(),
                details: self.dict(),
                payload: self.payload(),
            }),
            MessageType::Register => Message::Register(Register {
                request: self.id(),
                options: self.dict(),
                procedure: uri,
            }),
            MessageType::Registered => Message::Registered(Registered {
                request: self.id(),
                registration: self.id(),
            }),
            MessageType::Unregister => Message::Unregister(Unregister {
                request: self.id(),
                registration: self.id(),
                options: Dict::new(),
            }),
            MessageType::Unregistered => Message::Unregistered(Unregistered {
                request: self.id(),
                details: self.dict(),
            }),
            MessageType::Invocation => Message::Invocation(Invocation {
                request: self.id(),
                registration: self.id(),
                details: self.dict(),
                payload: self.payload(),
            }),
            MessageType::Interrupt => Message::Interrupt(Interrupt {
                request: self.id(),
                options: self.dict(),
            }),
            MessageType::Yield => Message::Yield(Yield {
                request: self.id(),
                options: self.dict(),
                payload: self.payload(),
            }),
        }
    }
}

/// One random application action; its result may be an error, never a panic.
fn random_action(rng: &mut Rng, s: &mut Session, now: Instant) {
    let uri = *rng.pick(&["com.t", "com.p", "com.", "a..b", "bad uri"]);
    let policy = *rng.pick(&MatchPolicy::ALL);
    let id = rng.id();
    let _ = match rng.below(16) {
        0 => s.connect(),
        1 => s
            .call(
                uri,
                rng.payload(),
                CallOptions {
                    receive_progress: rng.below(2) == 0,
                    progress: rng.below(4) == 0,
                    timeout: Some(Duration::from_millis(rng.below(50))),
                    ..Default::default()
                },
                now,
            )
            .map(drop),
        2 => s
            .publish(
                uri,
                rng.payload(),
                PublishOptions {
                    acknowledge: rng.below(2) == 0,
                    ..Default::default()
                },
            )
            .map(drop),
        3 => s
            .subscribe(
                uri,
                SubscribeOptions {
                    match_policy: policy,
                    ..Default::default()
                },
            )
            .map(drop),
        4 => s
            .register(
                uri,
                RegisterOptions {
                    match_policy: policy,
                    ..Default::default()
                },
            )
            .map(drop),
        5 => s.unsubscribe(id).map(drop),
        6 => s.unregister(id).map(drop),
        7 => s.cancel(
            id,
            *rng.pick(&[CancelMode::Skip, CancelMode::Kill, CancelMode::KillNoWait]),
        ),
        8 => s.yield_(
            id,
            rng.payload(),
            YieldOptions {
                progress: rng.below(2) == 0,
                ..Default::default()
            },
        ),
        9 => s.error_invocation(id, uri, rng.payload(), ErrorOptions::default()),
        10 => s.call_progress(id, rng.payload(), rng.below(2) == 0),
        11 => s.leave("wamp.close.close_realm", None),
        12 => s.abort("wamp.close.x", "x"),
        13 => {
            s.transport_closed();
            Ok(())
        }
        _ => {
            s.handle_timeout(now);
            Ok(())
        }
    };
}

#[test]
fn random_sequences_never_panic() {
    let mut rng = Rng(0x5eed_2024_cafe_f00d);
    let mut outcomes = [0usize; 3]; // accepted, violation/auth, closed
    let config = SessionConfig::new("realm1")
        .with_credential(Credential::ticket("t"))
        .with_credential(Credential::wampcra("s"))
        .with_credential(Credential::cryptosign(
            SigningKey::from_seed(&[1; 32]),
            None,
        ));
    for _round in 0..200 {
        let mut s = Session::new(config.clone());
        let t0 = Instant::now();
        let _ = s.connect();
        if rng.below(2) == 0 {
            let _ = s.handle_message(full_welcome(), t0);
        }
        for step in 0..60u64 {
            let now = t0 + Duration::from_millis(step * 7);
            if rng.below(3) == 0 {
                random_action(&mut rng, &mut s, now);
            }
            let before = s.state();
            match s.handle_message(rng.message(), now) {
                Ok(()) => outcomes[0] += 1,
                Err(SessionError::ProtocolViolation(_))
                | Err(SessionError::CannotAuthenticate(_)) => {
                    outcomes[1] += 1;
                    assert_eq!(s.state(), State::Closed, "a violation closes the session");
                    assert!(
                        std::iter::from_fn(|| s.poll_transmit())
                            .last()
                            .is_some_and(|m| matches!(m, Message::Abort(_))),
                        "a violation sends ABORT (state was {before})"
                    );
                }
                Err(SessionError::Closed) => {
                    outcomes[2] += 1;
                    assert_eq!(before, State::Closed);
                }
                Err(other) => panic!("handle_message returned {other:?}"),
            }
            // Drain as a runtime would.
            while s.poll_transmit().is_some() {}
            while s.poll_event().is_some() {}
            if s.state() == State::Closed {
                let _ = s.connect();
                if rng.below(4) != 0 {
                    let _ = s.handle_message(full_welcome(), now);
                }
            }
            let _ = s.next_timeout();
        }
    }
    println!(
        "random sequences: accepted {}, violations {}, after close {}",
        outcomes[0], outcomes[1], outcomes[2]
    );
    assert!(
        outcomes.iter().all(|n| *n > 100),
        "every outcome exercised: {outcomes:?}"
    );
}
