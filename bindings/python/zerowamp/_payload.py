"""Outgoing payloads: the ``zw_payload`` for a call, publication, yield, progress or error.

One of three forms, chosen by the keyword given:

* ``record=`` — a FlatBuffers record, sent in Payload Passthru Mode (what ``txn.get`` returns,
  or any bytes-like);
* ``binary=`` — one binary positional argument (autobahn sees ``args[0]`` as ``bytes``);
* ``args=`` / ``kwargs=`` — a list and a dict, sent as JSON text that the library re-encodes for
  the session's serializer (no ``bytes`` inside: use ``binary=``).

``pin=`` is the read :class:`Txn` a ``record``/``binary`` memoryview came from: the library then
shares that transaction's snapshot and sends the bytes without copying them, and the
transaction may end right after the call returns. Without it the library copies the bytes once.
"""

import json

from ._ffi import ffi
from ._loader import lib


def _no_bytes(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("bytes cannot travel inside JSON args/kwargs: send them with binary= (or record=)")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_no_bytes).encode("utf-8")


class Payload:
    """A ``zw_payload *`` (or NULL: no arguments) and the buffers it points into; a context
    manager that releases the buffer exports when the call is over (so that the memoryviews
    they came from can be released by their transaction later)."""

    __slots__ = ("ptr", "_exports", "_keep")

    def __init__(self, args=None, kwargs=None, record=None, binary=None, pin=None):
        self._exports = []
        self._keep = []
        try:
            self._build(args, kwargs, record, binary, pin)
        except BaseException:
            self.release()
            raise

    def _build(self, args, kwargs, record, binary, pin):
        given = [name for name, v in (("record", record), ("binary", binary)) if v is not None]
        if len(given) > 1 or (given and (args or kwargs)):
            raise ValueError("give one payload: record=, binary=, or args=/kwargs=")
        if pin is not None and not given:
            raise ValueError("pin= goes with record= or binary=")
        if given:
            data = record if record is not None else binary
            buf = ffi.from_buffer("uint8_t[]", data)
            self._exports.append(buf)
            p = ffi.new("zw_payload *")
            p.kind = lib.ZW_PAYLOAD_RECORD if record is not None else lib.ZW_PAYLOAD_BINARY
            p.data.data = buf
            p.data.len = len(buf)
            if pin is not None:
                p.pin = pin._handle()
            self.ptr = p
        elif args or kwargs:
            p = ffi.new("zw_payload *")
            p.kind = lib.ZW_PAYLOAD_JSON
            if args:
                if isinstance(args, (str, bytes, dict)):
                    raise TypeError("args= is a list (or tuple) of positional arguments")
                text = ffi.new("char[]", _json(list(args)))
                self._keep.append(text)
                p.args_json = text
            if kwargs:
                if not isinstance(kwargs, dict):
                    raise TypeError("kwargs= is a dict")
                text = ffi.new("char[]", _json(kwargs))
                self._keep.append(text)
                p.kwargs_json = text
            self.ptr = p
        else:
            self.ptr = ffi.NULL

    def release(self):
        """Gives the buffers back to their owners (memoryviews can be released again)."""
        exports, self._exports = self._exports, []
        for buf in exports:
            ffi.release(buf)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
