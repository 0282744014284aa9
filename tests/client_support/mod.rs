//! A scripted router for the client tests that need what a real router will not do on demand:
//! drop the transport without a word, stop reading, invoke a procedure at a chosen moment.
//!
//! It speaks just enough WAMP over the runtime: WELCOME for HELLO, SUBSCRIBED, REGISTERED,
//! UNSUBSCRIBED, UNREGISTERED, PUBLISHED (when asked for), RESULT for calls of `echo`,
//! nothing for calls of anything else (they stay in flight), GOODBYE for GOODBYE. Everything
//! it receives is recorded.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zerowamp::runtime::{
    Connection, ConnectionOptions, Event, ListenOptions, Listener, Mode, Runtime, RuntimeOptions,
};
use zerowamp::transport::TransportUrl;
use zerowamp::wamp::message::{
    Goodbye, Invocation, Published, Registered, ResultMessage, Subscribed, Unregistered,
    Unsubscribed, Welcome,
};
use zerowamp::wamp::{Dict, Message, Payload, Serializer, Value};

/// How long any one wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Seen {
    /// Every message received, in order, over all connections.
    pub messages: Vec<Message>,
    /// Connections whose session was welcomed, in order.
    pub connections: Vec<Connection>,
    /// Connections that closed.
    pub closed: usize,
}

pub struct FakeRouter {
    pub runtime: Arc<Runtime>,
    listener: Listener,
    pub seen: Arc<Mutex<Seen>>,
    /// Caller-driven mode: whether the pump thread dispatches.
    pumping: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeRouter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn roles() -> Dict {
    let mut features = Dict::new();
    for f in [
        "call_canceling",
        "progressive_call_results",
        "payload_passthru_mode",
    ] {
        features.insert(f.into(), Value::Bool(true));
    }
    let mut role = Dict::new();
    role.insert("features".into(), Value::Dict(features));
    let mut roles = Dict::new();
    roles.insert("broker".into(), Value::Dict(role.clone()));
    roles.insert("dealer".into(), Value::Dict(role));
    let mut details = Dict::new();
    details.insert("roles".into(), Value::Dict(roles));
    details
}

fn send(conn: &Connection, serializer: Serializer, message: &Message) {
    let mut out = Vec::new();
    serializer
        .codec()
        .encode(message, &mut out)
        .expect("encode");
    let _ = conn.send(out);
}

impl FakeRouter {
    /// Listens on a free RawSocket port. In `Mode::CallerDriven` a thread of its own handles
    /// what arrives while [`set_pumping`](Self::set_pumping) allows it; once more than
    /// `receive_limit` octets wait unhandled, the router stops reading: a router that does not
    /// keep up.
    pub fn start(mode: Mode, receive_limit: usize) -> FakeRouter {
        let runtime = Runtime::new(RuntimeOptions {
            mode,
            thread_name: Some("fake-router".into()),
        })
        .expect("runtime");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let recorded = seen.clone();
        let sessions = Arc::new(AtomicU64::new(1000));
        let url = TransportUrl::parse("rs://127.0.0.1:0").expect("url");
        let options = ListenOptions {
            connection: ConnectionOptions {
                receive_queue_limit: receive_limit,
                ..ConnectionOptions::default()
            },
            ..ListenOptions::default()
        };
        let listener = runtime
            .listen(&url, options, move |_conn| {
                let seen = recorded.clone();
                let sessions = sessions.clone();
                let mut serializer = Serializer::Cbor;
                Box::new(move |conn: &Connection, event: Event| match event {
                    Event::Opened(info) => {
                        serializer = Serializer::from_rawsocket_id(info.serializer.id())
                            .expect("a WAMP serializer");
                    }
                    Event::Frame(frame) => {
                        let message = serializer.codec().decode(frame).expect("decode");
                        let reply = answer(&message, &sessions);
                        let mut seen = seen.lock().unwrap();
                        if matches!(message, Message::Hello(_)) {
                            seen.connections.push(conn.clone());
                        }
                        seen.messages.push(message);
                        drop(seen);
                        if let Some(reply) = reply {
                            send(conn, serializer, &reply);
                        }
                    }
                    Event::Closed(_) => seen.lock().unwrap().closed += 1,
                })
            })
            .expect("listen");
        let runtime = Arc::new(runtime);
        let pumping = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        if mode == Mode::CallerDriven {
            let (rt, pumping, stop) = (runtime.clone(), pumping.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    if pumping.load(Ordering::Acquire) {
                        let _ = rt.wait(Some(Duration::from_millis(5)));
                        let _ = rt.dispatch(usize::MAX);
                    } else {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            });
        }
        FakeRouter {
            runtime,
            listener,
            seen,
            pumping,
            stop,
        }
    }

