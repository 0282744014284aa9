//! The shared state behind every handle of one environment: the LMDB env pointer, the closed
//! flag, the count of this process's live transactions, the catalog of open tables, and the
//! commit hooks.

use std::collections::HashSet;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, ThreadId};

use lmdb_master_sys as ffi;

use super::catalog::Catalog;
use super::env::EnvOptions;
use super::error::{check, Error, ErrorKind, Result};
use super::observe::Observers;

/// Set in [`EnvInner::live`] while a map resize or a table drop runs; no transaction may begin.
const EXCLUSIVE: usize = 1 << (usize::BITS - 1);

/// Shared by `Env`, `Table`, `ReadTxn` and `WriteTxn` through an `Arc`; the LMDB env closes when
/// the last of them is gone.
pub struct EnvInner {
    env: *mut ffi::MDB_env,
    pub(crate) path: PathBuf,
    pub(crate) opts: EnvOptions,
    closed: AtomicBool,
    /// Live transactions of this process (reset read transactions do not count), plus the
    /// [`EXCLUSIVE`] bit.
    live: AtomicUsize,
    /// The threads that hold (or wait for) a write transaction on this env, to refuse a second
    /// one in the same thread: LMDB's writer lock would deadlock on it.
    writers: Mutex<HashSet<ThreadId>>,
    /// Set when a transaction hit a full map, so the next `begin_write` grows it (auto_grow).
    pub(crate) grow_next: AtomicBool,
    pub(crate) catalog: Mutex<Catalog>,
    /// The commit hooks of the tables of this env.
    pub(crate) observers: Observers,
}

// SAFETY: the env is opened with MDB_NOTLS; LMDB's env functions are thread-safe, and the calls
// that are not (mdb_env_set_mapsize, mdb_dbi_open) are serialized here by `live`'s exclusive bit
// and the catalog mutex.
unsafe impl Send for EnvInner {}
// SAFETY: as above.
unsafe impl Sync for EnvInner {}

impl Drop for EnvInner {
    fn drop(&mut self) {
        // SAFETY: every transaction and table holds an Arc to this, so none is left.
        unsafe { ffi::mdb_env_close(self.env) }
    }
}

