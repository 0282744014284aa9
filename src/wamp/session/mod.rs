//! The client side of a WAMP session, sans-IO: fed [`Message`]s and time, it hands back messages
//! to send and [`SessionEvent`]s for the application. No sockets, threads or clocks inside; the
//! runtime (or a test) moves the messages and passes `now`.
//!
//! ```
//! use std::time::Instant;
//! use zerowamp::wamp::message::{Payload, ResultMessage, Welcome};
//! use zerowamp::wamp::session::{CallOptions, Session, SessionConfig, SessionEvent};
//! use zerowamp::wamp::{Dict, Message, Value};
//!
//! let mut session = Session::new(SessionConfig::new("realm1"));
//! session.connect()?;
//! let hello = session.poll_transmit(); // HELLO: send it to the router
//! assert!(matches!(hello, Some(Message::Hello(_))));
//!
//! // The router answers.
//! let mut roles = Dict::new();
//! roles.insert("dealer".into(), Value::Dict(Dict::new()));
//! let mut details = Dict::new();
//! details.insert("roles".into(), Value::Dict(roles));
//! let now = Instant::now();
//! session.handle_message(Message::Welcome(Welcome { session: 42, details }), now)?;
//! assert!(matches!(session.poll_event(), Some(SessionEvent::Joined(_))));
//!
//! let request = session.call("com.example.add", Payload::args(vec![1.into(), 2.into()]),
//!                            CallOptions::default(), now)?;
//! let call = session.poll_transmit(); // CALL
//! session.handle_message(Message::Result(ResultMessage {
//!     request, details: Dict::new(), payload: Payload::args(vec![3.into()]),
//! }), now)?;
//! match session.poll_event() {
//!     Some(SessionEvent::CallResult(r)) => assert_eq!(r.payload.arguments(), [Value::from(3)]),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), zerowamp::wamp::session::SessionError>(())
//! ```
//!
//! # The loop
//!
//! - [`Session::connect`] queues HELLO; [`Session::handle_message`] takes every message the
//!   router sends; [`Session::poll_transmit`] gives the messages to send, in order;
//!   [`Session::poll_event`] gives what the application must see, in order.
//! - Time: [`Session::next_timeout`] says when [`Session::handle_timeout`] must be called next
//!   (call timeouts); `now` is also passed to [`Session::call`] and
//!   [`Session::handle_message`] (progressive results restart a call's timeout).
//! - [`Session::transport_closed`] when the connection drops.
//!
//! # Requests
//!
//! [`call`](Session::call), [`publish`](Session::publish), [`subscribe`](Session::subscribe),
//! [`unsubscribe`](Session::unsubscribe), [`register`](Session::register),
//! [`unregister`](Session::unregister) return the request id, which the answer's event carries.
//! Ids are drawn in sequence from 1 (wrapping after 2^53), only for messages actually sent.
//! [`call_progress`](Session::call_progress) sends further chunks of a progressive call,
//! [`cancel`](Session::cancel) cancels a call. Invocations arrive as
//! [`SessionEvent::Invocation`]; the application answers them at any later time with
//! [`yield_`](Session::yield_) or [`error_invocation`](Session::error_invocation), by invocation
//! id. [`leave`](Session::leave) closes with GOODBYE, [`abort`](Session::abort) with ABORT.
//!
//! # Decisions
//!
//! - **Shared subscriptions.** A router gives the same subscription id to a second subscription
//!   on the same topic. The session counts local holders per subscription id; each EVENT is
//!   reported once, and the application fans it out to its handlers by subscription id.
//!   [`unsubscribe`](Session::unsubscribe) sends UNSUBSCRIBE only for the last holder (it returns
//!   `None` otherwise). Registrations are counted the same way.
//! - **Unsubscribing.** Events arriving between UNSUBSCRIBE and UNSUBSCRIBED are dropped;
//!   invocations arriving between UNREGISTER and UNREGISTERED are answered by the session with
//!   ERROR `wamp.error.unavailable` (so a router with call rerouting tries another callee).
//! - **Cancel.** `skip` and `killnowait`: the call fails at once with a local
//!   `wamp.error.canceled` error, and whatever the router still sends for it is dropped. `kill`:
//!   the call stays pending; its RESULT or ERROR arrives as usual. If the dealer does not
//!   announce call canceling, no CANCEL is sent and every mode behaves as `skip` (the spec's
//!   fallback).
//! - **Timeout.** [`CallOptions::timeout`] is sent to the dealer and enforced locally: when it
//!   expires (between results, for progressive results) the call fails with
//!   `wamp.error.timeout` and, if the dealer supports canceling, CANCEL `killnowait` is sent.
//! - **Protocol violations.** A message not allowed in the current state, an id out of
//!   `1..=2^53`, an answer to a request we never made (or of the wrong type), an attribute of
//!   the wrong type: the session queues ABORT `wamp.error.protocol_violation` whose
//!   `Details.message` says what was wrong, reports [`SessionEvent::Left`], returns
//!   [`SessionError::ProtocolViolation`] and is closed. Late answers the spec allows (after a
//!   cancel, a timeout, an interrupt) are dropped instead.
//! - **Invocation ids** are checked to be in range and not to repeat an open invocation (a
//!   repeat is a progressive continuation only if the invocation announced more chunks); they
//!   are not required to be consecutive, since crossbar draws them from one counter per realm.
//!   The last 1024 finished invocations are remembered, so that a late INTERRUPT, a chunk of a
//!   progressive call we already answered, or an answer after INTERRUPT `killnowait` is
//!   dropped rather than treated as an error.
//! - **Authentication.** The session answers CHALLENGE with the configured [`Credential`]s
//!   (at most [`MAX_CHALLENGES`] rounds). When it cannot answer (a method it did not offer, a
//!   malformed extra, a channel binding it cannot honour) it aborts with
//!   `wamp.error.cannot_authenticate`; whether the answer is right is the router's call, whose
//!   ABORT reason (`wamp.error.authentication_denied`, ...) is reported in [`Left`].
//! - **Closing.** While closing (GOODBYE sent), messages other than GOODBYE and ABORT are
//!   ignored, as the spec's state chart says. When the session ends, [`Left::unanswered`] lists
//!   the requests that will never be answered.
//! - **Payload Passthru Mode**: see [`Passthru`]; passthru payloads are never copied.

