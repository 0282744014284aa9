//! Scripted in-process peers for the router tests: build messages, feed them to a [`Router`],
//! read back what it queued.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::router::{PeerId, Router, RouterConfig, TransportInfo};
use zerowamp::wamp::message::*;
use zerowamp::wamp::{Dict, Id, Message, Payload, Value};

/// A dict from pairs.
pub fn dict(pairs: &[(&str, Value)]) -> Dict {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A role entry with these features set.
fn role(features: &[&str]) -> Value {
    let f: Dict = features
        .iter()
        .map(|n| ((*n).to_owned(), Value::Bool(true)))
        .collect();
    Value::Dict(dict(&[("features", Value::Dict(f))]))
}

/// Roles of a client that supports everything the router does.
pub fn full_roles() -> Dict {
    dict(&[
        (
            "caller",
            role(&[
                "progressive_call_results",
                "call_canceling",
                "progressive_call_invocations",
                "caller_identification",
            ]),
        ),
        (
            "callee",
            role(&[
                "progressive_call_results",
                "call_canceling",
                "progressive_call_invocations",
                "caller_identification",
            ]),
        ),
        ("publisher", role(&["publisher_identification"])),
        ("subscriber", role(&["pattern_based_subscription"])),
    ])
}

/// Roles of a basic-profile client (no advanced features).
pub fn basic_roles() -> Dict {
    dict(&[
        ("caller", Value::Dict(Dict::new())),
        ("callee", Value::Dict(Dict::new())),
        ("publisher", Value::Dict(Dict::new())),
        ("subscriber", Value::Dict(Dict::new())),
    ])
}

pub fn hello(realm: &str, extra: &[(&str, Value)]) -> Message {
    let mut details = dict(&[("roles", Value::Dict(full_roles()))]);
    for (k, v) in extra {
        details.insert((*k).to_owned(), v.clone());
    }
    Message::Hello(Hello {
        realm: realm.to_owned(),
        details,
    })
}

pub fn args(values: Vec<Value>) -> Payload {
    Payload::args(values)
}

pub fn subscribe(request: Id, topic: &str, options: Dict) -> Message {
    Message::Subscribe(Subscribe {
        request,
        options,
        topic: topic.to_owned(),
    })
}

pub fn publish(request: Id, topic: &str, options: Dict, payload: Payload) -> Message {
    Message::Publish(Publish {
        request,
        options,
        topic: topic.to_owned(),
        payload,
    })
}

pub fn register(request: Id, procedure: &str, options: Dict) -> Message {
    Message::Register(Register {
        request,
        options,
        procedure: procedure.to_owned(),
    })
}

pub fn call(request: Id, procedure: &str, options: Dict, payload: Payload) -> Message {
    Message::Call(Call {
        request,
        options,
        procedure: procedure.to_owned(),
        payload,
    })
}

pub fn yield_(request: Id, options: Dict, payload: Payload) -> Message {
    Message::Yield(Yield {
        request,
        options,
        payload,
    })
}

pub fn cancel(request: Id, mode: &str) -> Message {
    Message::Cancel(Cancel {
        request,
        options: dict(&[("mode", Value::from(mode))]),
    })
}

pub fn invocation_error(request: Id, error: &str) -> Message {
    Message::Error(ErrorMessage {
        request_type: MessageType::Invocation,
        request,
        details: Dict::new(),
        error: error.to_owned(),
        payload: Payload::default(),
    })
}

pub fn goodbye() -> Message {
    Message::Goodbye(Goodbye {
        details: Dict::new(),
        reason: "wamp.close.close_realm".to_owned(),
    })
}

/// A joined in-process client.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub peer: PeerId,
    pub session: Id,
}

/// A router with a clock the test moves.
pub struct Net {
    pub router: Router,
    pub now: Instant,
}

impl Net {
    pub fn new(config: RouterConfig) -> Net {
        Net {
            router: Router::with_seed(config, 42).expect("config"),
            now: Instant::now(),
        }
    }

