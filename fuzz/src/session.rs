//! The client session driven by fuzzer input: a sequence of operations, each one either a
//! message from the router (arbitrary, or a well-formed answer to something the session sent)
//! or a call of the application (call, publish, yield, cancel, leave, time passing...).
//!
//! Properties checked after every operation:
//! - nothing panics;
//! - every message the session sends is valid: it encodes, and decodes back to itself;
//! - a protocol violation (or a challenge it cannot answer) closes the session and queues an
//!   ABORT; a closed session has no id and no timeout.
//!
//! The input format is written by [`Script`] (used by the seed generator): the first byte
//! chooses credentials and roles, then each operation is an opcode byte ([`Op`]) and its
//! arguments.

use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::wamp::auth::cryptosign::SigningKey;
use zerowamp::wamp::message::{
    ErrorMessage, Event, Interrupt, Invocation, Published, Registered, ResultMessage, Subscribed,
    Unregistered, Unsubscribed, Welcome,
};
use zerowamp::wamp::session::{
    CallOptions, CancelMode, Credential, ErrorOptions, InvokePolicy, Passthru, PublishOptions,
    RegisterOptions, Roles, Session, SessionConfig, SessionError, SessionEvent, State,
    SubscribeOptions, YieldOptions,
};
use zerowamp::wamp::uri::MatchPolicy;
use zerowamp::wamp::{Dict, Id, Message, MessageType, Payload, Serializer, Value};

use crate::message::{read_list, write_message};
use crate::values::Source;

/// How many ids of each kind the harness remembers to aim answers at.
const REMEMBERED: usize = 16;

/// The operations, by opcode (the byte modulo their count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// `connect()`.
    Connect,
    /// A router message in list form (`message::read_list`), fed if it validates.
    Router,
    /// A WELCOME: session id byte, role flags byte (bit 0 broker, bit 1 dealer, bit 2 all
    /// features).
    Welcome,
    /// An answer to a request the session sent: index byte, error flag byte, then the fields.
    Reply,
    /// An EVENT for a known subscription: pick byte, publication byte, details, payload.
    Event,
    /// An INVOCATION for a known registration: pick byte, request byte, details, payload.
    Invocation,
    /// An INTERRUPT of a known invocation: pick byte, options.
    Interrupt,
    /// `call`: name, flags byte, timeout byte, payload.
    Call,
    /// `call_progress`: pick byte, more flag byte, payload.
    CallProgress,
    /// `cancel`: pick byte, mode byte.
    Cancel,
    /// `publish`: name, flags byte, payload.
    Publish,
    /// `subscribe`: name, policy byte.
    Subscribe,
    /// `unsubscribe`: pick byte.
    Unsubscribe,
    /// `register`: name, policy byte, invoke byte.
    Register,
    /// `unregister`: pick byte.
    Unregister,
    /// `yield_`: pick byte, flags byte, payload.
    Yield,
    /// `error_invocation`: pick byte, error name, payload.
    ErrorInvocation,
    /// `leave`.
    Leave,
    /// `abort`.
    Abort,
    /// Time passes (byte × 16 ms), then `handle_timeout`.
    Time,
    /// `transport_closed`.
    TransportClosed,
}

const OPS: [Op; 21] = [
    Op::Connect,
    Op::Router,
    Op::Welcome,
    Op::Reply,
    Op::Event,
    Op::Invocation,
    Op::Interrupt,
    Op::Call,
    Op::CallProgress,
    Op::Cancel,
    Op::Publish,
    Op::Subscribe,
    Op::Unsubscribe,
    Op::Register,
    Op::Unregister,
    Op::Yield,
    Op::ErrorInvocation,
    Op::Leave,
    Op::Abort,
    Op::Time,
    Op::TransportClosed,
];

/// Runs the session on `data` (the `session` target).
pub fn run(data: &[u8]) {
    let mut src = Source::new(data);
    let mut h = Harness::new(config(src.byte()));
    while !src.is_empty() {
        let op = OPS[usize::from(src.byte()) % OPS.len()];
        h.step(op, &mut src);
        h.drain();
    }
}

