//! `zw_payload`: the arguments of an outgoing call, publication or answer.

use std::ffi::c_char;

use bytes::Bytes;

use super::args::{arg_bytes, arg_ref, arg_str};
use super::error::{fail, zw_result};
use super::json;
use super::slice::zw_slice;
use super::txn::zw_txn;
use crate::client::record_passthru;
use crate::wamp::session::Passthru;
use crate::wamp::{Dict, Payload, Value};

/// No arguments.
pub const ZW_PAYLOAD_NONE: u32 = 0;
/// A FlatBuffers record, sent in Payload Passthru Mode (`ppt_scheme` "x_zerowamp",
/// `ppt_serializer` "flatbuffers"): the record's bytes are the payload.
pub const ZW_PAYLOAD_RECORD: u32 = 1;
/// One binary positional argument: args = [bytes].
pub const ZW_PAYLOAD_BINARY: u32 = 2;
/// Arguments as JSON text: `args_json` (an array, or NULL) and `kwargs_json` (an object, or NULL).
pub const ZW_PAYLOAD_JSON: u32 = 3;

/// The arguments of a call, publication, progressive result or answer. A NULL `const
/// zw_payload *` means no arguments. Read only during the call it is passed to.
#[repr(C)]
pub struct zw_payload<'a> {
    /// One of `ZW_PAYLOAD_*`.
    pub kind: u32,
    /// `ZW_PAYLOAD_RECORD` / `ZW_PAYLOAD_BINARY`: the bytes.
    pub data: zw_slice<'a>,
    /// `ZW_PAYLOAD_RECORD` / `ZW_PAYLOAD_BINARY`, optional: the READ transaction `data` lives
    /// in (a value from `zw_txn_get` or a cursor of it). Given, the bytes are pinned — the
    /// snapshot is shared by reference counting until they are written — and sent without a
    /// copy, so the caller may end its transaction right after the call returns. NULL: the bytes
    /// are copied once before the call returns. A write transaction, or `data` outside the
    /// transaction's environment, gives `ZW_ERR_INVALID_ARGUMENT`.
    pub pin: *const zw_txn,
    /// `ZW_PAYLOAD_JSON`: NUL-terminated JSON array text (the positional arguments), or NULL.
    /// JSON strings are WAMP strings; binary cannot be written in JSON (use `ZW_PAYLOAD_BINARY`).
    pub args_json: *const c_char,
    /// `ZW_PAYLOAD_JSON`: NUL-terminated JSON object text (the keyword arguments), or NULL.
    pub kwargs_json: *const c_char,
}

/// A payload ready to go: the WAMP payload and, for a record, its passthru description.
#[derive(Default)]
pub(crate) struct Outgoing {
    pub(crate) payload: Payload,
    pub(crate) passthru: Option<Passthru>,
}

/// Converts the payload argument `name` of `function` (NULL: no arguments).
pub(crate) fn outgoing(
    function: &str,
    name: &str,
    payload: *const zw_payload,
) -> Result<Outgoing, zw_result> {
    if payload.is_null() {
        return Ok(Outgoing::default());
    }
    let p = arg_ref(function, name, payload)?;
    match p.kind {
        ZW_PAYLOAD_NONE => Ok(Outgoing::default()),
        ZW_PAYLOAD_RECORD => Ok(Outgoing {
            payload: Payload::Transparent(bytes_of(function, name, p)?),
            passthru: Some(record_passthru()),
        }),
        ZW_PAYLOAD_BINARY => Ok(Outgoing {
            payload: Payload::args(vec![Value::Bytes(bytes_of(function, name, p)?)]),
            passthru: None,
        }),
        ZW_PAYLOAD_JSON => {
            let args = match p.args_json.is_null() {
                true => Vec::new(),
                false => {
                    let field = format!("{name}->args_json");
                    match json::parse(function, &field, arg_str(function, &field, p.args_json)?)? {
                        Value::List(args) => args,
                        other => return Err(not_a(function, &field, "an array", &other)),
                    }
                }
            };
            let kwargs = match p.kwargs_json.is_null() {
                true => Dict::new(),
                false => {
                    let field = format!("{name}->kwargs_json");
                    match json::parse(function, &field, arg_str(function, &field, p.kwargs_json)?)?
                    {
                        Value::Dict(kwargs) => kwargs,
                        other => return Err(not_a(function, &field, "an object", &other)),
                    }
                }
            };
            Ok(Outgoing {
                payload: Payload::new(args, kwargs),
                passthru: None,
            })
        }
        other => Err(fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: `{name}->kind` is {other}, not one of ZW_PAYLOAD_*"),
        )),
    }
}

fn not_a(function: &str, field: &str, what: &str, value: &Value) -> zw_result {
    fail(
        zw_result::ZW_ERR_INVALID_ARGUMENT,
        format!(
            "{function}: `{field}` must be {what} in JSON, not a {}",
            value.type_name()
        ),
    )
}

/// The bytes of a RECORD or BINARY payload: pinned to `pin`, or copied once.
fn bytes_of(function: &str, name: &str, p: &zw_payload) -> Result<Bytes, zw_result> {
    let data = arg_bytes(function, &format!("{name}->data"), p.data)?;
    if data.is_empty() {
        return Ok(Bytes::new());
    }
    // SAFETY: NULL or a transaction handle from zw_txn_begin_*, used by this thread now.
    match unsafe { p.pin.as_ref() } {
        None => Ok(Bytes::copy_from_slice(data)),
        Some(txn) => txn.pin(&format!("{function}: `{name}->pin`"), data),
    }
}