mod auth;
mod callee;
mod caller;
mod config;
mod details;
mod error;
mod establish;
mod events;
mod invocations;
mod memberships;
mod options;
mod ppt;
mod pubsub;
mod replies;
mod requests;
mod state;

pub use config::{Credential, Roles, RouterRole, RouterRoles, SessionConfig};
pub use error::SessionError;
pub use events::{
    CallResult, EventDelivery, Initiator, InterruptRequest, InvocationRequest, Joined, LeaveKind,
    Left, RequestError, SessionEvent, Unanswered,
};
pub use options::{
    CallOptions, CancelMode, ErrorOptions, InterruptMode, InvokePolicy, PublishOptions,
    RegisterOptions, SubscribeOptions, YieldOptions,
};
pub use ppt::Passthru;
pub use state::State;

use std::collections::VecDeque;
use std::time::Instant;

use error::{Inbound, Violation};
use invocations::Invocations;
use memberships::Memberships;
use requests::{RequestIds, Requests};

use crate::wamp::message::{Abort, Id, Message, Payload};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::{Dict, Value};

/// The URI of the ABORT sent on a protocol violation.
pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// The URI of the ABORT sent when the session cannot answer a challenge.
pub const CANNOT_AUTHENTICATE: &str = "wamp.error.cannot_authenticate";
/// The error of a call canceled with `skip` or `killnowait`.
pub const CANCELED: &str = "wamp.error.canceled";
/// The error of a call that timed out.
pub const TIMEOUT: &str = "wamp.error.timeout";
/// The error the session answers invocations with that arrive while unregistering.
pub const UNAVAILABLE: &str = "wamp.error.unavailable";
/// The reason of a GOODBYE answering the router's GOODBYE.
pub const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
/// The most CHALLENGE rounds answered while opening (the spec mentions two for two-factor
/// authentication); more is a protocol violation, so a router cannot make the session compute
/// signatures without end.
pub const MAX_CHALLENGES: usize = 4;
/// The reason reported when the transport goes away.
pub const TRANSPORT_LOST: &str = "wamp.close.transport_lost";

/// A WAMP client session (see the module docs).
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    channel_id: Option<Vec<u8>>,
    session_id: Option<Id>,
    router: RouterRoles,
    ids: RequestIds,
    requests: Requests,
    subscriptions: Memberships,
    registrations: Memberships,
    invocations: Invocations,
    transmit: VecDeque<Message>,
    events: VecDeque<SessionEvent>,
    /// Our GOODBYE's reason and message, while closing.
    goodbye: Option<(String, Option<String>)>,
    /// CHALLENGEs answered while opening (bounded by [`MAX_CHALLENGES`]).
    challenges: usize,
}

impl Session {
    /// A closed session for `config`; [`connect`](Self::connect) opens it.
    pub fn new(config: SessionConfig) -> Session {
        Session {
            config,
            state: State::Closed,
            channel_id: None,
            session_id: None,
            router: RouterRoles::default(),
            ids: RequestIds::default(),
            requests: Requests::default(),
            subscriptions: Memberships::default(),
            registrations: Memberships::default(),
            invocations: Invocations::default(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            goodbye: None,
            challenges: 0,
        }
    }

    /// The config the session was made with.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The session id, once established.
    pub fn session_id(&self) -> Option<Id> {
        self.session_id.filter(|_| self.state == State::Established)
    }

    /// The roles and features the router announced (empty before WELCOME).
    pub fn router_roles(&self) -> &RouterRoles {
        &self.router
    }

    /// Sets the TLS channel id for cryptosign channel binding (from the TLS stack, after its
    /// handshake, before the router's challenge arrives).
    pub fn set_channel_id(&mut self, channel_id: Option<Vec<u8>>) {
        self.channel_id = channel_id;
    }

    /// The next message to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.transmit.pop_front()
    }

