//! `zw_invocation`: a call of a registered procedure, owned by the application from the moment
//! its callback gets it, answered from any thread at any time.

use std::ffi::c_char;
use std::sync::OnceLock;

use super::args::{arg_ref, arg_str};
use super::error::{fail, null_argument, zw_result};
use super::message::zw_message;
use super::panic::{boundary, boundary_result};
use super::payload::{outgoing, zw_payload, Outgoing};
use crate::client::{Invocation, YieldOptions};

/// An invocation. Answer it with `zw_invocation_yield` or `zw_invocation_error` (which consume
/// it), or free it (the caller then gets `wamp.error.runtime_error`). Use it from one thread at
/// a time; it may move between threads.
pub struct zw_invocation {
    /// Borrows `invocation`'s request; declared first so that it goes first.
    message: OnceLock<zw_message>,
    invocation: Invocation,
}

impl zw_invocation {
    /// A C handle owning `invocation`.
    pub(crate) fn new_raw(invocation: Invocation) -> *mut zw_invocation {
        Box::into_raw(Box::new(zw_invocation {
            message: OnceLock::new(),
            invocation,
        }))
    }
}

/// Takes an invocation handle back (it is consumed) together with the payload argument, read
/// before the handle goes: its JSON text may point into the invocation's own message.
fn consume(
    function: &str,
    inv: *mut zw_invocation,
    payload: *const zw_payload,
) -> Result<(Invocation, Result<Outgoing, zw_result>), zw_result> {
    if inv.is_null() {
        return Err(null_argument(function, "inv"));
    }
    // SAFETY: `inv` came from an invocation callback and is consumed exactly once, here.
    let inv = unsafe { Box::from_raw(inv) };
    let payload = outgoing(function, "payload", payload);
    let zw_invocation {
        message,
        invocation,
    } = *inv;
    drop(message);
    Ok((invocation, payload))
}

/// The invocation's arguments, details (caller, procedure for pattern registrations, ...) and
/// id, as a message; valid until `inv` is answered or freed. NULL for NULL.
#[no_mangle]
pub extern "C" fn zw_invocation_message(inv: *const zw_invocation) -> *const zw_message {
    boundary(|| {
        // SAFETY: NULL or a live invocation handle.
        let Some(inv) = (unsafe { inv.as_ref() }) else {
            return std::ptr::null();
        };
        let message = inv.message.get_or_init(|| {
            // SAFETY: the request lives inside the boxed handle, which never moves and outlives
            // the message (`consume` drops the message first).
            unsafe { zw_message::invocation(inv.invocation.request()) }
        });
        message as *const zw_message
    })
}

/// The invocation id (0 for NULL).
#[no_mangle]
pub extern "C" fn zw_invocation_id(inv: *const zw_invocation) -> u64 {
    boundary(|| {
        // SAFETY: NULL or a live invocation handle.
        unsafe { inv.as_ref() }.map_or(0, |inv| inv.invocation.id())
    })
}

/// Whether the caller accepts progressive results (`zw_invocation_progress`). False for NULL.
#[no_mangle]
pub extern "C" fn zw_invocation_wants_progress(inv: *const zw_invocation) -> bool {
    boundary(|| {
        // SAFETY: NULL or a live invocation handle.
        unsafe { inv.as_ref() }.is_some_and(|inv| inv.invocation.wants_progress())
    })
}

/// Whether the dealer interrupted the invocation (its caller canceled it, or the session
/// ended): a long-running callee may poll this and stop early. False for NULL.
#[no_mangle]
pub extern "C" fn zw_invocation_is_interrupted(inv: *const zw_invocation) -> bool {
    boundary(|| {
        // SAFETY: NULL or a live invocation handle.
        unsafe { inv.as_ref() }.is_some_and(|inv| inv.invocation.is_interrupted())
    })
}

/// Sends a progressive result (the caller must have asked for them); does not consume `inv`:
/// answer with `zw_invocation_yield` in the end. `ZW_ERR_INVOCATION_GONE` when its session ended.
#[no_mangle]
pub extern "C" fn zw_invocation_progress(
    inv: *mut zw_invocation,
    payload: *const zw_payload,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_invocation_progress";
        let inv = arg_ref(F, "inv", inv.cast_const())?;
        let payload = outgoing(F, "payload", payload)?;
        let options = YieldOptions {
            passthru: payload.passthru,
            ..YieldOptions::default()
        };
        Ok(inv.invocation.progress_with(payload.payload, options)?)
    })
}

/// Answers with the result `payload` (NULL: no arguments). Consumes `inv`, also when it fails
/// (a payload that cannot be used then answers the caller with `wamp.error.runtime_error`).
/// `ZW_ERR_INVOCATION_GONE` when it was answered already or its session ended.
#[no_mangle]
pub extern "C" fn zw_invocation_yield(
    inv: *mut zw_invocation,
    payload: *const zw_payload,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_invocation_yield";
        let (invocation, payload) = consume(F, inv, payload)?;
        let payload = payload?;
        let options = YieldOptions {
            passthru: payload.passthru,
            ..YieldOptions::default()
        };
        Ok(invocation.yield_with(payload.payload, options)?)
    })
}

/// Answers with the error `error_uri` (e.g. `com.example.error.invalid_input`, or
/// `wamp.error.canceled` after an interrupt) and `payload` (NULL: none; a record cannot be an
/// error's payload: send it as `ZW_PAYLOAD_BINARY`). Consumes `inv`, also when it fails.
#[no_mangle]
pub extern "C" fn zw_invocation_error(
    inv: *mut zw_invocation,
    error_uri: *const c_char,
    payload: *const zw_payload,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_invocation_error";
        let (invocation, payload) = consume(F, inv, payload)?;
        let uri = arg_str(F, "error_uri", error_uri)?;
        let payload = payload?;
        if payload.passthru.is_some() {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                "zw_invocation_error: an error's payload cannot be a record; send the bytes as ZW_PAYLOAD_BINARY",
            ));
        }
        Ok(invocation.error(uri, payload.payload)?)
    })
}

/// Frees the invocation; one left unanswered is answered with `wamp.error.runtime_error`, so
/// its caller never waits for nothing. NULL is allowed.
#[no_mangle]
pub extern "C" fn zw_invocation_free(inv: *mut zw_invocation) {
    boundary(|| {
        if !inv.is_null() {
            drop(consume("zw_invocation_free", inv, std::ptr::null()));
        }
    })
}
