"""Transactions: consistent snapshots to read from (zero-copy), and the single writer."""

import threading
import warnings
import weakref

from ._ffi import ffi
from ._handles import Owned
from ._loader import lib
from ._views import Views
from .cursor import Cursor
from .errors import ClosedError, check
from .keys import Scratch

# Looked up once: attribute access on the library object costs a call on CPython.
_NOT_FOUND = lib.ZW_NOT_FOUND
_get = lib.zw_txn_get


class Txn:
    """A read or write transaction; made by :meth:`Env.begin`.

    As a context manager it commits when the block succeeds and aborts when it raises. Values
    it returns are memoryviews into LMDB's map (no copy), valid until the transaction ends,
    resets, or — a write transaction — writes again; after that, using them raises
    ``ValueError`` (see :mod:`zerowamp._views`). A dropped transaction is aborted by the garbage
    collector, which releases its values too: keep it referenced while you read them.

    A read transaction may move between threads (one at a time); a write transaction must be
    used and ended on the thread that began it (others raise ``RuntimeError``).
    """

    def __init__(self, env, write=False):
        self.env = env
        self.write = bool(write)
        begin = lib.zw_txn_begin_write if self.write else lib.zw_txn_begin_read
        out = ffi.new("zw_txn **")
        check(begin(env._handle(), out))
        self._thread = threading.get_ident()
        self._views = views = Views()
        self._cursors = cursors = weakref.WeakSet()
        self._owned = Owned(out[0], "txn", _finalizer(views, cursors, self.write, self._thread), 4096)
        self._out = ffi.new("zw_slice *")
        self._scratch = Scratch()
        env._adopt(self)

    # --- state ------------------------------------------------------------------------------

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError("the transaction has ended")
        if self.write and threading.get_ident() != self._thread:
            raise RuntimeError("a write transaction must be used on the thread that began it")
        return ptr

    def _invalidate(self):
        """Releases the values handed out so far and closes the cursors: they are invalid now."""
        self._views.release_all()
        for cursor in list(self._cursors):
            cursor.close()
        self._cursors.clear()

    def _encode(self, table, key):
        """``key`` encoded for ``table``, as a ``zw_slice`` (valid until the next encode)."""
        return table.key.encode(table._handle(), key, self._scratch)[0]

    @property
    def closed(self):
        """Whether the transaction has ended (committed or aborted)."""
        return not self._owned.alive

    # --- reads ------------------------------------------------------------------------------

    def get(self, table, key):
        """The value under ``key`` as a read-only memoryview into the map, or ``None``."""
        ptr = self._handle()
        out = self._out
        rc = _get(ptr, table._handle(), self._encode(table, key), out)
        if rc == _NOT_FOUND:
            return None
        check(rc)
        return self._views.make(out.data, out.len)

    def count(self, table):
        """The number of records in ``table`` (from the B-tree's counters: no scan)."""
        out = ffi.new("uint64_t *")
        check(lib.zw_table_count(table._handle(), self._handle(), out))
        return out[0]

    def range(self, table, start=None, stop=None, *, reverse=False, limit=None, stop_inclusive=False):
        """Iterates ``(key, value)`` memoryviews of ``table`` in key order from ``start``
        (inclusive) to ``stop`` (exclusive, unless ``stop_inclusive``); ``None`` bounds mean the
        table's ends. ``reverse`` walks the same range from its last key down; ``limit`` caps the
        number of records. Keys are the encoded key bytes."""
        cursor = Cursor(self, table, start, stop, reverse, limit, stop_inclusive)
        self._cursors.add(cursor)
        return cursor

    # --- writes -----------------------------------------------------------------------------

    def put(self, table, key, value, *, overwrite=True):
        """Stores ``value`` (bytes-like) under ``key``. In a table with a root type the value is
        verified first: an invalid buffer raises :class:`VerifyError` and nothing is written.
        With ``overwrite=False`` an existing key raises :class:`KeyExists`. Earlier values of
        this transaction are released."""
        ptr = self._handle()
        key = self._encode(table, key)
        if isinstance(value, memoryview):
            # It may point into the map, which the write is about to change (and it may be one of
            # our views, released below): copy it first.
            value = value.tobytes()
        data = ffi.from_buffer("uint8_t[]", value)
        flags = 0 if overwrite else lib.ZW_PUT_NO_OVERWRITE
        self._invalidate()
        check(lib.zw_txn_put(ptr, table._handle(), key, (data, len(data)), flags))

    def delete(self, table, key):
        """Deletes ``key``; returns whether it was there. Earlier values are released."""
        ptr = self._handle()
        key = self._encode(table, key)
        self._invalidate()
        rc = lib.zw_txn_delete(ptr, table._handle(), key)
        if rc == _NOT_FOUND:
            return False
        check(rc)
        return True

    def truncate(self, table):
        """Deletes every record of ``table`` (the table stays). Earlier values are released."""
        ptr = self._handle()
        self._invalidate()
        check(lib.zw_txn_truncate(ptr, table._handle()))

    # --- ending and reuse -------------------------------------------------------------------

    def commit(self):
        """Commits (a write) or ends (a read) the transaction. The transaction is over even when
        the commit fails; then nothing of it was written."""
        self._handle()
        self._invalidate()
        check(lib.zw_txn_commit(self._owned.take()))

    def abort(self):
        """Ends the transaction without writing anything. Does nothing if it has ended."""
        if self._owned.alive:
            self._handle()
            self._owned.free()  # the finalizer releases values and cursors, then aborts

    def reset(self):
        """Releases a read transaction's snapshot (and its values and cursors), keeping the
        handle for :meth:`renew`."""
        ptr = self._handle()
        self._invalidate()
        check(lib.zw_txn_reset(ptr))

    def renew(self):
        """Takes a fresh snapshot in a read transaction after :meth:`reset`."""
        check(lib.zw_txn_renew(self._handle()))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self._owned.alive:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def __repr__(self):
        kind = "write" if self.write else "read"
        return f"<zerowamp.Txn {kind} {'ended' if self.closed else 'live'}>"


def _finalizer(views, cursors, write, thread):
    """What ends a transaction that is aborted or collected: release its values and cursors
    first (they point into its snapshot), then abort it — unless it is a write transaction
    collected on another thread, which LMDB forbids: then it is left to its thread's end."""

    def finalize(raw):
        views.release_all()
        for cursor in list(cursors):
            cursor.close()
        if write and threading.get_ident() != thread:
            warnings.warn(
                "zerowamp: a write transaction was garbage-collected on another thread than the "
                "one that began it and cannot be aborted there; end transactions explicitly "
                "(use `with env.begin(write=True) as txn:`)",
                RuntimeWarning,
            )
            return
        lib.zw_txn_abort(raw)

    return finalize
