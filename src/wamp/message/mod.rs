//! WAMP messages: one struct per message type of the basic and advanced profiles, and
//! [`Message`], the enum over all of them.
//!
//! Every message converts to and from the generic WAMP list form (`[code, field, ...]`, see
//! [`Message::from_list`] and [`Message::to_list`]); the codecs read and write that form.
//! Decoding validates strictly: element count, element types, ids in `1..=2^53`, and the types
//! of the Options/Details attributes the spec defines.
//!
//! Conventions shared by all structs:
//! - Empty `options`/`details` dicts that the spec makes optional at the end of a message
//!   (UNSUBSCRIBE, UNSUBSCRIBED, UNREGISTER, UNREGISTERED) are omitted on encode.
//! - Arguments and ArgumentsKw live in a [`Payload`]; empty ones are omitted at the end of the
//!   message, as peers expect.

mod code;
#[cfg(test)]
pub(crate) mod examples;
mod list;
mod rules;

pub use code::MessageType;
pub(crate) use list::Field;

use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;

/// A WAMP id (session, request, publication, subscription, registration): an integer in
/// `1..=2^53` ([`MAX_ID`]), so that every peer can hold it in a double.
pub type Id = u64;

/// The largest valid WAMP id, 2^53.
pub const MAX_ID: Id = 1 << 53;

/// The application payload of a message that carries one (ABORT, ERROR, PUBLISH, EVENT, CALL,
/// RESULT, INVOCATION, YIELD).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Normal mode: positional and keyword arguments. Both empty means "no payload"; they are
    /// written only as far as needed (`[]` is written before a non-empty ArgumentsKw).
    Arguments {
        /// `Arguments|list`
        args: List,
        /// `ArgumentsKw|dict`
        kwargs: Dict,
    },
    /// Transparent payload, as autobahn-python writes it in Payload Passthru / end-to-end
    /// encryption mode: one binary value in place of `Arguments|list` (the spec's own form, a
    /// binary as the single element of `Arguments|list`, arrives as [`Payload::Arguments`]).
    /// On decode, a slice of the received frame.
    Transparent(Bytes),
}

impl Default for Payload {
    fn default() -> Payload {
        Payload::Arguments {
            args: List::new(),
            kwargs: Dict::new(),
        }
    }
}

impl Payload {
    /// A payload of positional and keyword arguments.
    pub fn new(args: List, kwargs: Dict) -> Payload {
        Payload::Arguments { args, kwargs }
    }

    /// A payload of positional arguments only.
    pub fn args(args: List) -> Payload {
        Payload::Arguments {
            args,
            kwargs: Dict::new(),
        }
    }

    /// The positional arguments (empty for a transparent payload).
    pub fn arguments(&self) -> &[Value] {
        match self {
            Payload::Arguments { args, .. } => args,
            Payload::Transparent(_) => &[],
        }
    }

    /// The keyword arguments, if this is not a transparent payload.
    pub fn keyword_arguments(&self) -> Option<&Dict> {
        match self {
            Payload::Arguments { kwargs, .. } => Some(kwargs),
            Payload::Transparent(_) => None,
        }
    }

    /// The transparent payload bytes, if this is one.
    pub fn transparent(&self) -> Option<&Bytes> {
        match self {
            Payload::Transparent(b) => Some(b),
            Payload::Arguments { .. } => None,
        }
    }

    /// The binary that ends the message, if there is one: a transparent payload, or a binary as
    /// the last positional argument with no keyword arguments. This is what
    /// [`Codec::encode_split`](crate::wamp::codec::Codec::encode_split) may send as a buffer of
    /// its own instead of copying it into the message.
    pub fn trailing_binary(&self) -> Option<&Bytes> {
        match self {
            Payload::Transparent(b) => Some(b),
            Payload::Arguments { args, kwargs } if kwargs.is_empty() => match args.last() {
                Some(Value::Bytes(b)) => Some(b),
                _ => None,
            },
            Payload::Arguments { .. } => None,
        }
    }

    /// `true` when there is nothing to write: no arguments and no keyword arguments.
    pub fn is_empty(&self) -> bool {
        matches!(self, Payload::Arguments { args, kwargs } if args.is_empty() && kwargs.is_empty())
    }
}

