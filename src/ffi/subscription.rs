//! `zw_subscription`: events of a topic (or a pattern of topics) delivered to a callback.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::args::{arg_mut, arg_ref, arg_str, Out};
use super::callback::{zw_event_fn, zw_free_fn, Userdata, WeakUserdata};
use super::client::zw_client;
use super::error::{fail, null_argument, zw_result};
use super::message::zw_message;
use super::panic::{boundary, boundary_result};
use super::scope::{ClientScope, Held};
use crate::client::{EventDelivery, SubscribeOptions, Subscription};
use crate::wamp::uri::MatchPolicy;

/// `match`: the topic (or procedure) is equal to the URI given.
pub const ZW_MATCH_EXACT: u32 = 0;
/// `match`: the topic (or procedure) starts with the URI given.
pub const ZW_MATCH_PREFIX: u32 = 1;
/// `match`: as many components as the pattern; an empty component of it matches any one.
pub const ZW_MATCH_WILDCARD: u32 = 2;

/// A subscription. Its events keep coming until `zw_subscription_unsubscribe` or the client is
/// freed; freeing the handle does not unsubscribe.
pub struct zw_subscription {
    held: Arc<Held<Subscription>>,
    scope: Arc<ClientScope>,
    userdata: WeakUserdata,
}

/// Options of a subscription. Fill it with `zw_subscribe_options_init` first.
#[repr(C)]
pub struct zw_subscribe_options {
    /// One of `ZW_MATCH_*` (default exact).
    pub r#match: u32,
}

/// Fills `o` with the defaults (exact match).
#[no_mangle]
pub extern "C" fn zw_subscribe_options_init(o: *mut zw_subscribe_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_subscribe_options_init", "o", o)?.set(zw_subscribe_options {
            r#match: ZW_MATCH_EXACT,
        });
        Ok(())
    })
}

/// The match policy for a `ZW_MATCH_*` value in the field `field` of `function`.
pub(crate) fn match_policy(
    function: &str,
    field: &str,
    value: u32,
) -> Result<MatchPolicy, zw_result> {
    match value {
        ZW_MATCH_EXACT => Ok(MatchPolicy::Exact),
        ZW_MATCH_PREFIX => Ok(MatchPolicy::Prefix),
        ZW_MATCH_WILDCARD => Ok(MatchPolicy::Wildcard),
        other => Err(fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: `{field}` is {other}, not one of ZW_MATCH_*"),
        )),
    }
}

/// Subscribes to `topic` and waits for the broker's answer (blocking: `ZW_ERR_IN_CALLBACK`
/// inside a callback). `on_event` then gets every event, in order, on the I/O thread (or in
/// `zw_client_dispatch`); it must not block. The subscription survives reconnects.
///
/// `free_userdata` (may be NULL) runs once no more events can come: after
/// `zw_subscription_unsubscribe`, when the client is freed — or before this returns, if
/// `zw_subscribe` fails. On success `*out` is the handle; free it with `zw_subscription_free`.
#[no_mangle]
pub extern "C" fn zw_subscribe(
    c: *mut zw_client,
    topic: *const c_char,
    opts: *const zw_subscribe_options,
    on_event: zw_event_fn,
    userdata: *mut c_void,
    free_userdata: zw_free_fn,
    out: *mut *mut zw_subscription,
) -> zw_result {
    // Taken first, so that any failure below frees it (on return, when dropped).
    let userdata = Userdata::new(userdata, free_userdata);
    boundary_result(move || {
        const F: &str = "zw_subscribe";
        let c = arg_ref(F, "c", c.cast_const())?;
        let weak = c.scope.adopt_userdata(&userdata);
        let topic = arg_str(F, "topic", topic)?;
        let on_event = on_event.ok_or_else(|| null_argument(F, "on_event"))?;
        let out = Out::new(F, "out", out)?;
        let mut options = SubscribeOptions::default();
        if !opts.is_null() {
            let o = arg_ref(F, "opts", opts)?;
            options.match_policy = match_policy(F, "opts->match", o.r#match)?;
        }
        let handler = move |event: &EventDelivery| {
            userdata.enter(|ptr| {
                zw_message::with_event(event, |message| {
                    // SAFETY: the application's callback, with its userdata; the message lives
                    // until it returns.
                    unsafe { on_event(ptr, message) }
                })
            });
        };
        let subscription = c
            .client()
            .subscribe(topic, options, handler)
            .inspect_err(|_| weak.release())?;
        let held = Held::new(subscription);
        c.scope.adopt_handle(&held);
        out.set(Box::into_raw(Box::new(zw_subscription {
            held,
            scope: c.scope.clone(),
            userdata: weak,
        })));
        Ok(())
    })
}

/// Unsubscribes and waits for the broker's answer (blocking: `ZW_ERR_IN_CALLBACK` inside a
/// callback, and the subscription stays). Once this returns no event comes and `free_userdata`
/// has run — also when it fails otherwise (not connected, timeout: the client forgets the
/// subscription anyway). A second call, or a call after the client was freed, gives
/// `ZW_ERR_CLOSED`. The handle must still be freed.
#[no_mangle]
pub extern "C" fn zw_subscription_unsubscribe(s: *mut zw_subscription) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_subscription_unsubscribe";
        let s = arg_mut(F, "s", s)?;
        s.scope.check_may_block(F)?;
        let subscription = s.held.take().ok_or_else(|| {
            fail(
                zw_result::ZW_ERR_CLOSED,
                format!("{F}: unsubscribed already, or the client was freed"),
            )
        })?;
        let done = subscription.unsubscribe();
        s.userdata.release();
        Ok(done?)
    })
}

/// Frees the handle. It does NOT unsubscribe: events keep coming until the client is freed or
/// leaves. NULL is allowed.
#[no_mangle]
pub extern "C" fn zw_subscription_free(s: *mut zw_subscription) {
    boundary(|| {
        if !s.is_null() {
            // SAFETY: `s` came from zw_subscribe and is freed exactly once, here.
            drop(unsafe { Box::from_raw(s) });
        }
    })
}
