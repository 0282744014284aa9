//! `zw_registration`: a procedure this client offers; its invocations go to a callback.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::args::{arg_mut, arg_ref, arg_str, Out};
use super::callback::{zw_free_fn, zw_interrupt_fn, zw_invocation_fn, Userdata, WeakUserdata};
use super::client::zw_client;
use super::error::{fail, null_argument, zw_result};
use super::invocation::zw_invocation;
use super::panic::{boundary, boundary_result};
use super::scope::{ClientScope, Held};
use super::subscription::{match_policy, ZW_MATCH_EXACT};
use crate::client::{Callee, InterruptRequest, Invocation, RegisterOptions, Registration};
use crate::wamp::session::{InterruptMode, InvokePolicy};

/// `invoke`: only one callee may register the procedure (the default).
pub const ZW_INVOKE_SINGLE: u32 = 0;
/// `invoke`: the callees of a shared registration take turns.
pub const ZW_INVOKE_ROUNDROBIN: u32 = 1;
/// `invoke`: a callee picked at random.
pub const ZW_INVOKE_RANDOM: u32 = 2;
/// `invoke`: the first callee that registered.
pub const ZW_INVOKE_FIRST: u32 = 3;
/// `invoke`: the last callee that registered.
pub const ZW_INVOKE_LAST: u32 = 4;

/// A registration. Invocations keep coming until `zw_registration_unregister` or the client is
/// freed; freeing the handle does not unregister.
pub struct zw_registration {
    held: Arc<Held<Registration>>,
    scope: Arc<ClientScope>,
    userdata: Option<WeakUserdata>,
}

impl zw_registration {
    /// A C handle for `registration`, made on `client` by other C objects (serving a table);
    /// `userdata`, if any, is released when it is unregistered.
    pub(crate) fn new_raw(
        client: &zw_client,
        registration: Registration,
        userdata: Option<WeakUserdata>,
    ) -> *mut zw_registration {
        let held = Held::new(registration);
        client.scope.adopt_handle(&held);
        Box::into_raw(Box::new(zw_registration {
            held,
            scope: client.scope.clone(),
            userdata,
        }))
    }
}

/// Options of a registration. Fill it with `zw_register_options_init` first.
#[repr(C)]
pub struct zw_register_options {
    /// One of `ZW_MATCH_*` (default exact).
    pub r#match: u32,
    /// One of `ZW_INVOKE_*` (default single).
    pub invoke: u32,
    /// Ask the dealer to disclose every caller's identity (in the invocation's details).
    pub disclose_caller: bool,
    /// Told when the dealer interrupts an open invocation (its caller canceled), with the
    /// registration's userdata; NULL: not told (`zw_invocation_is_interrupted` still says so).
    pub on_interrupt: zw_interrupt_fn,
}

impl Default for zw_register_options {
    /// An exact, unshared registration, callers not disclosed, no interrupt callback.
    fn default() -> Self {
        zw_register_options {
            r#match: ZW_MATCH_EXACT,
            invoke: ZW_INVOKE_SINGLE,
            disclose_caller: false,
            on_interrupt: None,
        }
    }
}

/// Fills `o` with the defaults.
#[no_mangle]
pub extern "C" fn zw_register_options_init(o: *mut zw_register_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_register_options_init", "o", o)?.set(zw_register_options::default());
        Ok(())
    })
}

/// The Rust options for the C ones (`o` not NULL).
pub(crate) fn register_options(
    function: &str,
    o: &zw_register_options,
) -> Result<RegisterOptions, zw_result> {
    let invoke = match o.invoke {
        ZW_INVOKE_SINGLE => None,
        ZW_INVOKE_ROUNDROBIN => Some(InvokePolicy::RoundRobin),
        ZW_INVOKE_RANDOM => Some(InvokePolicy::Random),
        ZW_INVOKE_FIRST => Some(InvokePolicy::First),
        ZW_INVOKE_LAST => Some(InvokePolicy::Last),
        other => {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!("{function}: `opts->invoke` is {other}, not one of ZW_INVOKE_*"),
            ))
        }
    };
    Ok(RegisterOptions {
        match_policy: match_policy(function, "opts->match", o.r#match)?,
        invoke,
        disclose_caller: o.disclose_caller.then_some(true),
        ..RegisterOptions::default()
    })
}

/// The C callbacks of a registration.
struct CCallee {
    on_invocation: unsafe extern "C" fn(*mut c_void, *mut zw_invocation),
    on_interrupt: zw_interrupt_fn,
    userdata: Userdata,
}

