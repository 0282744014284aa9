"""Key codecs: turning Python values into the bytes of a table's key codec.

The bytes are made by the library (``zw_table_encode_key``), so Python never re-implements a
codec's layout. A codec is named by a string — ``"u64"`` (``int``), ``"uuid"`` (``uuid.UUID`` or
16 bytes), ``"str"`` (``str``), ``"bytes"`` (any bytes-like) — or, for a composite key, by a
tuple of those names, whose keys are tuples of such values. Composite keys sort part by part.
"""

import uuid

from ._ffi import ffi
from ._loader import lib
from .errors import InvalidKey, check

CODECS = {
    "u64": lib.ZW_KEY_U64,
    "uuid": lib.ZW_KEY_UUID,
    "str": lib.ZW_KEY_STRING,
    "bytes": lib.ZW_KEY_BYTES,
}
_U64_LIMIT = 1 << 64
# Looked up once: attribute access on the library object costs a call on CPython.
_U64, _UUID, _STRING = lib.ZW_KEY_U64, lib.ZW_KEY_UUID, lib.ZW_KEY_STRING
MAX_KEY_SIZE = lib.ZW_MAX_KEY_SIZE
_encode_key = lib.zw_table_encode_key


class Scratch:
    """Buffers for encoding keys again and again (one per transaction: no allocation per key).
    ``slice`` is a ``zw_slice`` over ``buf`` whose ``len`` :meth:`KeyCodec.encode` sets."""

    __slots__ = ("buf", "parts", "out_len", "slice")

    def __init__(self, parts=4):
        self.buf = ffi.new("uint8_t[]", MAX_KEY_SIZE)
        self.parts = ffi.new("zw_key_part[]", parts)
        self.out_len = ffi.new("size_t *")
        self.slice = ffi.new("zw_slice *", (self.buf, 0))


class KeyCodec:
    """A table's key codec, parsed from its name (or tuple of names)."""

    __slots__ = ("spec", "composite", "codes")

    def __init__(self, spec):
        self.composite = isinstance(spec, (tuple, list))
        names = tuple(spec) if self.composite else (spec,)
        if not names:
            raise ValueError("a composite key needs at least one part")
        unknown = [n for n in names if n not in CODECS]
        if unknown:
            raise ValueError(f"unknown key codec {unknown[0]!r}; use one of {sorted(CODECS)}")
        self.spec = names if self.composite else spec
        self.codes = [CODECS[n] for n in names]

    def fill_options(self, opts, keep):
        """Sets the key fields of a ``zw_table_options``; ``keep`` holds what must outlive the
        call."""
        if self.composite:
            parts = ffi.new("uint32_t[]", self.codes)
            keep.append(parts)
            opts.key_codec = lib.ZW_KEY_COMPOSITE
            opts.key_parts = parts
            opts.key_parts_len = len(self.codes)
        else:
            opts.key_codec = self.codes[0]

    def encode(self, table, key, scratch):
        """Encodes ``key`` for the table handle ``table`` into ``scratch.buf``; returns
        ``scratch.slice``, a ``zw_slice`` of the encoded bytes."""
        codes = self.codes
        if self.composite:
            if not isinstance(key, tuple):
                raise InvalidKey(f"a key of this table is a tuple {self.spec}, not {type(key).__name__}")
            if len(key) != len(codes):
                raise InvalidKey(f"a key of this table has {len(codes)} parts {self.spec}, not {len(key)}")
            values = key
        else:
            values = (key,)
        n = len(values)
        parts = scratch.parts if n <= len(scratch.parts) else ffi.new("zw_key_part[]", n)
        keep = []
        for i in range(n):
            _fill(parts[i], codes[i], values[i], keep)
        out_len = scratch.out_len
        check(_encode_key(table, parts, n, scratch.buf, MAX_KEY_SIZE, out_len))
        key_slice = scratch.slice
        key_slice.len = out_len[0]
        return key_slice


def _fill(part, code, value, keep):
    part.codec = code
    if code == _U64:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _U64_LIMIT:
            raise InvalidKey(f"a u64 key part is an int from 0 to 2**64-1, not {value!r}")
        part.u64 = value
        return
    if code == _STRING:
        if not isinstance(value, str):
            raise InvalidKey(f"a str key part is a str, not {type(value).__name__}")
        try:
            value = value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise InvalidKey(f"a str key part must be valid UTF-8: {err}") from None
    elif code == _UUID and isinstance(value, uuid.UUID):
        value = value.bytes
    elif isinstance(value, str):
        raise InvalidKey(f"a {_name(code)} key part is bytes, not str")
    try:
        data = ffi.from_buffer("uint8_t[]", value)
    except TypeError:
        raise InvalidKey(f"a {_name(code)} key part is bytes-like, not {type(value).__name__}") from None
    keep.append(data)
    part.bytes.data = data
    part.bytes.len = len(data)


def _name(code):
    return next(name for name, c in CODECS.items() if c == code)
