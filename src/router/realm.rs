//! A realm: its sessions, authentication and authorization setup, broker and dealer. Messages of
//! joined sessions are checked here (request ids, URIs, permissions, limits) before the broker
//! or dealer acts on them.

use std::sync::Arc;
use std::time::Instant;

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;

use super::authn::Authenticator;
use super::authz::{Action, Authorizer, Grant};
use super::broker::{Audience, Broker};
use super::config::{ConfigError, RealmConfig};
use super::dealer::{CallerInfo, Dealer, InvokePolicy};
use super::limits::Limits;
use super::meta;
use super::options::{copy_passthru, request_id, Opts, Violation};
use super::peer::PeerId;
use super::peers::Peers;
use super::random::IdGen;
use super::reason;
use super::session::{Identity, Session};
use crate::wamp::message::{
    Call, MessageType, Publish, Published, Register, Registered, ResultMessage, Subscribe,
    Subscribed, Unregister, Unregistered, Unsubscribe, Unsubscribed,
};
use crate::wamp::uri::{self, EmptyComponents, MatchPolicy, Strictness};
use crate::wamp::{Dict, Id, Message, Value};

/// What one operation works with besides the realm.
pub(crate) struct Cx<'a> {
    pub peers: &'a mut Peers,
    pub ids: &'a mut IdGen,
    pub now: Instant,
    pub limits: &'a Limits,
}

/// One realm.
#[derive(Debug)]
pub(crate) struct Realm {
    pub name: Arc<str>,
    pub authn: Authenticator,
    authz: Authorizer,
    broker: Broker,
    dealer: Dealer,
    /// Joined sessions, in join order (session ids are the router's own: a fast hasher).
    sessions: IndexMap<Id, PeerId, FxBuildHasher>,
    meta: bool,
    strictness: Strictness,
}

