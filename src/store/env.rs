//! Environments: one LMDB environment (a directory with `data.mdb` and `lock.mdb`, or one file
//! with `no_subdir`), the tables in it, and the schemas its tables use.

use std::ffi::CString;
use std::path::Path;
use std::sync::Arc;

use lmdb_master_sys as ffi;

use super::catalog;
use super::error::{check, Error, ErrorKind, Result};
use super::inner::{lock, EnvInner};
use super::table::{Table, TableOptions};
use super::txn::{ReadTxn, WriteTxn};
use crate::schema::Bfbs;

/// How to open an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvOptions {
    /// The memory map size in bytes: the most the data file may grow to (see `auto_grow`).
    /// Virtual address space only; the file grows as data is written.
    pub map_size: usize,
    /// The most tables (named LMDB databases) the environment may hold open.
    pub max_tables: u32,
    /// The most concurrent read transactions, across all processes.
    pub max_readers: u32,
    /// Open for reading only; writes fail with [`ErrorKind::ReadOnly`].
    pub read_only: bool,
    /// Do not fsync on commit: faster, and a system crash (not a process crash) may lose the
    /// last transactions, never the file's consistency.
    pub no_sync: bool,
    /// `path` is the data file itself (the lock file is `path` + `-lock`), not a directory.
    pub no_subdir: bool,
    /// Grow the map by itself when it fills up (see the `store` module docs).
    pub auto_grow: bool,
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            map_size: 1 << 30,
            max_tables: 64,
            max_readers: 126,
            read_only: false,
            no_sync: false,
            no_subdir: false,
            auto_grow: true,
        }
    }
}

/// Page and B-tree statistics of the environment's main database (whose entries are the
/// tables, including zerowamp's reserved metadata table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvStat {
    /// Page size in bytes.
    pub page_size: u32,
    /// Height of the B-tree.
    pub depth: u32,
    /// Internal (non-leaf) pages.
    pub branch_pages: u64,
    /// Leaf pages.
    pub leaf_pages: u64,
    /// Overflow pages.
    pub overflow_pages: u64,
    /// Entries.
    pub entries: u64,
}

/// Map and reader information of the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvInfo {
    /// Current map size in bytes.
    pub map_size: u64,
    /// Bytes of the map in use: (last used page + 1) × page size.
    pub used_bytes: u64,
    /// Number of the last used page.
    pub last_page: u64,
    /// ID of the last committed transaction.
    pub last_txn_id: u64,
    /// Reader slots in the environment.
    pub max_readers: u32,
    /// Reader slots used (by any process) so far.
    pub num_readers: u32,
}

/// An open LMDB environment. Cheap to clone and shareable between threads; the LMDB
/// environment closes when the last `Env`, [`Table`] and transaction of it is gone.
#[derive(Clone)]
pub struct Env {
    inner: Arc<EnvInner>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("path", &self.inner.path)
            .field("closed", &self.inner.is_closed())
            .finish()
    }
}

impl Env {
    /// The env of a table or transaction.
    pub(crate) fn from_inner(inner: Arc<EnvInner>) -> Env {
        Env { inner }
    }

