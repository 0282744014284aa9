//! [`Router`]: the sans-IO router core. Messages in, messages out, time passed in.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::authn::{HelloContext, Outcome, PendingAuth, STATIC_PROVIDER};
use super::config::{ConfigError, RouterConfig};
use super::event::RouterEvent;
use super::features::{router_roles, PeerFeatures};
use super::limits::Limits;
use super::options::Violation;
use super::peer::{PeerId, TransportInfo};
use super::peers::{abort, Peers};
use super::random::{Entropy, IdGen, SeededEntropy};
use super::realm::{Cx, Realm};
use super::reason;
use super::session::{Identity, Session, State};
use crate::wamp::message::{Goodbye, Welcome};
use crate::wamp::{Dict, Id, Message, Value};

/// Most lifecycle events kept for [`Router::poll_event`]; older ones are dropped first, so a
/// program that never polls does not grow memory.
const MAX_EVENTS: usize = 4096;

/// Why [`Router::join_local`] refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The router serves no realm of that name.
    NoSuchRealm(String),
    /// The realm defines no role of that name.
    NoSuchRole(String),
    /// `max_sessions` reached.
    MaxSessions(usize),
    /// [`Router::shutdown`] was called.
    ShuttingDown,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::NoSuchRealm(r) => write!(f, "no realm {r:?}"),
            JoinError::NoSuchRole(r) => write!(f, "the realm defines no role {r:?}"),
            JoinError::MaxSessions(n) => write!(f, "the router already has {n} sessions"),
            JoinError::ShuttingDown => f.write_str("the router is shutting down"),
        }
    }
}

impl std::error::Error for JoinError {}

/// The router core. See the [module docs](super) for how to drive it.
pub struct Router {
    realms: Vec<Realm>,
    realm_index: HashMap<String, usize>,
    peers: Peers,
    ids: IdGen,
    entropy: Box<dyn Entropy>,
    limits: Limits,
    roles: Dict,
    /// A monotonic instant and the wall-clock time at that instant, to date WAMP-CRA challenges.
    clock: (Instant, Duration),
    events: VecDeque<RouterEvent>,
    /// The peer [`poll_transmit`](Router::poll_transmit) is draining.
    draining: Option<PeerId>,
    shutting_down: bool,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("realms", &self.realm_index.keys().collect::<Vec<_>>())
            .field("peers", &self.peers.attached())
            .field("sessions", &self.peers.active())
            .finish_non_exhaustive()
    }
}

impl Router {
    /// A router for `config`, drawing randomness from `entropy` (use
    /// [`OsEntropy`](super::OsEntropy) in production).
    ///
    /// Reads the wall clock once, here, to date WAMP-CRA challenges (the date is informational
    /// and not checked by clients); everything else runs on the `now` passed in.
    pub fn new(config: RouterConfig, mut entropy: Box<dyn Entropy>) -> Result<Router, ConfigError> {
        let mut realms = Vec::new();
        let mut realm_index = HashMap::new();
        for (i, cfg) in config.realms.iter().enumerate() {
            let path = format!("realms[{i}]");
            let realm = Realm::from_config(cfg, &path)?;
            if realm_index.insert(cfg.name.clone(), i).is_some() {
                return Err(ConfigError::new(
                    format!("{path}.name"),
                    format!("realm {:?} is defined twice", cfg.name),
                ));
            }
            realms.push(realm);
        }
        let ids = IdGen::new(entropy.as_mut()).map_err(|e| ConfigError::new("entropy", e))?;
        let wall = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(Router {
            realms,
            realm_index,
            peers: Peers::new(config.limits.max_outbound_queue),
            ids,
            entropy,
            limits: config.limits,
            roles: router_roles(),
            clock: (Instant::now(), wall),
            events: VecDeque::new(),
            draining: None,
            shutting_down: false,
        })
    }

