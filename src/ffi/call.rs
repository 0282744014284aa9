//! Calls: `zw_call` (the result comes to a callback; a `zw_call_handle` cancels it)
//! and `zw_call_wait` (blocking).

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::args::{arg_mut, arg_ref, arg_str, Out};
use super::callback::{zw_call_fn, zw_free_fn, Userdata};
use super::client::zw_client;
use super::error::{fail, null_argument, zw_result};
use super::message::zw_message;
use super::panic::{boundary, boundary_result};
use super::payload::{outgoing, zw_payload};
use super::scope::Held;
use crate::client::{CallError, CallHandle, CallOptions, CallResult, CancelMode};
use crate::runtime::lock;

/// `zw_call_cancel`: the dealer answers the call with ERROR at once and drops the callee's
/// answer; the callee is not told.
pub const ZW_CANCEL_SKIP: u32 = 0;
/// `zw_call_cancel`: the dealer interrupts the callee and waits for its answer (usually
/// `wamp.error.canceled`), which the call's callback then gets.
pub const ZW_CANCEL_KILL: u32 = 1;
/// `zw_call_cancel`: the dealer answers with ERROR at once and interrupts the callee without
/// waiting for it.
pub const ZW_CANCEL_KILLNOWAIT: u32 = 2;

/// A call in flight, made with `zw_call`: only cancels it (its result goes to the callback).
/// Freeing the handle does not cancel the call. Use it from one thread at a time. (Named
/// `zw_call_handle`, not `zw_call`: C has one namespace for types and functions.)
pub struct zw_call_handle {
    held: Arc<Held<CallHandle>>,
}

/// Options of a call. Fill it with `zw_call_options_init` first.
#[repr(C)]
pub struct zw_call_options {
    /// The call's timeout in ms; 0: the client's `call_timeout_ms`. A call that times out fails
    /// with `ZW_ERR_TIMEOUT`.
    pub timeout_ms: u32,
    /// Ask for progressive results, delivered to `on_progress` (not with `zw_call_wait`).
    pub receive_progress: bool,
    /// Ask the dealer to disclose this caller's identity to the callee.
    pub disclose_me: bool,
    /// Gets each progressive result (status `ZW_OK`), with the call's userdata; required when
    /// `receive_progress` is set.
    pub on_progress: zw_call_fn,
}

/// Fills `o` with the defaults.
#[no_mangle]
pub extern "C" fn zw_call_options_init(o: *mut zw_call_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_call_options_init", "o", o)?.set(zw_call_options {
            timeout_ms: 0,
            receive_progress: false,
            disclose_me: false,
            on_progress: None,
        });
        Ok(())
    })
}

/// The call's request id, known once `call_async` has returned, which may be after the result
/// came (on the I/O thread): the result waits for it briefly.
struct RequestId {
    id: Mutex<Option<u64>>,
    known: Condvar,
}

impl RequestId {
    fn set(&self, id: u64) {
        *lock(&self.id) = Some(id);
        self.known.notify_all();
    }

    fn get(&self) -> u64 {
        let id = lock(&self.id);
        let (id, _) = self
            .known
            .wait_timeout_while(id, Duration::from_secs(1), |id| id.is_none())
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        id.unwrap_or(0)
    }
}

/// The Rust options, and the progress callback when progressive results were asked for.
fn call_options(
    function: &str,
    opts: *const zw_call_options,
) -> Result<(CallOptions, zw_call_fn), zw_result> {
    let mut options = CallOptions::default();
    if opts.is_null() {
        return Ok((options, None));
    }
    let o = arg_ref(function, "opts", opts)?;
    options.timeout = (o.timeout_ms > 0).then(|| Duration::from_millis(u64::from(o.timeout_ms)));
    options.disclose_me = o.disclose_me.then_some(true);
    if o.receive_progress && o.on_progress.is_none() {
        return Err(null_argument(function, "opts->on_progress"));
    }
    Ok((options, o.on_progress.filter(|_| o.receive_progress)))
}

/// Gives `on_result` the outcome of the call, then frees the userdata: the call is over.
fn deliver(
    userdata: &Userdata,
    on_result: unsafe extern "C" fn(*mut c_void, zw_result, *const zw_message),
    outcome: Result<CallResult, CallError>,
    request: &RequestId,
) {
    userdata.enter(|ptr| match outcome {
        Ok(result) => {
            let message = zw_message::result(result);
            // SAFETY: the application's callback, with its userdata; the message outlives it.
            unsafe { on_result(ptr, zw_result::ZW_OK, &message) }
        }
        Err(error) => {
            // Also records the detail as this thread's last error, for the callback to read.
            let status = zw_result::from(&error);
            match (status, error) {
                (zw_result::ZW_ERR_WAMP, CallError::Wamp(wamp)) => {
                    let message = zw_message::error(wamp, request.get());
                    // SAFETY: as above.
                    unsafe { on_result(ptr, status, &message) }
                }
                // SAFETY: as above; no message for other failures.
                _ => unsafe { on_result(ptr, status, std::ptr::null()) },
            }
        }
    });
    userdata.release();
}

