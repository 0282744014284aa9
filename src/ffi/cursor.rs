//! `zw_cursor`: walks a key range of a table, in key order or reversed.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::args::{arg_bytes, arg_mut, arg_ref, Out};
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::slice::zw_slice;
use super::table::zw_table;
use super::txn::{zw_txn, CursorSlot, Handed, TxnRead};
use crate::store::{Range, RangeOptions};

/// Walk from the last key of the range to the first.
pub const ZW_RANGE_REVERSE: u32 = 1;
/// Include the `to` key itself in the range (by default `to` is exclusive).
pub const ZW_RANGE_TO_INCLUSIVE: u32 = 1 << 1;

/// The keys a cursor walks. Zero-initialise it for "everything, in key order".
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zw_range<'a> {
    /// The first key (inclusive); `data == NULL` for the table's start. Copied by
    /// `zw_cursor_open`.
    pub from: zw_slice<'a>,
    /// The end key (exclusive unless `ZW_RANGE_TO_INCLUSIVE`); `data == NULL` for the table's
    /// end. Copied by `zw_cursor_open`.
    pub to: zw_slice<'a>,
    /// `ZW_RANGE_*` flags, or 0.
    pub flags: u32,
    /// The most records to return; 0 for no limit.
    pub limit: usize,
}

/// A cursor over a range of one table, tied to its transaction: it is closed (its calls give
/// `ZW_ERR_CLOSED`) when the transaction ends, is reset, or writes.
pub struct zw_cursor {
    /// The walk; `None` once the transaction closed it. Its `'static` is a lie the transaction
    /// keeps true: it closes its cursors before it ends, resets or writes (zw_txn::close_cursors).
    walk: Rc<RefCell<Option<Range<'static>>>>,
    /// Where its transaction's handed-out values lie (for pinning): the cursor's count too.
    handed: Rc<Handed>,
}

impl CursorSlot for RefCell<Option<Range<'static>>> {
    fn close(&self) {
        self.borrow_mut().take();
    }
}

/// A range bound: `None` when its `data` is NULL.
fn bound<'a>(
    function: &str,
    name: &str,
    slice: zw_slice<'a>,
) -> Result<Option<&'a [u8]>, zw_result> {
    if slice.data.is_null() {
        return Ok(None);
    }
    arg_bytes(function, name, slice).map(Some)
}

/// Opens a cursor over `range` of `table` in `txn` (`range` may be NULL for the whole table in key
/// order). On success `*out` is a new cursor the caller owns and frees with `zw_cursor_free`
/// (before or after the transaction ends — both are fine).
#[no_mangle]
pub extern "C" fn zw_cursor_open(
    txn: *mut zw_txn,
    table: *const zw_table,
    range: *const zw_range,
    out: *mut *mut zw_cursor,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_cursor_open";
        let txn = arg_mut(F, "txn", txn)?;
        let table = &arg_ref(F, "table", table)?.table;
        let out = Out::new(F, "out", out)?;
        let (from, to, flags, limit) = match unsafe { range.as_ref() } {
            None => (None, None, 0, 0),
            Some(range) => (
                bound(F, "range->from", range.from)?,
                bound(F, "range->to", range.to)?,
                range.flags,
                range.limit,
            ),
        };
        if flags & !(ZW_RANGE_REVERSE | ZW_RANGE_TO_INCLUSIVE) != 0 {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!("{F}: unknown range flags {flags:#x}"),
            ));
        }
        // SAFETY: see `zw_cursor::walk`: the transaction closes this walk before the reader it
        // borrows goes away or changes. The bounds are copied by the store.
        let reader =
            unsafe { std::mem::transmute::<&dyn TxnRead, &'static dyn TxnRead>(txn.reader()?) };
        let options = RangeOptions {
            from,
            to,
            to_inclusive: flags & ZW_RANGE_TO_INCLUSIVE != 0,
            reverse: flags & ZW_RANGE_REVERSE != 0,
            limit: (limit > 0).then_some(limit),
        };
        let walk = reader.range_of(table, &options)?;
        let slot = Rc::new(RefCell::new(Some(walk)));
        let weak: Weak<dyn CursorSlot> = Rc::downgrade(&slot) as Weak<dyn CursorSlot>;
        txn.adopt_cursor(weak);
        out.set(Box::into_raw(Box::new(zw_cursor {
            walk: slot,
            handed: txn.handed(),
        })));
        Ok(())
    })
}

/// Moves to the next record of the range and points `*key` and `*value` into the map (valid as
/// the values of `zw_txn_get`: until the transaction ends or writes). At the end of the range it
/// gives `ZW_NOT_FOUND`, and again on every later call. `key` or `value` may be NULL when not
/// wanted.
#[no_mangle]
pub extern "C" fn zw_cursor_next(
    cursor: *mut zw_cursor,
    key: *mut zw_slice,
    value: *mut zw_slice,
) -> zw_result {
    boundary_result(|| {
        let cursor = arg_mut("zw_cursor_next", "cursor", cursor)?;
        let mut walk = cursor.walk.borrow_mut();
        let Some(walk) = walk.as_mut() else {
            return Err(fail(
                zw_result::ZW_ERR_CLOSED,
                "zw_cursor_next: the cursor's transaction has ended, been reset, or written since it was opened",
            ));
        };
        match walk.next() {
            None => Err(zw_result::ZW_NOT_FOUND),
            Some(Err(err)) => Err(err.into()),
            Some(Ok((k, v))) => {
                cursor.handed.note(k);
                cursor.handed.note(v);
                if !key.is_null() {
                    unsafe { key.write(zw_slice::from_bytes(k)) };
                }
                if !value.is_null() {
                    unsafe { value.write(zw_slice::from_bytes(v)) };
                }
                Ok(())
            }
        }
    })
}

/// Frees a cursor. NULL is allowed. Call it exactly once.
#[no_mangle]
pub extern "C" fn zw_cursor_free(cursor: *mut zw_cursor) {
    boundary(|| {
        if !cursor.is_null() {
            // SAFETY: `cursor` came from zw_cursor_open and is freed exactly once, here.
            drop(unsafe { Box::from_raw(cursor) });
        }
    })
}
