//! The client's state behind its one lock: the sans-IO session, the connection, the requests
//! waiting for answers, the records of subscriptions and registrations, and what the
//! session's events mean for them.
//!
//! Nothing here runs application code: what the application must be told (results, events,
//! invocations) is collected as [`Action`]s and run by the caller after the lock is released,
//! so callbacks may call the client again.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustc_hash::FxHashMap;

use crate::runtime::{lock, Attempts, Connection, TimerId, TransportError};
use crate::wamp::session::{
    CallResult, ErrorOptions, EventDelivery, InterruptMode, Joined, LeaveKind, Left,
    RegisterOptions, RequestError, Session, SessionError, SessionEvent, State, SubscribeOptions,
};
use crate::wamp::{Id, MessageType, Payload, Serializer, Value};

use super::error::{CallError, Error, WampError};
use super::invocation::{Invocation, InvocationState};
use super::outbox::{Failure, Outbox, Tag};
use super::records::Records;
use super::registration::Callee;
use super::waiter::Slot;

/// Application code to run once the lock is released.
pub(crate) type Action = Box<dyn FnOnce() + Send>;
/// Where the answer to a request goes: a subscription, registration or publication id.
pub(crate) type Reply = Arc<Slot<Result<Id, Error>>>;
/// An event handler, shared by the record and the actions that run it.
pub(crate) type EventHandler = Arc<Mutex<Box<dyn FnMut(&EventDelivery) + Send>>>;
/// A callee, shared likewise.
pub(crate) type CalleeHandler = Arc<Mutex<Box<dyn Callee>>>;
/// What a call's result goes to.
pub(crate) type OnResult = Box<dyn FnOnce(Result<CallResult, CallError>) + Send>;
/// What a call's progressive results go to.
pub(crate) type OnProgress = Arc<Mutex<Box<dyn FnMut(CallResult) + Send>>>;

/// The reason URI given when the application leaves.
pub(crate) const CLOSE_REALM: &str = "wamp.close.close_realm";
/// The error an invocation is answered with when the application dropped it unanswered.
pub(crate) const RUNTIME_ERROR: &str = "wamp.error.runtime_error";
/// The error an invocation for a registration we no longer hold is answered with.
const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";

/// A call waiting for its result.
pub(crate) struct PendingCall {
    pub(crate) on_result: OnResult,
    pub(crate) on_progress: Option<OnProgress>,
}

/// Subscriptions or registrations: the two kinds of records the client holds for the
/// application and restores after a reconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Membership {
    Subscription,
    Registration,
}

impl Membership {
    /// The request that asks for one (SUBSCRIBE, REGISTER).
    pub(crate) fn asked_with(self) -> MessageType {
        match self {
            Membership::Subscription => MessageType::Subscribe,
            Membership::Registration => MessageType::Register,
        }
    }

    /// The request that lets go of one (UNSUBSCRIBE, UNREGISTER).
    pub(crate) fn released_with(self) -> MessageType {
        match self {
            Membership::Subscription => MessageType::Unsubscribe,
            Membership::Registration => MessageType::Unregister,
        }
    }
}

/// A request other than a call waiting for its answer.
pub(crate) enum Pending {
    /// SUBSCRIBE or REGISTER for a record; `reply` is `None` when the record is restored after
    /// a reconnect.
    Hold {
        kind: Membership,
        local: u64,
        reply: Option<Reply>,
    },
    /// UNSUBSCRIBE or UNREGISTER.
    Release(Option<Reply>),
    /// An acknowledged PUBLISH.
    Publish(Reply),
}

