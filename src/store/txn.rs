//! Transactions: reads that borrow straight out of the map, and writes that verify first.
//!
//! A value returned by [`Txn::get`] or an iterator is a `&'t [u8]` into LMDB's memory map,
//! valid while the transaction is borrowed: it cannot outlive the transaction, and since
//! [`WriteTxn::put`] and friends take `&mut self`, no borrow survives a write either. LMDB
//! aligns values to 2 bytes only, so never read them as anything more aligned than that
//! (FlatBuffers readers in Rust do unaligned reads; C/C++ readers must not assume alignment).

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use lmdb_master_sys as ffi;

use super::cursor::{Cursor, Range, RangeOptions};
use super::error::{Error, ErrorKind, Result};
use super::inner::EnvInner;
use super::observe::{check_not_in_hook, TxnLog};
use super::table::Table;

pub(crate) mod sealed {
    use super::*;

    /// What the [`Txn`] methods need from a transaction; not implementable outside the crate.
    pub trait Sealed {
        /// The LMDB handle, or why the transaction cannot be used now (closed env, reset txn).
        fn raw_txn(&self) -> Result<*mut ffi::MDB_txn>;
        /// The environment the transaction belongs to.
        fn env_inner(&self) -> &Arc<EnvInner>;
    }
}

/// Reading, common to [`ReadTxn`] and [`WriteTxn`].
pub trait Txn: sealed::Sealed {
    /// The value stored under `key` (encoded, and checked against the table's key codec), as a
    /// slice into the map valid for the transaction's borrow; `None` if there is none.
    fn get<'t>(&'t self, table: &Table, key: &[u8]) -> Result<Option<&'t [u8]>> {
        let raw = table.usable_in(self)?;
        check_key(table, key)?;
        let mut k = val(key);
        let mut v = val(&[]);
        // SAFETY: live txn and dbi (usable_in); k points to `key`, LMDB fills v.
        match unsafe { ffi::mdb_get(raw, table.state.dbi, &mut k, &mut v) } {
            0 => Ok(Some(unsafe { slice(&v) })),
            ffi::MDB_NOTFOUND => Ok(None),
            rc => Err(table.error(rc, "get")),
        }
    }

    /// Iterates over the entries whose keys lie in `opts`' bounds, in key order (or reverse).
    fn range<'t>(&'t self, table: &Table, opts: &RangeOptions) -> Result<Range<'t>> {
        Range::new(self.cursor(table)?, opts)
    }

    /// A cursor over `table`, for positioned reads.
    fn cursor<'t>(&'t self, table: &Table) -> Result<Cursor<'t>> {
        let raw = table.usable_in(self)?;
        Cursor::open(raw, table)
    }
}

/// Checks an encoded key against the table's codec, naming the table on failure.
pub(crate) fn check_key(table: &Table, key: &[u8]) -> Result<()> {
    table.key_codec().validate(key).map_err(|e| {
        Error::new(
            e.kind(),
            format!(
                "table '{}' (key {}): {}",
                table.name(),
                table.key_codec(),
                e
            ),
        )
    })
}

/// An `MDB_val` pointing at `bytes` (LMDB does not write through it).
pub(crate) fn val(bytes: &[u8]) -> ffi::MDB_val {
    ffi::MDB_val {
        mv_size: bytes.len(),
        mv_data: bytes.as_ptr() as *mut libc::c_void,
    }
}

/// The bytes an `MDB_val` filled by LMDB points at.
///
/// # Safety
/// `v` must come from LMDB in a transaction that lives for `'t` without writes in between.
pub(crate) unsafe fn slice<'t>(v: &ffi::MDB_val) -> &'t [u8] {
    if v.mv_size == 0 || v.mv_data.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(v.mv_data as *const u8, v.mv_size)
    }
}

/// An LMDB transaction handle plus this process's bookkeeping for it.
pub(crate) struct RawTxn {
    pub(crate) env: Arc<EnvInner>,
    pub(crate) txn: *mut ffi::MDB_txn,
    write: bool,
    /// Whether this txn counts as live (see `EnvInner::enter`).
    counted: bool,
}

