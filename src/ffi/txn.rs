//! `zw_txn`: a read or write transaction.
//!
//! Values handed out by `zw_txn_get` and by cursors point into LMDB's memory map: valid until the
//! transaction ends (commit, abort, reset) or, in a write transaction, until its next write.
//! Cursors are closed by the transaction when it ends or writes, so a late cursor call gets
//! `ZW_ERR_CLOSED` rather than touching freed memory.
//!
//! A read transaction is shared by reference counting with the payloads pinned to it
//! (`zw_txn::pin`: a value sent by `zw_publish`, `zw_call` or `zw_invocation_yield` without a
//! copy): ending the C handle drops only its own reference, and LMDB's transaction ends when the
//! last pinned payload has been written. `zw_txn_reset` with pins outstanding detaches the handle
//! from it; the next `zw_txn_renew` begins a fresh one.

use std::cell::Cell;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use bytes::Bytes;

use super::args::{arg_bytes, arg_mut, arg_ref, Out};
use super::env::zw_env;
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::slice::zw_slice;
use super::table::zw_table;
use crate::store::{Env, PutFlags, ReadTxn, Table, Txn, WriteTxn};

/// A transaction. Use it from one thread at a time; a read transaction may move between
/// threads, a write transaction must stay on the thread that began it.
pub struct zw_txn {
    /// Declared first so that it is dropped first: cursors close before the transaction ends.
    cursors: OpenCursors,
    kind: TxnKind,
    /// Where the values handed out by this snapshot lie (shared with its cursors).
    handed: Rc<Handed>,
}

/// The smallest run of memory holding every value (and key) a transaction handed out since it
/// began or was renewed: all of it lies in the environment's map, so bytes inside it may be
/// pinned. (LMDB does not tell where its map is: `mdb_env_info` gives only a fixed address.)
pub(crate) struct Handed(Cell<(usize, usize)>);

impl Default for Handed {
    fn default() -> Self {
        Handed(Cell::new((usize::MAX, 0)))
    }
}

impl Handed {
    /// Counts `bytes`, handed out to C.
    pub(crate) fn note(&self, bytes: &[u8]) {
        let (lo, hi) = self.0.get();
        let start = bytes.as_ptr() as usize;
        self.0
            .set((lo.min(start), hi.max(start.saturating_add(bytes.len()))));
    }

    fn covers(&self, bytes: &[u8]) -> bool {
        let (lo, hi) = self.0.get();
        let start = bytes.as_ptr() as usize;
        start >= lo && start.saturating_add(bytes.len()) <= hi
    }

    fn clear(&self) {
        self.0.set((usize::MAX, 0));
    }
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
    Read(ReadState),
    Write(WriteTxn),
}

/// A read transaction, shared with the payloads pinned to it.
struct ReadState {
    /// To begin a fresh transaction after a reset that detached the handle.
    env: Env,
    /// `None` after a reset with pins outstanding, until renewed.
    txn: Option<Arc<SharedRead>>,
}

/// A read transaction behind an `Arc`.
struct SharedRead(ReadTxn);

// SAFETY: only the `zw_txn` handle reads through it (one thread at a time, the C contract of a
// read transaction); the pinned payloads holding the other references never touch it, they only
// end it when the last one is dropped, which `ReadTxn: Send` allows on any thread.
unsafe impl Sync for SharedRead {}