    /// A router with a deterministic [`SeededEntropy`]: for tests and benchmarks only.
    pub fn with_seed(config: RouterConfig, seed: u64) -> Result<Router, ConfigError> {
        Router::new(config, Box::new(SeededEntropy::new(seed)))
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A new connection. It must say HELLO before anything else; while the router shuts down it
    /// is refused at once (ABORT `wamp.close.system_shutdown`).
    pub fn attach(&mut self, transport: TransportInfo) -> PeerId {
        let peer = self.peers.insert(transport);
        if self.shutting_down {
            // A connection that opened while the router was shutting down (accepted just
            // before the listeners closed) is told so at once, as the fresh peers were.
            self.peers.send_final(
                peer,
                abort(reason::SYSTEM_SHUTDOWN, "the router is shutting down"),
            );
            self.peers.set_state(peer, State::Closed);
        }
        peer
    }

    /// A new in-process peer: no socket; the program feeds it with [`handle`](Self::handle)
    /// (starting with HELLO) and drains it with [`poll_outbound`](Self::poll_outbound).
    pub fn attach_local(&mut self) -> PeerId {
        self.attach(TransportInfo::local())
    }

    /// Attaches an in-process peer and joins it to `realm` as `authid` with `authrole`, without
    /// authentication (`authmethod` `"trusted"`): the program embedding the router vouches for
    /// it. `roles` are its `HELLO.Details.roles` (features such as progressive results). The
    /// WELCOME is queued for the peer as usual.
    pub fn join_local(
        &mut self,
        realm: &str,
        authid: &str,
        authrole: &str,
        roles: Dict,
        now: Instant,
    ) -> Result<PeerId, JoinError> {
        if self.shutting_down {
            return Err(JoinError::ShuttingDown);
        }
        let &index = self
            .realm_index
            .get(realm)
            .ok_or_else(|| JoinError::NoSuchRealm(realm.to_owned()))?;
        if !self.realms[index].has_role(authrole) {
            return Err(JoinError::NoSuchRole(authrole.to_owned()));
        }
        if self.peers.active() >= self.limits.max_sessions {
            return Err(JoinError::MaxSessions(self.peers.active()));
        }
        let peer = self.attach_local();
        let mut details = Dict::new();
        details.insert("roles".to_owned(), Value::Dict(roles));
        let session = self.new_session_id();
        let identity = Identity {
            session,
            realm: self.realms[index].name.clone(),
            authid: Arc::from(authid),
            authrole: Arc::from(authrole),
            authmethod: "trusted",
            authprovider: "local",
        };
        self.welcome(
            peer,
            index,
            identity,
            PeerFeatures::from_hello(&details),
            now,
        );
        self.reap(now);
        Ok(peer)
    }

    /// Processes one message from `peer`. Replies and the messages it causes for other peers
    /// are queued; a protocol violation ABORTs `peer` only. Messages for unknown (detached)
    /// peers, and for peers already closed or dropped, are ignored.
    pub fn handle(&mut self, peer: PeerId, msg: Message, now: Instant) {
        let Some(p) = self.peers.get(peer) else {
            return;
        };
        if p.doomed {
            return;
        }
        let result = match &p.state {
            State::Fresh => self.on_fresh(peer, msg, now),
            State::Challenging(_) => self.on_challenging(peer, msg, now),
            State::Joined(_) => self.on_joined(peer, msg, now),
            State::Leaving => {
                if matches!(msg, Message::Goodbye(_) | Message::Abort(_)) {
                    self.peers.set_state(peer, State::Closed);
                }
                Ok(())
            }
            State::Closed => Ok(()),
        };
        if let Err(text) = result {
            self.violation(peer, text, now);
        }
        self.reap(now);
    }

    /// Reports a frame from `peer` that could not be decoded (a codec error, an oversize
    /// frame): `ABORT wamp.error.protocol_violation` with `reason` as the message.
    pub fn reject(&mut self, peer: PeerId, reason: &str, now: Instant) {
        if self
            .peers
            .get(peer)
            .is_some_and(|p| !matches!(p.state, State::Closed))
        {
            self.violation(peer, reason.to_owned(), now);
            self.reap(now);
        }
    }

    /// The connection of `peer` is gone: its session (if any) leaves, its subscriptions and
    /// registrations go, its calls fail or are interrupted. The handle becomes stale.
    pub fn detach(&mut self, peer: PeerId, now: Instant) {
        self.leave(peer, "transport closed", now);
        self.peers.remove(peer);
        if self.draining == Some(peer) {
            self.draining = None;
        }
        self.reap(now);
    }

    /// The next message queued for `peer`.
    pub fn poll_outbound(&mut self, peer: PeerId) -> Option<Message> {
        self.peers.pop(peer)
    }

    /// How many messages are queued for `peer`.
    pub fn outbound_len(&self, peer: PeerId) -> usize {
        self.peers.queued(peer)
    }

    /// A peer that had messages queued since it was last returned here; drain it with
    /// [`poll_outbound`](Self::poll_outbound).
    pub fn next_ready(&mut self) -> Option<PeerId> {
        self.peers.next_ready()
    }

    /// The next queued message of any peer, peer by peer.
    pub fn poll_transmit(&mut self) -> Option<(PeerId, Message)> {
        loop {
            if let Some(peer) = self.draining {
                if let Some(msg) = self.peers.pop(peer) {
                    return Some((peer, msg));
                }
            }
            self.draining = Some(self.peers.next_ready()?);
        }
    }

    /// True when the transport of `peer` should be closed now: its session ended with ABORT
    /// (or a GOODBYE exchange the router started) and its queue is drained. Unknown peers too.
    pub fn should_close(&self, peer: PeerId) -> bool {
        self.peers
            .get(peer)
            .is_none_or(|p| matches!(p.state, State::Closed) && self.peers.queued(peer) == 0)
    }

    /// Who `peer` is, once joined.
    pub fn session(&self, peer: PeerId) -> Option<&Identity> {
        self.peers.identity(peer)
    }

    /// Sessions joining or joined, over all realms.
    pub fn session_count(&self) -> usize {
        self.peers.active()
    }

    /// Attached peers.
    pub fn peer_count(&self) -> usize {
        self.peers.attached()
    }

    /// For a realm: (subscriptions, registrations, calls in flight).
    pub fn realm_stats(&self, realm: &str) -> Option<(usize, usize, usize)> {
        let &i = self.realm_index.get(realm)?;
        Some(self.realms[i].sizes())
    }

    /// When [`handle_timeout`](Self::handle_timeout) should run next.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.realms.iter().filter_map(Realm::next_deadline).min()
    }

