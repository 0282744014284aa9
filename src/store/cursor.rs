//! Cursors and range iteration over a table, borrowing entries from the map.

use std::marker::PhantomData;
use std::ptr;

use lmdb_master_sys as ffi;

use super::error::Result;
use super::table::Table;
use super::txn::{slice, val};

/// One entry: key and value, both slices into the map valid for the transaction's borrow.
pub type Entry<'t> = (&'t [u8], &'t [u8]);

/// A positioned reader over one table; every move returns the entry it lands on, or `None`
/// past either end.
pub struct Cursor<'t> {
    cursor: *mut ffi::MDB_cursor,
    table: Table,
    _txn: PhantomData<&'t ()>,
}

impl<'t> Cursor<'t> {
    pub(crate) fn open(txn: *mut ffi::MDB_txn, table: &Table) -> Result<Cursor<'t>> {
        let mut cursor = ptr::null_mut();
        // SAFETY: live txn and dbi (checked by the caller).
        let rc = unsafe { ffi::mdb_cursor_open(txn, table.state.dbi, &mut cursor) };
        if rc != 0 {
            return Err(table.error(rc, "open a cursor"));
        }
        Ok(Cursor {
            cursor,
            table: table.clone(),
            _txn: PhantomData,
        })
    }

    fn op(&mut self, op: ffi::MDB_cursor_op, key: Option<&[u8]>) -> Result<Option<Entry<'t>>> {
        self.table.env.check_open()?;
        let mut k = val(key.unwrap_or_default());
        let mut v = val(&[]);
        // SAFETY: the cursor lives within its txn ('t); LMDB fills k and v.
        match unsafe { ffi::mdb_cursor_get(self.cursor, &mut k, &mut v, op) } {
            // SAFETY: slices into the map, valid for 't (no write can happen while borrowed).
            0 => Ok(Some(unsafe { (slice(&k), slice(&v)) })),
            ffi::MDB_NOTFOUND => Ok(None),
            rc => Err(self.table.error(rc, "move a cursor")),
        }
    }

    /// The first entry.
    pub fn first(&mut self) -> Result<Option<Entry<'t>>> {
        self.op(ffi::MDB_FIRST, None)
    }

    /// The last entry.
    pub fn last(&mut self) -> Result<Option<Entry<'t>>> {
        self.op(ffi::MDB_LAST, None)
    }

    /// The first entry whose key is `>= key` (any bytes: a prefix of a composite key works);
    /// an empty `key` means the first entry.
    pub fn seek(&mut self, key: &[u8]) -> Result<Option<Entry<'t>>> {
        if key.is_empty() {
            return self.first();
        }
        self.op(ffi::MDB_SET_RANGE, Some(key))
    }

    /// The next entry (the first, on a fresh cursor).
    // A positioned move that can fail, not an Iterator (Range is the iterator).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Entry<'t>>> {
        self.op(ffi::MDB_NEXT, None)
    }

    /// The previous entry (the last, on a fresh cursor).
    pub fn prev(&mut self) -> Result<Option<Entry<'t>>> {
        self.op(ffi::MDB_PREV, None)
    }

    /// The entry at the cursor, if it is on one.
    pub fn current(&mut self) -> Result<Option<Entry<'t>>> {
        match self.op(ffi::MDB_GET_CURRENT, None) {
            Err(e) if e.kind() == super::ErrorKind::Lmdb(libc::EINVAL) => Ok(None),
            other => other,
        }
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        // SAFETY: the borrow of the txn ('t) outlives this cursor, so its txn is still live.
        unsafe { ffi::mdb_cursor_close(self.cursor) }
    }
}

/// Bounds and direction of a range scan. Bounds are raw key bytes and need not be complete keys
/// (the encoding of the first elements of a composite key bounds everything under that prefix).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RangeOptions<'a> {
    /// Lowest key included (inclusive); `None`: from the first entry.
    pub from: Option<&'a [u8]>,
    /// Upper bound; `None`: to the last entry.
    pub to: Option<&'a [u8]>,
    /// Whether `to` itself is included (default: excluded).
    pub to_inclusive: bool,
    /// Scan from the upper bound down instead.
    pub reverse: bool,
    /// At most this many entries.
    pub limit: Option<usize>,
}

/// An iterator over the entries of a range, in key order (or reverse order).
pub struct Range<'t> {
    cursor: Cursor<'t>,
    from: Option<Vec<u8>>,
    to: Option<Vec<u8>>,
    to_inclusive: bool,
    reverse: bool,
    remaining: usize,
    started: bool,
    done: bool,
}

impl<'t> Range<'t> {
    pub(crate) fn new(cursor: Cursor<'t>, opts: &RangeOptions) -> Result<Range<'t>> {
        let bound = |b: Option<&[u8]>| b.filter(|b| !b.is_empty()).map(<[u8]>::to_vec);
        Ok(Range {
            cursor,
            from: bound(opts.from),
            to: bound(opts.to),
            to_inclusive: opts.to_inclusive,
            reverse: opts.reverse,
            remaining: opts.limit.unwrap_or(usize::MAX),
            started: false,
            done: false,
        })
    }

    fn below_to(&self, key: &[u8]) -> bool {
        match &self.to {
            None => true,
            Some(to) if self.to_inclusive => key <= to.as_slice(),
            Some(to) => key < to.as_slice(),
        }
    }

    fn above_from(&self, key: &[u8]) -> bool {
        self.from.as_deref().is_none_or(|from| key >= from)
    }

    /// Positions on the first entry of the range.
    fn start(&mut self) -> Result<Option<Entry<'t>>> {
        if !self.reverse {
            return match self.from.clone() {
                Some(from) => self.cursor.seek(&from),
                None => self.cursor.first(),
            };
        }
        let Some(to) = self.to.clone() else {
            return self.cursor.last();
        };
        match self.cursor.seek(&to)? {
            // Past every key: the last one is the highest below `to`.
            None => self.cursor.last(),
            Some(entry) if self.below_to(entry.0) => Ok(Some(entry)),
            Some(_) => self.cursor.prev(),
        }
    }

    fn step(&mut self) -> Result<Option<Entry<'t>>> {
        let entry = if self.started {
            if self.reverse {
                self.cursor.prev()?
            } else {
                self.cursor.next()?
            }
        } else {
            self.started = true;
            self.start()?
        };
        Ok(entry.filter(|(k, _)| self.below_to(k) && self.above_from(k)))
    }
}

impl<'t> Iterator for Range<'t> {
    type Item = Result<Entry<'t>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.remaining == 0 {
            return None;
        }
        match self.step() {
            Ok(Some(entry)) => {
                self.remaining -= 1;
                Some(Ok(entry))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::fmt::Debug for Range<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Range")
            .field("table", &self.cursor.table.name())
            .finish()
    }
}

impl std::fmt::Debug for Cursor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor")
            .field("table", &self.table.name())
            .finish()
    }
}