    /// Caller-driven mode: stops (or resumes) handling what arrives; stopped, the router soon
    /// stops reading.
    pub fn set_pumping(&self, on: bool) {
        self.pumping.store(on, Ordering::Release);
    }

    pub fn url(&self) -> String {
        format!("rs://127.0.0.1:{}", self.listener.port().expect("port"))
    }

    /// Waits (pumping in caller-driven mode) until `f` holds on what was seen.
    pub fn wait_for(&self, what: &str, mut f: impl FnMut(&Seen) -> bool) {
        let until = Instant::now() + WAIT;
        loop {
            if f(&self.seen.lock().unwrap()) {
                return;
            }
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How many received messages match `f`.
    pub fn count(&self, f: impl Fn(&Message) -> bool) -> usize {
        self.seen
            .lock()
            .unwrap()
            .messages
            .iter()
            .filter(|m| f(m))
            .count()
    }

    /// The latest welcomed connection.
    pub fn last_connection(&self) -> Connection {
        self.seen
            .lock()
            .unwrap()
            .connections
            .last()
            .cloned()
            .expect("a welcomed connection")
    }

    /// Sends EVENT for `subscription` on the latest connection.
    pub fn event(&self, serializer: Serializer, subscription: u64, args: Vec<Value>) {
        let message = Message::Event(zerowamp::wamp::message::Event {
            subscription,
            publication: 1,
            details: Dict::new(),
            payload: Payload::args(args),
        });
        send(&self.last_connection(), serializer, &message);
    }

    /// Sends INVOCATION `invocation` of `registration` on the latest connection.
    pub fn invoke(
        &self,
        serializer: Serializer,
        invocation: u64,
        registration: u64,
        args: Vec<Value>,
    ) {
        let message = Message::Invocation(Invocation {
            request: invocation,
            registration,
            details: Dict::new(),
            payload: Payload::args(args),
        });
        send(&self.last_connection(), serializer, &message);
    }
}

/// The scripted answer to `message`.
fn answer(message: &Message, sessions: &AtomicU64) -> Option<Message> {
    Some(match message {
        Message::Hello(_) => Message::Welcome(Welcome {
            session: sessions.fetch_add(1, Ordering::Relaxed) + 1,
            details: roles(),
        }),
        Message::Subscribe(m) => Message::Subscribed(Subscribed {
            request: m.request,
            subscription: 500 + m.request,
        }),
        Message::Unsubscribe(m) => Message::Unsubscribed(Unsubscribed {
            request: m.request,
            details: Dict::new(),
        }),
        Message::Register(m) => Message::Registered(Registered {
            request: m.request,
            registration: 700 + m.request,
        }),
        Message::Unregister(m) => Message::Unregistered(Unregistered {
            request: m.request,
            details: Dict::new(),
        }),
        Message::Publish(m) if m.options.get("acknowledge") == Some(&Value::Bool(true)) => {
            Message::Published(Published {
                request: m.request,
                publication: 900 + m.request,
            })
        }
        Message::Call(m) if m.procedure == "echo" => Message::Result(ResultMessage {
            request: m.request,
            details: Dict::new(),
            payload: m.payload.clone(),
        }),
        Message::Goodbye(_) => Message::Goodbye(Goodbye {
            details: Dict::new(),
            reason: "wamp.close.goodbye_and_out".into(),
        }),
        _ => return None,
    })
}
