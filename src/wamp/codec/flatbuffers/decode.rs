//! A FlatBuffers frame to a [`Message`].
//!
//! The frame is verified first; then each message type's function reads its table into the
//! generic list form (`[code, field, ...]`), which [`Message::from_list`] validates as it does
//! for every serializer (ids in range, Options/Details attribute types). Binary data (the
//! transparent payload, CBOR byte strings) are slices of the frame.

use super::attributes::{in_field, pair, slice_of, Collect};
use super::cbor_bridge;
use super::generated as fb;
use crate::wamp::error::{Error, Result};
use crate::wamp::message::{Message, MessageType};
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;
use fb::AnyMessage as Tag;
use flatbuffers::{InvalidFlatbuffer, Vector, VerifierOptions};

/// Tables nest at most: Message, message, roles, features (and Principal in forward_for).
const MAX_DEPTH: usize = 8;

/// More tables than any real message has (each hop of `forward_for` is one).
const MAX_TABLES: usize = 10_000;

pub(super) fn decode(frame: Bytes) -> Result<Message> {
    let opts = VerifierOptions {
        max_depth: MAX_DEPTH,
        max_tables: MAX_TABLES,
        // The verifier counts every byte it checks; far more than the frame's size means
        // offsets that point many times at the same data, which the decoder would copy out
        // as many times.
        max_apparent_size: frame.len().saturating_mul(4).saturating_add(1 << 16),
        ignore_missing_null_terminator: false,
    };
    let root = flatbuffers::root_with_opts::<fb::Message>(&opts, &frame).map_err(unverified)?;
    let tag = root.msg_type();
    let ty = match tag {
        Tag::NONE => return Err(Error::invalid("message", "no message in the frame")),
        Tag(code) => MessageType::from_code(u64::from(code))
            .ok_or_else(|| Error::invalid("message", format!("unknown message type {code}")))?,
    };
    let missing = || Error::invalid(ty.name(), "the message table is missing");
    let f = &frame;
    match tag {
        Tag::Hello => hello(f, root.msg_as_hello().ok_or_else(missing)?),
        Tag::Welcome => welcome(f, root.msg_as_welcome().ok_or_else(missing)?),
        Tag::Abort => abort(f, root.msg_as_abort().ok_or_else(missing)?),
        Tag::Challenge => challenge(f, root.msg_as_challenge().ok_or_else(missing)?),
        Tag::Authenticate => authenticate(f, root.msg_as_authenticate().ok_or_else(missing)?),
        Tag::Goodbye => goodbye(f, root.msg_as_goodbye().ok_or_else(missing)?),
        Tag::ErrorMessage => error(f, root.msg_as_error_message().ok_or_else(missing)?),
        Tag::Publish => publish(f, root.msg_as_publish().ok_or_else(missing)?),
        Tag::Published => {
            let t = root.msg_as_published().ok_or_else(missing)?;
            finish(ty, vec![id(t.request()), id(t.publication())])
        }
        Tag::Subscribe => subscribe(f, root.msg_as_subscribe().ok_or_else(missing)?),
        Tag::Subscribed => {
            let t = root.msg_as_subscribed().ok_or_else(missing)?;
            finish(ty, vec![id(t.request()), id(t.subscription())])
        }
        Tag::Unsubscribe => {
            let t = root.msg_as_unsubscribe().ok_or_else(missing)?;
            let options = Collect::new(f, ty).finish(t.attributes())?;
            finish(
                ty,
                vec![id(t.request()), id(t.subscription()), options.into()],
            )
        }
        Tag::Unsubscribed => unsubscribed(f, root.msg_as_unsubscribed().ok_or_else(missing)?),
        Tag::Event => event(f, root.msg_as_event().ok_or_else(missing)?),
        Tag::EventReceived => {
            let t = root.msg_as_event_received().ok_or_else(missing)?;
            finish(ty, vec![id(t.publication())])
        }
        Tag::Call => call(f, root.msg_as_call().ok_or_else(missing)?),
        Tag::Cancel => cancel(f, root.msg_as_cancel().ok_or_else(missing)?),
        Tag::ResultMessage => result(f, root.msg_as_result_message().ok_or_else(missing)?),
        Tag::Register => register(f, root.msg_as_register().ok_or_else(missing)?),
        Tag::Registered => {
            let t = root.msg_as_registered().ok_or_else(missing)?;
            finish(ty, vec![id(t.request()), id(t.registration())])
        }
        Tag::Unregister => {
            let t = root.msg_as_unregister().ok_or_else(missing)?;
            let options = Collect::new(f, ty).finish(t.attributes())?;
            finish(
                ty,
                vec![id(t.request()), id(t.registration()), options.into()],
            )
        }
        Tag::Unregistered => unregistered(f, root.msg_as_unregistered().ok_or_else(missing)?),
        Tag::Invocation => invocation(f, root.msg_as_invocation().ok_or_else(missing)?),
        Tag::Interrupt => interrupt(f, root.msg_as_interrupt().ok_or_else(missing)?),
        Tag::Yield => yield_(f, root.msg_as_yield().ok_or_else(missing)?),
        // MessageType::from_code accepted the code, so the union has a table type for it.
        Tag(code) => Err(Error::invalid(
            "message",
            format!("unknown message type {code}"),
        )),
    }
}