/// A value pinned to its read transaction: the transaction lives as long as this.
struct Pinned {
    _txn: Arc<SharedRead>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: `ptr..ptr+len` is read-only memory in LMDB's map, valid while the read transaction
// lives, which `_txn` guarantees (it cannot be reset: a shared transaction is never reset).
unsafe impl Send for Pinned {}

impl AsRef<[u8]> for Pinned {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see `Send` above.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
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
            handed: Rc::default(),
        }))
    }

    /// The transaction as the store's read interface.
    pub(crate) fn reader(&self) -> Result<&dyn TxnRead, zw_result> {
        match &self.kind {
            TxnKind::Read(ReadState { txn: Some(txn), .. }) => Ok(&txn.0),
            TxnKind::Read(ReadState { txn: None, .. }) => Err(reset_error()),
            TxnKind::Write(txn) => Ok(txn),
        }
    }

    pub(crate) fn count(&self, table: &Table) -> Result<u64, zw_result> {
        Ok(self.reader()?.count_of(table)?)
    }

    /// `data`, a value of this read transaction (from `zw_txn_get` or a cursor), as bytes that
    /// keep the transaction alive: sent without a copy, and the caller may end its handle at once.
    /// `field` names the argument in errors.
    pub(crate) fn pin(&self, field: &str, data: &[u8]) -> Result<Bytes, zw_result> {
        let txn = match &self.kind {
            TxnKind::Write(_) => {
                return Err(fail(
                    zw_result::ZW_ERR_INVALID_ARGUMENT,
                    format!(
                        "{field} is a write transaction, whose values move when it writes: \
                         copy the bytes first, or pass pin = NULL (the library then copies them)"
                    ),
                ))
            }
            TxnKind::Read(ReadState { txn: None, .. }) => return Err(reset_error()),
            TxnKind::Read(ReadState { txn: Some(txn), .. }) => txn,
        };
        if txn.0.is_reset() {
            return Err(reset_error());
        }
        if !self.handed.covers(data) {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!(
                    "the data given with {field} is not a value of that transaction (pin only \
                     a value from zw_txn_get or a cursor of it, or pass pin = NULL)"
                ),
            ));
        }
        Ok(crate::runtime::pinned(Pinned {
            _txn: txn.clone(),
            ptr: data.as_ptr(),
            len: data.len(),
        }))
    }

    /// Where the values this snapshot handed out lie, for a cursor to add its own.
    pub(crate) fn handed(&self) -> Rc<Handed> {
        self.handed.clone()
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

/// A read of a handle reset while values were pinned to its transaction.
fn reset_error() -> zw_result {
    fail(
        zw_result::ZW_ERR_TXN_RESET,
        "the read transaction was reset: renew it with zw_txn_renew before reading",
    )
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
        out.set(zw_txn::new(TxnKind::Read(ReadState {
            env: env.clone(),
            txn: Some(Arc::new(SharedRead(txn))),
        })));
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
        let zw_txn { cursors, kind, .. } = *unsafe { Box::from_raw(txn) };
        drop(cursors);
        match kind {
            TxnKind::Write(txn) => Ok(txn.commit()?),
            // Drops this handle's reference; pinned payloads may keep the snapshot a while.
            TxnKind::Read(read) => {
                drop(read);
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
///
/// Payloads pinned to the snapshot (sent with it as `zw_payload.pin`) keep it until they are
/// written; the handle lets go of it, and `zw_txn_renew` then begins a new one.
#[no_mangle]
pub extern "C" fn zw_txn_reset(txn: *mut zw_txn) -> zw_result {
    boundary_result(|| {
        let txn = arg_mut("zw_txn_reset", "txn", txn)?;
        txn.close_cursors();
        txn.handed.clear();
        match &mut txn.kind {
            TxnKind::Read(read) => {
                if let Some(shared) = &mut read.txn {
                    match Arc::get_mut(shared) {
                        Some(txn) => txn.0.reset(),
                        // Pinned payloads still use it: detach.
                        None => read.txn = None,
                    }
                }
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
        txn.handed.clear();
        match &mut txn.kind {
            TxnKind::Read(read) => match &mut read.txn {
                // Only a handle nobody else holds can have been reset in place.
                Some(shared) => match Arc::get_mut(shared) {
                    Some(txn) => Ok(txn.0.renew()?),
                    None => Ok(()),
                },
                None => {
                    read.txn = Some(Arc::new(SharedRead(read.env.begin_read()?)));
                    Ok(())
                }
            },
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
        match txn.reader()?.get_value(table, key)? {
            Some(value) => {
                txn.handed.note(value);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EnvOptions, TableOptions};

    fn slice(bytes: &[u8]) -> zw_slice<'_> {
        zw_slice::from_bytes(bytes)
    }

    #[test]
    fn a_pinned_value_outlives_its_handle_and_a_reset_detaches() {
        let dir = tempfile::tempdir().unwrap();
        let env = zw_env {
            env: Env::open(dir.path(), &EnvOptions::default()).unwrap(),
        };
        let table = zw_table {
            table: env.env.open_table("t", &TableOptions::default()).unwrap(),
        };
        let mut w = std::ptr::null_mut();
        assert_eq!(zw_txn_begin_write(&env, &mut w), zw_result::ZW_OK);
        assert_eq!(
            zw_txn_put(w, &table, slice(b"k"), slice(b"first"), 0),
            zw_result::ZW_OK
        );
        let mut in_write = zw_slice::empty();
        assert_eq!(
            zw_txn_get(w, &table, slice(b"k"), &mut in_write),
            zw_result::ZW_OK
        );
        let write_value = unsafe { in_write.as_bytes() }.unwrap();
        assert_eq!(
            unsafe { &*w }.pin("pin", write_value).unwrap_err(),
            zw_result::ZW_ERR_INVALID_ARGUMENT
        );
        assert_eq!(zw_txn_commit(w), zw_result::ZW_OK);

        let mut r = std::ptr::null_mut();
        assert_eq!(zw_txn_begin_read(&env, &mut r), zw_result::ZW_OK);
        let mut value = zw_slice::empty();
        assert_eq!(
            zw_txn_get(r, &table, slice(b"k"), &mut value),
            zw_result::ZW_OK
        );
        let value = unsafe { value.as_bytes() }.unwrap();
        // Bytes elsewhere, or only partly inside what the transaction handed out, are refused.
        let elsewhere = b"first".to_vec();
        assert_eq!(
            unsafe { &*r }.pin("pin", &elsewhere).unwrap_err(),
            zw_result::ZW_ERR_INVALID_ARGUMENT
        );
        let pinned = unsafe { &*r }.pin("pin", value).unwrap();
        let part = unsafe { &*r }.pin("pin", &value[1..3]).unwrap();

        // A newer write does not disturb the pinned snapshot.
        assert_eq!(zw_txn_begin_write(&env, &mut w), zw_result::ZW_OK);
        assert_eq!(
            zw_txn_put(w, &table, slice(b"k"), slice(b"second"), 0),
            zw_result::ZW_OK
        );
        assert_eq!(zw_txn_commit(w), zw_result::ZW_OK);

        // Reset with pins outstanding: the handle lets go; renew takes a fresh snapshot.
        assert_eq!(zw_txn_reset(r), zw_result::ZW_OK);
        assert!(matches!(
            &unsafe { &*r }.kind,
            TxnKind::Read(ReadState { txn: None, .. })
        ));
        let mut after = zw_slice::empty();
        assert_eq!(
            zw_txn_get(r, &table, slice(b"k"), &mut after),
            zw_result::ZW_ERR_TXN_RESET
        );
        assert_eq!(
            unsafe { &*r }.pin("pin", value).unwrap_err(),
            zw_result::ZW_ERR_TXN_RESET
        );
        assert_eq!(zw_txn_renew(r), zw_result::ZW_OK);
        assert_eq!(
            zw_txn_get(r, &table, slice(b"k"), &mut after),
            zw_result::ZW_OK
        );
        assert_eq!(unsafe { after.as_bytes() }.unwrap(), b"second");
        // The old value was handed out by the old snapshot, not this one.
        assert_eq!(
            unsafe { &*r }.pin("pin", value).unwrap_err(),
            zw_result::ZW_ERR_INVALID_ARGUMENT
        );
        zw_txn_abort(r);
        assert_eq!(&pinned[..], b"first");
        assert_eq!(&part[..], b"ir");

        // Without pins, reset and renew reuse the same transaction in place.
        assert_eq!(zw_txn_begin_read(&env, &mut r), zw_result::ZW_OK);
        assert_eq!(zw_txn_reset(r), zw_result::ZW_OK);
        assert!(matches!(
            &unsafe { &*r }.kind,
            TxnKind::Read(ReadState { txn: Some(_), .. })
        ));
        assert_eq!(zw_txn_renew(r), zw_result::ZW_OK);
        assert_eq!(
            zw_txn_get(r, &table, slice(b"k"), &mut after),
            zw_result::ZW_OK
        );
        zw_txn_abort(r);
        drop(pinned);
        drop(part);
    }
}
