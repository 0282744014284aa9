//! [`Message`] to a FlatBuffers frame.
//!
//! Each message type has its function. It first does all that can fail (splitting the dicts,
//! CBOR for args, kwargs and `attributes`), then hands [`emit`] a closure that builds the table.
//! The closure creates strings and vectors, then adds fields, each in the order
//! autobahn-python does: the FlatBuffers layout follows that order, and so a message autobahn
//! could have written comes out byte for byte as autobahn writes it. What autobahn never writes
//! (zerowamp's appended fields, `ppt_cipher`, `authmethods`) comes after.

use super::attributes::Split;
use super::cbor_bridge;
use super::generated as fb;
use super::names;
use super::writer::{emit, Body, Placement};
use crate::wamp::error::{Error, Result};
use crate::wamp::message::*;
use fb::AnyMessage as Tag;

/// Adds each field whose value is present: `add!(t; add_args = args, ...)`.
macro_rules! add {
    ($t:ident; $($add:ident = $value:expr),* $(,)?) => {
        $( if let Some(v) = $value { $t.$add(v); } )*
    };
}

/// Encodes `msg` at the end of `out`; where the frame was placed (for the tests).
pub(super) fn encode(msg: &Message, out: &mut Vec<u8>) -> Result<Placement> {
    match msg {
        Message::Hello(m) => hello(m, out),
        Message::Welcome(m) => welcome(m, out),
        Message::Abort(m) => abort(m, out),
        Message::Challenge(m) => challenge(m, out),
        Message::Authenticate(m) => authenticate(m, out),
        Message::Goodbye(m) => goodbye(m, out),
        Message::Error(m) => error(m, out),
        Message::Publish(m) => publish(m, out),
        Message::Published(m) => emit(out, Tag::Published, 0, |w| {
            let mut t = fb::PublishedBuilder::new(w.fbb());
            t.add_request(m.request);
            t.add_publication(m.publication);
            t.finish().as_union_value()
        }),
        Message::Subscribe(m) => subscribe(m, out),
        Message::Subscribed(m) => emit(out, Tag::Subscribed, 0, |w| {
            let mut t = fb::SubscribedBuilder::new(w.fbb());
            t.add_request(m.request);
            t.add_subscription(m.subscription);
            t.finish().as_union_value()
        }),
        Message::Unsubscribe(m) => unsubscribe(m, out),
        Message::Unsubscribed(m) => unsubscribed(m, out),
        Message::Event(m) => event(m, out),
        Message::EventReceived(m) => emit(out, Tag::EventReceived, 0, |w| {
            let mut t = fb::EventReceivedBuilder::new(w.fbb());
            t.add_publication(m.publication);
            t.finish().as_union_value()
        }),
        Message::Call(m) => call(m, out),
        Message::Cancel(m) => cancel(m, out),
        Message::Result(m) => result(m, out),
        Message::Register(m) => register(m, out),
        Message::Registered(m) => emit(out, Tag::Registered, 0, |w| {
            let mut t = fb::RegisteredBuilder::new(w.fbb());
            t.add_request(m.request);
            t.add_registration(m.registration);
            t.finish().as_union_value()
        }),
        Message::Unregister(m) => unregister(m, out),
        Message::Unregistered(m) => unregistered(m, out),
        Message::Invocation(m) => invocation(m, out),
        Message::Interrupt(m) => interrupt(m, out),
        Message::Yield(m) => yield_(m, out),
    }
}

/// Arguments and ArgumentsKw as CBOR (each only when not empty), or the transparent payload.
fn body(payload: &Payload) -> Result<Body<'_>> {
    match payload {
        Payload::Arguments { args, kwargs } => {
            let args = if args.is_empty() {
                None
            } else {
                let mut out = Vec::new();
                cbor_bridge::encode_list(args, &mut out)?;
                Some(out)
            };
            let kwargs = if kwargs.is_empty() {
                None
            } else {
                let mut out = Vec::new();
                cbor_bridge::encode_entries(kwargs.iter().map(|(k, v)| (k.as_str(), v)), &mut out)?;
                Some(out)
            };
            Ok(Body::Arguments { args, kwargs })
        }
        Payload::Transparent(b) => Ok(Body::Transparent(b)),
    }
}

fn len(rest: &Option<Vec<u8>>) -> usize {
    rest.as_ref().map_or(0, Vec::len)
}

