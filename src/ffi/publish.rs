//! `zw_publish`: an event to a topic.

use std::ffi::c_char;

use super::args::{arg_array, arg_ref, arg_str, Out};
use super::client::zw_client;
use super::error::zw_result;
use super::panic::boundary_result;
use super::payload::{outgoing, zw_payload};
use crate::client::PublishOptions;

/// Options of a publication. Fill it with `zw_publish_options_init` first; the arrays are read
/// only during `zw_publish`.
#[repr(C)]
pub struct zw_publish_options {
    /// Wait for the broker's answer (blocking): `*publication_id` is written, and a refusal
    /// gives `ZW_ERR_WAMP`.
    pub acknowledge: bool,
    /// Leave out the publisher's own session even if it is subscribed (default true, as the
    /// spec says); false delivers the event to this client's own subscriptions too.
    pub exclude_me: bool,
    /// Ask the broker to disclose the publisher's identity to subscribers.
    pub disclose_me: bool,
    /// Session ids that must not receive the event (`exclude_len` of them; NULL when 0).
    pub exclude: *const u64,
    /// The number of `exclude` ids.
    pub exclude_len: usize,
    /// If not NULL: only these `eligible_len` session ids may receive the event.
    pub eligible: *const u64,
    /// The number of `eligible` ids.
    pub eligible_len: usize,
}

/// Fills `o` with the defaults (not acknowledged, `exclude_me` true, no lists).
#[no_mangle]
pub extern "C" fn zw_publish_options_init(o: *mut zw_publish_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_publish_options_init", "o", o)?.set(zw_publish_options {
            acknowledge: false,
            exclude_me: true,
            disclose_me: false,
            exclude: std::ptr::null(),
            exclude_len: 0,
            eligible: std::ptr::null(),
            eligible_len: 0,
        });
        Ok(())
    })
}

/// Publishes `payload` (NULL: no arguments) to `topic`. Not acknowledged (the default): returns
/// once the event is queued, and `*publication_id` is left alone. Acknowledged: waits for the
/// broker (blocking: `ZW_ERR_IN_CALLBACK` inside a callback) and writes the publication id to
/// `*publication_id` if not NULL. A record pinned to a read transaction may have that
/// transaction ended as soon as this returns.
#[no_mangle]
pub extern "C" fn zw_publish(
    c: *mut zw_client,
    topic: *const c_char,
    payload: *const zw_payload,
    opts: *const zw_publish_options,
    publication_id: *mut u64,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_publish";
        let c = arg_ref(F, "c", c.cast_const())?;
        let topic = arg_str(F, "topic", topic)?;
        let payload = outgoing(F, "payload", payload)?;
        let mut options = PublishOptions {
            passthru: payload.passthru,
            ..PublishOptions::default()
        };
        if !opts.is_null() {
            let o = arg_ref(F, "opts", opts)?;
            options.acknowledge = o.acknowledge;
            options.exclude_me = (!o.exclude_me).then_some(false);
            options.disclose_me = o.disclose_me.then_some(true);
            options.exclude = arg_array(F, "opts->exclude", o.exclude, o.exclude_len)?.to_vec();
            if !o.eligible.is_null() {
                let eligible = arg_array(F, "opts->eligible", o.eligible, o.eligible_len)?;
                options.eligible = Some(eligible.to_vec());
            }
        }
        let published = c.client().publish(topic, payload.payload, options)?;
        if let (Some(id), false) = (published, publication_id.is_null()) {
            Out::new(F, "publication_id", publication_id)?.set(id);
        }
        Ok(())
    })
}