/// A verifier error as a [`Error::Malformed`], at the offset it names.
fn unverified(e: InvalidFlatbuffer) -> Error {
    let offset = match &e {
        InvalidFlatbuffer::RangeOutOfBounds { range, .. }
        | InvalidFlatbuffer::Utf8Error { range, .. }
        | InvalidFlatbuffer::MissingNullTerminator { range, .. } => range.start,
        InvalidFlatbuffer::Unaligned { position, .. }
        | InvalidFlatbuffer::SignedOffsetOutOfBounds { position, .. } => *position,
        _ => 0,
    };
    // The verifier's text is a line and a trace of indented lines: make it one line.
    let text = e.to_string();
    let reason: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Error::malformed("flatbuffers", offset, reason.join("; "))
}

fn id(value: u64) -> Value {
    Value::UInt(value)
}

/// The message from its elements after the code, validated by the message layer.
fn finish(ty: MessageType, fields: List) -> Result<Message> {
    let mut list = Vec::with_capacity(fields.len() + 1);
    list.push(Value::UInt(u64::from(ty.code())));
    list.extend(fields);
    Message::from_list(list)
}

/// A string field the message cannot do without.
fn required(ty: MessageType, field: &str, value: Option<&str>) -> Result<Value> {
    value
        .map(Value::from)
        .ok_or_else(|| Error::invalid(ty.name(), format!("{field} is missing")))
}

/// Arguments and ArgumentsKw (decoded from CBOR), or the transparent payload, appended to
/// `list` as far as they are not empty.
fn body(
    frame: &Bytes,
    ty: MessageType,
    list: &mut List,
    args: Option<Vector<'_, u8>>,
    kwargs: Option<Vector<'_, u8>>,
    payload: Option<Vector<'_, u8>>,
) -> Result<()> {
    if let Some(p) = payload {
        if args.is_some() || kwargs.is_some() {
            return Err(Error::invalid(
                ty.name(),
                "has both a transparent payload and args or kwargs",
            ));
        }
        list.push(Value::Bytes(slice_of(frame, p.bytes())));
        return Ok(());
    }
    let args = match args {
        Some(v) => cbor(frame, ty, "args", v, cbor_bridge::decode_list)?,
        None => List::new(),
    };
    let kwargs = match kwargs {
        Some(v) => cbor(frame, ty, "kwargs", v, cbor_bridge::decode_dict)?,
        None => Dict::new(),
    };
    if !kwargs.is_empty() {
        list.push(Value::List(args));
        list.push(Value::Dict(kwargs));
    } else if !args.is_empty() {
        list.push(Value::List(args));
    }
    Ok(())
}

/// Decodes the CBOR in the byte vector `field` with `decode`; byte strings are frame slices.
fn cbor<T>(
    frame: &Bytes,
    ty: MessageType,
    field: &str,
    v: Vector<'_, u8>,
    decode: fn(Bytes) -> Result<T>,
) -> Result<T> {
    let part = v.bytes();
    decode(slice_of(frame, part)).map_err(|e| in_field(e, ty, field, frame, part))
}