/// Everything behind the client's lock.
pub(crate) struct Core {
    pub(crate) session: Session,
    /// The current connection (connecting, open, or closing).
    pub(crate) conn: Option<Connection>,
    /// Counts connections; events of an older one are ignored.
    pub(crate) generation: u64,
    /// The serializer of the current connection.
    pub(crate) serializer: Serializer,
    pub(crate) outbox: Outbox,
    // Keyed by our own request ids: a fast hasher.
    pub(crate) calls: FxHashMap<Id, PendingCall>,
    pub(crate) pending: FxHashMap<Id, Pending>,
    pub(crate) subs: Records<SubscribeOptions, EventHandler>,
    pub(crate) regs: Records<RegisterOptions, CalleeHandler>,
    /// Open invocations, for interrupts (keyed by the router's ids: SipHash).
    pub(crate) invocations: HashMap<Id, Arc<InvocationState>>,
    pub(crate) joined: Option<Joined>,
    pub(crate) ever_joined: bool,
    /// The application asked to leave: no reconnect.
    pub(crate) leaving: bool,
    /// `Some` once the client is closed for good (with the error that closed it, if any).
    pub(crate) closed: Option<Option<Error>>,
    /// Why the last connection failed, and why the router refused the last join.
    pub(crate) transport_error: Option<TransportError>,
    pub(crate) refusal: Option<Error>,
    /// Waiting for the session to be joined.
    pub(crate) join_waiters: Vec<Arc<Slot<Result<Id, Error>>>>,
    /// Waiting for the client to close.
    pub(crate) close_waiters: Vec<Arc<Slot<()>>>,
    pub(crate) attempts: Option<Attempts>,
    pub(crate) reconnect_timer: Option<TimerId>,
    /// The call timeout timer and when it fires.
    pub(crate) timeout_timer: Option<(Instant, TimerId)>,
    /// Close the transport once the queued messages are out (the session ended).
    pub(crate) close_transport: bool,
    /// Application code to run after the lock is released.
    pub(crate) actions: Vec<Action>,
}

impl Core {
    pub(crate) fn new(session: Session, serializer: Serializer) -> Core {
        Core {
            session,
            conn: None,
            generation: 0,
            serializer,
            outbox: Outbox::default(),
            calls: FxHashMap::default(),
            pending: FxHashMap::default(),
            subs: Records::default(),
            regs: Records::default(),
            invocations: HashMap::new(),
            joined: None,
            ever_joined: false,
            leaving: false,
            closed: None,
            transport_error: None,
            refusal: None,
            join_waiters: Vec::new(),
            close_waiters: Vec::new(),
            attempts: None,
            reconnect_timer: None,
            timeout_timer: None,
            close_transport: false,
            actions: Vec::new(),
        }
    }

    /// `Ok` when requests can be made now.
    pub(crate) fn check_joined(&self) -> Result<(), Error> {
        if self.closed.is_some() || self.leaving {
            return Err(Error::Closed);
        }
        match self.session.state() {
            State::Established => Ok(()),
            _ => Err(Error::NotConnected),
        }
    }

    /// Serializes what the session wants to send and hands it to the connection. Returns the
    /// messages that failed for good, and whether some wait for room.
    pub(crate) fn flush(&mut self, copied: &AtomicU64) -> (Vec<Failure>, bool) {
        let mut failures = Vec::new();
        while let Some(message) = self.session.poll_transmit() {
            failures.extend(self.outbox.push(message, self.serializer, copied));
        }
        let Some(conn) = &self.conn else {
            self.outbox.clear();
            return (failures, false);
        };
        let (more, waiting) = self.outbox.drain_into(conn);
        failures.extend(more);
        (failures, waiting)
    }

    /// Settles send failures: the one of `own` (the request just made, whose error the caller
    /// returns) is forgotten quietly and returned; the others fail their waiters.
    pub(crate) fn settle(&mut self, failures: Vec<Failure>, own: Option<Tag>) -> Option<Error> {
        let mut own_error = None;
        for Failure { tag, error } in failures {
            let mine = Some(tag) == own;
            match tag.kind {
                MessageType::Call => {
                    // The session still counts the call as pending: cancel it locally (its
                    // CANCEL is not sent, the dealer never saw the call).
                    self.outbox.mark_unsent(tag.id);
                    let _ = self
                        .session
                        .cancel(tag.id, crate::wamp::session::CancelMode::Skip);
                    if let Some(call) = self.calls.remove(&tag.id) {
                        if !mine {
                            let e = error.clone();
                            self.actions.push(Box::new(move || {
                                (call.on_result)(Err(CallError::Client(e)))
                            }));
                        }
                    }
                }
                MessageType::Yield | MessageType::Error => {}
                _ => {
                    if let Some(p) = self.pending.remove(&tag.id) {
                        self.fail_pending(p, error.clone(), !mine);
                    }
                }
            }
            if mine {
                own_error = Some(error);
            }
        }
        own_error
    }

    /// Fails a pending request; `tell` says whether its waiter is told.
    fn fail_pending(&mut self, pending: Pending, error: Error, tell: bool) {
        let reply = match pending {
            Pending::Hold { kind, local, reply } => {
                self.remove_record(kind, local);
                reply
            }
            Pending::Release(reply) => reply,
            Pending::Publish(reply) => Some(reply),
        };
        if let (Some(reply), true) = (reply, tell) {
            reply.fill(Err(error));
        }
    }

