//! The error and close-reason URIs the router sends. `wamp.*` ones are the spec's (and autobahn's
//! `ApplicationError` names); `zerowamp.error.*` ones name this router's own limits, for which the
//! spec has no URI.

/// The peer broke the protocol: a message not allowed in its state, a bad option, a duplicate
/// request id. Sent as an ABORT reason; only that peer is dropped.
pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// The action is not permitted for the session's role.
pub const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// Credentials were checked and found wrong (ABORT after AUTHENTICATE).
pub const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
/// None of the client's authentication methods can be used for it in this realm.
pub const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
/// HELLO named a realm the router does not serve.
pub const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
/// CALL for a procedure nobody registered.
pub const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
/// UNSUBSCRIBE for a subscription the session does not hold.
pub const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
/// UNREGISTER for a registration the session does not hold.
pub const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
/// REGISTER for a procedure already registered (and not shareable with this policy).
pub const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
/// A topic or procedure URI that is not valid, or lies in the reserved `wamp.` namespace.
pub const INVALID_URI: &str = "wamp.error.invalid_uri";
/// An option with a value the router does not accept (e.g. an unknown `invoke` policy).
pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
/// The call was canceled: by the caller, or because the callee left.
pub const CANCELED: &str = "wamp.error.canceled";
/// The call did not finish within `CALL.Options.timeout`.
pub const TIMEOUT: &str = "wamp.error.timeout";
/// The call needs a feature the chosen callee did not announce.
pub const FEATURE_NOT_SUPPORTED: &str = "wamp.error.feature_not_supported";
/// `disclose_me` was asked for but the role may not disclose its identity.
pub const DISCLOSE_ME_DISALLOWED: &str = "wamp.error.option_disallowed.disclose_me";

/// GOODBYE reason: the peer said goodbye and we answer.
pub const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
/// GOODBYE/ABORT reason: the router is shutting down.
pub const SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";

/// ABORT reason: the router (or the realm) already has as many sessions as it may.
pub const MAX_SESSIONS: &str = "zerowamp.error.max_sessions";
/// ABORT reason: the session's outbound queue was full, the peer does not read fast enough.
pub const SLOW_CONSUMER: &str = "zerowamp.error.slow_consumer";
/// ERROR: the caller has as many calls in flight as it may.
pub const TOO_MANY_CALLS: &str = "zerowamp.error.too_many_pending_calls";

use crate::wamp::message::{ErrorMessage, MessageType};
use crate::wamp::{Dict, Id, Message, Payload, Value};

/// An ERROR for request `request` of type `ty`, with `text` as its single argument (what
/// autobahn shows as the error message).
pub(crate) fn error(ty: MessageType, request: Id, uri: &str, text: impl Into<String>) -> Message {
    Message::Error(ErrorMessage {
        request_type: ty,
        request,
        details: Dict::new(),
        error: uri.to_owned(),
        payload: Payload::args(vec![Value::Str(text.into())]),
    })
}
