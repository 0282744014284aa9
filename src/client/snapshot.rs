//! Sending straight out of LMDB: a read transaction shared by reference counting, whose values
//! are handed out as [`Bytes`] that point into the memory map.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::runtime::{lock, pinned};
use crate::store::{Env, RangeOptions, ReadTxn, Table, Txn};

/// A read snapshot shared by reference counting. [`get`](Self::get) returns a value as
/// [`Bytes`] that points into LMDB's memory map — no copy — and holds the snapshot alive for
/// as long as it lives: pass it as a payload ([`Payload::Transparent`](crate::wamp::Payload))
/// to `publish`, `call` or `yield_` and it stays valid until the transport has written it
/// (RawSocket with `writev` straight from the map, WebSocket with the one masking copy), so the
/// caller may drop its own `Snapshot` right after the request returns.
///
/// `Send + Sync` and cheap to clone. A snapshot is an LMDB read transaction: while any value
/// of it lives, the environment cannot grow its map, and LMDB keeps the pages it sees, so keep
/// snapshots short-lived (a pinned value is released as soon as it is written).
#[derive(Clone)]
pub struct Snapshot {
    txn: Arc<Mutex<ReadTxn>>,
}

/// A value inside a snapshot: the snapshot, and where the value is in the map.
struct Pinned {
    _txn: Arc<Mutex<ReadTxn>>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: `ptr..ptr+len` is read-only memory in LMDB's map, valid while the read transaction
// lives, which `_txn` guarantees; nothing ever writes through it.
unsafe impl Send for Pinned {}

impl AsRef<[u8]> for Pinned {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see `Send` above; the transaction cannot be reset or renewed (the snapshot
        // never hands it out), so the pages stay put.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Snapshot {
    /// Begins a read transaction on `env`.
    pub fn begin(env: &Env) -> crate::store::Result<Snapshot> {
        Ok(Snapshot::new(env.begin_read()?))
    }

    /// Shares `txn`.
    pub fn new(txn: ReadTxn) -> Snapshot {
        Snapshot {
            txn: Arc::new(Mutex::new(txn)),
        }
    }

    /// The value under `key` in `table`, pinned: no copy is made, and the snapshot lives as long
    /// as the returned `Bytes` (and its clones and slices).
    pub fn get(&self, table: &Table, key: &[u8]) -> crate::store::Result<Option<Bytes>> {
        let txn = lock(&self.txn);
        let Some(value) = txn.get(table, key)? else {
            return Ok(None);
        };
        Ok(Some(self.pin(value)))
    }

    /// The entries of `table` in `opts`' range, in order, each value pinned as by
    /// [`get`](Self::get) (the keys are copied).
    pub fn range(
        &self,
        table: &Table,
        opts: &RangeOptions,
    ) -> crate::store::Result<Vec<(Vec<u8>, Bytes)>> {
        let txn = lock(&self.txn);
        let entries = txn
            .range(table, opts)?
            .map(|entry| entry.map(|(key, value)| (key.to_vec(), self.pin(value))))
            .collect();
        entries
    }

    /// `value`, a slice of this snapshot's map, as `Bytes` that hold the snapshot.
    fn pin(&self, value: &[u8]) -> Bytes {
        pinned(Pinned {
            _txn: self.txn.clone(),
            ptr: value.as_ptr(),
            len: value.len(),
        })
    }

    /// How many holders the snapshot has (this handle and its clones, plus every value still
    /// pinned): 1 means only this handle is left.
    pub fn holders(&self) -> usize {
        Arc::strong_count(&self.txn)
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("holders", &self.holders())
            .finish()
    }
}
