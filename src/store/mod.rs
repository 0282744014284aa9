//! The LMDB store: environments, tables with key codecs and FlatBuffers value types,
//! transactions that borrow values straight out of the memory map.
//!
//! ```text
//! Env ──open_table──▶ Table (name, KeyCodec, ValueType)
//!  │                    │
//!  ├─begin_read──▶ ReadTxn ─get/range/cursor──▶ &'txn [u8]  (into the map, no copy)
//!  └─begin_write─▶ WriteTxn ─put (verifies first)/delete/truncate──▶ commit
//! ```
//!
//! # Borrowing
//! Values are `&'t [u8]` tied to the transaction's borrow (as heed does): they cannot outlive it,
//! and writes take `&mut self`, so no borrow survives a write. LMDB aligns values to 2 bytes
//! only; never assume more.
//!
//! # Threads and processes
//! [`Env`] and [`Table`] are `Clone + Send + Sync`. Environments are opened with `MDB_NOTLS`, so
//! a [`ReadTxn`] is `Send` and may end on another thread; a [`WriteTxn`] stays on its thread.
//! One write transaction at a time per environment (across processes); a second one in the
//! same thread fails with `Busy` instead of deadlocking.
//!
//! Processes that share an environment at the same moment must use the same LMDB lock format.
//! zerowamp builds LMDB from `lmdb-master-sys` (lock format 2, data format of LMDB 0.9): a
//! process on LMDB 0.9.x (py-lmdb, zlmdb, the `mdb_*` tools of Debian) holding the environment
//! open makes [`Env::open`] fail with [`ErrorKind::VersionMismatch`], and a file in the LMDB 1.0
//! data format (zlmdb 26.x's default) fails with [`ErrorKind::InvalidFile`]. Files written by
//! LMDB 0.9 tools open fine one process after the other; for concurrent sharing, use zerowamp
//! from every process (C, C++, Python share one LMDB build).
//!
//! # Growing the map
#![doc = include_str!("grow.md")]
//!
//! # Commit hooks
//! [`Table::on_commit`] runs code after every committed write transaction that changed the
//! table, with the keys it put and deleted ([`Changes`]); see [`CommitHook`] for the order and
//! the rules. Nothing is recorded while no hook exists.
//!
//! # Tables and their metadata
//! Each table's key codec, value type, schema and schema fingerprint live in a reserved LMDB
//! table, `__zerowamp__`, which users never see; names starting with `__zerowamp` are refused.

mod catalog;
mod cursor;
mod env;
mod error;
mod grow;
mod inner;
mod key;
mod meta;
mod observe;
mod table;
mod txn;

pub use cursor::{Cursor, Entry, Range, RangeOptions};
pub use env::{Env, EnvInfo, EnvOptions, EnvStat};
pub use error::{Error, ErrorKind, Result};
pub use key::{Key, KeyCodec, MAX_KEY_LEN};
pub use meta::{META_TABLE, RESERVED_PREFIX};
pub use observe::{Change, Changes, CommitHook, Latest};
pub use table::{Table, TableOptions, ValueType};
pub use txn::{PutFlags, ReadTxn, Txn, WriteTxn};