/// autobahn-python's HELLO and WELCOME carry no roles, which the message layer requires of
/// every other serializer. Such a message is validated with a stand-in role, taken out again
/// afterwards, so that it decodes to exactly what it carries and all else is still checked.
fn finish_maybe_without_roles(ty: MessageType, fields: List, details: Dict) -> Result<Message> {
    if details.contains_key("roles") {
        let mut fields = fields;
        fields.push(details.into());
        return finish(ty, fields);
    }
    let mut details = details;
    let mut stand_in = Dict::new();
    stand_in.insert("stand-in".into(), Value::Dict(Dict::new()));
    details.insert("roles".into(), stand_in.into());
    let mut fields = fields;
    fields.push(details.into());
    let mut msg = finish(ty, fields)?;
    match &mut msg {
        Message::Hello(m) => m.details.shift_remove("roles"),
        Message::Welcome(m) => m.details.shift_remove("roles"),
        _ => None,
    };
    Ok(msg)
}

fn hello(frame: &Bytes, t: fb::Hello<'_>) -> Result<Message> {
    let ty = MessageType::Hello;
    let mut d = Collect::new(frame, ty);
    d.auth_methods("authmethods", t.authmethods())?;
    d.string("authid", t.authid());
    d.string("authrole", t.authrole());
    d.key_value("authextra", t.authextra());
    d.flag("resumable", t.resumable(), false);
    d.uint("resume-session", t.resume_session());
    d.string("resume-token", t.resume_token());
    let details = d.finish(t.attributes())?;
    let realm = required(ty, "realm", t.realm())?;
    finish_maybe_without_roles(ty, vec![realm], details)
}

fn welcome(frame: &Bytes, t: fb::Welcome<'_>) -> Result<Message> {
    let ty = MessageType::Welcome;
    let mut d = Collect::new(frame, ty);
    d.string("realm", t.realm());
    d.string("authid", t.authid());
    d.string("authrole", t.authrole());
    d.named(
        "authmethod",
        t.authmethod().0,
        0,
        &super::names::AUTH_METHOD,
    )?;
    d.string("authprovider", t.authprovider());
    d.key_value("authextra", t.authextra());
    d.flag("resumed", t.resumed(), false);
    d.flag("resumable", t.resumable(), false);
    d.string("resume_token", t.resume_token());
    let details = d.finish(t.attributes())?;
    finish_maybe_without_roles(ty, vec![id(t.session())], details)
}

fn abort(frame: &Bytes, t: fb::Abort<'_>) -> Result<Message> {
    let ty = MessageType::Abort;
    let mut d = Collect::new(frame, ty);
    d.string("message", t.message());
    let details = d.finish(t.attributes())?;
    let mut list = vec![details.into(), required(ty, "reason", t.reason())?];
    body(frame, ty, &mut list, t.args(), t.kwargs(), None)?;
    finish(ty, list)
}

/// CHALLENGE and AUTHENTICATE: Extra from the `extra` pair autobahn's schema has, and from
/// `attributes`.
fn extra(
    frame: &Bytes,
    ty: MessageType,
    kv: Option<fb::KeyValue<'_>>,
    attributes: Option<Vector<'_, u8>>,
) -> Result<Dict> {
    let mut d = Collect::new(frame, ty);
    if let Some(kv) = kv {
        for (key, value) in pair(kv) {
            d.value(&key, value);
        }
    }
    d.finish(attributes)
}

fn challenge(frame: &Bytes, t: fb::Challenge<'_>) -> Result<Message> {
    let ty = MessageType::Challenge;
    let method = match (t.method(), t.method_name()) {
        (fb::AuthMethod::ANONYMOUS, Some(name)) => Value::from(name),
        (fb::AuthMethod::ANONYMOUS, None) => {
            return Err(Error::invalid(
                ty.name(),
                "the authentication method is missing",
            ))
        }
        (m, None) => super::names::AUTH_METHOD
            .name(m.0)
            .map(Value::from)
            .ok_or_else(|| {
                Error::invalid(ty.name(), format!("method has the unknown value {}", m.0))
            })?,
        (_, Some(_)) => {
            return Err(Error::invalid(
                ty.name(),
                "the authentication method is given both as method and as method_name",
            ))
        }
    };
    let extra = extra(frame, ty, t.extra(), t.attributes())?;
    finish(ty, vec![method, extra.into()])
}