/// Calls `procedure` with `payload` (NULL: no arguments). `on_result` gets the outcome exactly
/// once, on the I/O thread (or in `zw_client_dispatch`): `ZW_OK` with the RESULT, `ZW_ERR_WAMP`
/// with the ERROR, or another code with a NULL message (`ZW_ERR_TIMEOUT`, `ZW_ERR_CANCELED`,
/// `ZW_ERR_SESSION_LOST`, ...). `free_userdata` (may be NULL) runs right after that — or before
/// this returns, if `zw_call` fails (then `on_result` is never called).
///
/// `*out` (if `out` is not NULL) is a handle to cancel the call; free it with `zw_call_free`.
/// May be called inside callbacks.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn zw_call(
    c: *mut zw_client,
    procedure: *const c_char,
    payload: *const zw_payload,
    opts: *const zw_call_options,
    on_result: zw_call_fn,
    userdata: *mut c_void,
    free_userdata: zw_free_fn,
    out: *mut *mut zw_call_handle,
) -> zw_result {
    // Taken first, so that any failure below frees it (on return, when dropped).
    let userdata = Userdata::new(userdata, free_userdata);
    boundary_result(move || {
        const F: &str = "zw_call";
        let c = arg_ref(F, "c", c.cast_const())?;
        let weak = c.scope.adopt_userdata(&userdata);
        let procedure = arg_str(F, "procedure", procedure)?;
        let on_result = on_result.ok_or_else(|| null_argument(F, "on_result"))?;
        let payload = outgoing(F, "payload", payload)?;
        let (mut options, on_progress) = call_options(F, opts)?;
        options.passthru = payload.passthru;
        let request = Arc::new(RequestId {
            id: Mutex::new(None),
            known: Condvar::new(),
        });
        let finish = {
            let (userdata, request) = (userdata.clone(), request.clone());
            move |outcome| deliver(&userdata, on_result, outcome, &request)
        };
        let client = c.client();
        let made = match on_progress {
            None => client.call_async(procedure, payload.payload, options, finish),
            Some(on_progress) => {
                let userdata = userdata.clone();
                let progress = move |result: CallResult| {
                    userdata.enter(|ptr| {
                        let message = zw_message::result(result);
                        // SAFETY: the application's callback, with its userdata.
                        unsafe { on_progress(ptr, zw_result::ZW_OK, &message) }
                    });
                };
                client.call_progressive(procedure, payload.payload, options, progress, finish)
            }
        };
        let handle = made.inspect_err(|_| weak.release())?;
        request.set(handle.request());
        if !out.is_null() {
            let held = Held::new(handle);
            c.scope.adopt_handle(&held);
            Out::new(F, "out", out)?.set(Box::into_raw(Box::new(zw_call_handle { held })));
        }
        Ok(())
    })
}

/// Calls `procedure` and waits for the outcome (blocking; `ZW_ERR_IN_CALLBACK` inside a
/// callback). `ZW_OK`: `*out` is the RESULT. `ZW_ERR_WAMP`: `*out` is the ERROR — the one
/// exception to "out-parameters only on success". Both are owned: free with `zw_message_free`.
/// Other failures leave `*out` alone. Progressive results are not supported here
/// (`receive_progress` gives `ZW_ERR_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn zw_call_wait(
    c: *mut zw_client,
    procedure: *const c_char,
    payload: *const zw_payload,
    opts: *const zw_call_options,
    out: *mut *mut zw_message,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_call_wait";
        let c = arg_ref(F, "c", c.cast_const())?;
        let procedure = arg_str(F, "procedure", procedure)?;
        let out = Out::new(F, "out", out)?;
        let payload = outgoing(F, "payload", payload)?;
        let (mut options, on_progress) = call_options(F, opts)?;
        if on_progress.is_some() {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                "zw_call_wait: progressive results need zw_call (receive_progress is set)",
            ));
        }
        options.passthru = payload.passthru;
        match c.client().call(procedure, payload.payload, options) {
            Ok(result) => {
                out.set(zw_message::result(result).into_owned_raw());
                Ok(())
            }
            Err(error) => {
                let status = zw_result::from(&error);
                if let (zw_result::ZW_ERR_WAMP, CallError::Wamp(wamp)) = (status, error) {
                    out.set(zw_message::error(wamp, 0).into_owned_raw());
                }
                Err(status)
            }
        }
    })
}

/// Cancels the call (`ZW_CANCEL_SKIP`, `ZW_CANCEL_KILL` or `ZW_CANCEL_KILLNOWAIT`). With skip
/// and killnowait the callback gets `ZW_ERR_CANCELED` at once; with kill it gets whatever the
/// callee answers. Canceling a finished call does nothing. `ZW_ERR_CLOSED` once the client was
/// freed.
#[no_mangle]
pub extern "C" fn zw_call_cancel(call: *mut zw_call_handle, mode: u32) -> zw_result {
    boundary_result(|| {
        let call = arg_mut("zw_call_cancel", "call", call)?;
        let mode = match mode {
            ZW_CANCEL_SKIP => CancelMode::Skip,
            ZW_CANCEL_KILL => CancelMode::Kill,
            ZW_CANCEL_KILLNOWAIT => CancelMode::KillNoWait,
            other => {
                return Err(fail(
                    zw_result::ZW_ERR_INVALID_ARGUMENT,
                    format!("zw_call_cancel: `mode` is {other}, not one of ZW_CANCEL_*"),
                ))
            }
        };
        let canceled = call
            .held
            .with(|handle| handle.cancel(mode))
            .ok_or_else(|| {
                fail(
                    zw_result::ZW_ERR_CLOSED,
                    "zw_call_cancel: the client of this call was freed",
                )
            })?;
        Ok(canceled?)
    })
}

/// Frees the handle only: the call goes on, and its callback still gets the outcome. NULL is
/// allowed.
#[no_mangle]
pub extern "C" fn zw_call_free(call: *mut zw_call_handle) {
    boundary(|| {
        if !call.is_null() {
            // SAFETY: `call` came from zw_call and is freed exactly once, here.
            drop(unsafe { Box::from_raw(call) });
        }
    })
}