    /// Realm `realm1`, anonymous, everything allowed.
    pub fn open() -> Net {
        Net::new(RouterConfig::open("realm1"))
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }

    pub fn attach(&mut self) -> PeerId {
        self.router.attach(TransportInfo::local())
    }

    pub fn send(&mut self, peer: PeerId, msg: Message) {
        let now = self.now;
        self.router.handle(peer, msg, now);
    }

    pub fn recv(&mut self, peer: PeerId) -> Option<Message> {
        self.router.poll_outbound(peer)
    }

    pub fn recv_all(&mut self, peer: PeerId) -> Vec<Message> {
        std::iter::from_fn(|| self.router.poll_outbound(peer)).collect()
    }

    /// Sends `hello` from a new peer and expects a WELCOME.
    pub fn join_with(&mut self, hello: Message) -> Client {
        let peer = self.attach();
        self.send(peer, hello);
        match self.recv(peer) {
            Some(Message::Welcome(w)) => Client {
                peer,
                session: w.session,
            },
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    /// An anonymous client with every feature in `realm1`.
    pub fn join(&mut self) -> Client {
        self.join_with(hello("realm1", &[]))
    }

    /// An anonymous basic-profile client in `realm1`.
    pub fn join_basic(&mut self) -> Client {
        self.join_with(Message::Hello(Hello {
            realm: "realm1".into(),
            details: dict(&[("roles", Value::Dict(basic_roles()))]),
        }))
    }

    /// SUBSCRIBE and expect SUBSCRIBED; returns the subscription id.
    pub fn subscribe(&mut self, c: Client, request: Id, topic: &str, options: Dict) -> Id {
        self.send(c.peer, subscribe(request, topic, options));
        match self.recv(c.peer) {
            Some(Message::Subscribed(s)) if s.request == request => s.subscription,
            other => panic!("expected SUBSCRIBED, got {other:?}"),
        }
    }

    /// REGISTER and expect REGISTERED; returns the registration id.
    pub fn register(&mut self, c: Client, request: Id, procedure: &str, options: Dict) -> Id {
        self.send(c.peer, register(request, procedure, options));
        match self.recv(c.peer) {
            Some(Message::Registered(r)) if r.request == request => r.registration,
            other => panic!("expected REGISTERED, got {other:?}"),
        }
    }

    /// Expects one INVOCATION for `c`.
    pub fn invocation(&mut self, c: Client) -> Invocation {
        match self.recv(c.peer) {
            Some(Message::Invocation(i)) => i,
            other => panic!("expected INVOCATION, got {other:?}"),
        }
    }

    /// Expects one EVENT for `c`.
    pub fn event(&mut self, c: Client) -> Event {
        match self.recv(c.peer) {
            Some(Message::Event(e)) => e,
            other => panic!("expected EVENT, got {other:?}"),
        }
    }

    /// Expects one RESULT for `c`.
    pub fn result(&mut self, c: Client) -> ResultMessage {
        match self.recv(c.peer) {
            Some(Message::Result(r)) => r,
            other => panic!("expected RESULT, got {other:?}"),
        }
    }

    /// Expects one ERROR for `c`; returns it.
    pub fn error(&mut self, c: Client) -> ErrorMessage {
        match self.recv(c.peer) {
            Some(Message::Error(e)) => e,
            other => panic!("expected ERROR, got {other:?}"),
        }
    }

    /// Expects one ABORT for `peer`; returns its reason.
    pub fn abort(&mut self, peer: PeerId) -> Abort {
        match self.recv(peer) {
            Some(Message::Abort(a)) => a,
            other => panic!("expected ABORT, got {other:?}"),
        }
    }
}

/// The single binary argument of a payload, or its transparent bytes.
pub fn bytes_of(p: &Payload) -> Bytes {
    match p {
        Payload::Transparent(b) => b.clone(),
        Payload::Arguments { args, .. } => match args.as_slice() {
            [Value::Bytes(b)] => b.clone(),
            other => panic!("expected one binary argument, got {other:?}"),
        },
    }
}