impl RawTxn {
    /// Begins a read or write transaction that counts as live.
    pub(crate) fn begin(env: &Arc<EnvInner>, write: bool) -> Result<RawTxn> {
        if write {
            env.check_open()?;
            if env.opts.read_only {
                return Err(Error::new(
                    ErrorKind::ReadOnly,
                    format!(
                        "the environment at {} was opened read-only; writing needs it opened \
                         without read_only",
                        env.path.display()
                    ),
                ));
            }
            check_not_in_hook()?;
            super::grow::before_write(env);
            env.claim_writer()?;
        }
        let begun = Self::begin_counted(env, write);
        if begun.is_err() && write {
            env.release_writer();
        }
        begun
    }

    fn begin_counted(env: &Arc<EnvInner>, write: bool) -> Result<RawTxn> {
        env.enter()?;
        let mut txn = RawTxn {
            env: Arc::clone(env),
            txn: ptr::null_mut(),
            write,
            counted: true,
        };
        let mut rc = txn.lmdb_begin();
        if rc == ffi::MDB_READERS_FULL && env.clear_stale_readers() > 0 {
            // Slots of dead processes were freed: there is room now.
            rc = txn.lmdb_begin();
        }
        if rc == ffi::MDB_MAP_RESIZED {
            // Another process grew the map past ours: adopt its size, which needs this process
            // to have no live transaction, then try once more.
            env.leave();
            txn.counted = false;
            super::grow::adopt_file_size(env)?;
            env.enter()?;
            txn.counted = true;
            rc = txn.lmdb_begin();
        }
        txn.check(rc, "begin")?;
        Ok(txn)
    }

    /// Begins a transaction inside `EnvInner::exclusive` (so it must not count as live).
    pub(crate) fn begin_uncounted(env: &Arc<EnvInner>, write: bool) -> Result<RawTxn> {
        if write {
            check_not_in_hook()?;
        }
        let mut txn = RawTxn {
            env: Arc::clone(env),
            txn: ptr::null_mut(),
            write,
            counted: false,
        };
        let rc = txn.lmdb_begin();
        txn.check(rc, "begin")?;
        Ok(txn)
    }

    fn lmdb_begin(&mut self) -> i32 {
        let flags = if self.write { 0 } else { ffi::MDB_RDONLY };
        // SAFETY: env is open; on success LMDB stores the handle in self.txn.
        unsafe { ffi::mdb_txn_begin(self.env.raw(), ptr::null_mut(), flags, &mut self.txn) }
    }

    /// `Ok` for `rc` 0, else the LMDB error naming what was done to which transaction. The
    /// message is formatted only on failure: a read transaction begins and ends per call served.
    fn check(&self, rc: i32, what: &str) -> Result<()> {
        match rc {
            0 => Ok(()),
            _ => Err(Error::from_lmdb(rc, &self.context(what))),
        }
    }

    pub(crate) fn context(&self, what: &str) -> String {
        let kind = if self.write { "write" } else { "read" };
        format!("{what} a {kind} transaction on {}", self.env.path.display())
    }

    /// Commits (a read txn commits to keep the table handles it opened).
    pub(crate) fn commit(mut self) -> Result<()> {
        let txn = std::mem::replace(&mut self.txn, ptr::null_mut());
        // SAFETY: a live txn; LMDB frees it whatever the outcome.
        let rc = unsafe { ffi::mdb_txn_commit(txn) };
        if rc == ffi::MDB_MAP_FULL {
            self.env.grow_next.store(true, Ordering::Release);
        }
        self.check(rc, "commit")
    }

    /// Checks that the env is still open and returns the handle.
    #[inline]
    pub(crate) fn usable(&self) -> Result<*mut ffi::MDB_txn> {
        self.env.check_open()?;
        Ok(self.txn)
    }
}