    /// Opens the environment at `path` (a directory that must exist, or with `no_subdir` the data
    /// file), always with `MDB_NOTLS` so read transactions may move between threads.
    pub fn open(path: &Path, opts: &EnvOptions) -> Result<Env> {
        if opts.map_size == 0 || opts.max_readers == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "map_size and max_readers must be greater than zero",
            ));
        }
        let inner = EnvInner::open(path.to_path_buf(), opts.clone())?;
        Ok(Env {
            inner: Arc::new(inner),
        })
    }

    /// The path the environment was opened with.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The options the environment was opened with.
    pub fn options(&self) -> &EnvOptions {
        &self.inner.opts
    }

    /// Statistics of the main database.
    pub fn stat(&self) -> Result<EnvStat> {
        let s = self.inner.pinned(|| self.inner.raw_stat())?;
        Ok(EnvStat {
            page_size: s.ms_psize,
            depth: s.ms_depth,
            branch_pages: s.ms_branch_pages as u64,
            leaf_pages: s.ms_leaf_pages as u64,
            overflow_pages: s.ms_overflow_pages as u64,
            entries: s.ms_entries as u64,
        })
    }

    /// Map and reader information.
    pub fn info(&self) -> Result<EnvInfo> {
        let i = self.inner.pinned(|| self.inner.raw_info())?;
        let (used, _) = self.inner.map_usage()?;
        Ok(EnvInfo {
            map_size: i.me_mapsize as u64,
            used_bytes: used as u64,
            last_page: i.me_last_pgno as u64,
            last_txn_id: i.me_last_txnid as u64,
            max_readers: i.me_maxreaders,
            num_readers: i.me_numreaders,
        })
    }

    /// Flushes to disk; with `force`, even when opened `no_sync`.
    pub fn sync(&self, force: bool) -> Result<()> {
        self.inner.check_open()?;
        // SAFETY: open env; pinned, as a sync may touch the map.
        let rc = self
            .inner
            .pinned(|| Ok(unsafe { ffi::mdb_env_sync(self.inner.raw(), i32::from(force)) }))?;
        check(rc, &format!("sync {}", self.inner.path.display()))
    }

    /// Writes a consistent copy (a backup) to `path`, an existing empty directory (a file that
    /// must not exist, with `no_subdir`); with `compact`, free pages are left out and the copy is
    /// renumbered, so it may be much smaller. Runs alongside readers and writers.
    pub fn copy_to(&self, path: &Path, compact: bool) -> Result<()> {
        self.inner.check_open()?;
        let context = format!("copy {} to {}", self.inner.path.display(), path.display());
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{context}: NUL in path"),
            )
        })?;
        let flags = if compact { ffi::MDB_CP_COMPACT } else { 0 };
        // SAFETY: open env; LMDB runs its own read txn for the copy, which a resize must not
        // unmap, hence pinned.
        let rc = self.inner.pinned(|| {
            Ok(unsafe { ffi::mdb_env_copy2(self.inner.raw(), c_path.as_ptr(), flags) })
        })?;
        check(rc, &context)
    }

    /// Sets the map size (at least the size in use; LMDB rounds up). Needs this process to have
    /// no live transaction on this env ([`ErrorKind::Busy`] otherwise; reset read transactions
    /// may stay). Data is never lost: the map only describes how far the file may grow.
    pub fn set_map_size(&self, bytes: usize) -> Result<()> {
        self.inner
            .exclusive("set_map_size", || self.inner.set_map_size_exclusive(bytes))
    }

    /// Marks the environment closed: every later operation through it, its tables or its
    /// transactions fails with [`ErrorKind::Closed`] (transactions may still be dropped). LMDB
    /// closes the environment when the last handle is gone.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Registers a binary schema (`.bfbs`): after checking that it is a reflection schema, its
    /// tables become usable as root types by their fully qualified names.
    pub fn register_schema(&self, bfbs: &[u8]) -> Result<()> {
        self.inner.check_open()?;
        let schema = Bfbs::parse(bfbs)?;
        lock(&self.inner.catalog).registry.register(schema);
        Ok(())
    }

    /// The options `name` was created with, read from its stored metadata (`create` is
    /// false): pass them to [`open_table`](Self::open_table) to open an existing table without
    /// knowing its key codec or value type. A FlatBuffers table then uses its stored schema
    /// unless the root type is registered. [`ErrorKind::UnknownTable`] if there is no such
    /// table (or it was not created through zerowamp).
    pub fn table_options(&self, name: &str) -> Result<TableOptions> {
        catalog::stored_options(&self.inner, name)
    }

    /// Opens (with `create`, creates) a table. The key codec and value type are fixed at
    /// creation: opening with different ones fails with [`ErrorKind::SchemaIncompatible`]. A
    /// FlatBuffers table whose registered schema changed since it was stored is checked for
    /// compatible evolution, and the stored schema updated (see [`crate::schema`]). A root type
    /// that is not registered is taken from the table's stored schema.
    pub fn open_table(&self, name: &str, opts: &TableOptions) -> Result<Table> {
        catalog::open_table(&self.inner, name, opts)
    }

    /// Deletes a table, its data and its metadata. Needs this process to have no live
    /// transaction on this env ([`ErrorKind::Busy`] otherwise); handles of the table then fail
    /// with [`ErrorKind::UnknownTable`].
    pub fn drop_table(&self, name: &str) -> Result<()> {
        catalog::drop_table(&self.inner, name)
    }

    /// The names of the tables created through zerowamp, sorted.
    pub fn table_names(&self) -> Result<Vec<String>> {
        catalog::table_names(&self.inner)
    }

    /// Begins a read transaction (a snapshot).
    pub fn begin_read(&self) -> Result<ReadTxn> {
        ReadTxn::begin(&self.inner)
    }

    /// Begins the write transaction; waits while another thread or process writes. A second
    /// write transaction in the same thread fails with [`ErrorKind::Busy`] instead of deadlocking.
    pub fn begin_write(&self) -> Result<WriteTxn> {
        WriteTxn::begin(&self.inner)
    }

    /// The LMDB env handle. For benchmarks and the FFI only: do not close it or change its
    /// settings through LMDB.
    pub fn as_raw(&self) -> *mut ffi::MDB_env {
        self.inner.raw()
    }
}
