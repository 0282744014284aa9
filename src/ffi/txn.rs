//! `zw_txn`: a read or write transaction.
//!
//! Values handed out by `zw_txn_get` and by cursors point into LMDB's memory map: valid until the
//! transaction ends (commit, abort, reset) or, in a write transaction, until its next write.
//! Cursors are closed by the transaction when it ends or writes, so a late cursor call gets
//! `ZW_ERR_CLOSED` rather than touching freed memory.

use std::rc::Weak;

use super::args::{arg_bytes, arg_mut, arg_ref, Out};
use super::env::zw_env;
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::slice::zw_slice;
use super::table::zw_table;
use crate::store::{PutFlags, ReadTxn, Table, Txn, WriteTxn};

/// A transaction. Use it from one thread at a time; a read transaction may move between
/// threads, a write transaction must stay on the thread that began it.
pub struct zw_txn {
    /// Declared first so that it is dropped first: cursors close before the transaction ends.
    cursors: OpenCursors,
    kind: TxnKind,
}

/// The cursors opened in a transaction, closed by it before it ends, resets or writes.
#[derive(Default)]
struct OpenCursors(Vec<Weak<dyn CursorSlot>>);

impl OpenCursors {
    fn close_all(&mut self) {
        for cursor in self.0.drain(..) {
            if let Some(cursor) = cursor.upgrade() {
                cursor.close();
            }
        }
    }
}

impl Drop for OpenCursors {
    fn drop(&mut self) {
        self.close_all();
    }
}

enum TxnKind {
    Read(ReadTxn),
    Write(WriteTxn),
}

/// A cursor as its transaction sees it: something to close before the transaction moves on.
pub(crate) trait CursorSlot {
    fn close(&self);
}

/// For `zw_txn_put`: write nothing when the key is already there
/// (the call gives `ZW_ERR_KEY_EXISTS`).
pub const ZW_PUT_NO_OVERWRITE: u32 = 1;

impl zw_txn {
    fn new(kind: TxnKind) -> *mut zw_txn {
        Box::into_raw(Box::new(zw_txn {
            cursors: OpenCursors::default(),
            kind,
        }))
    }

    /// The transaction as the store's read interface.
    pub(crate) fn reader(&self) -> &dyn TxnRead {
        match &self.kind {
            TxnKind::Read(txn) => txn,
            TxnKind::Write(txn) => txn,
        }
    }

    pub(crate) fn count(&self, table: &Table) -> Result<u64, zw_result> {
        Ok(self.reader().count_of(table)?)
    }

    /// Keeps `slot` to close it before the transaction ends or writes.
    pub(crate) fn adopt_cursor(&mut self, slot: Weak<dyn CursorSlot>) {
        self.cursors.0.retain(|cursor| cursor.strong_count() > 0);
        self.cursors.0.push(slot);
    }

    fn close_cursors(&mut self) {
        self.cursors.close_all();
    }

    fn writer(&mut self, function: &str) -> Result<&mut WriteTxn, zw_result> {
        self.close_cursors();
        match &mut self.kind {
            TxnKind::Write(txn) => Ok(txn),
            TxnKind::Read(_) => Err(fail(
                zw_result::ZW_ERR_READ_ONLY,
                format!("{function}: the transaction is a read transaction; begin a write transaction to write"),
            )),
        }
    }
}

/// What cursors and counts need from either kind of transaction.
pub(crate) trait TxnRead {
    fn get_value<'t>(&'t self, table: &Table, key: &[u8])
        -> crate::store::Result<Option<&'t [u8]>>;
    fn count_of(&self, table: &Table) -> crate::store::Result<u64>;
    fn range_of<'t>(
        &'t self,
        table: &Table,
        opts: &crate::store::RangeOptions,
    ) -> crate::store::Result<crate::store::Range<'t>>;
}