fn authenticate(frame: &Bytes, t: fb::Authenticate<'_>) -> Result<Message> {
    let ty = MessageType::Authenticate;
    let signature = required(ty, "signature", t.signature())?;
    let extra = extra(frame, ty, t.extra(), t.attributes())?;
    finish(ty, vec![signature, extra.into()])
}

fn goodbye(frame: &Bytes, t: fb::Goodbye<'_>) -> Result<Message> {
    let ty = MessageType::Goodbye;
    let mut d = Collect::new(frame, ty);
    d.string("message", t.message());
    d.flag("resumable", t.resumable(), false);
    let details = d.finish(t.attributes())?;
    finish(
        ty,
        vec![details.into(), required(ty, "reason", t.reason())?],
    )
}

fn error(frame: &Bytes, t: fb::ErrorMessage<'_>) -> Result<Message> {
    let ty = MessageType::Error;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.forward_for(t.forward_for());
    let details = d.finish(t.attributes())?;
    let mut list = vec![
        Value::UInt(u64::from(t.request_type().0)),
        id(t.request()),
        details.into(),
        required(ty, "error", t.error())?,
    ];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn publish(frame: &Bytes, t: fb::Publish<'_>) -> Result<Message> {
    let ty = MessageType::Publish;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.flag("acknowledge", t.acknowledge(), false);
    d.flag("exclude_me", t.exclude_me(), true);
    d.uints("exclude", t.exclude());
    d.strings("exclude_authid", t.exclude_authid());
    d.strings("exclude_authrole", t.exclude_authrole());
    d.uints("eligible", t.eligible());
    d.strings("eligible_authid", t.eligible_authid());
    d.strings("eligible_authrole", t.eligible_authrole());
    d.flag("retain", t.retain(), false);
    d.string("transaction_hash", t.transaction_hash());
    d.forward_for(t.forward_for());
    let options = d.finish(t.attributes())?;
    let mut list = vec![
        id(t.request()),
        options.into(),
        required(ty, "topic", t.topic())?,
    ];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn subscribe(frame: &Bytes, t: fb::Subscribe<'_>) -> Result<Message> {
    let ty = MessageType::Subscribe;
    let mut d = Collect::new(frame, ty);
    d.named("match", t.match_().0, 0, &super::names::MATCH)?;
    d.flag("get_retained", t.get_retained(), false);
    let options = d.finish(t.attributes())?;
    finish(
        ty,
        vec![
            id(t.request()),
            options.into(),
            required(ty, "topic", t.topic())?,
        ],
    )
}

fn unsubscribed(frame: &Bytes, t: fb::Unsubscribed<'_>) -> Result<Message> {
    let ty = MessageType::Unsubscribed;
    let mut d = Collect::new(frame, ty);
    d.uint("subscription", t.subscription());
    d.string("reason", t.reason());
    let details = d.finish(t.attributes())?;
    finish(ty, vec![id(t.request()), details.into()])
}

fn event(frame: &Bytes, t: fb::Event<'_>) -> Result<Message> {
    let ty = MessageType::Event;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.uint("publisher", t.publisher());
    d.string("publisher_authid", t.publisher_authid());
    d.string("publisher_authrole", t.publisher_authrole());
    d.string("topic", t.topic());
    d.flag("retained", t.retained(), false);
    d.string("transaction_hash", t.transaction_hash());
    d.flag("x_acknowledged_delivery", t.acknowledge(), false);
    d.forward_for(t.forward_for());
    let details = d.finish(t.attributes())?;
    let mut list = vec![id(t.subscription()), id(t.publication()), details.into()];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn call(frame: &Bytes, t: fb::Call<'_>) -> Result<Message> {
    let ty = MessageType::Call;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.uint("timeout", t.timeout());
    d.flag("receive_progress", t.receive_progress(), false);
    d.string("transaction_hash", t.transaction_hash());
    d.uint("caller", t.caller());
    d.string("caller_authid", t.caller_authid());
    d.string("caller_authrole", t.caller_authrole());
    d.forward_for(t.forward_for());
    let options = d.finish(t.attributes())?;
    let mut list = vec![
        id(t.request()),
        options.into(),
        required(ty, "procedure", t.procedure())?,
    ];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn cancel(frame: &Bytes, t: fb::Cancel<'_>) -> Result<Message> {
    let ty = MessageType::Cancel;
    let mut d = Collect::new(frame, ty);
    d.named("mode", t.mode().0, 0, &super::names::CANCEL_MODE)?;
    d.forward_for(t.forward_for());
    let options = d.finish(t.attributes())?;
    finish(ty, vec![id(t.request()), options.into()])
}

fn result(frame: &Bytes, t: fb::ResultMessage<'_>) -> Result<Message> {
    let ty = MessageType::Result;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.flag("progress", t.progress(), false);
    d.uint("callee", t.callee());
    d.string("callee_authid", t.callee_authid());
    d.string("callee_authrole", t.callee_authrole());
    d.forward_for(t.forward_for());
    let details = d.finish(t.attributes())?;
    let mut list = vec![id(t.request()), details.into()];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn register(frame: &Bytes, t: fb::Register<'_>) -> Result<Message> {
    let ty = MessageType::Register;
    let mut d = Collect::new(frame, ty);
    d.named("match", t.match_().0, 0, &super::names::MATCH)?;
    d.named("invoke", t.invoke().0, 0, &super::names::INVOKE)?;
    d.uint("concurrency", t.concurrency());
    d.flag("force_reregister", t.force_reregister(), false);
    let options = d.finish(t.attributes())?;
    let procedure = required(ty, "procedure", t.procedure())?;
    finish(ty, vec![id(t.request()), options.into(), procedure])
}

fn unregistered(frame: &Bytes, t: fb::Unregistered<'_>) -> Result<Message> {
    let ty = MessageType::Unregistered;
    let mut d = Collect::new(frame, ty);
    d.uint("registration", t.registration());
    d.string("reason", t.reason());
    let details = d.finish(t.attributes())?;
    finish(ty, vec![id(t.request()), details.into()])
}

fn invocation(frame: &Bytes, t: fb::Invocation<'_>) -> Result<Message> {
    let ty = MessageType::Invocation;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.string("procedure", t.procedure());
    d.uint("timeout", t.timeout());
    d.flag("receive_progress", t.receive_progress(), false);
    d.string("transaction_hash", t.transaction_hash());
    d.uint("caller", t.caller());
    d.string("caller_authid", t.caller_authid());
    d.string("caller_authrole", t.caller_authrole());
    d.forward_for(t.forward_for());
    let details = d.finish(t.attributes())?;
    let mut list = vec![id(t.request()), id(t.registration()), details.into()];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}

fn interrupt(frame: &Bytes, t: fb::Interrupt<'_>) -> Result<Message> {
    let ty = MessageType::Interrupt;
    let mut d = Collect::new(frame, ty);
    // INTERRUPT's mode defaults to kill.
    d.named("mode", t.mode().0, 1, &super::names::CANCEL_MODE)?;
    d.string("reason", t.reason());
    d.forward_for(t.forward_for());
    let options = d.finish(t.attributes())?;
    finish(ty, vec![id(t.request()), options.into()])
}

fn yield_(frame: &Bytes, t: fb::Yield<'_>) -> Result<Message> {
    let ty = MessageType::Yield;
    let mut d = Collect::new(frame, ty);
    d.ppt(
        t.ppt_scheme(),
        t.ppt_serializer(),
        t.ppt_cipher(),
        t.ppt_keyid(),
    )?;
    d.flag("progress", t.progress(), false);
    d.uint("callee", t.callee());
    d.string("callee_authid", t.callee_authid());
    d.string("callee_authrole", t.callee_authrole());
    d.forward_for(t.forward_for());
    let options = d.finish(t.attributes())?;
    let mut list = vec![id(t.request()), options.into()];
    body(frame, ty, &mut list, t.args(), t.kwargs(), t.payload())?;
    finish(ty, list)
}