    /// Takes every event the session has and turns it into state changes and actions.
    pub(crate) fn process_events(&mut self, owner: &Arc<super::shared::Shared>) {
        while let Some(event) = self.session.poll_event() {
            match event {
                SessionEvent::Joined(joined) => self.on_joined(joined),
                SessionEvent::Left(left) => self.on_left(left),
                SessionEvent::CallResult(result) => self.on_result(result),
                SessionEvent::Error(error) => self.on_error(error),
                SessionEvent::Published {
                    request,
                    publication,
                } => {
                    if let Some(Pending::Publish(reply)) = self.pending.remove(&request) {
                        reply.fill(Ok(publication));
                    }
                }
                SessionEvent::Subscribed {
                    request,
                    subscription,
                } => self.on_confirmed(request, subscription),
                SessionEvent::Registered {
                    request,
                    registration,
                } => self.on_confirmed(request, registration),
                SessionEvent::Unsubscribed {
                    request,
                    subscription: id,
                }
                | SessionEvent::Unregistered {
                    request,
                    registration: id,
                } => {
                    if let Some(Pending::Release(Some(reply))) = self.pending.remove(&request) {
                        reply.fill(Ok(id));
                    }
                }
                SessionEvent::SubscriptionRevoked { subscription, .. } => {
                    self.subs.revoke(subscription)
                }
                SessionEvent::RegistrationRevoked { registration, .. } => {
                    self.regs.revoke(registration)
                }
                SessionEvent::Event(delivery) => self.on_event(delivery),
                SessionEvent::Invocation(request) => self.on_invocation(owner, request),
                SessionEvent::Interrupt(interrupt) => {
                    let state = match interrupt.mode {
                        // The dealer expects no answer: the invocation is over.
                        InterruptMode::KillNoWait => self.invocations.remove(&interrupt.invocation),
                        InterruptMode::Kill => self.invocations.get(&interrupt.invocation).cloned(),
                    };
                    if let Some(state) = state {
                        state.interrupt();
                        let handler = state.handler.clone();
                        self.actions
                            .push(Box::new(move || lock(&handler).interrupt(&interrupt)));
                    }
                }
            }
        }
    }

    fn on_joined(&mut self, joined: Joined) {
        self.ever_joined = true;
        self.refusal = None;
        if let Some(attempts) = &mut self.attempts {
            attempts.reset();
        }
        for waiter in self.join_waiters.drain(..) {
            waiter.fill(Ok(joined.session));
        }
        self.joined = Some(joined);
        // Ask again for everything the application holds (after a reconnect).
        let Core {
            session,
            subs,
            regs,
            pending,
            ..
        } = self;
        let asked = [
            (
                Membership::Subscription,
                restore(subs, |uri, o| session.subscribe(uri, o)),
            ),
            (
                Membership::Registration,
                restore(regs, |uri, o| session.register(uri, o)),
            ),
        ];
        for (kind, requests) in asked {
            for (local, request) in requests {
                let reply = None;
                pending.insert(request, Pending::Hold { kind, local, reply });
            }
        }
    }

    /// Removes a record; returns its router id, if the router had confirmed it.
    pub(crate) fn remove_record(&mut self, kind: Membership, local: u64) -> Option<Id> {
        match kind {
            Membership::Subscription => self.subs.remove(local).and_then(|r| r.router_id),
            Membership::Registration => self.regs.remove(local).and_then(|r| r.router_id),
        }
    }

    /// The router id of a record, if confirmed.
    pub(crate) fn router_id(&self, kind: Membership, local: u64) -> Option<Id> {
        match kind {
            Membership::Subscription => self.subs.router_id(local),
            Membership::Registration => self.regs.router_id(local),
        }
    }

    /// Tells the session to let go of one hold on `router_id`; the request id when something
    /// was sent.
    pub(crate) fn release(
        &mut self,
        kind: Membership,
        router_id: Id,
    ) -> Result<Option<Id>, SessionError> {
        match kind {
            Membership::Subscription => self.session.unsubscribe(router_id),
            Membership::Registration => self.session.unregister(router_id),
        }
    }