fn hello(m: &Hello, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let authmethods = d.auth_methods("authmethods");
    let authid = d.string("authid");
    let authrole = d.string("authrole");
    let resumable = d.flag("resumable", false);
    let resume_session = d.uint::<u64>("resume-session");
    let resume_token = d.string("resume-token");
    let rest = d.rest()?;
    emit(out, Tag::Hello, len(&rest), |w| {
        let realm = w.string(Some(&m.realm));
        let authid = w.string(authid);
        let authrole = w.string(authrole);
        let resume_token = w.string(resume_token);
        let authmethods = w.scalars(authmethods.as_deref());
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::HelloBuilder::new(w.fbb());
        add!(t;
            add_realm = realm,
            add_authid = authid,
            add_authrole = authrole,
            add_resumable = resumable,
            add_resume_session = resume_session,
            add_resume_token = resume_token,
            add_authmethods = authmethods,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn welcome(m: &Welcome, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let realm = d.string("realm");
    let authid = d.string("authid");
    let authrole = d.string("authrole");
    let authmethod = d.named("authmethod", 0, &names::AUTH_METHOD);
    let authprovider = d.string("authprovider");
    let resumed = d.flag("resumed", false);
    let resumable = d.flag("resumable", false);
    let resume_token = d.string("resume_token");
    let rest = d.rest()?;
    emit(out, Tag::Welcome, len(&rest), |w| {
        let realm = w.string(realm);
        let authid = w.string(authid);
        let authrole = w.string(authrole);
        let authprovider = w.string(authprovider);
        let resume_token = w.string(resume_token);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::WelcomeBuilder::new(w.fbb());
        t.add_session(m.session);
        add!(t;
            add_realm = realm,
            add_authid = authid,
            add_authrole = authrole,
            add_authprovider = authprovider,
            add_resumed = resumed,
            add_resumable = resumable,
            add_resume_token = resume_token,
            add_authmethod = authmethod.map(fb::AuthMethod),
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn abort(m: &Abort, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let message = d.string("message");
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    if let Body::Transparent(_) = body {
        return Err(Error::unencodable(
            "flatbuffers",
            "ABORT cannot carry a transparent payload",
        ));
    }
    emit(out, Tag::Abort, body.len() + len(&rest), |w| {
        let reason = w.string(Some(&m.reason));
        let message = w.string(message);
        let (args, kwargs, _) = w.body(&body);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::AbortBuilder::new(w.fbb());
        add!(t;
            add_reason = reason,
            add_message = message,
            add_args = args,
            add_kwargs = kwargs,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn challenge(m: &Challenge, out: &mut Vec<u8>) -> Result<Placement> {
    // The enum names four methods; 0 (anonymous) would read as "no method", so it and any
    // other method travel as a string.
    let method = names::AUTH_METHOD.value(&m.method).filter(|v| *v != 0);
    let method_name = method.is_none().then_some(m.method.as_str());
    let rest = Split::new(&m.extra).rest()?;
    emit(out, Tag::Challenge, len(&rest), |w| {
        let method_name = w.string(method_name);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::ChallengeBuilder::new(w.fbb());
        add!(t;
            add_method = method.map(fb::AuthMethod),
            add_method_name = method_name,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn authenticate(m: &Authenticate, out: &mut Vec<u8>) -> Result<Placement> {
    let rest = Split::new(&m.extra).rest()?;
    emit(out, Tag::Authenticate, len(&rest), |w| {
        let signature = w.string(Some(&m.signature));
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::AuthenticateBuilder::new(w.fbb());
        add!(t; add_signature = signature, add_attributes = attributes);
        t.finish().as_union_value()
    })
}

fn goodbye(m: &Goodbye, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let message = d.string("message");
    let resumable = d.flag("resumable", false);
    let rest = d.rest()?;
    emit(out, Tag::Goodbye, len(&rest), |w| {
        let reason = w.string(Some(&m.reason));
        let message = w.string(message);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::GoodbyeBuilder::new(w.fbb());
        add!(t;
            add_reason = reason,
            add_message = message,
            add_resumable = resumable,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn error(m: &ErrorMessage, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let ppt = d.ppt();
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::ErrorMessage, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let error = w.string(Some(&m.error));
        let keyid = w.keyid(&ppt);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::ErrorMessageBuilder::new(w.fbb());
        t.add_request_type(fb::MessageType(m.request_type.code()));
        t.add_request(m.request);
        add!(t;
            add_error = error,
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn publish(m: &Publish, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let ppt = d.ppt();
    let acknowledge = d.flag("acknowledge", false);
    let exclude_me = d.flag("exclude_me", true);
    let exclude = d.uints("exclude");
    let exclude_authid = d.strings("exclude_authid");
    let exclude_authrole = d.strings("exclude_authrole");
    let eligible = d.uints("eligible");
    let eligible_authid = d.strings("eligible_authid");
    let eligible_authrole = d.strings("eligible_authrole");
    let retain = d.flag("retain", false);
    let transaction_hash = d.string("transaction_hash");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::Publish, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let topic = w.string(Some(&m.topic));
        let transaction_hash = w.string(transaction_hash);
        let keyid = w.keyid(&ppt);
        let exclude = w.uints(exclude);
        let exclude_authid = w.strings(exclude_authid);
        let exclude_authrole = w.strings(exclude_authrole);
        let eligible = w.uints(eligible);
        let eligible_authid = w.strings(eligible_authid);
        let eligible_authrole = w.strings(eligible_authrole);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::PublishBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_topic = topic,
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_acknowledge = acknowledge,
            add_exclude_me = exclude_me,
            add_exclude = exclude,
            add_exclude_authid = exclude_authid,
            add_exclude_authrole = exclude_authrole,
            add_eligible = eligible,
            add_eligible_authid = eligible_authid,
            add_eligible_authrole = eligible_authrole,
            add_retain = retain,
            add_transaction_hash = transaction_hash,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn subscribe(m: &Subscribe, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let match_ = d.named("match", 0, &names::MATCH);
    let get_retained = d.flag("get_retained", false);
    let rest = d.rest()?;
    emit(out, Tag::Subscribe, len(&rest), |w| {
        let topic = w.string(Some(&m.topic));
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::SubscribeBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_topic = topic,
            add_match_ = match_.map(fb::Match),
            add_get_retained = get_retained,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn unsubscribe(m: &Unsubscribe, out: &mut Vec<u8>) -> Result<Placement> {
    let rest = Split::new(&m.options).rest()?;
    emit(out, Tag::Unsubscribe, len(&rest), |w| {
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::UnsubscribeBuilder::new(w.fbb());
        t.add_request(m.request);
        t.add_subscription(m.subscription);
        add!(t; add_attributes = attributes);
        t.finish().as_union_value()
    })
}

fn unsubscribed(m: &Unsubscribed, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let subscription = d.uint::<u64>("subscription");
    let reason = d.string("reason");
    let rest = d.rest()?;
    emit(out, Tag::Unsubscribed, len(&rest), |w| {
        let reason = w.string(reason);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::UnsubscribedBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_subscription = subscription,
            add_reason = reason,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn event(m: &Event, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let ppt = d.ppt();
    let publisher = d.uint::<u64>("publisher");
    let publisher_authid = d.string("publisher_authid");
    let publisher_authrole = d.string("publisher_authrole");
    let topic = d.string("topic");
    let retained = d.flag("retained", false);
    let transaction_hash = d.string("transaction_hash");
    let acknowledge = d.flag("x_acknowledged_delivery", false);
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::Event, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let publisher_authid = w.string(publisher_authid);
        let publisher_authrole = w.string(publisher_authrole);
        let topic = w.string(topic);
        let transaction_hash = w.string(transaction_hash);
        let keyid = w.keyid(&ppt);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::EventBuilder::new(w.fbb());
        t.add_subscription(m.subscription);
        t.add_publication(m.publication);
        add!(t;
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_publisher = publisher,
            add_publisher_authid = publisher_authid,
            add_publisher_authrole = publisher_authrole,
            add_topic = topic,
            add_retained = retained,
            add_transaction_hash = transaction_hash,
            add_acknowledge = acknowledge,
            add_ppt_scheme = ppt.scheme,
            add_ppt_keyid = keyid,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn call(m: &Call, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let ppt = d.ppt();
    let timeout = d.uint::<u32>("timeout");
    let receive_progress = d.flag("receive_progress", false);
    let transaction_hash = d.string("transaction_hash");
    let caller = d.uint::<u64>("caller");
    let caller_authid = d.string("caller_authid");
    let caller_authrole = d.string("caller_authrole");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::Call, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let procedure = w.string(Some(&m.procedure));
        let transaction_hash = w.string(transaction_hash);
        let caller_authid = w.string(caller_authid);
        let caller_authrole = w.string(caller_authrole);
        let keyid = w.keyid(&ppt);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::CallBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_procedure = procedure,
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_timeout = timeout,
            add_receive_progress = receive_progress,
            add_transaction_hash = transaction_hash,
            add_caller = caller,
            add_caller_authid = caller_authid,
            add_caller_authrole = caller_authrole,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn cancel(m: &Cancel, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let mode = d.named("mode", 0, &names::CANCEL_MODE);
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    emit(out, Tag::Cancel, len(&rest), |w| {
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::CancelBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_mode = mode.map(fb::CancelMode),
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn result(m: &ResultMessage, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let ppt = d.ppt();
    let progress = d.flag("progress", false);
    let callee = d.uint::<u64>("callee");
    let callee_authid = d.string("callee_authid");
    let callee_authrole = d.string("callee_authrole");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::ResultMessage, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let keyid = w.keyid(&ppt);
        let callee_authid = w.string(callee_authid);
        let callee_authrole = w.string(callee_authrole);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::ResultMessageBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_progress = progress,
            add_callee = callee,
            add_callee_authid = callee_authid,
            add_callee_authrole = callee_authrole,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn register(m: &Register, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let match_ = d.named("match", 0, &names::MATCH);
    let invoke = d.named("invoke", 0, &names::INVOKE);
    let concurrency = d.uint::<u16>("concurrency");
    let force_reregister = d.flag("force_reregister", false);
    let rest = d.rest()?;
    emit(out, Tag::Register, len(&rest), |w| {
        let procedure = w.string(Some(&m.procedure));
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::RegisterBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_procedure = procedure,
            add_match_ = match_.map(fb::Match),
            add_invoke = invoke.map(fb::InvocationPolicy),
            add_concurrency = concurrency,
            add_force_reregister = force_reregister,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn unregister(m: &Unregister, out: &mut Vec<u8>) -> Result<Placement> {
    let rest = Split::new(&m.options).rest()?;
    emit(out, Tag::Unregister, len(&rest), |w| {
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::UnregisterBuilder::new(w.fbb());
        t.add_request(m.request);
        t.add_registration(m.registration);
        add!(t; add_attributes = attributes);
        t.finish().as_union_value()
    })
}

fn unregistered(m: &Unregistered, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let registration = d.uint::<u64>("registration");
    let reason = d.string("reason");
    let rest = d.rest()?;
    emit(out, Tag::Unregistered, len(&rest), |w| {
        let reason = w.string(reason);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::UnregisteredBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_registration = registration,
            add_reason = reason,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn invocation(m: &Invocation, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.details);
    let ppt = d.ppt();
    let procedure = d.string("procedure");
    let timeout = d.uint::<u32>("timeout");
    let receive_progress = d.flag("receive_progress", false);
    let transaction_hash = d.string("transaction_hash");
    let caller = d.uint::<u64>("caller");
    let caller_authid = d.string("caller_authid");
    let caller_authrole = d.string("caller_authrole");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::Invocation, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let procedure = w.string(procedure);
        let transaction_hash = w.string(transaction_hash);
        let caller_authid = w.string(caller_authid);
        let caller_authrole = w.string(caller_authrole);
        let keyid = w.keyid(&ppt);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::InvocationBuilder::new(w.fbb());
        t.add_request(m.request);
        t.add_registration(m.registration);
        add!(t;
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_timeout = timeout,
            add_receive_progress = receive_progress,
            add_caller = caller,
            add_caller_authid = caller_authid,
            add_caller_authrole = caller_authrole,
            add_procedure = procedure,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_transaction_hash = transaction_hash,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn interrupt(m: &Interrupt, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    // INTERRUPT's mode defaults to kill.
    let mode = d.named("mode", 1, &names::CANCEL_MODE);
    let reason = d.string("reason");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    emit(out, Tag::Interrupt, len(&rest), |w| {
        let reason = w.string(reason);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::InterruptBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_mode = mode.map(fb::CancelMode),
            add_reason = reason,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}

fn yield_(m: &Yield, out: &mut Vec<u8>) -> Result<Placement> {
    let mut d = Split::new(&m.options);
    let ppt = d.ppt();
    let progress = d.flag("progress", false);
    let callee = d.uint::<u64>("callee");
    let callee_authid = d.string("callee_authid");
    let callee_authrole = d.string("callee_authrole");
    let forward_for = d.forward_for();
    let rest = d.rest()?;
    let body = body(&m.payload)?;
    emit(out, Tag::Yield, body.len() + len(&rest), |w| {
        let (args, kwargs, payload) = w.body(&body);
        let keyid = w.keyid(&ppt);
        let callee_authid = w.string(callee_authid);
        let callee_authrole = w.string(callee_authrole);
        let forward_for = w.principals(forward_for);
        let attributes = w.bytes(rest.as_deref());
        let mut t = fb::YieldBuilder::new(w.fbb());
        t.add_request(m.request);
        add!(t;
            add_args = args,
            add_kwargs = kwargs,
            add_payload = payload,
            add_progress = progress,
            add_ppt_scheme = ppt.scheme,
            add_ppt_serializer = ppt.serializer,
            add_ppt_cipher = ppt.cipher,
            add_ppt_keyid = keyid,
            add_callee = callee,
            add_callee_authid = callee_authid,
            add_callee_authrole = callee_authrole,
            add_forward_for = forward_for,
            add_attributes = attributes,
        );
        t.finish().as_union_value()
    })
}