impl<T: Txn> TxnRead for T {
    fn get_value<'t>(
        &'t self,
        table: &Table,
        key: &[u8],
    ) -> crate::store::Result<Option<&'t [u8]>> {
        self.get(table, key)
    }
    fn count_of(&self, table: &Table) -> crate::store::Result<u64> {
        table.count(self)
    }
    fn range_of<'t>(
        &'t self,
        table: &Table,
        opts: &crate::store::RangeOptions,
    ) -> crate::store::Result<crate::store::Range<'t>> {
        self.range(table, opts)
    }
}

/// Begins a read transaction: a consistent snapshot of `env` that writers do not disturb.
///
/// On success `*out` is a new transaction the caller owns; end it with `zw_txn_abort` (or
/// `zw_txn_commit`, the same for reads). Keep it short-lived, or reuse it with `zw_txn_reset` and
/// `zw_txn_renew`: a live reader keeps old pages from being reused. `ZW_ERR_READERS_FULL` when
/// every reader slot is taken.
#[no_mangle]
pub extern "C" fn zw_txn_begin_read(env: *const zw_env, out: *mut *mut zw_txn) -> zw_result {
    boundary_result(|| {
        let env = &arg_ref("zw_txn_begin_read", "env", env)?.env;
        let out = Out::new("zw_txn_begin_read", "out", out)?;
        let txn = env.begin_read()?;
        out.set(zw_txn::new(TxnKind::Read(txn)));
        Ok(())
    })
}

/// Begins a write transaction. Only one is live per environment at a time (across processes):
/// this blocks until the current writer finishes. It must be used and ended on this thread.
///
/// On success `*out` is a new transaction the caller owns; end it with `zw_txn_commit` or
/// `zw_txn_abort`.
#[no_mangle]
pub extern "C" fn zw_txn_begin_write(env: *const zw_env, out: *mut *mut zw_txn) -> zw_result {
    boundary_result(|| {
        let env = &arg_ref("zw_txn_begin_write", "env", env)?.env;
        let out = Out::new("zw_txn_begin_write", "out", out)?;
        let txn = env.begin_write()?;
        out.set(zw_txn::new(TxnKind::Write(txn)));
        Ok(())
    })
}

/// Commits the transaction and frees it — also when the commit fails (then nothing of it was
/// written). Values and cursors from it are invalid afterwards.
#[no_mangle]
pub extern "C" fn zw_txn_commit(txn: *mut zw_txn) -> zw_result {
    boundary_result(|| {
        if txn.is_null() {
            return Err(super::error::null_argument("zw_txn_commit", "txn"));
        }
        // SAFETY: `txn` came from zw_txn_begin_* and is consumed exactly once, here.
        let zw_txn { cursors, kind } = *unsafe { Box::from_raw(txn) };
        drop(cursors);
        match kind {
            TxnKind::Write(txn) => Ok(txn.commit()?),
            TxnKind::Read(txn) => {
                drop(txn);
                Ok(())
            }
        }
    })
}

/// Ends the transaction without writing anything, and frees it. NULL is allowed. Values and
/// cursors from it are invalid afterwards.
#[no_mangle]
pub extern "C" fn zw_txn_abort(txn: *mut zw_txn) {
    boundary(|| {
        if !txn.is_null() {
            // SAFETY: `txn` came from zw_txn_begin_* and is consumed exactly once, here.
            drop(unsafe { Box::from_raw(txn) });
        }
    })
}

/// Releases a read transaction's snapshot but keeps the handle for `zw_txn_renew` (a cheap way to
/// take a fresh snapshot again and again). Reads in between give `ZW_ERR_TXN_RESET`. Values and
/// cursors from before are invalid afterwards. A write transaction gives `ZW_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn zw_txn_reset(txn: *mut zw_txn) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_reset", "txn", txn)?;
        txn.close_cursors();
        match &mut txn.kind {
            TxnKind::Read(read) => {
                read.reset();
                Ok(())
            }
            TxnKind::Write(_) => Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                "zw_txn_reset: only a read transaction can be reset",
            )),
        }
    })
}

/// Takes a fresh snapshot in a read transaction that was reset with `zw_txn_reset`.
#[no_mangle]
pub extern "C" fn zw_txn_renew(txn: *mut zw_txn) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_renew", "txn", txn)?;
        match &mut txn.kind {
            TxnKind::Read(read) => Ok(read.renew()?),
            TxnKind::Write(_) => Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                "zw_txn_renew: only a read transaction can be renewed",
            )),
        }
    })
}

