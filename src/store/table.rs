//! Tables: named LMDB databases with a key codec and a value type.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use lmdb_master_sys as ffi;

use super::env::Env;
use super::error::{check, Error, ErrorKind, Result};
use super::inner::EnvInner;
use super::key::KeyCodec;
use super::meta::TableMeta;
use super::observe::{Changes, CommitHook};
use super::txn::{sealed::Sealed, Txn};
use crate::schema::RootType;

/// What a table's values are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// Any bytes; nothing is verified.
    Raw,
    /// A FlatBuffers table of a registered schema; every put verifies the value against it.
    FlatBuffer {
        /// The fully qualified table type, e.g. `"zerowamp.sample.Record"`.
        root_type: String,
    },
}

/// How to open a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    /// The key codec (fixed when the table is created).
    pub key: KeyCodec,
    /// The value type (fixed when the table is created; its schema may evolve).
    pub value: ValueType,
    /// Create the table if it does not exist.
    pub create: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            key: KeyCodec::Bytes,
            value: ValueType::Raw,
            create: true,
        }
    }
}

/// Shared by every [`Table`] handle of one table in one environment.
#[derive(Debug)]
pub(crate) struct TableState {
    pub dbi: ffi::MDB_dbi,
    /// Shared by every state of the same LMDB handle; set when the table is dropped.
    pub dropped: Arc<AtomicBool>,
    pub meta: TableMeta,
    pub root: Option<Arc<RootType>>,
}

/// A handle to a table; cheap to clone, usable from any thread, valid until the table is dropped
/// or the environment closed.
#[derive(Clone)]
pub struct Table {
    pub(crate) env: Arc<EnvInner>,
    pub(crate) state: Arc<TableState>,
    name: Arc<str>,
    value: ValueType,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("dbi", &self.state.dbi)
            .field("key", &self.state.meta.key)
            .field("value", &self.value)
            .finish()
    }
}

impl Table {
    pub(crate) fn new(env: Arc<EnvInner>, name: &str, state: Arc<TableState>) -> Table {
        let value = match &state.root {
            None => ValueType::Raw,
            Some(root) => ValueType::FlatBuffer {
                root_type: root.name().to_owned(),
            },
        };
        Table {
            env,
            state,
            name: name.into(),
            value,
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The environment the table belongs to.
    pub fn env(&self) -> Env {
        Env::from_inner(Arc::clone(&self.env))
    }

    /// Calls `hook` after every committed write transaction that put or deleted keys of this
    /// table (or truncated it), with those changes, until the returned [`CommitHook`] is
    /// dropped. See [`CommitHook`] for when hooks run and what they may do.
    pub fn on_commit(&self, hook: impl Fn(&Changes) + Send + Sync + 'static) -> Result<CommitHook> {
        CommitHook::add(self, Box::new(hook))
    }

    /// The table's key codec.
    pub fn key_codec(&self) -> &KeyCodec {
        &self.state.meta.key
    }

    /// The table's value type.
    pub fn value_type(&self) -> &ValueType {
        &self.value
    }

    /// The root type values are verified against (None for raw tables).
    pub fn root_type(&self) -> Option<&RootType> {
        self.state.root.as_deref()
    }

    /// The LMDB database handle. For benchmarks and the FFI only: it is valid only while this
    /// table is not dropped, and with transactions of this table's environment.
    pub fn dbi(&self) -> u32 {
        self.state.dbi
    }

    /// The number of entries, from LMDB's own count (no scan).
    pub fn count(&self, txn: &impl Txn) -> Result<u64> {
        let raw = self.usable_in(txn)?;
        let mut stat = std::mem::MaybeUninit::<ffi::MDB_stat>::uninit();
        // SAFETY: live txn of this env and a live dbi (checked above).
        unsafe {
            check(
                ffi::mdb_stat(raw, self.state.dbi, stat.as_mut_ptr()),
                &format!("count table '{}'", self.name),
            )?;
            Ok(stat.assume_init().ms_entries as u64)
        }
    }

    /// Verifies `value` against the table's root type (always Ok for raw tables).
    pub fn verify_value(&self, value: &[u8]) -> Result<()> {
        match &self.state.root {
            None => Ok(()),
            Some(root) => root.verify(value).map_err(|e| {
                Error::new(
                    ErrorKind::Verify,
                    format!("table '{}': {}", self.name, e.message()),
                )
            }),
        }
    }

    /// Checks that this table may be used in `txn` and returns the txn's handle.
    #[inline]
    pub(crate) fn usable_in<T: Sealed + ?Sized>(&self, txn: &T) -> Result<*mut ffi::MDB_txn> {
        let raw = txn.raw_txn()?;
        if !Arc::ptr_eq(&self.env, txn.env_inner()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "table '{}' belongs to another environment than the transaction",
                    self.name
                ),
            ));
        }
        if self.state.dropped.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::UnknownTable,
                format!("table '{}' was dropped", self.name),
            ));
        }
        Ok(raw)
    }

    /// Translates an LMDB error of an operation on this table.
    pub(crate) fn error(&self, rc: i32, op: &str) -> Error {
        if rc == libc::EINVAL {
            // The txn's table list is fixed when it begins.
            return Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{op} in table '{}': invalid argument (was the table opened after this \
                     transaction began? begin a new one, or renew it)",
                    self.name
                ),
            );
        }
        Error::from_lmdb(rc, &format!("{op} in table '{}'", self.name))
    }
}
