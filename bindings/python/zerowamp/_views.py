"""Zero-copy values: read-only memoryviews straight into LMDB's map, released by their
transaction the moment they stop being valid.

A view is valid until its transaction ends, resets, or (a write transaction) writes again. Then
the transaction calls :meth:`Views.release_all`, and any later use of a view it handed out raises
``ValueError`` ("operation forbidden on released memoryview object") instead of reading memory
LMDB may have reused or unmapped.

What cannot be revoked: the buffer protocol has no way to take a pointer back once given. A
memoryview *derived* from a view (``v[2:]``, ``memoryview(v)``, ``v.cast(...)``) shares the
underlying buffer and is not released with it, and a consumer holding an export (a NumPy array
over the view) keeps the view from being released — both must not outlive the transaction;
``bytes(v)`` is the copy that may. A view that still has exports when its transaction ends is
reported with a ``RuntimeWarning``.
"""

import warnings
import weakref

from ._ffi import ffi

_EMPTY = b""


class Views:
    """The views one transaction handed out, held weakly (a view nobody holds needs no release)."""

    __slots__ = ("_refs", "_prune_at")

    def __init__(self):
        self._refs = []
        self._prune_at = 64

    def make(self, data, length):
        """A read-only memoryview of ``length`` bytes at ``data`` (a ``const uint8_t *`` into the
        map), tracked for release."""
        if length:
            view = memoryview(ffi.buffer(data, length)).toreadonly()
        else:
            view = memoryview(_EMPTY)  # an empty slice may have a NULL pointer
        refs = self._refs
        refs.append(weakref.ref(view))
        if len(refs) >= self._prune_at:
            # Keep the list as long as the live views, not as long as all gets ever made.
            refs[:] = [r for r in refs if r() is not None]
            self._prune_at = max(64, 2 * len(refs))
        return view

    def release_all(self):
        """Releases every view still alive; warns about those an export keeps alive."""
        refs, self._refs = self._refs, []
        self._prune_at = 64
        stuck = 0
        for ref in refs:
            view = ref()
            if view is None:
                continue
            try:
                view.release()
            except BufferError:
                stuck += 1
        if stuck:
            warnings.warn(
                f"zerowamp: {stuck} value view(s) still had exports (such as a NumPy array) when "
                f"their transaction moved on; those exports now point at memory LMDB may reuse — "
                f"copy values with bytes() to keep them",
                RuntimeWarning,
                stacklevel=3,
            )
