//! What the session hands to the application: one [`SessionEvent`] per thing that happened.

use std::time::Duration;

use super::options::InterruptMode;
use super::ppt::Passthru;
use crate::wamp::message::{Id, MessageType, Payload};
use crate::wamp::value::Dict;

/// Something the application must know about; taken with `Session::poll_event`.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionEvent {
    /// The router welcomed the session: it is established.
    Joined(Joined),
    /// The session ended (or was refused). Requests still pending are listed in it and will
    /// never be answered.
    Left(Left),
    /// A result (final or progressive) of a call.
    CallResult(CallResult),
    /// A request failed: the router's ERROR, or a local failure of a call (timeout, cancel).
    Error(RequestError),
    /// An acknowledged publication was accepted.
    Published {
        /// The PUBLISH request id.
        request: Id,
        /// The publication id the broker assigned.
        publication: Id,
    },
    /// A subscription is active.
    Subscribed {
        /// The SUBSCRIBE request id.
        request: Id,
        /// The subscription id: the key events are routed by. Subscribing again to the same
        /// topic usually gives the same id (see the module docs).
        subscription: Id,
    },
    /// An unsubscribe finished.
    Unsubscribed {
        /// The UNSUBSCRIBE request id.
        request: Id,
        /// The subscription that ended.
        subscription: Id,
    },
    /// The broker ended a subscription on its own (subscription revocation).
    SubscriptionRevoked {
        /// The subscription that ended.
        subscription: Id,
        /// The broker's reason, if it gave one.
        reason: Option<String>,
    },
    /// A registration is active.
    Registered {
        /// The REGISTER request id.
        request: Id,
        /// The registration id invocations come for.
        registration: Id,
    },
    /// An unregister finished.
    Unregistered {
        /// The UNREGISTER request id.
        request: Id,
        /// The registration that ended.
        registration: Id,
    },
    /// The dealer ended a registration on its own (registration revocation).
    RegistrationRevoked {
        /// The registration that ended.
        registration: Id,
        /// The dealer's reason, if it gave one.
        reason: Option<String>,
    },
    /// An event for one of our subscriptions.
    Event(EventDelivery),
    /// A procedure we registered is invoked (or a further chunk of a progressive invocation
    /// arrived); answer with `Session::yield_` or `Session::error_invocation`.
    Invocation(InvocationRequest),
    /// The dealer interrupts an open invocation (the caller canceled it).
    Interrupt(InterruptRequest),
}

/// The session is established.
#[derive(Clone, Debug, PartialEq)]
pub struct Joined {
    /// The session id.
    pub session: Id,
    /// The realm joined.
    pub realm: String,
    /// `WELCOME.Details.authid`.
    pub authid: Option<String>,
    /// `WELCOME.Details.authrole`.
    pub authrole: Option<String>,
    /// `WELCOME.Details.authmethod`.
    pub authmethod: Option<String>,
    /// `WELCOME.Details.authprovider`.
    pub authprovider: Option<String>,
    /// `WELCOME.Details.authextra` (empty if absent).
    pub authextra: Dict,
    /// All of `WELCOME.Details`.
    pub details: Dict,
}

/// Who ended the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// This session (the application, a protocol violation found here, an auth failure).
    Local,
    /// The router.
    Router,
}

/// How the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeaveKind {
    /// GOODBYE both ways: a clean close.
    Goodbye,
    /// ABORT, sent or received: a refused join or a failure.
    Abort,
    /// The transport went away (`Session::transport_closed`).
    TransportLost,
}

/// A request that was still pending when the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unanswered {
    /// The request's type (CALL, PUBLISH, SUBSCRIBE, ...).
    pub request_type: MessageType,
    /// The request id.
    pub request: Id,
}

