//! `zw_message`: a received RESULT, EVENT, INVOCATION or ERROR, read in place.
//!
//! Binary payloads are slices of the received frame (no copy); JSON text is rendered the first
//! time it is asked for and kept with the message. In a callback the message is borrowed (valid
//! until the callback returns); a blocking call returns an owned one (`zw_message_free`).

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use bytes::Bytes;

use super::args::{arg_ref, Out};
use super::error::zw_result;
use super::json;
use super::panic::{boundary, boundary_result};
use super::payload::{ZW_PAYLOAD_BINARY, ZW_PAYLOAD_JSON, ZW_PAYLOAD_NONE, ZW_PAYLOAD_RECORD};
use super::slice::zw_slice;
use crate::client::{CallResult, EventDelivery, WampError};
use crate::wamp::session::{InvocationRequest, Passthru};
use crate::wamp::{Dict, Payload, Value};

/// A received message. Opaque; read it with the `zw_message_*` functions. Strings and slices
/// they hand out are valid as long as the message.
pub struct zw_message {
    source: Source,
    /// The call request, publication or invocation id (0 when unknown).
    request: u64,
    /// Returned by a blocking call, freed by `zw_message_free` (borrowed ones are not).
    owned: bool,
    args: OnceLock<CString>,
    kwargs: OnceLock<CString>,
    details: OnceLock<CString>,
    error_uri: OnceLock<CString>,
    passthru: OnceLock<Option<(CString, Option<CString>)>>,
}

// A message lives on the stack of the callback it is given to (or is boxed once, for
// zw_call_wait): boxing the result as well would cost an allocation per RESULT for nothing.
#[allow(clippy::large_enum_variant)]
enum Source {
    Result(CallResult),
    Error(Box<WampError>),
    /// Borrowed for the duration of an event callback.
    Event(*const EventDelivery),
    /// Borrowed from the `zw_invocation` that owns the invocation.
    Invocation(*const InvocationRequest),
}

// SAFETY: the borrowed sources are only read, and their owners outlive the message (an event
// message lives on the stack of the callback that borrows the event; an invocation message lives
// inside the `zw_invocation` that owns the request). The caches are `OnceLock`s.
unsafe impl Send for zw_message {}
// SAFETY: as above; nothing is written through `&zw_message` but the `OnceLock` caches.
unsafe impl Sync for zw_message {}

/// What every kind of message has, borrowed.
struct View<'a> {
    args: &'a [Value],
    kwargs: Option<&'a Dict>,
    transparent: Option<&'a Bytes>,
    details: &'a Dict,
    passthru: Option<&'a Passthru>,
}

impl<'a> View<'a> {
    fn of_payload(payload: &'a Payload, details: &'a Dict, passthru: Option<&'a Passthru>) -> Self {
        View {
            args: payload.arguments(),
            kwargs: payload.keyword_arguments(),
            transparent: payload.transparent(),
            details,
            passthru,
        }
    }
}

impl zw_message {
    fn new(source: Source, request: u64) -> zw_message {
        zw_message {
            source,
            request,
            owned: false,
            args: OnceLock::new(),
            kwargs: OnceLock::new(),
            details: OnceLock::new(),
            error_uri: OnceLock::new(),
            passthru: OnceLock::new(),
        }
    }

    /// A RESULT.
    pub(crate) fn result(result: CallResult) -> zw_message {
        let request = result.request;
        zw_message::new(Source::Result(result), request)
    }

    /// An ERROR answering the request `request` (0 when unknown).
    pub(crate) fn error(error: Box<WampError>, request: u64) -> zw_message {
        zw_message::new(Source::Error(error), request)
    }

    /// Runs `f` with an EVENT message borrowing `event`.
    pub(crate) fn with_event<R>(event: &EventDelivery, f: impl FnOnce(&zw_message) -> R) -> R {
        let message = zw_message::new(Source::Event(event), event.publication);
        f(&message)
    }

    /// An INVOCATION message borrowing `request`.
    ///
    /// # Safety
    /// `request` must stay valid and unchanged as long as the message lives.
    pub(crate) unsafe fn invocation(request: *const InvocationRequest) -> zw_message {
        let id = (*request).invocation;
        zw_message::new(Source::Invocation(request), id)
    }