impl Realm {
    pub(crate) fn from_config(cfg: &RealmConfig, path: &str) -> Result<Self, ConfigError> {
        uri::check(&cfg.name, Strictness::Loose, EmptyComponents::Forbidden)
            .map_err(|e| ConfigError::new(format!("{path}.name"), e))?;
        let authn = Authenticator::from_config(cfg, path)?;
        let authz = Authorizer::from_config(&cfg.roles, path)?;
        if let Some(role) = authn.roles().find(|r| !authz.has_role(r)) {
            return Err(ConfigError::new(
                path,
                format!("role {role:?} is given to sessions but not defined in roles"),
            ));
        }
        Ok(Realm {
            name: Arc::from(cfg.name.as_str()),
            authn,
            authz,
            broker: Broker::default(),
            dealer: Dealer::default(),
            sessions: IndexMap::default(),
            meta: cfg.meta_api,
            strictness: if cfg.strict_uris {
                Strictness::Strict
            } else {
                Strictness::Loose
            },
        })
    }

    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.authz.has_role(role)
    }

    pub(crate) fn has_session(&self, id: Id) -> bool {
        self.sessions.contains_key(&id)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.dealer.next_deadline()
    }

    pub(crate) fn expire(&mut self, cx: &mut Cx<'_>) {
        self.dealer.expire(cx.peers, cx.now);
    }

    /// Sizes for tests and stats: (subscriptions, registrations, calls in flight).
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        (
            self.broker.len(),
            self.dealer.len(),
            self.dealer.calls_in_flight(),
        )
    }

    /// A session was welcomed.
    pub(crate) fn join(&mut self, cx: &mut Cx<'_>, peer: PeerId, who: &Identity, transport: &str) {
        self.sessions.insert(who.session, peer);
        if self.meta {
            self.publish_meta(cx, meta::ON_JOIN, meta::on_join(who, transport));
        }
    }

    /// A session left (GOODBYE, ABORT, transport gone, dropped): remove everything it held.
    pub(crate) fn leave(&mut self, cx: &mut Cx<'_>, peer: PeerId, session: Session) {
        self.sessions.shift_remove(&session.identity.session);
        for id in &session.subscriptions {
            self.broker.unsubscribe(*id, peer);
        }
        self.dealer
            .remove_session(cx.peers, peer, session.registrations.iter().copied());
        if self.meta {
            self.publish_meta(cx, meta::ON_LEAVE, meta::on_leave(&session.identity));
        }
    }

    fn publish_meta(&mut self, cx: &mut Cx<'_>, topic: &str, payload: crate::wamp::Payload) {
        let publication = cx.ids.id();
        self.broker.deliver(
            cx.peers,
            publication,
            topic,
            &Dict::new(),
            &payload,
            &Audience::default(),
        );
    }

    /// A message from a joined session, other than GOODBYE/ABORT.
    pub(crate) fn handle(
        &mut self,
        cx: &mut Cx<'_>,
        peer: PeerId,
        msg: Message,
    ) -> Result<(), Violation> {
        match msg {
            Message::Publish(m) => self.publish(cx, peer, m),
            Message::Subscribe(m) => self.subscribe(cx, peer, m),
            Message::Unsubscribe(m) => self.unsubscribe(cx, peer, m),
            Message::Call(m) => self.call(cx, peer, m),
            Message::Cancel(m) => {
                request_id(m.request, "CANCEL")?;
                self.dealer.cancel(cx.peers, peer, m)
            }
            Message::Register(m) => self.register(cx, peer, m),
            Message::Unregister(m) => self.unregister(cx, peer, m),
            Message::Yield(m) => {
                request_id(m.request, "YIELD")?;
                self.dealer.yield_(cx.peers, peer, m)
            }
            Message::Error(m) if m.request_type == MessageType::Invocation => {
                request_id(m.request, "ERROR")?;
                self.dealer.error(cx.peers, peer, m);
                Ok(())
            }
            Message::Error(m) => Err(format!(
                "ERROR for a {} request: a client may only answer INVOCATIONs with ERROR",
                m.request_type
            )),
            // Acknowledged event delivery is a peer-to-peer courtesy; nothing to route.
            Message::EventReceived(_) => Ok(()),
            other => Err(format!(
                "{} is not a message a client may send in an established session",
                other.message_type()
            )),
        }
    }

    /// The checked identity and features of a joined session.
    fn me(
        cx: &Cx<'_>,
        peer: PeerId,
    ) -> Result<(Identity, super::features::PeerFeatures), Violation> {
        cx.peers
            .session(peer)
            .map(|s| (s.identity.clone(), s.features))
            .ok_or_else(|| "no session".to_owned())
    }

    /// Checks a concrete URI (topic or procedure) for this realm's rules.
    fn check_uri(&self, uri: &str) -> Result<(), String> {
        uri::check(uri, self.strictness, EmptyComponents::Forbidden).map_err(|e| e.to_string())
    }

    fn grant(&self, who: &Identity, uri: &str) -> Grant {
        self.authz.grant(&who.authrole, uri)
    }

    fn denied(action: Action, uri: &str, who: &Identity) -> String {
        format!(
            "role {:?} may not {} {uri:?}",
            &*who.authrole,
            action.as_str()
        )
    }

    fn match_policy(opts: &Opts<'_>) -> Result<MatchPolicy, Violation> {
        match opts.str("match")? {
            None => Ok(MatchPolicy::Exact),
            Some(name) => name.parse().map_err(|e: uri::UriError| e.to_string()),
        }
    }

    fn publish(&mut self, cx: &mut Cx<'_>, peer: PeerId, p: Publish) -> Result<(), Violation> {
        request_id(p.request, "PUBLISH")?;
        let (me, _) = Self::me(cx, peer)?;
        let opts = Opts::new(&p.options, "PUBLISH.Options");
        let acknowledge = opts.bool("acknowledge", false)?;
        let exclude_me = opts.bool("exclude_me", true)?;
        let disclose_me = opts.bool("disclose_me", false)?;
        let audience = Audience {
            exclude_peer: exclude_me.then_some(peer),
            exclude: opts.ids("exclude")?.unwrap_or_default(),
            exclude_authid: opts.strs("exclude_authid")?.unwrap_or_default(),
            exclude_authrole: opts.strs("exclude_authrole")?.unwrap_or_default(),
            eligible: opts.ids("eligible")?,
            eligible_authid: opts.strs("eligible_authid")?,
            eligible_authrole: opts.strs("eligible_authrole")?,
        };
        let refuse = |cx: &mut Cx<'_>, uri: &str, text: String| {
            // Without acknowledge the spec has the broker stay silent.
            if acknowledge {
                cx.peers.send(
                    peer,
                    reason::error(MessageType::Publish, p.request, uri, text),
                );
            }
        };
        if let Err(e) = self.check_uri(&p.topic) {
            refuse(cx, reason::INVALID_URI, e);
            return Ok(());
        }
        if uri::is_reserved(&p.topic) {
            refuse(
                cx,
                reason::INVALID_URI,
                format!("topic {:?} is in the reserved wamp namespace", p.topic),
            );
            return Ok(());
        }
        let grant = self.grant(&me, &p.topic);
        if !grant.publish {
            refuse(
                cx,
                reason::NOT_AUTHORIZED,
                Self::denied(Action::Publish, &p.topic, &me),
            );
            return Ok(());
        }
        if disclose_me && !grant.disclose_publisher {
            refuse(
                cx,
                reason::DISCLOSE_ME_DISALLOWED,
                format!("role {:?} may not disclose its identity", &*me.authrole),
            );
            return Ok(());
        }
        let mut details = Dict::new();
        if disclose_me {
            details.insert("publisher".to_owned(), Value::from(me.session));
            details.insert("publisher_authid".to_owned(), Value::from(&*me.authid));
            details.insert("publisher_authrole".to_owned(), Value::from(&*me.authrole));
        }
        copy_passthru(&p.options, &mut details);
        let publication = cx.ids.id();
        self.broker.deliver(
            cx.peers,
            publication,
            &p.topic,
            &details,
            &p.payload,
            &audience,
        );
        if acknowledge {
            cx.peers.send(
                peer,
                Message::Published(Published {
                    request: p.request,
                    publication,
                }),
            );
        }
        Ok(())
    }

    /// Refuses SUBSCRIBE/REGISTER past the per-session limit.
    fn over_limit(cx: &Cx<'_>, peer: PeerId) -> Option<String> {
        let s = cx.peers.session(peer)?;
        let held = s.subscriptions.len() + s.registrations.len();
        let max = cx.limits.max_subscriptions_and_registrations;
        (held >= max).then(|| {
            format!("the session holds {held} subscriptions and registrations, the limit is {max}")
        })
    }

    fn subscribe(&mut self, cx: &mut Cx<'_>, peer: PeerId, s: Subscribe) -> Result<(), Violation> {
        request_id(s.request, "SUBSCRIBE")?;
        let (me, _) = Self::me(cx, peer)?;
        let policy = Self::match_policy(&Opts::new(&s.options, "SUBSCRIBE.Options"))?;
        let fail = |cx: &mut Cx<'_>, uri: &str, text: String| {
            cx.peers.send(
                peer,
                reason::error(MessageType::Subscribe, s.request, uri, text),
            );
        };
        if let Err(e) = policy.check_pattern(&s.topic, self.strictness) {
            fail(cx, reason::INVALID_URI, e.to_string());
            return Ok(());
        }
        if !self.grant(&me, &s.topic).subscribe {
            fail(
                cx,
                reason::NOT_AUTHORIZED,
                Self::denied(Action::Subscribe, &s.topic, &me),
            );
            return Ok(());
        }
        if let Some(text) = Self::over_limit(cx, peer) {
            fail(cx, reason::INVALID_ARGUMENT, text);
            return Ok(());
        }
        let (id, _) = self.broker.subscribe(cx.ids, policy, &s.topic, peer);
        if let Some(session) = cx.peers.session_mut(peer) {
            session.subscriptions.insert(id);
        }
        cx.peers.send(
            peer,
            Message::Subscribed(Subscribed {
                request: s.request,
                subscription: id,
            }),
        );
        Ok(())
    }

    fn unsubscribe(
        &mut self,
        cx: &mut Cx<'_>,
        peer: PeerId,
        u: Unsubscribe,
    ) -> Result<(), Violation> {
        request_id(u.request, "UNSUBSCRIBE")?;
        let held = cx
            .peers
            .session_mut(peer)
            .is_some_and(|s| s.subscriptions.remove(&u.subscription));
        if !held || !self.broker.unsubscribe(u.subscription, peer) {
            cx.peers.send(
                peer,
                reason::error(
                    MessageType::Unsubscribe,
                    u.request,
                    reason::NO_SUCH_SUBSCRIPTION,
                    format!("this session holds no subscription {}", u.subscription),
                ),
            );
            return Ok(());
        }
        cx.peers.send(
            peer,
            Message::Unsubscribed(Unsubscribed {
                request: u.request,
                details: Dict::new(),
            }),
        );
        Ok(())
    }

    fn register(&mut self, cx: &mut Cx<'_>, peer: PeerId, r: Register) -> Result<(), Violation> {
        request_id(r.request, "REGISTER")?;
        let (me, _) = Self::me(cx, peer)?;
        let opts = Opts::new(&r.options, "REGISTER.Options");
        let policy = Self::match_policy(&opts)?;
        let invoke: InvokePolicy = opts.str("invoke")?.unwrap_or("single").parse()?;
        let disclose_caller = opts.bool("disclose_caller", false)?;
        let fail = |cx: &mut Cx<'_>, uri: &str, text: String| {
            cx.peers.send(
                peer,
                reason::error(MessageType::Register, r.request, uri, text),
            );
        };
        if let Err(e) = policy.check_pattern(&r.procedure, self.strictness) {
            fail(cx, reason::INVALID_URI, e.to_string());
            return Ok(());
        }
        if uri::is_reserved(&r.procedure) {
            fail(
                cx,
                reason::INVALID_URI,
                format!(
                    "procedure {:?} is in the reserved wamp namespace",
                    r.procedure
                ),
            );
            return Ok(());
        }
        if !self.grant(&me, &r.procedure).register {
            fail(
                cx,
                reason::NOT_AUTHORIZED,
                Self::denied(Action::Register, &r.procedure, &me),
            );
            return Ok(());
        }
        if let Some(text) = Self::over_limit(cx, peer) {
            fail(cx, reason::INVALID_ARGUMENT, text);
            return Ok(());
        }
        match self
            .dealer
            .register(cx.ids, policy, &r.procedure, invoke, disclose_caller, peer)
        {
            Ok(id) => {
                if let Some(session) = cx.peers.session_mut(peer) {
                    session.registrations.insert(id);
                }
                cx.peers.send(
                    peer,
                    Message::Registered(Registered {
                        request: r.request,
                        registration: id,
                    }),
                );
            }
            Err(text) => fail(cx, reason::PROCEDURE_ALREADY_EXISTS, text),
        }
        Ok(())
    }

    fn unregister(
        &mut self,
        cx: &mut Cx<'_>,
        peer: PeerId,
        u: Unregister,
    ) -> Result<(), Violation> {
        request_id(u.request, "UNREGISTER")?;
        let held = cx
            .peers
            .session_mut(peer)
            .is_some_and(|s| s.registrations.remove(&u.registration));
        if !held || !self.dealer.unregister(u.registration, peer) {
            cx.peers.send(
                peer,
                reason::error(
                    MessageType::Unregister,
                    u.request,
                    reason::NO_SUCH_REGISTRATION,
                    format!("this session holds no registration {}", u.registration),
                ),
            );
            return Ok(());
        }
        cx.peers.send(
            peer,
            Message::Unregistered(Unregistered {
                request: u.request,
                details: Dict::new(),
            }),
        );
        Ok(())
    }

    fn call(&mut self, cx: &mut Cx<'_>, peer: PeerId, c: Call) -> Result<(), Violation> {
        request_id(c.request, "CALL")?;
        if self.dealer.is_streaming(peer, c.request) {
            return self.dealer.continue_call(cx.peers, peer, c);
        }
        if self.dealer.is_pending(peer, c.request) {
            return Err(format!(
                "CALL reuses request id {} of a call still in flight",
                c.request
            ));
        }
        let (me, features) = Self::me(cx, peer)?;
        let fail = |cx: &mut Cx<'_>, uri: &str, text: String| {
            cx.peers
                .send(peer, reason::error(MessageType::Call, c.request, uri, text));
        };
        if let Err(e) = self.check_uri(&c.procedure) {
            fail(cx, reason::INVALID_URI, e);
            return Ok(());
        }
        let grant = self.grant(&me, &c.procedure);
        if !grant.call {
            fail(
                cx,
                reason::NOT_AUTHORIZED,
                Self::denied(Action::Call, &c.procedure, &me),
            );
            return Ok(());
        }
        if uri::is_reserved(&c.procedure) {
            let answer = if self.meta {
                meta::call(
                    &c.procedure,
                    c.payload.arguments(),
                    &self.sessions,
                    cx.peers,
                )
            } else {
                None
            };
            let msg = match answer {
                Some(Ok(payload)) => Message::Result(ResultMessage {
                    request: c.request,
                    details: Dict::new(),
                    payload,
                }),
                Some(Err((uri, text))) => reason::error(MessageType::Call, c.request, uri, text),
                None => reason::error(
                    MessageType::Call,
                    c.request,
                    reason::NO_SUCH_PROCEDURE,
                    format!("the router has no procedure {:?}", c.procedure),
                ),
            };
            cx.peers.send(peer, msg);
            return Ok(());
        }
        let disclose_me = Opts::new(&c.options, "CALL.Options").bool("disclose_me", false)?;
        if disclose_me && !grant.disclose_caller {
            fail(
                cx,
                reason::DISCLOSE_ME_DISALLOWED,
                format!("role {:?} may not disclose its identity", &*me.authrole),
            );
            return Ok(());
        }
        let pending = cx.peers.session(peer).map_or(0, |s| s.pending_calls);
        if pending >= cx.limits.max_pending_calls {
            fail(
                cx,
                reason::TOO_MANY_CALLS,
                format!(
                    "the session has {pending} calls in flight, the limit is {}",
                    cx.limits.max_pending_calls
                ),
            );
            return Ok(());
        }
        let who = CallerInfo {
            identity: &me,
            features,
            may_disclose: grant.disclose_caller,
        };
        self.dealer.call(cx.peers, cx.ids, cx.now, peer, who, c)
    }
}