impl Drop for RawTxn {
    fn drop(&mut self) {
        if !self.txn.is_null() {
            // SAFETY: a live (or reset) txn that nothing borrows any more.
            unsafe { ffi::mdb_txn_abort(self.txn) };
        }
        if self.counted {
            self.env.leave();
        }
        if self.write {
            self.env.release_writer();
        }
    }
}

/// A read transaction: a consistent snapshot. `Send` (the env uses `MDB_NOTLS`), not `Sync`.
/// Dropping it ends it; [`ReadTxn::reset`] and [`ReadTxn::renew`] reuse it cheaply.
pub struct ReadTxn {
    raw: RawTxn,
    reset: bool,
}

// SAFETY: with MDB_NOTLS a read txn is not tied to its thread; it is used by one thread at a
// time (no Sync).
unsafe impl Send for ReadTxn {}

impl ReadTxn {
    pub(crate) fn begin(env: &Arc<EnvInner>) -> Result<ReadTxn> {
        Ok(ReadTxn {
            raw: RawTxn::begin(env, false)?,
            reset: false,
        })
    }

    /// Releases the snapshot but keeps the handle (and its reader slot) for [`Self::renew`].
    /// Using the txn before renewing gives [`ErrorKind::TxnReset`].
    pub fn reset(&mut self) {
        if !self.reset {
            // SAFETY: a live read txn; `&mut self` guarantees no borrow into it is left.
            unsafe { ffi::mdb_txn_reset(self.raw.txn) };
            self.reset = true;
            self.raw.counted = false;
            self.raw.env.leave();
        }
    }

    /// Takes a fresh snapshot after [`Self::reset`] (a no-op on a txn that is not reset).
    pub fn renew(&mut self) -> Result<()> {
        if !self.reset {
            return Ok(());
        }
        self.raw.env.enter()?;
        // SAFETY: a reset read txn.
        let rc = unsafe { ffi::mdb_txn_renew(self.raw.txn) };
        if rc != 0 {
            self.raw.env.leave();
            return Err(Error::from_lmdb(rc, &self.raw.context("renew")));
        }
        self.raw.counted = true;
        self.reset = false;
        Ok(())
    }

    /// Whether the txn is reset (unusable until renewed).
    pub fn is_reset(&self) -> bool {
        self.reset
    }

    /// The LMDB handle. For benchmarks and the FFI only: valid while this `ReadTxn` lives and is
    /// not reset; do not end it through LMDB.
    pub fn as_raw(&self) -> *mut ffi::MDB_txn {
        self.raw.txn
    }
}

impl sealed::Sealed for ReadTxn {
    #[inline]
    fn raw_txn(&self) -> Result<*mut ffi::MDB_txn> {
        if self.reset {
            return Err(Error::new(
                ErrorKind::TxnReset,
                "the read transaction was reset; renew it before reading",
            ));
        }
        self.raw.usable()
    }
    fn env_inner(&self) -> &Arc<EnvInner> {
        &self.raw.env
    }
}

impl Txn for ReadTxn {}

/// Options of [`WriteTxn::put`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PutFlags {
    /// Fail with [`ErrorKind::KeyExists`] instead of replacing an existing value.
    pub no_overwrite: bool,
}

/// A write transaction: one per environment at a time (others wait), tied to its thread.
/// Dropping it aborts.
pub struct WriteTxn {
    raw: RawTxn,
    /// The keys touched in tables with commit hooks; `None` while the env has no hooks.
    log: Option<Box<TxnLog>>,
    /// Tied to the thread that began it: LMDB's writer lock belongs to that thread.
    _not_send: PhantomData<*mut ()>,
}

impl WriteTxn {
    pub(crate) fn begin(env: &Arc<EnvInner>) -> Result<WriteTxn> {
        let raw = RawTxn::begin(env, true)?;
        Ok(WriteTxn {
            log: env.observers.begin(),
            raw,
            _not_send: PhantomData,
        })
    }