/// `[HELLO, Realm|uri, Details|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The realm to join.
    pub realm: String,
    /// Roles, auth methods, authid, authextra, agent...
    pub details: Dict,
}

/// `[WELCOME, Session|id, Details|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    /// The session id assigned by the router.
    pub session: Id,
    /// Router roles, authid, authrole, authmethod...
    pub details: Dict,
}

/// `[ABORT, Details|dict, Reason|uri, Arguments|list, ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Abort {
    /// Details, e.g. `message`.
    pub details: Dict,
    /// The reason URI.
    pub reason: String,
    /// Optional arguments (never transparent).
    pub payload: Payload,
}

/// `[CHALLENGE, AuthMethod|string, Extra|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The authentication method.
    pub method: String,
    /// Method-specific challenge data.
    pub extra: Dict,
}

/// `[AUTHENTICATE, Signature|string, Extra|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticate {
    /// The authentication proof.
    pub signature: String,
    /// Method-specific data.
    pub extra: Dict,
}

/// `[GOODBYE, Details|dict, Reason|uri]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goodbye {
    /// Details, e.g. `message`.
    pub details: Dict,
    /// The reason URI.
    pub reason: String,
}

/// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list,
/// ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage {
    /// The type of the request that failed: SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER,
    /// UNREGISTER, CALL or INVOCATION.
    pub request_type: MessageType,
    /// The id of the request that failed.
    pub request: Id,
    /// Details.
    pub details: Dict,
    /// The error URI.
    pub error: String,
    /// Optional arguments.
    pub payload: Payload,
}

/// `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish {
    /// The request id.
    pub request: Id,
    /// Options: acknowledge, exclude_me, exclude, eligible, retain, ppt_*...
    pub options: Dict,
    /// The topic URI.
    pub topic: String,
    /// The event payload.
    pub payload: Payload,
}

/// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The PUBLISH request id.
    pub request: Id,
    /// The publication id.
    pub publication: Id,
}

/// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribe {
    /// The request id.
    pub request: Id,
    /// Options: match, get_retained...
    pub options: Dict,
    /// The topic URI or pattern.
    pub topic: String,
}

/// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribed {
    /// The SUBSCRIBE request id.
    pub request: Id,
    /// The subscription id.
    pub subscription: Id,
}

/// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id, Options|dict]` (Options optional)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The request id.
    pub request: Id,
    /// The subscription to end.
    pub subscription: Id,
    /// Options (router-to-router links); omitted when empty.
    pub options: Dict,
}

/// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id, Details|dict]` (Details optional). A router that
/// revokes a subscription sends request id 0, the one place an id may be 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The UNSUBSCRIBE request id, or 0 for a revocation.
    pub request: Id,
    /// Details: subscription, reason (revocation); omitted when empty.
    pub details: Dict,
}

/// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, Arguments|list,
/// ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The subscription the event is delivered for.
    pub subscription: Id,
    /// The publication id.
    pub publication: Id,
    /// Details: publisher, topic, retained, ppt_*...
    pub details: Dict,
    /// The event payload.
    pub payload: Payload,
}

/// `[EVENT_RECEIVED, EVENT.Publication|id]` (autobahn's acknowledged event delivery)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventReceived {
    /// The publication being acknowledged.
    pub publication: Id,
}

/// `[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The request id.
    pub request: Id,
    /// Options: timeout, receive_progress, disclose_me, ppt_*...
    pub options: Dict,
    /// The procedure URI.
    pub procedure: String,
    /// The call payload.
    pub payload: Payload,
}

/// `[CANCEL, CALL.Request|id, Options|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    /// The CALL request id.
    pub request: Id,
    /// Options: mode (skip, kill, killnowait).
    pub options: Dict,
}

/// `[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list, YIELD.ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultMessage {
    /// The CALL request id.
    pub request: Id,
    /// Details: progress, ppt_*...
    pub details: Dict,
    /// The result payload.
    pub payload: Payload,
}

/// `[REGISTER, Request|id, Options|dict, Procedure|uri]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    /// The request id.
    pub request: Id,
    /// Options: match, invoke, concurrency, force_reregister...
    pub options: Dict,
    /// The procedure URI or pattern.
    pub procedure: String,
}