    /// Fails the calls whose timeout has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        for realm in &mut self.realms {
            let mut cx = Cx {
                peers: &mut self.peers,
                ids: &mut self.ids,
                now,
                limits: &self.limits,
            };
            realm.expire(&mut cx);
        }
        self.reap(now);
    }

    /// The next lifecycle event.
    pub fn poll_event(&mut self) -> Option<RouterEvent> {
        self.events.pop_front()
    }

    /// Ends every session: GOODBYE (`wamp.close.system_shutdown`) to joined ones, ABORT to
    /// those still joining; new HELLOs are refused. Peers become closable as they answer (or
    /// at once, for ABORTed ones).
    pub fn shutdown(&mut self, now: Instant) {
        self.shutting_down = true;
        for peer in self.peers.ids() {
            let state = self.peers.get(peer).map(|p| &p.state);
            match state {
                Some(State::Joined(_)) => {
                    self.peers
                        .send_final(peer, goodbye(reason::SYSTEM_SHUTDOWN));
                    self.leave(peer, reason::SYSTEM_SHUTDOWN, now);
                    self.peers.set_state(peer, State::Leaving);
                }
                Some(State::Challenging(_) | State::Fresh) => {
                    self.peers.send_final(
                        peer,
                        abort(reason::SYSTEM_SHUTDOWN, "the router is shutting down"),
                    );
                    self.peers.set_state(peer, State::Closed);
                }
                _ => {}
            }
        }
        self.reap(now);
    }

    fn event(&mut self, e: RouterEvent) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    fn new_session_id(&mut self) -> Id {
        loop {
            let id = self.ids.id();
            if !self.realms.iter().any(|r| r.has_session(id)) {
                return id;
            }
        }
    }

    fn on_fresh(&mut self, peer: PeerId, msg: Message, now: Instant) -> Result<(), Violation> {
        let hello = match msg {
            Message::Hello(h) => h,
            Message::Abort(_) => {
                self.peers.set_state(peer, State::Closed);
                return Ok(());
            }
            other => {
                return Err(format!(
                    "{} before HELLO: a session starts with HELLO",
                    other.message_type()
                ))
            }
        };
        if self.shutting_down {
            self.refuse(
                peer,
                reason::SYSTEM_SHUTDOWN,
                "the router is shutting down".into(),
            );
            return Ok(());
        }
        let Some(&index) = self.realm_index.get(&hello.realm) else {
            self.refuse(
                peer,
                reason::NO_SUCH_REALM,
                format!("the router serves no realm {:?}", hello.realm),
            );
            return Ok(());
        };
        if self.peers.active() >= self.limits.max_sessions {
            let text = format!(
                "the router already has {} sessions, its limit",
                self.peers.active()
            );
            self.refuse(peer, reason::MAX_SESSIONS, text);
            return Ok(());
        }
        let session = self.new_session_id();
        let unix_time = self.clock.1 + now.saturating_duration_since(self.clock.0);
        let Some(transport) = self.peers.get(peer).map(|p| p.transport.clone()) else {
            return Ok(());
        };
        let realm = &self.realms[index];
        let cx = HelloContext {
            realm: index,
            realm_name: &realm.name,
            session,
            transport: &transport,
            unix_time,
        };
        match realm.authn.begin(&hello, &cx, self.entropy.as_mut())? {
            Outcome::Welcome {
                authid,
                authrole,
                method,
            } => {
                let identity = Identity {
                    session,
                    realm: realm.name.clone(),
                    authid: Arc::from(authid),
                    authrole: Arc::from(authrole),
                    authmethod: method.as_str(),
                    authprovider: STATIC_PROVIDER,
                };
                let features = PeerFeatures::from_hello(&hello.details);
                self.welcome(peer, index, identity, features, now);
            }
            Outcome::Challenge(challenge, pending) => {
                self.peers.set_state(peer, State::Challenging(pending));
                self.peers.send(peer, Message::Challenge(challenge));
            }
            Outcome::Abort(reason, text) => self.refuse(peer, reason, text),
        }
        Ok(())
    }

    fn on_challenging(
        &mut self,
        peer: PeerId,
        msg: Message,
        now: Instant,
    ) -> Result<(), Violation> {
        let auth = match msg {
            Message::Authenticate(a) => a,
            Message::Abort(_) => {
                self.peers.set_state(peer, State::Closed);
                return Ok(());
            }
            other => {
                return Err(format!(
                    "{} while authenticating: expected AUTHENTICATE",
                    other.message_type()
                ))
            }
        };
        let Some(State::Challenging(pending)) = self.peers.set_state(peer, State::Fresh) else {
            return Ok(());
        };
        let PendingAuth {
            realm,
            session,
            ref authid,
            ref authrole,
            method,
            features,
            ..
        } = *pending;
        match pending.verify(&auth.signature) {
            Ok(()) => {
                let identity = Identity {
                    session,
                    realm: self.realms[realm].name.clone(),
                    authid: Arc::from(authid.as_str()),
                    authrole: Arc::from(authrole.as_str()),
                    authmethod: method.as_str(),
                    authprovider: STATIC_PROVIDER,
                };
                self.welcome(peer, realm, identity, features, now);
            }
            Err(e) => self.refuse(
                peer,
                reason::AUTHENTICATION_FAILED,
                format!("{method} authentication of {authid:?} failed: {e}"),
            ),
        }
        Ok(())
    }

    fn on_joined(&mut self, peer: PeerId, msg: Message, now: Instant) -> Result<(), Violation> {
        match msg {
            Message::Goodbye(g) => {
                self.peers
                    .send_final(peer, goodbye(reason::GOODBYE_AND_OUT));
                self.leave(peer, &g.reason, now);
                // The transport may carry a new session after a GOODBYE exchange.
                self.peers.set_state(peer, State::Fresh);
                Ok(())
            }
            Message::Abort(a) => {
                self.leave(peer, &a.reason, now);
                self.peers.set_state(peer, State::Closed);
                Ok(())
            }
            msg => {
                let Some(index) = self.peers.session(peer).map(|s| s.realm) else {
                    return Ok(());
                };
                let mut cx = Cx {
                    peers: &mut self.peers,
                    ids: &mut self.ids,
                    now,
                    limits: &self.limits,
                };
                self.realms[index].handle(&mut cx, peer, msg)
            }
        }
    }

    fn welcome(
        &mut self,
        peer: PeerId,
        index: usize,
        identity: Identity,
        features: PeerFeatures,
        now: Instant,
    ) {
        let mut details = Dict::new();
        details.insert("roles".to_owned(), Value::Dict(self.roles.clone()));
        details.insert("realm".to_owned(), Value::from(&*identity.realm));
        details.insert("authid".to_owned(), Value::from(&*identity.authid));
        details.insert("authrole".to_owned(), Value::from(&*identity.authrole));
        details.insert("authmethod".to_owned(), Value::from(identity.authmethod));
        details.insert(
            "authprovider".to_owned(),
            Value::from(identity.authprovider),
        );
        details.insert(
            "agent".to_owned(),
            Value::from(concat!("zerowamp-", env!("CARGO_PKG_VERSION"))),
        );
        self.peers.send(
            peer,
            Message::Welcome(Welcome {
                session: identity.session,
                details,
            }),
        );
        let session = Session::new(index, identity.clone(), features);
        self.peers.set_state(peer, State::Joined(Box::new(session)));
        let transport = self
            .peers
            .get(peer)
            .map_or("local", |p| p.transport.kind.as_str());
        let mut cx = Cx {
            peers: &mut self.peers,
            ids: &mut self.ids,
            now,
            limits: &self.limits,
        };
        self.realms[index].join(&mut cx, peer, &identity, transport);
        self.event(RouterEvent::Joined { peer, identity });
    }

    /// Ends the joined session of `peer`, if any, leaving its state `Closed` (callers set the
    /// state they want next).
    fn leave(&mut self, peer: PeerId, why: &str, now: Instant) {
        if !matches!(
            self.peers.get(peer).map(|p| &p.state),
            Some(State::Joined(_))
        ) {
            if matches!(
                self.peers.get(peer).map(|p| &p.state),
                Some(State::Challenging(_))
            ) {
                self.peers.set_state(peer, State::Closed);
            }
            return;
        }
        let Some(State::Joined(session)) = self.peers.set_state(peer, State::Closed) else {
            return;
        };
        let identity = session.identity.clone();
        let mut cx = Cx {
            peers: &mut self.peers,
            ids: &mut self.ids,
            now,
            limits: &self.limits,
        };
        self.realms[session.realm].leave(&mut cx, peer, *session);
        self.event(RouterEvent::Left {
            peer,
            identity,
            reason: why.to_owned(),
        });
    }

    fn refuse(&mut self, peer: PeerId, reason: &str, text: String) {
        self.peers.send_final(peer, abort(reason, &text));
        self.peers.set_state(peer, State::Closed);
        self.event(RouterEvent::Refused {
            peer,
            reason: reason.to_owned(),
            message: text,
        });
    }

    fn violation(&mut self, peer: PeerId, text: String, now: Instant) {
        self.peers
            .send_final(peer, abort(reason::PROTOCOL_VIOLATION, &text));
        self.leave(peer, reason::PROTOCOL_VIOLATION, now);
        self.peers.set_state(peer, State::Closed);
        self.event(RouterEvent::ProtocolViolation {
            peer,
            message: text,
        });
    }

    /// Drops the slow consumers found while queueing, until none is left (dropping one may
    /// queue messages that overflow another).
    fn reap(&mut self, now: Instant) {
        loop {
            let doomed = self.peers.take_doomed();
            if doomed.is_empty() {
                return;
            }
            for peer in doomed {
                self.leave(peer, reason::SLOW_CONSUMER, now);
                self.peers.set_state(peer, State::Closed);
                self.event(RouterEvent::SlowConsumer { peer });
            }
        }
    }
}

fn goodbye(reason: &str) -> Message {
    Message::Goodbye(Goodbye {
        details: Dict::new(),
        reason: reason.to_owned(),
    })
}