impl Callee for CCallee {
    fn invoke(&mut self, invocation: Invocation) {
        let on_invocation = self.on_invocation;
        let mut invocation = Some(invocation);
        self.userdata.enter(|ptr| {
            if let Some(invocation) = invocation.take() {
                // SAFETY: the application's callback, with its userdata; it owns `inv` now.
                unsafe { on_invocation(ptr, zw_invocation::new_raw(invocation)) }
            }
        });
        // Not delivered (the registration was let go meanwhile): dropping it answers the caller
        // with wamp.error.runtime_error.
        drop(invocation);
    }

    fn interrupt(&mut self, interrupt: &InterruptRequest) {
        let Some(on_interrupt) = self.on_interrupt else {
            return;
        };
        let mode: &'static [u8] = match interrupt.mode {
            InterruptMode::Kill => b"kill\0",
            InterruptMode::KillNoWait => b"killnowait\0",
        };
        self.userdata.enter(|ptr| {
            // SAFETY: the application's callback, with its userdata; `mode` is static.
            unsafe { on_interrupt(ptr, interrupt.invocation, mode.as_ptr().cast()) }
        });
    }
}

/// Registers `procedure` and waits for the dealer's answer (blocking: `ZW_ERR_IN_CALLBACK`
/// inside a callback). `on_invocation` then gets every invocation, on the I/O thread (or in
/// `zw_client_dispatch`), and owns it: answer it there or later from any thread. It must not
/// block. The registration survives reconnects.
///
/// `free_userdata` (may be NULL) runs once neither callback can run again: after
/// `zw_registration_unregister`, when the client is freed — or before this returns, if
/// `zw_register` fails. On success `*out` is the handle; free it with `zw_registration_free`.
#[no_mangle]
pub extern "C" fn zw_register(
    c: *mut zw_client,
    procedure: *const c_char,
    opts: *const zw_register_options,
    on_invocation: zw_invocation_fn,
    userdata: *mut c_void,
    free_userdata: zw_free_fn,
    out: *mut *mut zw_registration,
) -> zw_result {
    // Taken first, so that any failure below frees it (on return, when dropped).
    let userdata = Userdata::new(userdata, free_userdata);
    boundary_result(move || {
        const F: &str = "zw_register";
        let c = arg_ref(F, "c", c.cast_const())?;
        let weak = c.scope.adopt_userdata(&userdata);
        let procedure = arg_str(F, "procedure", procedure)?;
        let on_invocation = on_invocation.ok_or_else(|| null_argument(F, "on_invocation"))?;
        let out = Out::new(F, "out", out)?;
        let (options, on_interrupt) = match opts.is_null() {
            true => (RegisterOptions::default(), None),
            false => {
                let o = arg_ref(F, "opts", opts)?;
                (register_options(F, o)?, o.on_interrupt)
            }
        };
        let callee = CCallee {
            on_invocation,
            on_interrupt,
            userdata,
        };
        let registration = c
            .client()
            .register(procedure, options, callee)
            .inspect_err(|_| weak.release())?;
        out.set(zw_registration::new_raw(c, registration, Some(weak)));
        Ok(())
    })
}

/// Unregisters and waits for the dealer's answer (blocking: `ZW_ERR_IN_CALLBACK` inside a
/// callback, and the registration stays). Once this returns neither callback runs again and
/// `free_userdata` has run — also when it fails otherwise. Invocations the application holds
/// can still be answered. A second call, or one after the client was freed, gives
/// `ZW_ERR_CLOSED`. The handle must still be freed.
#[no_mangle]
pub extern "C" fn zw_registration_unregister(r: *mut zw_registration) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_registration_unregister";
        let r = arg_mut(F, "r", r)?;
        r.scope.check_may_block(F)?;
        let registration = r.held.take().ok_or_else(|| {
            fail(
                zw_result::ZW_ERR_CLOSED,
                format!("{F}: unregistered already, or the client was freed"),
            )
        })?;
        let done = registration.unregister();
        if let Some(userdata) = &r.userdata {
            userdata.release();
        }
        Ok(done?)
    })
}

/// Frees the handle. It does NOT unregister: invocations keep coming until the client is freed
/// or leaves. NULL is allowed.
#[no_mangle]
pub extern "C" fn zw_registration_free(r: *mut zw_registration) {
    boundary(|| {
        if !r.is_null() {
            // SAFETY: `r` came from zw_register (or another registering function) and is freed
            // exactly once, here.
            drop(unsafe { Box::from_raw(r) });
        }
    })
}
