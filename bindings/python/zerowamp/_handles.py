"""Ownership of C handles: each is freed exactly once — by an explicit close, by a consuming call
(``zw_txn_commit``), or by the garbage collector — and live ones are counted, so tests can show
that nothing leaks.

Python objects free their handles through :class:`Owned`; they never call a ``_free``
function themselves.
"""

import atexit
import weakref

from ._ffi import ffi

# address -> kind of every handle not yet freed. Single dict operations only (set, pop): they are
# atomic under the GIL on CPython and PyPy, and a GC finalizer may run between any two bytecodes.
_live = {}


def live_handles():
    """How many C handles of each kind ("env", "table", "txn", "cursor") are alive now."""
    counts = {}
    for kind in list(_live.values()):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


class Owned:
    """One C handle and the function that frees it.

    ``ptr`` is the handle while it is alive; after :meth:`free` or :meth:`take` it is ``None``.
    If the owner forgets it, the garbage collector frees it (``ffi.gc``; ``size`` tells PyPy's
    GC roughly how much memory the handle holds outside Python)."""

    __slots__ = ("ptr", "kind", "_key", "__weakref__")

    def __init__(self, ptr, kind, free, size=0):
        key = int(ffi.cast("uintptr_t", ptr))

        def destroy(raw, free=free, key=key):
            _live.pop(key, None)
            free(raw)

        self.ptr = ffi.gc(ptr, destroy, size)
        self.kind = kind
        self._key = key
        _live[key] = kind

    @property
    def alive(self):
        return self.ptr is not None

    def free(self):
        """Frees the handle now (no-op when it is already gone)."""
        ptr, self.ptr = self.ptr, None
        if ptr is not None:
            ffi.release(ptr)

    def take(self):
        """Hands the raw handle to a C call that consumes it (such as ``zw_txn_commit``): from
        now on nobody here frees it."""
        ptr, self.ptr = self.ptr, None
        ffi.gc(ptr, None)
        _live.pop(self._key, None)
        return ptr


# Objects whose close() must run before the interpreter goes away: a live client's I/O thread
# would otherwise call into a Python that is shutting down. Clients close before routers.
_close_at_exit = (weakref.WeakSet(), weakref.WeakSet())


def close_at_exit(obj, late=False):
    """Has ``obj.close()`` run at interpreter exit if it is still alive then (``late``: after
    the others)."""
    _close_at_exit[bool(late)].add(obj)


@atexit.register
def _close_all():
    for group in _close_at_exit:
        for obj in list(group):
            obj.close()


class Closing:
    """A handle that is its own context manager: leaving the ``with`` block calls ``close()``."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
