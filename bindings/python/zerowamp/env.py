"""Environments: an LMDB file (or directory) with its tables, opened once per process."""

import collections
import os
import weakref

from ._ffi import ffi
from ._handles import Closing, Owned
from ._loader import lib
from .errors import ClosedError, check
from .table import Table
from .txn import Txn


def _struct_tuple(name, c_type):
    """A namedtuple with the fields of the C struct ``c_type``, in order (so it cannot drift)."""
    return collections.namedtuple(name, [field for field, _ in ffi.typeof(c_type).fields])


#: B-tree counters of the environment's main table (``zw_stat``).
Stat = _struct_tuple("Stat", "zw_stat")
#: Facts about the environment: map size, last page and transaction, readers (``zw_envinfo``).
EnvInfo = _struct_tuple("EnvInfo", "zw_envinfo")


class Env(Closing):
    """An open environment.

    ``path`` is a directory (or, with ``subdir=False``, the data file itself). Options left as
    ``None`` keep the library's defaults (``zw_env_options_init``: a 1 GiB map, 64 tables, 126
    readers). ``read_only`` opens without writing; ``sync=False`` skips the fsync on commit
    (a system crash may lose the last transactions, never corrupt the file); ``auto_grow``
    doubles the map when it fills up (see ``docs/c-api.md``). ``schemas`` are binary schemas
    (``.bfbs`` bytes or paths) to :meth:`register_schema` right away.

    Thread-safe. As a context manager it closes on exit; closing ends the transactions and frees
    the tables still open in it, and the values they handed out are released.
    """

    def __init__(self, path, *, map_size=None, max_tables=None, max_readers=None,
                 read_only=False, sync=True, subdir=True, auto_grow=True, schemas=()):
        self.path = os.fspath(path)
        opts = ffi.new("zw_env_options *")
        check(lib.zw_env_options_init(opts))
        if map_size is not None:
            opts.map_size = map_size
        if max_tables is not None:
            opts.max_tables = max_tables
        if max_readers is not None:
            opts.max_readers = max_readers
        opts.flags = (
            (lib.ZW_ENV_READ_ONLY if read_only else 0)
            | (0 if sync else lib.ZW_ENV_NO_SYNC)
            | (0 if subdir else lib.ZW_ENV_NO_SUBDIR)
            | (lib.ZW_ENV_AUTO_GROW if auto_grow else 0)
        )
        out = ffi.new("zw_env **")
        check(lib.zw_env_open(os.fsencode(self.path), opts, out))
        self._owned = Owned(out[0], "env", lib.zw_env_close, size=1 << 16)
        # Children to end on close; held weakly so that a dropped child is simply collected.
        self._children = weakref.WeakSet()
        try:
            for schema in schemas:
                self.register_schema(schema)
        except BaseException:
            self.close()
            raise

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError(f"the environment {self.path!r} was closed")
        return ptr

    def _adopt(self, child):
        self._children.add(child)

    # --- tables and transactions ------------------------------------------------------------

    def table(self, name, *, key="bytes", root_type=None, create=True):
        """Opens (and with ``create``, creates) the table ``name``; see :class:`Table`."""
        return Table(self, name, key=key, root_type=root_type, create=create)

    def begin(self, write=False):
        """Begins a transaction (a context manager): a read snapshot, or with ``write=True`` the
        environment's single writer (waits while another one is live)."""
        return Txn(self, write)

    def drop_table(self, name):
        """Deletes the table ``name`` and all its records (in a write transaction of its own)."""
        check(lib.zw_env_drop_table(self._handle(), name.encode("utf-8")))

    def register_schema(self, bfbs):
        """Registers a binary FlatBuffers schema (``flatc --binary --schema``): bytes-like, or a
        path to a ``.bfbs`` file. Tables can then name its types as their ``root_type``."""
        if isinstance(bfbs, (str, os.PathLike)):
            with open(bfbs, "rb") as f:
                bfbs = f.read()
        data = ffi.from_buffer("uint8_t[]", bfbs)
        check(lib.zw_env_register_schema(self._handle(), (data, len(data))))

    # --- maintenance ------------------------------------------------------------------------

    def stat(self):
        """B-tree counters of the main table, as a :data:`Stat`."""
        out = ffi.new("zw_stat *")
        check(lib.zw_env_stat(self._handle(), out))
        return Stat(*(getattr(out, field) for field in Stat._fields))

    def info(self):
        """Map size, last page, last transaction id and readers, as an :data:`EnvInfo`."""
        out = ffi.new("zw_envinfo *")
        check(lib.zw_env_info(self._handle(), out))
        return EnvInfo(*(getattr(out, field) for field in EnvInfo._fields))

    def sync(self, force=False):
        """Flushes to disk; with ``force`` even when opened with ``sync=False``."""
        check(lib.zw_env_sync(self._handle(), bool(force)))

    def copy(self, path, compact=False):
        """Writes a consistent backup into the existing, empty directory ``path`` (with
        ``subdir=False``: the new file ``path``). ``compact`` leaves free pages out."""
        check(lib.zw_env_copy(self._handle(), os.fsencode(path), bool(compact)))

    def set_map_size(self, size):
        """Sets the map size in bytes. Raises :class:`Busy` while a transaction of this process
        is live: after :class:`MapFull`, abort, end the others, grow, and redo."""
        check(lib.zw_env_set_map_size(self._handle(), size))

    # --- closing ----------------------------------------------------------------------------

    @property
    def closed(self):
        return not self._owned.alive

    def close(self):
        """Ends the transactions (aborting them) and frees the tables still open in this
        environment, then closes it. Calling it again does nothing."""
        if not self._owned.alive:
            return
        children = list(self._children)
        for child in children:
            if isinstance(child, Txn):
                child.abort()
        for child in children:
            if isinstance(child, Table):
                child.close()
        self._children.clear()
        self._owned.free()

    def __repr__(self):
        return f"<zerowamp.Env {self.path!r}{' closed' if self.closed else ''}>"