/// Credentials and roles from one byte: bits 0–2 add ticket, wampcra, cryptosign; bits 4–7
/// drop the publisher, subscriber, caller, callee roles.
fn config(flags: u8) -> SessionConfig {
    let mut config = SessionConfig::new("realm1").with_authid("fuzz");
    if flags & 1 != 0 {
        config = config.with_credential(Credential::ticket("secret"));
    }
    if flags & 2 != 0 {
        config = config.with_credential(Credential::wampcra("secret"));
    }
    if flags & 4 != 0 {
        let key = SigningKey::from_seed(&[7; 32]);
        config = config.with_credential(Credential::cryptosign(key, None));
    }
    config.with_roles(Roles {
        publisher: flags & 0x10 == 0,
        subscriber: flags & 0x20 == 0,
        caller: flags & 0x40 == 0,
        callee: flags & 0x80 == 0,
    })
}

/// A session and what the harness remembers about it.
struct Harness {
    session: Session,
    start: Instant,
    elapsed: Duration,
    /// Requests the session sent, by type.
    sent: Vec<(MessageType, Id)>,
    calls: Vec<Id>,
    subscriptions: Vec<Id>,
    registrations: Vec<Id>,
    invocations: Vec<Id>,
}

fn remember(list: &mut Vec<Id>, id: Id) {
    if list.len() == REMEMBERED {
        list.remove(0);
    }
    list.push(id);
}

/// One of `known` (by `b`), or — when there is none, or for `b >= 0xf0` — `b` itself as an id
/// nobody knows.
fn pick(known: &[Id], b: u8) -> Id {
    if known.is_empty() || b >= 0xf0 {
        Id::from(b)
    } else {
        known[usize::from(b) % known.len()]
    }
}

/// A name: a byte below 0x80 picks one of the words, otherwise a literal string follows.
fn name(src: &mut Source<'_>) -> String {
    let b = src.byte();
    if b < 0x80 {
        crate::values::WORDS[usize::from(b) % crate::values::WORDS.len()].to_owned()
    } else {
        src.string()
    }
}

/// A payload: empty, arguments, arguments and keyword arguments, or transparent.
fn payload(src: &mut Source<'_>) -> Payload {
    match src.byte() % 4 {
        0 => Payload::default(),
        1 => Payload::args(src.list()),
        2 => Payload::new(src.list(), src.dict()),
        _ => {
            let len = usize::from(src.byte());
            Payload::Transparent(Bytes::copy_from_slice(src.take(len)))
        }
    }
}

fn passthru(flag: bool) -> Option<Passthru> {
    flag.then(|| Passthru::new("mqtt").with_serializer("native"))
}

fn policy(b: u8) -> MatchPolicy {
    MatchPolicy::ALL[usize::from(b) % MatchPolicy::ALL.len()]
}

impl Harness {
    fn new(config: SessionConfig) -> Harness {
        Harness {
            session: Session::new(config),
            start: Instant::now(),
            elapsed: Duration::ZERO,
            sent: Vec::new(),
            calls: Vec::new(),
            subscriptions: Vec::new(),
            registrations: Vec::new(),
            invocations: Vec::new(),
        }
    }

    fn now(&self) -> Instant {
        self.start + self.elapsed
    }

    /// Feeds a router message and checks what a failure must leave behind.
    fn receive(&mut self, msg: Message) {
        let was = self.session.state();
        match self.session.handle_message(msg, self.now()) {
            Ok(()) => {}
            Err(SessionError::ProtocolViolation(_) | SessionError::CannotAuthenticate(_)) => {
                assert_eq!(self.session.state(), State::Closed);
                let mut abort = false;
                while let Some(m) = self.session.poll_transmit() {
                    self.check_sent(&m);
                    abort = matches!(m, Message::Abort(_));
                }
                assert!(abort, "a failed session must end with ABORT");
            }
            Err(SessionError::Closed) => assert_eq!(was, State::Closed),
            Err(e) => panic!("handle_message gave an error it never should: {e}"),
        }
    }