    /// The message as an owned handle for C (`zw_message_free`).
    pub(crate) fn into_owned_raw(mut self) -> *mut zw_message {
        self.owned = true;
        Box::into_raw(Box::new(self))
    }

    fn view(&self) -> View<'_> {
        match &self.source {
            Source::Result(r) => View::of_payload(&r.payload, &r.details, r.passthru.as_ref()),
            Source::Error(e) => View {
                args: &e.args,
                kwargs: Some(&e.kwargs),
                transparent: None,
                details: &e.details,
                passthru: None,
            },
            // SAFETY: see `Send` above: the event outlives the message.
            Source::Event(e) => {
                let e = unsafe { &**e };
                View::of_payload(&e.payload, &e.details, e.passthru.as_ref())
            }
            // SAFETY: as above, the invocation request outlives the message.
            Source::Invocation(i) => {
                let i = unsafe { &**i };
                View::of_payload(&i.payload, &i.details, i.passthru.as_ref())
            }
        }
    }

    fn payload_kind(&self) -> u32 {
        let v = self.view();
        let no_kwargs = v.kwargs.is_none_or(Dict::is_empty);
        if v.passthru.is_some() || v.transparent.is_some() {
            ZW_PAYLOAD_RECORD
        } else if no_kwargs && matches!(v.args, [Value::Bytes(_)]) {
            ZW_PAYLOAD_BINARY
        } else if no_kwargs && v.args.is_empty() {
            ZW_PAYLOAD_NONE
        } else {
            ZW_PAYLOAD_JSON
        }
    }

    fn binary(&self) -> Option<&Bytes> {
        let v = self.view();
        match (self.payload_kind(), v.transparent, v.args) {
            (ZW_PAYLOAD_RECORD, Some(bytes), _) => Some(bytes),
            (ZW_PAYLOAD_RECORD | ZW_PAYLOAD_BINARY, None, [Value::Bytes(bytes)]) => Some(bytes),
            _ => None,
        }
    }
}

/// Text for C: JSON text never holds a NUL (it is escaped), nor do URIs from a decoded message.
fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|b| *b != 0);
        CString::new(bytes).unwrap_or_default()
    })
}

/// What the payload is: `ZW_PAYLOAD_RECORD` for a passthru payload (any `ppt_serializer`),
/// `ZW_PAYLOAD_BINARY` for args = [bytes] without kwargs, `ZW_PAYLOAD_NONE` for no arguments,
/// else `ZW_PAYLOAD_JSON`. NULL gives `ZW_PAYLOAD_NONE`.
///
/// An ERROR is never `ZW_PAYLOAD_RECORD`: its passthru description is not kept, and a passthru
/// error payload shows as `ZW_PAYLOAD_BINARY`.
#[no_mangle]
pub extern "C" fn zw_message_payload_kind(m: *const zw_message) -> u32 {
    boundary(|| {
        // SAFETY: NULL or a message handed out by the library and still valid.
        unsafe { m.as_ref() }.map_or(ZW_PAYLOAD_NONE, zw_message::payload_kind)
    })
}

/// The bytes of a `ZW_PAYLOAD_RECORD` or `ZW_PAYLOAD_BINARY` payload: a slice of the received
/// frame, no copy, valid as long as the message. `ZW_NOT_FOUND` for other payloads.
#[no_mangle]
pub extern "C" fn zw_message_binary(m: *const zw_message, out: *mut zw_slice) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_binary", "m", m)?;
        let out = Out::new("zw_message_binary", "out", out)?;
        let bytes = m.binary().ok_or(zw_result::ZW_NOT_FOUND)?;
        out.set(zw_slice::from_bytes(bytes));
        Ok(())
    })
}

/// The positional arguments as a JSON array (`"[]"` if none; a record or binary payload shows as
/// one `{"$bytes":"<base64>"}`). Rendered the first time, then kept: valid as long as `m`.
#[no_mangle]
pub extern "C" fn zw_message_args_json(m: *const zw_message, out: *mut *const c_char) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_args_json", "m", m)?;
        let out = Out::new("zw_message_args_json", "out", out)?;
        let text = m.args.get_or_init(|| {
            let v = m.view();
            c_string(match v.transparent {
                Some(bytes) => json::render_list(&[Value::Bytes(bytes.clone())]),
                None => json::render_list(v.args),
            })
        });
        out.set(text.as_ptr());
        Ok(())
    })
}

