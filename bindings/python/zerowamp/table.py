"""Tables: named LMDB databases with a key codec and a value type."""

from ._ffi import ffi
from ._handles import Closing, Owned
from ._loader import lib
from .errors import ClosedError, check
from .keys import KeyCodec, Scratch


class Table(Closing):
    """A table of an :class:`~zerowamp.Env`; usually made with :meth:`Env.table`.

    ``key`` is the key codec (see :mod:`zerowamp.keys`): ``"u64"``, ``"uuid"``, ``"str"``,
    ``"bytes"`` or a tuple of those. ``root_type`` is the fully qualified FlatBuffers root type of
    the values (``"zerowamp.sample.Record"``) from a schema registered with
    :meth:`Env.register_schema` — every put is verified against it — or ``None`` for raw bytes.
    With ``create`` a missing table is created (in a writable environment).

    Reopening a table with another codec or value type raises :class:`SchemaIncompatible`. The
    handle is thread-safe; :meth:`close` (or the ``with`` block, or the environment's close)
    frees it.
    """

    def __init__(self, env, name, *, key="bytes", root_type=None, create=True):
        self.env = env
        self.name = name
        self.key = KeyCodec(key)
        self.root_type = root_type
        opts = ffi.new("zw_table_options *")
        check(lib.zw_table_options_init(opts))
        keep = []
        self.key.fill_options(opts, keep)
        if root_type is not None:
            root = ffi.new("char[]", root_type.encode("utf-8"))
            keep.append(root)
            opts.root_type = root
        opts.create = bool(create)
        out = ffi.new("zw_table **")
        check(lib.zw_table_open(env._handle(), name.encode("utf-8"), opts, out))
        self._owned = Owned(out[0], "table", lib.zw_table_free, size=256)
        env._adopt(self)

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError(f"table {self.name!r} was closed")
        return ptr

    def encode_key(self, key):
        """The bytes ``key`` is stored under in this table."""
        encoded = self.key.encode(self._handle(), key, Scratch())
        return ffi.buffer(encoded.data, encoded.len)[:]

    @property
    def closed(self):
        return not self._owned.alive

    def close(self):
        """Frees the handle; the table and its records stay in the environment."""
        self._owned.free()

    def __repr__(self):
        state = "closed" if self.closed else f"key={self.key.spec!r}, root_type={self.root_type!r}"
        return f"<zerowamp.Table {self.name!r} {state}>"