/// `[REGISTERED, REGISTER.Request|id, Registration|id]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// The REGISTER request id.
    pub request: Id,
    /// The registration id.
    pub registration: Id,
}

/// `[UNREGISTER, Request|id, REGISTERED.Registration|id, Options|dict]` (Options optional)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unregister {
    /// The request id.
    pub request: Id,
    /// The registration to end.
    pub registration: Id,
    /// Options (router-to-router links); omitted when empty.
    pub options: Dict,
}

/// `[UNREGISTERED, UNREGISTER.Request|id, Details|dict]` (Details optional). A router that
/// revokes a registration sends request id 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unregistered {
    /// The UNREGISTER request id, or 0 for a revocation.
    pub request: Id,
    /// Details: registration, reason (revocation); omitted when empty.
    pub details: Dict,
}

/// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list,
/// CALL.ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The invocation request id (chosen by the dealer).
    pub request: Id,
    /// The registration being invoked.
    pub registration: Id,
    /// Details: caller, procedure, receive_progress, timeout, ppt_*...
    pub details: Dict,
    /// The call payload.
    pub payload: Payload,
}

/// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupt {
    /// The INVOCATION request id.
    pub request: Id,
    /// Options: mode (kill, killnowait), reason.
    pub options: Dict,
}

/// `[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Yield {
    /// The INVOCATION request id.
    pub request: Id,
    /// Options: progress, ppt_*...
    pub options: Dict,
    /// The result payload.
    pub payload: Payload,
}

/// Any WAMP message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is documented by its struct
pub enum Message {
    Hello(Hello),
    Welcome(Welcome),
    Abort(Abort),
    Challenge(Challenge),
    Authenticate(Authenticate),
    Goodbye(Goodbye),
    Error(ErrorMessage),
    Publish(Publish),
    Published(Published),
    Subscribe(Subscribe),
    Subscribed(Subscribed),
    Unsubscribe(Unsubscribe),
    Unsubscribed(Unsubscribed),
    Event(Event),
    EventReceived(EventReceived),
    Call(Call),
    Cancel(Cancel),
    Result(ResultMessage),
    Register(Register),
    Registered(Registered),
    Unregister(Unregister),
    Unregistered(Unregistered),
    Invocation(Invocation),
    Interrupt(Interrupt),
    Yield(Yield),
}

impl Message {
    /// This message's type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Hello(_) => MessageType::Hello,
            Message::Welcome(_) => MessageType::Welcome,
            Message::Abort(_) => MessageType::Abort,
            Message::Challenge(_) => MessageType::Challenge,
            Message::Authenticate(_) => MessageType::Authenticate,
            Message::Goodbye(_) => MessageType::Goodbye,
            Message::Error(_) => MessageType::Error,
            Message::Publish(_) => MessageType::Publish,
            Message::Published(_) => MessageType::Published,
            Message::Subscribe(_) => MessageType::Subscribe,
            Message::Subscribed(_) => MessageType::Subscribed,
            Message::Unsubscribe(_) => MessageType::Unsubscribe,
            Message::Unsubscribed(_) => MessageType::Unsubscribed,
            Message::Event(_) => MessageType::Event,
            Message::EventReceived(_) => MessageType::EventReceived,
            Message::Call(_) => MessageType::Call,
            Message::Cancel(_) => MessageType::Cancel,
            Message::Result(_) => MessageType::Result,
            Message::Register(_) => MessageType::Register,
            Message::Registered(_) => MessageType::Registered,
            Message::Unregister(_) => MessageType::Unregister,
            Message::Unregistered(_) => MessageType::Unregistered,
            Message::Invocation(_) => MessageType::Invocation,
            Message::Interrupt(_) => MessageType::Interrupt,
            Message::Yield(_) => MessageType::Yield,
        }
    }

    /// The payload, for the message types that carry one.
    pub fn payload(&self) -> Option<&Payload> {
        match self {
            Message::Abort(m) => Some(&m.payload),
            Message::Error(m) => Some(&m.payload),
            Message::Publish(m) => Some(&m.payload),
            Message::Event(m) => Some(&m.payload),
            Message::Call(m) => Some(&m.payload),
            Message::Result(m) => Some(&m.payload),
            Message::Invocation(m) => Some(&m.payload),
            Message::Yield(m) => Some(&m.payload),
            _ => None,
        }
    }
}