    /// Stores `value` under `key`. The key is checked against the table's codec and a
    /// FlatBuffers value is verified against the table's root type before anything is written:
    /// on failure the table is unchanged.
    pub fn put(&mut self, table: &Table, key: &[u8], value: &[u8], flags: PutFlags) -> Result<()> {
        let raw = table.usable_in(self)?;
        check_key(table, key)?;
        table.verify_value(value)?;
        let mut k = val(key);
        let mut v = val(value);
        let f = if flags.no_overwrite {
            ffi::MDB_NOOVERWRITE
        } else {
            0
        };
        // SAFETY: live write txn and dbi; LMDB copies key and value.
        match unsafe { ffi::mdb_put(raw, table.state.dbi, &mut k, &mut v, f) } {
            0 => {
                if let Some(log) = &mut self.log {
                    log.put(table.state.dbi, key);
                }
                Ok(())
            }
            rc => Err(self.write_error(table, rc, "put")),
        }
    }

    /// Deletes `key`; returns whether it was there.
    pub fn delete(&mut self, table: &Table, key: &[u8]) -> Result<bool> {
        let raw = table.usable_in(self)?;
        check_key(table, key)?;
        let mut k = val(key);
        // SAFETY: live write txn and dbi.
        match unsafe { ffi::mdb_del(raw, table.state.dbi, &mut k, ptr::null_mut()) } {
            0 => {
                if let Some(log) = &mut self.log {
                    log.delete(table.state.dbi, key);
                }
                Ok(true)
            }
            ffi::MDB_NOTFOUND => Ok(false),
            rc => Err(self.write_error(table, rc, "delete")),
        }
    }

    /// Removes every entry of `table` (the table itself stays).
    pub fn truncate(&mut self, table: &Table) -> Result<()> {
        let raw = table.usable_in(self)?;
        // SAFETY: live write txn and dbi; del=0 empties without closing the handle.
        match unsafe { ffi::mdb_drop(raw, table.state.dbi, 0) } {
            0 => {
                if let Some(log) = &mut self.log {
                    log.truncate(table.state.dbi);
                }
                Ok(())
            }
            rc => Err(self.write_error(table, rc, "truncate")),
        }
    }

    fn write_error(&self, table: &Table, rc: i32, op: &str) -> Error {
        match rc {
            ffi::MDB_KEYEXIST => Error::new(
                ErrorKind::KeyExists,
                format!(
                    "{op} in table '{}': the key exists (no_overwrite)",
                    table.name()
                ),
            ),
            ffi::MDB_MAP_FULL => {
                self.raw.env.grow_next.store(true, Ordering::Release);
                table.error(rc, op)
            }
            _ => table.error(rc, op),
        }
    }

    /// Commits every change of this transaction, durably unless the env is `no_sync`; then
    /// runs the commit hooks of the tables it changed ([`CommitHook`](super::CommitHook)).
    pub fn commit(self) -> Result<()> {
        let WriteTxn { raw, log, .. } = self;
        match log {
            None => raw.commit(),
            Some(log) => {
                let env = Arc::clone(&raw.env);
                env.observers.commit(&log, || raw.commit())
            }
        }
    }

    /// Discards every change (as dropping does).
    pub fn abort(self) {}

    /// The LMDB handle. For benchmarks and the FFI only: valid while this `WriteTxn` lives; do
    /// not end it through LMDB.
    pub fn as_raw(&self) -> *mut ffi::MDB_txn {
        self.raw.txn
    }
}

impl sealed::Sealed for WriteTxn {
    #[inline]
    fn raw_txn(&self) -> Result<*mut ffi::MDB_txn> {
        self.raw.usable()
    }
    fn env_inner(&self) -> &Arc<EnvInner> {
        &self.raw.env
    }
}

impl Txn for WriteTxn {}

impl std::fmt::Debug for ReadTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadTxn")
            .field("txn", &self.raw.txn)
            .field("reset", &self.reset)
            .finish()
    }
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn")
            .field("txn", &self.raw.txn)
            .finish()
    }
}