    /// The next event for the application, if any.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Handles one message from the router.
    ///
    /// `Err` only for [`SessionError::ProtocolViolation`] and
    /// [`SessionError::CannotAuthenticate`] (the session queued ABORT and is closed) and for
    /// [`SessionError::Closed`] (the message arrived after the session ended and was dropped).
    pub fn handle_message(&mut self, message: Message, now: Instant) -> Result<(), SessionError> {
        let outcome = match self.state {
            State::Closed => return Err(SessionError::Closed),
            State::Establishing | State::Challenged => self.handle_opening(message),
            State::Established => self.handle_established(message, now),
            State::Closing => {
                self.handle_closing(message);
                Ok(())
            }
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::Violation(v)) => Err(self.violation(v)),
            Err(Failure::CannotAuthenticate(reason)) => Err(self.cannot_authenticate(reason)),
        }
    }

    fn handle_established(&mut self, message: Message, now: Instant) -> Result<(), Failure> {
        let outcome: Inbound = match message {
            Message::Abort(m) => {
                self.on_abort(m);
                Ok(())
            }
            Message::Goodbye(m) => {
                self.on_goodbye(m);
                Ok(())
            }
            Message::Result(m) => self.on_result(m, now),
            Message::Error(m) => self.on_error(m),
            Message::Published(m) => self.on_published(m),
            Message::Subscribed(m) => self.on_subscribed(m),
            Message::Unsubscribed(m) => self.on_unsubscribed(m),
            Message::Event(m) => self.on_event(m),
            Message::Registered(m) => self.on_registered(m),
            Message::Unregistered(m) => self.on_unregistered(m),
            Message::Invocation(m) => self.on_invocation(m),
            Message::Interrupt(m) => self.on_interrupt(m),
            Message::Welcome(_) | Message::Challenge(_) => Err(Violation::new(format!(
                "received {} after the session was established",
                message.message_type()
            ))),
            other => Err(Violation::new(format!(
                "received {}, which a router never sends",
                other.message_type()
            ))),
        };
        outcome.map_err(Failure::Violation)
    }

    /// Queues the protocol-violation ABORT, ends the session, and returns the error.
    fn violation(&mut self, v: Violation) -> SessionError {
        self.abort_with(PROTOCOL_VIOLATION, &v.0);
        SessionError::ProtocolViolation(v.0)
    }

    fn cannot_authenticate(&mut self, reason: String) -> SessionError {
        self.abort_with(CANNOT_AUTHENTICATE, &reason);
        SessionError::CannotAuthenticate(reason)
    }

    /// Queues an ABORT of ours and ends the session.
    fn abort_with(&mut self, reason: &str, message: &str) {
        let mut details = Dict::new();
        details.insert("message".into(), Value::from(message));
        self.transmit.push_back(Message::Abort(Abort {
            details,
            reason: reason.to_owned(),
            payload: Payload::default(),
        }));
        self.end(
            LeaveKind::Abort,
            Initiator::Local,
            reason.to_owned(),
            Some(message.to_owned()),
            Dict::new(),
        );
    }

    /// `Ok` when the session is established, else the error for `operation`.
    fn require_established(&self, operation: &'static str) -> Result<(), SessionError> {
        if self.state == State::Established {
            Ok(())
        } else {
            Err(SessionError::InvalidState {
                operation,
                state: self.state,
            })
        }
    }

    /// `Ok` when `announced`, else the error for `role`.
    fn require_role(announced: bool, role: &'static str) -> Result<(), SessionError> {
        if announced {
            Ok(())
        } else {
            Err(SessionError::RoleNotAnnounced(role))
        }
    }

    /// Checks a URI the application passes, under the configured strictness.
    fn check_uri(
        &self,
        what: &'static str,
        uri: &str,
        policy: MatchPolicy,
    ) -> Result<(), SessionError> {
        policy
            .check_pattern(uri, self.config.strictness)
            .map_err(|error| SessionError::InvalidUri {
                what,
                uri: uri.to_owned(),
                error,
            })
    }
}

/// Why handling a message failed: a protocol violation, or a challenge we cannot answer.
enum Failure {
    Violation(Violation),
    CannotAuthenticate(String),
}

impl From<Violation> for Failure {
    fn from(v: Violation) -> Failure {
        Failure::Violation(v)
    }
}