/// The session ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Left {
    /// The reason URI of whoever ended it (for a clean close we started: our GOODBYE reason).
    pub reason: String,
    /// A human-readable message, if one was given.
    pub message: Option<String>,
    /// Who ended it.
    pub initiator: Initiator,
    /// How.
    pub kind: LeaveKind,
    /// `false` when the session never got established (join refused or failed).
    pub was_joined: bool,
    /// The router's GOODBYE/ABORT details, when it sent one.
    pub details: Dict,
    /// Requests that will never be answered, in request id order.
    pub unanswered: Vec<Unanswered>,
}

/// A result of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct CallResult {
    /// The CALL request id.
    pub request: Id,
    /// `true` for a progressive result: more results follow, the call is still pending.
    pub progress: bool,
    /// `RESULT.Details`.
    pub details: Dict,
    /// The result; [`Payload::Transparent`] when `passthru` is set.
    pub payload: Payload,
    /// The passthru description, for a passthru payload.
    pub passthru: Option<Passthru>,
}

/// A failed request.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    /// The type of the request that failed.
    pub request_type: MessageType,
    /// Its request id.
    pub request: Id,
    /// The error URI (`wamp.error.timeout`, `wamp.error.canceled`, an application error...).
    pub error: String,
    /// `ERROR.Details` (empty for local failures).
    pub details: Dict,
    /// The error payload (local failures carry one string saying what happened).
    pub payload: Payload,
    /// The passthru description, for a passthru payload.
    pub passthru: Option<Passthru>,
}

/// An event delivered for a subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDelivery {
    /// The subscription it came for.
    pub subscription: Id,
    /// The publication id.
    pub publication: Id,
    /// The topic published to: `Details.topic` for pattern subscriptions, else the subscribed
    /// topic.
    pub topic: String,
    /// The publisher's session id, if disclosed.
    pub publisher: Option<Id>,
    /// The publisher's authid, if disclosed.
    pub publisher_authid: Option<String>,
    /// The publisher's authrole, if disclosed.
    pub publisher_authrole: Option<String>,
    /// `true` when this is a retained event.
    pub retained: bool,
    /// `EVENT.Details`.
    pub details: Dict,
    /// The event payload; [`Payload::Transparent`] when `passthru` is set.
    pub payload: Payload,
    /// The passthru description, for a passthru payload.
    pub passthru: Option<Passthru>,
}

/// An invocation of one of our registrations.
#[derive(Clone, Debug, PartialEq)]
pub struct InvocationRequest {
    /// The invocation id: the handle to answer with (`yield_`, `error_invocation`).
    pub invocation: Id,
    /// The registration invoked.
    pub registration: Id,
    /// The procedure called: `Details.procedure` for pattern registrations, else the
    /// registered procedure.
    pub procedure: String,
    /// The caller's session id, if disclosed.
    pub caller: Option<Id>,
    /// The caller's authid, if disclosed.
    pub caller_authid: Option<String>,
    /// The caller's authrole, if disclosed.
    pub caller_authrole: Option<String>,
    /// The caller accepts progressive results (`YieldOptions::progress`).
    pub receive_progress: bool,
    /// Progressive call invocation: more chunks of this call follow.
    pub progress: bool,
    /// `true` for the second and later chunks of a progressive invocation.
    pub continuation: bool,
    /// The caller's timeout, if the dealer forwarded it (the session does not enforce it).
    pub timeout: Option<Duration>,
    /// `INVOCATION.Details`.
    pub details: Dict,
    /// The call payload; [`Payload::Transparent`] when `passthru` is set.
    pub payload: Payload,
    /// The passthru description, for a passthru payload.
    pub passthru: Option<Passthru>,
}

/// The dealer interrupts an invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct InterruptRequest {
    /// The invocation interrupted.
    pub invocation: Id,
    /// Whether the dealer still waits for an answer ([`InterruptMode::Kill`]) or not.
    pub mode: InterruptMode,
    /// `INTERRUPT.Options.reason`, if given.
    pub reason: Option<String>,
    /// `INTERRUPT.Options`.
    pub options: Dict,
}