    fn step(&mut self, op: Op, src: &mut Source<'_>) {
        let now = self.now();
        let s = &mut self.session;
        // Errors of application calls are expected (wrong state, unknown ids, bad options);
        // only panics and the checks in `drain` count.
        match op {
            Op::Connect => drop(s.connect()),
            Op::Router => {
                if let Ok(msg) = Message::from_list(read_list(src)) {
                    self.receive(msg);
                }
            }
            Op::Welcome => {
                let session = Id::from(src.byte()) + 1;
                let details = welcome_details(src.byte());
                self.receive(Message::Welcome(Welcome { session, details }));
            }
            Op::Reply => self.reply(src),
            Op::Event => {
                let msg = Message::Event(Event {
                    subscription: pick(&self.subscriptions, src.byte()),
                    publication: Id::from(src.byte()) + 1,
                    details: src.dict(),
                    payload: payload(src),
                });
                self.receive(msg);
            }
            Op::Invocation => {
                let msg = Message::Invocation(Invocation {
                    registration: pick(&self.registrations, src.byte()),
                    request: Id::from(src.byte()) + 1,
                    details: src.dict(),
                    payload: payload(src),
                });
                self.receive(msg);
            }
            Op::Interrupt => {
                let msg = Message::Interrupt(Interrupt {
                    request: pick(&self.invocations, src.byte()),
                    options: src.dict(),
                });
                self.receive(msg);
            }
            Op::Call => {
                let procedure = name(src);
                let flags = src.byte();
                let timeout = src.byte();
                let options = CallOptions {
                    receive_progress: flags & 1 != 0,
                    progress: flags & 2 != 0,
                    timeout: (flags & 4 != 0).then(|| Duration::from_millis(u64::from(timeout))),
                    timeout_local_only: flags & 8 != 0,
                    disclose_me: (flags & 16 != 0).then_some(true),
                    passthru: passthru(flags & 32 != 0),
                    ..CallOptions::default()
                };
                drop(s.call(&procedure, payload(src), options, now));
            }
            Op::CallProgress => {
                let request = pick(&self.calls, src.byte());
                let more = src.byte() & 1 != 0;
                drop(s.call_progress(request, payload(src), more));
            }
            Op::Cancel => {
                let request = pick(&self.calls, src.byte());
                let mode = [CancelMode::Skip, CancelMode::Kill, CancelMode::KillNoWait]
                    [usize::from(src.byte()) % 3];
                drop(s.cancel(request, mode));
            }
            Op::Publish => {
                let topic = name(src);
                let flags = src.byte();
                let options = PublishOptions {
                    acknowledge: flags & 1 != 0,
                    exclude_me: (flags & 2 != 0).then_some(false),
                    eligible: (flags & 4 != 0).then(|| vec![1, 2]),
                    passthru: passthru(flags & 8 != 0),
                    ..PublishOptions::default()
                };
                drop(s.publish(&topic, payload(src), options));
            }
            Op::Subscribe => {
                let topic = name(src);
                let options = SubscribeOptions {
                    match_policy: policy(src.byte()),
                    ..SubscribeOptions::default()
                };
                drop(s.subscribe(&topic, options));
            }
            Op::Unsubscribe => drop(s.unsubscribe(pick(&self.subscriptions, src.byte()))),
            Op::Register => {
                let procedure = name(src);
                let options = RegisterOptions {
                    match_policy: policy(src.byte()),
                    invoke: [
                        None,
                        Some(InvokePolicy::RoundRobin),
                        Some(InvokePolicy::Last),
                    ][usize::from(src.byte()) % 3],
                    ..RegisterOptions::default()
                };
                drop(s.register(&procedure, options));
            }
            Op::Unregister => drop(s.unregister(pick(&self.registrations, src.byte()))),
            Op::Yield => {
                let invocation = pick(&self.invocations, src.byte());
                let flags = src.byte();
                let options = YieldOptions {
                    progress: flags & 1 != 0,
                    passthru: passthru(flags & 2 != 0),
                    ..YieldOptions::default()
                };
                drop(s.yield_(invocation, payload(src), options));
            }
            Op::ErrorInvocation => {
                let invocation = pick(&self.invocations, src.byte());
                let error = name(src);
                drop(s.error_invocation(invocation, &error, payload(src), ErrorOptions::default()));
            }
            Op::Leave => drop(s.leave("wamp.close.normal", Some("bye"))),
            Op::Abort => drop(s.abort("wamp.close.system_shutdown", "stop")),
            Op::Time => {
                self.elapsed += Duration::from_millis(u64::from(src.byte()) * 16);
                let now = self.now();
                self.session.handle_timeout(now);
            }
            Op::TransportClosed => s.transport_closed(),
        }
    }