impl EnvInner {
    /// Creates and opens the LMDB environment.
    pub(crate) fn open(path: PathBuf, opts: EnvOptions) -> Result<EnvInner> {
        let context = format!("open LMDB environment at {}", path.display());
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{context}: NUL in path"),
            )
        })?;
        let mut env = std::ptr::null_mut();
        // SAFETY: plain LMDB calls on a fresh env handle; closed again on any failure.
        unsafe {
            check(ffi::mdb_env_create(&mut env), &context)?;
            let inner = EnvInner {
                env,
                path,
                opts: opts.clone(),
                closed: AtomicBool::new(false),
                live: AtomicUsize::new(0),
                writers: Mutex::new(HashSet::new()),
                grow_next: AtomicBool::new(false),
                catalog: Mutex::new(Catalog::default()),
                observers: Observers::default(),
            };
            // From here on, dropping `inner` closes the env.
            check(ffi::mdb_env_set_mapsize(env, opts.map_size), &context)?;
            check(ffi::mdb_env_set_maxreaders(env, opts.max_readers), &context)?;
            // One more for the reserved metadata table.
            check(
                ffi::mdb_env_set_maxdbs(env, opts.max_tables.saturating_add(1)),
                &context,
            )?;
            let mut flags = ffi::MDB_NOTLS;
            if opts.read_only {
                flags |= ffi::MDB_RDONLY;
            }
            if opts.no_sync {
                flags |= ffi::MDB_NOSYNC;
            }
            if opts.no_subdir {
                flags |= ffi::MDB_NOSUBDIR;
            }
            let rc = ffi::mdb_env_open(env, c_path.as_ptr(), flags, 0o644);
            if rc == libc::ENOENT {
                let what = if opts.no_subdir {
                    "its directory"
                } else {
                    "the directory"
                };
                return Err(Error::new(
                    ErrorKind::PathNotFound,
                    format!(
                        "{context}: {what} does not exist (LMDB does not create directories; \
                         create it first{})",
                        if opts.read_only {
                            ", or open an existing environment"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            check(rc, &context)?;
            // Free the reader slots of processes that died holding them (a killed reader
            // would otherwise keep old pages from being reused, and its slot taken).
            inner.clear_stale_readers();
            Ok(inner)
        }
    }

    /// Frees reader slots whose processes are gone; returns how many.
    pub(crate) fn clear_stale_readers(&self) -> i32 {
        let mut dead = 0;
        // SAFETY: open env; mdb_reader_check only touches the reader table under its mutex.
        let rc = unsafe { ffi::mdb_reader_check(self.env, &mut dead) };
        if rc == 0 {
            dead
        } else {
            0
        }
    }

    /// The LMDB env handle (for the FFI and internal calls).
    pub(crate) fn raw(&self) -> *mut ffi::MDB_env {
        self.env
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// [`ErrorKind::Closed`] once `Env::close` was called.
    #[inline]
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(closed_error())
        } else {
            Ok(())
        }
    }

    /// Counts a transaction as live; waits while a resize or drop runs.
    pub(crate) fn enter(&self) -> Result<()> {
        loop {
            self.check_open()?;
            let before = self.live.fetch_add(1, Ordering::AcqRel);
            if before & EXCLUSIVE == 0 {
                return Ok(());
            }
            self.live.fetch_sub(1, Ordering::AcqRel);
            while self.live.load(Ordering::Acquire) & EXCLUSIVE != 0 {
                thread::yield_now();
            }
        }
    }

    /// Ends what [`Self::enter`] began.
    pub(crate) fn leave(&self) {
        self.live.fetch_sub(1, Ordering::AcqRel);
    }

    /// Runs `f` while no transaction of this process is live and none can begin;
    /// [`ErrorKind::Busy`] (saying `what` needed it) if one is live.
    pub(crate) fn exclusive<T>(&self, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.check_open()?;
        if self
            .live
            .compare_exchange(0, EXCLUSIVE, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(Error::new(
                ErrorKind::Busy,
                format!(
                    "{what} needs every transaction of this process on this environment to have \
                     ended (reset read transactions may stay)"
                ),
            ));
        }
        let out = f();
        self.live.fetch_and(!EXCLUSIVE, Ordering::AcqRel);
        out
    }

    /// Takes the writer slot for this thread; [`ErrorKind::Busy`] if this thread holds it.
    pub(crate) fn claim_writer(&self) -> Result<()> {
        if !lock(&self.writers).insert(thread::current().id()) {
            return Err(Error::new(
                ErrorKind::Busy,
                "this thread already has a write transaction open on this environment; commit or \
                 abort it first (LMDB allows one writer at a time)",
            ));
        }
        Ok(())
    }

    pub(crate) fn release_writer(&self) {
        lock(&self.writers).remove(&thread::current().id());
    }

    /// Sets the map size (0: adopt the size in the file). Caller holds [`Self::exclusive`].
    pub(crate) fn set_map_size_exclusive(&self, bytes: usize) -> Result<()> {
        // SAFETY: no transaction of this process is live (exclusive section).
        let rc = unsafe { ffi::mdb_env_set_mapsize(self.env, bytes) };
        check(
            rc,
            &format!(
                "set the map size of {} to {bytes} bytes",
                self.path.display()
            ),
        )
    }

    /// Runs `f` counted as a live transaction: for LMDB calls that read the map outside a
    /// transaction (env info and stat, copies), which a concurrent resize must not unmap.
    pub(crate) fn pinned<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.enter()?;
        let out = f();
        self.leave();
        out
    }

    /// Used and total map bytes.
    pub(crate) fn map_usage(&self) -> Result<(usize, usize)> {
        let (info, stat) = self.pinned(|| Ok((self.raw_info()?, self.raw_stat()?)))?;
        let page = stat.ms_psize as usize;
        Ok((
            info.me_last_pgno.saturating_add(1).saturating_mul(page),
            info.me_mapsize,
        ))
    }

    /// `mdb_env_info`; it reads the map, so callers hold [`Self::pinned`].
    pub(crate) fn raw_info(&self) -> Result<ffi::MDB_envinfo> {
        let mut info = std::mem::MaybeUninit::<ffi::MDB_envinfo>::uninit();
        // SAFETY: env is open; mdb_env_info fills the struct.
        unsafe {
            check(
                ffi::mdb_env_info(self.env, info.as_mut_ptr()),
                "read environment info",
            )?;
            Ok(info.assume_init())
        }
    }

    /// `mdb_env_stat`; it reads the map, so callers hold [`Self::pinned`].
    pub(crate) fn raw_stat(&self) -> Result<ffi::MDB_stat> {
        let mut stat = std::mem::MaybeUninit::<ffi::MDB_stat>::uninit();
        // SAFETY: env is open; mdb_env_stat fills the struct.
        unsafe {
            check(
                ffi::mdb_env_stat(self.env, stat.as_mut_ptr()),
                "read environment stats",
            )?;
            Ok(stat.assume_init())
        }
    }
}

pub(crate) fn closed_error() -> Error {
    Error::new(ErrorKind::Closed, "the environment was closed")
}

/// Locks a mutex, recovering the data if a panic poisoned it (our critical sections leave the
/// data consistent at every step).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
