//! Serving a table over WAMP from C: `zw_serve_table` (calls answered with records straight
//! from LMDB) and `zw_table_publish_changes` (`zw_change_feed`: committed changes as events).
//! Thin shells over `crate::serve`; no application code runs in either path.

use std::ffi::c_char;
use std::sync::Arc;

use super::args::{arg_ref, arg_str, Out};
use super::client::zw_client;
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::registration::{register_options, zw_register_options, zw_registration};
use super::scope::Held;
use super::table::zw_table;
use crate::serve::{publish_changes, serve_table, ChangeFeed, Error, ServeOptions};

/// Options of `zw_serve_table`. Fill it with `zw_serve_options_init` first.
#[repr(C)]
pub struct zw_serve_options {
    /// How the procedure is registered (match policy, shared registration). Its `on_interrupt`
    /// must be NULL: no application code runs in a served table.
    pub reg: zw_register_options,
    /// Serve key ranges instead of single keys: args `[from, to]` (either may be null for an
    /// open end; `from` included, `to` excluded), kwargs `limit` and `reverse`; each record is
    /// one progressive result, the final result is `[count]` with kwargs `{"more": bool}`.
    pub range: bool,
    /// With `range`: the most records one call returns, whatever its `limit` (0: 1000).
    pub max_range: u32,
}

/// Fills `o` with the defaults: single keys, an exact registration.
#[no_mangle]
pub extern "C" fn zw_serve_options_init(o: *mut zw_serve_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_serve_options_init", "o", o)?.set(zw_serve_options {
            reg: zw_register_options::default(),
            range: false,
            max_range: 0,
        });
        Ok(())
    })
}

fn serve_options(function: &str, o: *const zw_serve_options) -> Result<ServeOptions, zw_result> {
    if o.is_null() {
        return Ok(ServeOptions::default());
    }
    let o = arg_ref(function, "o", o)?;
    if o.reg.on_interrupt.is_some() {
        return Err(fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: `o->reg.on_interrupt` must be NULL (a served table runs no application code)"),
        ));
    }
    Ok(ServeOptions {
        register: register_options(function, &o.reg)?,
        range: o.range,
        max_range: o.max_range,
    })
}

fn serve_error(function: &str, e: Error) -> zw_result {
    match e {
        Error::InvalidArgument(m) => fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: {m}"),
        ),
        Error::Store(e) => e.into(),
        Error::Client(e) => e.into(),
    }
}

/// Registers `procedure` on `c` and answers its calls with the records of `t`, read in a read
/// transaction per call and sent as passthru payloads (`ppt_scheme` `x_zerowamp`,
/// `ppt_serializer` `flatbuffers` for a table of FlatBuffers records) — pinned in the map, not
/// copied (MessagePack and CBOR over RawSocket write them with `writev`). Blocking: it waits for
/// the dealer (`ZW_ERR_IN_CALLBACK` inside a callback).
///
/// The key is the call's first argument, read by the table's key codec: u64 from a non-negative
/// integer or 8 bytes (big-endian); uuid from 16 bytes or the canonical string; string from a
/// string; bytes from bytes; composite from an array of parts by the same rules. A missing key
/// is answered with the WAMP error `zerowamp.error.not_found`, a key that does not fit with
/// `wamp.error.invalid_argument`. With `o->range`, calls name key ranges (see
/// `zw_serve_options`). `o` may be NULL (single keys, exact registration).
///
/// `t` need only live during this call (the registration keeps what it needs). On success
/// `*out` is a registration handle: `zw_registration_unregister` stops serving; free it with
/// `zw_registration_free` (which does not unregister).
#[no_mangle]
pub extern "C" fn zw_serve_table(
    c: *mut zw_client,
    t: *const zw_table,
    procedure: *const c_char,
    o: *const zw_serve_options,
    out: *mut *mut zw_registration,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_serve_table";
        let c = arg_ref(F, "c", c.cast_const())?;
        let table = &arg_ref(F, "t", t)?.table;
        let procedure = arg_str(F, "procedure", procedure)?;
        let options = serve_options(F, o)?;
        let out = Out::new(F, "out", out)?;
        c.scope.check_may_block(F)?;
        let registration = serve_table(c.client(), &table.env(), table, procedure, options)
            .map_err(|e| serve_error(F, e))?;
        out.set(zw_registration::new_raw(c, registration, None));
        Ok(())
    })
}

/// A running change feed (`zw_table_publish_changes`).
pub struct zw_change_feed {
    feed: Arc<Held<ChangeFeed>>,
}

/// Publishes every committed change of `t` to `topic` through `c`, until the feed is freed:
/// after each committed write transaction, each key put into the table goes out as an EVENT
/// whose payload is the record as committed (passthru, pinned — as `zw_serve_table` sends it);
/// each key deleted as an EVENT with args `[key bytes]` and kwargs `{"deleted": true}`; a
/// truncate as one EVENT with kwargs `{"truncated": true}`. Aborted transactions publish
/// nothing.
///
/// The events are published on the committing thread, right after `zw_txn_commit` succeeds,
/// without waiting for the router; the feed sees the commits of this process only (LMDB tells
/// no other process). An event that cannot be queued (not joined, send queue full) is lost and
/// logged: a subscriber that needs every record reads the table after subscribing, then
/// follows the feed.
///
/// `t` need only live during this call. On success `*out` is the feed; `zw_change_feed_free`
/// stops it. Freeing the client stops it too (the handle must still be freed).
#[no_mangle]
pub extern "C" fn zw_table_publish_changes(
    t: *const zw_table,
    c: *mut zw_client,
    topic: *const c_char,
    out: *mut *mut zw_change_feed,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_table_publish_changes";
        let table = &arg_ref(F, "t", t)?.table;
        let c = arg_ref(F, "c", c.cast_const())?;
        let topic = arg_str(F, "topic", topic)?;
        let out = Out::new(F, "out", out)?;
        let feed = publish_changes(&table.env(), table, c.client(), topic)
            .map_err(|e| serve_error(F, e))?;
        let feed = Held::new(feed);
        c.scope.adopt_handle(&feed);
        out.set(Box::into_raw(Box::new(zw_change_feed { feed })));
        Ok(())
    })
}

/// Stops the feed (no event is published after this returns) and frees it. NULL is ignored.
#[no_mangle]
pub extern "C" fn zw_change_feed_free(f: *mut zw_change_feed) {
    boundary(|| {
        if !f.is_null() {
            // SAFETY: `f` came from `zw_table_publish_changes` and is freed once, as documented.
            let f = unsafe { Box::from_raw(f) };
            drop(f.feed.take());
        }
    })
}