    /// A well-formed answer (or ERROR) to one of the requests the session sent.
    fn reply(&mut self, src: &mut Source<'_>) {
        let index = src.byte();
        let error = src.byte() & 1 != 0;
        let Some(&(request_type, request)) =
            self.sent.get(usize::from(index) % self.sent.len().max(1))
        else {
            return;
        };
        let msg = if error {
            Message::Error(ErrorMessage {
                request_type,
                request,
                details: src.dict(),
                error: name(src),
                payload: payload(src),
            })
        } else {
            match request_type {
                MessageType::Call => Message::Result(ResultMessage {
                    request,
                    details: src.dict(),
                    payload: payload(src),
                }),
                MessageType::Publish => Message::Published(Published {
                    request,
                    publication: Id::from(src.byte()) + 1,
                }),
                MessageType::Subscribe => Message::Subscribed(Subscribed {
                    request,
                    subscription: Id::from(src.byte()) + 1,
                }),
                MessageType::Unsubscribe => Message::Unsubscribed(Unsubscribed {
                    request,
                    details: Dict::new(),
                }),
                MessageType::Register => Message::Registered(Registered {
                    request,
                    registration: Id::from(src.byte()) + 1,
                }),
                _ => Message::Unregistered(Unregistered {
                    request,
                    details: Dict::new(),
                }),
            }
        };
        self.receive(msg);
    }

    /// Takes everything the session queued, checks it, and remembers the ids.
    fn drain(&mut self) {
        while let Some(msg) = self.session.poll_transmit() {
            self.check_sent(&msg);
            let request = match &msg {
                Message::Call(m) => {
                    remember(&mut self.calls, m.request);
                    Some(m.request)
                }
                Message::Publish(m) => Some(m.request),
                Message::Subscribe(m) => Some(m.request),
                Message::Unsubscribe(m) => Some(m.request),
                Message::Register(m) => Some(m.request),
                Message::Unregister(m) => Some(m.request),
                _ => None,
            };
            if let Some(id) = request {
                if self.sent.len() == REMEMBERED {
                    self.sent.remove(0);
                }
                self.sent.push((msg.message_type(), id));
            }
        }
        while let Some(event) = self.session.poll_event() {
            match event {
                SessionEvent::Subscribed { subscription, .. } => {
                    remember(&mut self.subscriptions, subscription)
                }
                SessionEvent::Registered { registration, .. } => {
                    remember(&mut self.registrations, registration)
                }
                SessionEvent::Invocation(i) => remember(&mut self.invocations, i.invocation),
                _ => {}
            }
        }
        let established = self.session.state() == State::Established;
        assert_eq!(self.session.session_id().is_some(), established);
        if !established {
            assert_eq!(self.session.next_timeout(), None);
        }
    }

    /// A message the session sends must be valid: it encodes, and decodes to itself.
    fn check_sent(&self, msg: &Message) {
        let codec = Serializer::Cbor.codec();
        let mut frame = Vec::new();
        codec
            .encode(msg, &mut frame)
            .unwrap_or_else(|e| panic!("the session sent a message that does not encode: {e}"));
        match codec.decode(Bytes::from(frame)) {
            Ok(again) => assert_eq!(*msg, again, "a sent message changed in a round trip"),
            Err(e) => panic!("the session sent an invalid message: {e}\n{msg:?}"),
        }
    }
}

/// WELCOME.Details with the roles (and, with bit 2, every feature) the flags name.
fn welcome_details(flags: u8) -> Dict {
    const FEATURES: &[&str] = &[
        "call_canceling",
        "call_timeout",
        "progressive_call_results",
        "progressive_call_invocations",
        "payload_passthru_mode",
        "pattern_based_subscription",
        "pattern_based_registration",
        "shared_registration",
        "publisher_exclusion",
        "subscriber_blackwhite_listing",
    ];
    let mut roles = Dict::new();
    for (bit, role) in [(1, "broker"), (2, "dealer")] {
        if flags & bit != 0 {
            let mut features = Dict::new();
            if flags & 4 != 0 {
                for f in FEATURES {
                    features.insert((*f).into(), Value::Bool(true));
                }
            }
            let mut details = Dict::new();
            details.insert("features".into(), Value::Dict(features));
            roles.insert(role.into(), Value::Dict(details));
        }
    }
    let mut details = Dict::new();
    details.insert("roles".into(), Value::Dict(roles));
    details
}

/// Writes session inputs (for seeds): the config byte, then operations.
pub struct Script(Vec<u8>);

impl Script {
    /// A script for the config byte `flags` (see the module docs).
    pub fn new(flags: u8) -> Script {
        Script(vec![flags])
    }

    /// An operation with its argument bytes.
    pub fn op(mut self, op: Op, args: &[u8]) -> Script {
        self.0.push(op as u8);
        self.0.extend_from_slice(args);
        self
    }

    /// A router message, as [`Op::Router`] reads it.
    pub fn router(mut self, msg: &Message) -> Script {
        self.0.push(Op::Router as u8);
        write_message(msg, &mut self.0);
        self
    }

    /// The input bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