/// The keyword arguments as a JSON object (`"{}"` if none). Valid as long as `m`.
#[no_mangle]
pub extern "C" fn zw_message_kwargs_json(
    m: *const zw_message,
    out: *mut *const c_char,
) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_kwargs_json", "m", m)?;
        let out = Out::new("zw_message_kwargs_json", "out", out)?;
        let text = m.kwargs.get_or_init(|| {
            c_string(
                m.view()
                    .kwargs
                    .map_or_else(|| "{}".to_owned(), json::render_dict),
            )
        });
        out.set(text.as_ptr());
        Ok(())
    })
}

/// The message's Details as a JSON object (RESULT, EVENT, INVOCATION, ERROR). Valid as long as
/// `m`.
#[no_mangle]
pub extern "C" fn zw_message_details_json(
    m: *const zw_message,
    out: *mut *const c_char,
) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_details_json", "m", m)?;
        let out = Out::new("zw_message_details_json", "out", out)?;
        let text = m
            .details
            .get_or_init(|| c_string(json::render_dict(m.view().details)));
        out.set(text.as_ptr());
        Ok(())
    })
}

/// The error URI of an ERROR (`wamp.error.no_such_procedure`, ...); `ZW_NOT_FOUND` for other
/// messages. Valid as long as `m`.
#[no_mangle]
pub extern "C" fn zw_message_error_uri(m: *const zw_message, out: *mut *const c_char) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_error_uri", "m", m)?;
        let out = Out::new("zw_message_error_uri", "out", out)?;
        let Source::Error(error) = &m.source else {
            return Err(zw_result::ZW_NOT_FOUND);
        };
        let text = m.error_uri.get_or_init(|| c_string(error.uri.clone()));
        out.set(text.as_ptr());
        Ok(())
    })
}

/// The passthru description of a passthru payload: `*scheme` (`ppt_scheme`, e.g.
/// "x_zerowamp") and `*serializer` (`ppt_serializer`, e.g. "flatbuffers", or NULL when not
/// set). `ZW_NOT_FOUND` when the payload is not in passthru mode. Valid as long as `m`.
#[no_mangle]
pub extern "C" fn zw_message_passthru(
    m: *const zw_message,
    scheme: *mut *const c_char,
    serializer: *mut *const c_char,
) -> zw_result {
    boundary_result(|| {
        let m = arg_ref("zw_message_passthru", "m", m)?;
        let scheme = Out::new("zw_message_passthru", "scheme", scheme)?;
        let serializer = Out::new("zw_message_passthru", "serializer", serializer)?;
        let ppt = m.passthru.get_or_init(|| {
            m.view().passthru.map(|p| {
                (
                    c_string(p.scheme.clone()),
                    p.serializer.clone().map(c_string),
                )
            })
        });
        let (s, z) = ppt.as_ref().ok_or(zw_result::ZW_NOT_FOUND)?;
        scheme.set(s.as_ptr());
        serializer.set(z.as_ref().map_or(std::ptr::null(), |z| z.as_ptr()));
        Ok(())
    })
}

/// The id the message belongs to: the call's request id (RESULT, and ERROR of a call made with
/// `zw_call`), the publication id (EVENT), the invocation id (INVOCATION); 0 when unknown (the
/// ERROR returned by `zw_call_wait`) or for NULL.
#[no_mangle]
pub extern "C" fn zw_message_request_id(m: *const zw_message) -> u64 {
    boundary(|| {
        // SAFETY: NULL or a message handed out by the library and still valid.
        unsafe { m.as_ref() }.map_or(0, |m| m.request)
    })
}

/// Frees a message returned by `zw_call_wait`. NULL is allowed. A message borrowed in a callback
/// or from an invocation is not the caller's to free: passing one does nothing.
#[no_mangle]
pub extern "C" fn zw_message_free(m: *mut zw_message) {
    boundary(|| {
        // SAFETY: NULL or a message handed out by the library and still valid.
        let owned = unsafe { m.as_ref() }.is_some_and(|m| m.owned);
        if owned {
            // SAFETY: owned messages come from `into_owned_raw` and are freed once, here.
            drop(unsafe { Box::from_raw(m) });
        }
    })
}
