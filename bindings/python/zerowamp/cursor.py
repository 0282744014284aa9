"""Range iteration: a cursor over a key range of one table, tied to its transaction."""

from ._ffi import ffi
from ._handles import Closing, Owned
from ._loader import lib
from .errors import ClosedError, check
from .keys import Scratch

_NOT_FOUND = lib.ZW_NOT_FOUND
_next = lib.zw_cursor_next


class Cursor(Closing):
    """An iterator of ``(key, value)`` memoryviews over a key range; made by :meth:`Txn.range`.

    Keys are the encoded key bytes (see :meth:`Table.encode_key`), values the stored bytes, both
    straight from the map and valid as the values of :meth:`Txn.get`. The cursor is closed when
    its transaction ends, resets or writes: then ``next()`` raises :class:`ClosedError`.
    """

    def __init__(self, txn, table, start, stop, reverse, limit, stop_inclusive):
        self.txn = txn
        self.table = table
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0 or None")
        rng = ffi.new("zw_range *")
        # The bounds are copied by zw_cursor_open; their buffers need to live through the call.
        scratch = (Scratch(), Scratch())
        if start is not None:
            setattr(rng, "from", table.key.encode(table._handle(), start, scratch[0])[0])
        if stop is not None:
            rng.to = table.key.encode(table._handle(), stop, scratch[1])[0]
        rng.flags = (lib.ZW_RANGE_REVERSE if reverse else 0) | (
            lib.ZW_RANGE_TO_INCLUSIVE if stop_inclusive else 0
        )
        self._key = ffi.new("zw_slice *")
        self._value = ffi.new("zw_slice *")
        # C's limit 0 means "no limit"; Python's limit=0 means no records: no cursor at all.
        self._done = limit == 0
        self._owned = None
        if self._done:
            return
        rng.limit = limit or 0
        out = ffi.new("zw_cursor **")
        check(lib.zw_cursor_open(txn._handle(), table._handle(), rng, out))
        self._owned = Owned(out[0], "cursor", lib.zw_cursor_free, size=256)

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError("the cursor's transaction has ended or been reset, or it was closed")
        rc = _next(ptr, self._key, self._value)
        if rc == _NOT_FOUND:
            self._done = True
            self._owned.free()
            raise StopIteration
        check(rc)
        views = self.txn._views
        key, value = self._key, self._value
        return views.make(key.data, key.len), views.make(value.data, value.len)

    def close(self):
        """Frees the cursor (its transaction does this when it ends)."""
        if self._owned is not None:
            self._owned.free()