    fn on_left(&mut self, left: Left) {
        self.joined = None;
        if !left.was_joined && left.kind == LeaveKind::Abort {
            self.refusal = Some(Error::JoinRefused {
                reason: left.reason.clone(),
                message: left.message.clone(),
            });
        }
        let lost = Error::SessionLost {
            reason: left.reason.clone(),
        };
        for (_, call) in self.calls.drain() {
            let e = lost.clone();
            self.actions.push(Box::new(move || {
                (call.on_result)(Err(CallError::Client(e)))
            }));
        }
        let pending: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        for p in pending {
            match p {
                // Records being restored stay, to be asked for in the next session.
                Pending::Hold { reply: None, .. } => {}
                p => self.fail_pending(p, lost.clone(), true),
            }
        }
        for (_, state) in self.invocations.drain() {
            state.interrupt();
        }
        self.subs.forget_router_ids();
        self.regs.forget_router_ids();
        self.outbox.clear();
        // The router ended the session (or we did, or a violation): end the transport too.
        self.close_transport = true;
    }

    fn on_result(&mut self, result: CallResult) {
        if result.progress {
            if let Some(progress) = self
                .calls
                .get(&result.request)
                .and_then(|c| c.on_progress.clone())
            {
                self.actions
                    .push(Box::new(move || (lock(&progress))(result)));
            }
        } else if let Some(call) = self.calls.remove(&result.request) {
            self.actions
                .push(Box::new(move || (call.on_result)(Ok(result))));
        }
    }

    fn on_error(&mut self, error: RequestError) {
        if error.request_type == MessageType::Call {
            if let Some(call) = self.calls.remove(&error.request) {
                let e = WampError::from_request(error);
                self.actions
                    .push(Box::new(move || (call.on_result)(Err(CallError::Wamp(e)))));
            }
        } else if let Some(p) = self.pending.remove(&error.request) {
            let e = Error::Wamp(WampError::from_request(error));
            self.fail_pending(p, e, true);
        }
    }

    /// SUBSCRIBED or REGISTERED: the record gets its router id, or, if the application let go
    /// of it meanwhile, the router is told to forget it again.
    fn on_confirmed(&mut self, request: Id, router_id: Id) {
        let Some(Pending::Hold { kind, local, reply }) = self.pending.remove(&request) else {
            return;
        };
        let kept = match kind {
            Membership::Subscription => self.subs.confirm(local, router_id),
            Membership::Registration => self.regs.confirm(local, router_id),
        };
        if kept {
            if let Some(reply) = reply {
                reply.fill(Ok(router_id));
            }
            return;
        }
        if let Ok(Some(request)) = self.release(kind, router_id) {
            self.pending.insert(request, Pending::Release(None));
        }
    }

    fn on_event(&mut self, delivery: EventDelivery) {
        let handlers = self.subs.handlers(delivery.subscription);
        if handlers.is_empty() {
            return;
        }
        let delivery = Arc::new(delivery);
        for handler in handlers {
            let delivery = delivery.clone();
            self.actions
                .push(Box::new(move || (lock(&handler))(&delivery)));
        }
    }

    fn on_invocation(
        &mut self,
        owner: &Arc<super::shared::Shared>,
        request: crate::wamp::session::InvocationRequest,
    ) {
        let Some(handler) = self.regs.handlers(request.registration).into_iter().next() else {
            let why = Payload::args(vec![Value::from(
                "the callee no longer holds this registration",
            )]);
            let _ = self.session.error_invocation(
                request.invocation,
                NO_SUCH_REGISTRATION,
                why,
                ErrorOptions::default(),
            );
            return;
        };
        let state = self
            .invocations
            .entry(request.invocation)
            .or_insert_with(|| Arc::new(InvocationState::new(handler.clone())))
            .clone();
        let invocation = Invocation::new(owner.clone(), self.generation, request, state);
        self.actions
            .push(Box::new(move || lock(&handler).invoke(invocation)));
    }
}

/// Asks again for every record not confirmed in this session; returns (local key, request id)
/// for each request made. A record the session refuses to ask for is dropped.
fn restore<O: Clone, H: Clone>(
    records: &mut Records<O, H>,
    mut ask: impl FnMut(&str, O) -> Result<Id, SessionError>,
) -> Vec<(u64, Id)> {
    let mut asked = Vec::new();
    for (local, uri, options) in records.unconfirmed() {
        match ask(&uri, options) {
            Ok(request) => asked.push((local, request)),
            Err(_) => {
                records.remove(local);
            }
        }
    }
    asked
}