/// Looks `key` up in `table` and points `*out` at the value, inside LMDB's memory map — no copy.
///
/// The value stays valid until the transaction ends (commit, abort, reset) or, in a write
/// transaction, until its next put, delete or truncate; do not write through it. It is aligned
/// to 2 bytes only. `key` is the encoded key (see the `ZW_KEY_*` codecs); a key that does not fit
/// the table's codec gives `ZW_ERR_INVALID_KEY`. A missing key gives `ZW_NOT_FOUND` and leaves
/// `*out` as it was.
#[no_mangle]
pub extern "C" fn zw_txn_get(
    txn: *const zw_txn,
    table: *const zw_table,
    key: zw_slice,
    out: *mut zw_slice,
) -> zw_result {
    boundary_result(|| {
        let txn = arg_ref("zw_txn_get", "txn", txn)?;
        let table = &arg_ref("zw_txn_get", "table", table)?.table;
        let key = arg_bytes("zw_txn_get", "key", key)?;
        let out = Out::new("zw_txn_get", "out", out)?;
        match txn.reader().get_value(table, key)? {
            Some(value) => {
                out.set(zw_slice::from_bytes(value));
                Ok(())
            }
            None => Err(zw_result::ZW_NOT_FOUND),
        }
    })
}

/// Writes `value` under `key` in `table`. `flags`: 0 or `ZW_PUT_NO_OVERWRITE`.
///
/// In a table with a FlatBuffers root type the value is verified first: an invalid buffer gives
/// `ZW_ERR_VERIFY` (the message says what is wrong) and nothing is written — the transaction
/// stays usable. Both buffers are copied into the map; the caller keeps them. They must not point
/// into this environment's map (a value from `zw_txn_get`): copy such a value first, because the
/// write may move the page it lives on. Earlier values and
/// cursors of this transaction become invalid. `ZW_ERR_MAP_FULL`: abort, grow the map, redo.
#[no_mangle]
pub extern "C" fn zw_txn_put(
    txn: *mut zw_txn,
    table: *const zw_table,
    key: zw_slice,
    value: zw_slice,
    flags: u32,
) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_put", "txn", txn)?;
        let table = &arg_ref("zw_txn_put", "table", table)?.table;
        let key = arg_bytes("zw_txn_put", "key", key)?;
        let value = arg_bytes("zw_txn_put", "value", value)?;
        if flags & !ZW_PUT_NO_OVERWRITE != 0 {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!("zw_txn_put: unknown flags {flags:#x}"),
            ));
        }
        let flags = PutFlags {
            no_overwrite: flags & ZW_PUT_NO_OVERWRITE != 0,
        };
        Ok(txn.writer("zw_txn_put")?.put(table, key, value, flags)?)
    })
}

/// Deletes `key` from `table`; `ZW_NOT_FOUND` when it was not there. Earlier values and cursors
/// of this transaction become invalid.
#[no_mangle]
pub extern "C" fn zw_txn_delete(
    txn: *mut zw_txn,
    table: *const zw_table,
    key: zw_slice,
) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_delete", "txn", txn)?;
        let table = &arg_ref("zw_txn_delete", "table", table)?.table;
        let key = arg_bytes("zw_txn_delete", "key", key)?;
        if txn.writer("zw_txn_delete")?.delete(table, key)? {
            Ok(())
        } else {
            Err(zw_result::ZW_NOT_FOUND)
        }
    })
}

/// Deletes every record of `table`; the table itself stays. Earlier values and cursors of this
/// transaction become invalid.
#[no_mangle]
pub extern "C" fn zw_txn_truncate(txn: *mut zw_txn, table: *const zw_table) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_truncate", "txn", txn)?;
        let table = &arg_ref("zw_txn_truncate", "table", table)?.table;
        Ok(txn.writer("zw_txn_truncate")?.truncate(table)?)
    })
}
