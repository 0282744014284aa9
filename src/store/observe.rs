//! Commit hooks: code that learns, after a write transaction committed, which keys of a table it
//! put or deleted (what a change feed publishes). See [`CommitHook`].

use std::cell::Cell;
use std::collections::HashSet;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use lmdb_master_sys as ffi;

use super::error::{Error, ErrorKind, Result};
use super::inner::{lock, EnvInner};
use super::table::Table;

/// What a transaction did to one key (or to the whole table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// A value was stored under the key (the encoded key bytes).
    Put(&'a [u8]),
    /// The key was deleted (it existed).
    Delete(&'a [u8]),
    /// Every entry of the table was removed ([`WriteTxn::truncate`](super::WriteTxn::truncate)).
    Truncate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Delete,
    Truncate,
}

/// The changes one committed transaction made to one table, in the order they were made. Keys
/// are the encoded key bytes.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    ops: Vec<(Op, Range<usize>)>,
    keys: Vec<u8>,
}

/// The net effect of a transaction on a table: see [`Changes::latest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest<'a> {
    /// The table was truncated (after which `changes` happened).
    pub truncated: bool,
    /// The last put or delete of each key after the last truncate, in the order of those last
    /// changes.
    pub changes: Vec<Change<'a>>,
}

impl Changes {
    fn push(&mut self, op: Op, key: &[u8]) {
        let start = self.keys.len();
        self.keys.extend_from_slice(key);
        self.ops.push((op, start..self.keys.len()));
    }

    fn change(&self, (op, keys): &(Op, Range<usize>)) -> Change<'_> {
        let key = &self.keys[keys.clone()];
        match op {
            Op::Put => Change::Put(key),
            Op::Delete => Change::Delete(key),
            Op::Truncate => Change::Truncate,
        }
    }

    /// Every change, in the order the transaction made them.
    pub fn iter(&self) -> impl Iterator<Item = Change<'_>> + '_ {
        self.ops.iter().map(|op| self.change(op))
    }

    /// How many changes were recorded.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The net effect: whether the table was truncated, and after the last truncate, the last
    /// change of each key (a put then a delete of the same key is a delete; two puts are one).
    pub fn latest(&self) -> Latest<'_> {
        let after = self
            .ops
            .iter()
            .rposition(|(op, _)| *op == Op::Truncate)
            .map_or(0, |i| i + 1);
        let mut seen: HashSet<&[u8]> = HashSet::new();
        let mut changes: Vec<Change<'_>> = self.ops[after..]
            .iter()
            .rev()
            .filter(|(_, keys)| seen.insert(&self.keys[keys.clone()]))
            .map(|op| self.change(op))
            .collect();
        changes.reverse();
        Latest {
            truncated: after > 0,
            changes,
        }
    }
}

/// One hook, shared by its handle and the transactions that began while it existed.
struct Hook {
    id: u64,
    dbi: ffi::MDB_dbi,
    /// The table's dropped flag: a dropped table's handle number may be reused by another.
    dropped: Arc<AtomicBool>,
    active: AtomicBool,
    callback: Box<dyn Fn(&Changes) + Send + Sync>,
}

/// The hooks of one environment.
#[derive(Default)]
pub(crate) struct Observers {
    /// How many hooks exist: the fast "nothing to record" check.
    count: AtomicUsize,
    next_id: AtomicU64,
    /// Copied on write: a transaction takes the current list when it begins.
    hooks: RwLock<Arc<Vec<Arc<Hook>>>>,
    /// Held from before `mdb_txn_commit` until the commit's hooks have run: commit order.
    order: Mutex<()>,
}

thread_local! {
    /// Set while this thread runs commit hooks.
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// [`ErrorKind::Busy`] if called from inside a commit hook, where writing would deadlock.
pub(crate) fn check_not_in_hook() -> Result<()> {
    if IN_HOOK.with(Cell::get) {
        return Err(Error::new(
            ErrorKind::Busy,
            "a commit hook must not begin a write transaction (the next writer waits for the \
             hook to finish)",
        ));
    }
    Ok(())
}

impl Observers {
    fn add(&self, table: &Table, callback: Box<dyn Fn(&Changes) + Send + Sync>) -> Arc<Hook> {
        let hook = Arc::new(Hook {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            dbi: table.state.dbi,
            dropped: Arc::clone(&table.state.dropped),
            active: AtomicBool::new(true),
            callback,
        });
        let mut hooks = self.hooks.write().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<Arc<Hook>> = hooks.as_ref().clone();
        list.push(Arc::clone(&hook));
        *hooks = Arc::new(list);
        self.count.fetch_add(1, Ordering::AcqRel);
        hook
    }

    fn remove(&self, id: u64) {
        let mut hooks = self.hooks.write().unwrap_or_else(|e| e.into_inner());
        let list: Vec<Arc<Hook>> = hooks.iter().filter(|h| h.id != id).cloned().collect();
        if list.len() < hooks.len() {
            self.count.fetch_sub(1, Ordering::AcqRel);
        }
        *hooks = Arc::new(list);
    }

    /// The log of a transaction beginning now; `None` while there are no hooks.
    pub(crate) fn begin(&self) -> Option<Box<TxnLog>> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let hooks = Arc::clone(&self.hooks.read().unwrap_or_else(|e| e.into_inner()));
        let mut watched: Vec<ffi::MDB_dbi> = hooks.iter().map(|h| h.dbi).collect();
        watched.sort_unstable();
        watched.dedup();
        Some(Box::new(TxnLog {
            hooks,
            watched,
            tables: Vec::new(),
        }))
    }

    /// Commits with `commit`; if that succeeds and `log` has changes, runs the hooks, in commit
    /// order (see the module docs).
    pub(crate) fn commit(&self, log: &TxnLog, commit: impl FnOnce() -> Result<()>) -> Result<()> {
        if log.tables.is_empty() {
            return commit();
        }
        let _order = lock(&self.order);
        commit()?;
        IN_HOOK.with(|h| h.set(true));
        for hook in log.hooks.iter() {
            if !hook.active.load(Ordering::Acquire) || hook.dropped.load(Ordering::Acquire) {
                continue;
            }
            let Some((_, changes)) = log.tables.iter().find(|(dbi, _)| *dbi == hook.dbi) else {
                continue;
            };
            let ran = catch_unwind(AssertUnwindSafe(|| (hook.callback)(changes)));
            if ran.is_err() {
                log::warn!(target: "zerowamp::store", "a commit hook panicked; the commit stands");
            }
        }
        IN_HOOK.with(|h| h.set(false));
        Ok(())
    }
}

/// What a write transaction records for the hooks that existed when it began.
pub(crate) struct TxnLog {
    hooks: Arc<Vec<Arc<Hook>>>,
    /// The tables (handles) those hooks watch, sorted.
    watched: Vec<ffi::MDB_dbi>,
    tables: Vec<(ffi::MDB_dbi, Changes)>,
}

impl TxnLog {
    fn record(&mut self, dbi: ffi::MDB_dbi, op: Op, key: &[u8]) {
        if self.watched.binary_search(&dbi).is_err() {
            return;
        }
        let at = match self.tables.iter().position(|(d, _)| *d == dbi) {
            Some(at) => at,
            None => {
                self.tables.push((dbi, Changes::default()));
                self.tables.len() - 1
            }
        };
        self.tables[at].1.push(op, key);
    }

    /// A value was stored under `key` in table `dbi`.
    pub(crate) fn put(&mut self, dbi: ffi::MDB_dbi, key: &[u8]) {
        self.record(dbi, Op::Put, key);
    }

    /// `key` was deleted from table `dbi`.
    pub(crate) fn delete(&mut self, dbi: ffi::MDB_dbi, key: &[u8]) {
        self.record(dbi, Op::Delete, key);
    }

    /// Table `dbi` was emptied.
    pub(crate) fn truncate(&mut self, dbi: ffi::MDB_dbi) {
        self.record(dbi, Op::Truncate, &[]);
    }
}

/// A hook on the commits of one table ([`Table::on_commit`]); dropping it removes the hook.
///
/// A write transaction that begins while hooks exist records the keys it touches in hooked
/// tables (while no hook exists nothing is recorded: one atomic load per `begin_write`). When
/// `mdb_txn_commit` succeeds, each hook of a table the transaction changed gets that table's
/// [`Changes`]. Aborted transactions, and commits that fail, report nothing.
///
/// # Order and what a hook sees
///
/// Hooks run on the committing thread, right after the commit, one commit at a time and in
/// commit order: a commit with changes for a hook takes a lock before `mdb_txn_commit` and
/// keeps it until its hooks have run, so the next writer of this process commits only after
/// that. A read transaction begun inside a hook therefore sees exactly the state this commit
/// left (as far as this process goes: hooks see only commits made through this process's
/// environment, never those of other processes).
///
/// A hook sees every transaction that began after it was added and committed before it was
/// dropped. Once the drop returns, the hook is not running and will not run again (except when
/// dropped from inside a hook, which cannot wait for itself).
///
/// # Rules for hooks
///
/// Keep them short: the next commit of this process waits for them. They may read (begin read
/// transactions) but must not write: `begin_write` inside a hook fails with
/// [`ErrorKind::Busy`] (it would wait for a writer that waits for the hook). A panic in a hook
/// is caught and logged; the commit stands.
pub struct CommitHook {
    env: Arc<EnvInner>,
    hook: Arc<Hook>,
}

impl CommitHook {
    pub(crate) fn add(
        table: &Table,
        callback: Box<dyn Fn(&Changes) + Send + Sync>,
    ) -> Result<CommitHook> {
        table.env.check_open()?;
        if table.state.dropped.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::UnknownTable,
                format!("table '{}' was dropped", table.name()),
            ));
        }
        let hook = table.env.observers.add(table, callback);
        Ok(CommitHook {
            env: Arc::clone(&table.env),
            hook,
        })
    }
}

impl Drop for CommitHook {
    fn drop(&mut self) {
        self.hook.active.store(false, Ordering::Release);
        self.env.observers.remove(self.hook.id);
        if !IN_HOOK.with(Cell::get) {
            // A commit running hooks holds the order lock: wait for it to finish.
            drop(lock(&self.env.observers.order));
        }
    }
}

impl std::fmt::Debug for CommitHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitHook")
            .field("dbi", &self.hook.dbi)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_keeps_the_last_change_of_each_key_after_the_last_truncate() {
        let mut c = Changes::default();
        c.push(Op::Put, b"a");
        c.push(Op::Truncate, b"");
        c.push(Op::Put, b"b");
        c.push(Op::Put, b"c");
        c.push(Op::Delete, b"b");
        c.push(Op::Put, b"c");
        assert_eq!(c.len(), 6);
        let latest = c.latest();
        assert!(latest.truncated);
        assert_eq!(
            latest.changes,
            vec![Change::Delete(b"b"), Change::Put(b"c")]
        );
        let mut plain = Changes::default();
        plain.push(Op::Delete, b"x");
        plain.push(Op::Put, b"x");
        let latest = plain.latest();
        assert!(!latest.truncated);
        assert_eq!(latest.changes, vec![Change::Put(b"x")]);
        assert_eq!(
            plain.iter().collect::<Vec<_>>(),
            vec![Change::Delete(b"x"), Change::Put(b"x")]
        );
    }
}
