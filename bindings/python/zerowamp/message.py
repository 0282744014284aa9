"""Received WAMP messages (a RESULT, EVENT, INVOCATION or ERROR) as Python objects.

A :class:`Message` is one of three kinds of view over a ``zw_message``:

* **borrowed** — what a callback receives (an event, a progressive or final result): valid until
  the callback returns. Then it is ended: its ``binary`` memoryview is released and every
  accessor raises :class:`ClosedError`. Call :meth:`Message.detach` inside the callback to keep a
  copy.
* **owned** — the result of a blocking :meth:`Client.call`: valid until :meth:`close` (or the
  end of a ``with`` block, or garbage collection). An invocation's message is valid until the
  invocation is answered.
* **detached** — a plain-Python copy (:meth:`detach`): valid forever; ``binary`` is a memoryview
  over a ``bytes`` copy.

The payload is read through the library's accessors: ``binary`` is the record or binary argument
straight out of the received frame (no copy), ``args``/``kwargs``/``details`` are parsed from the
JSON the library renders (a binary value inside them, rendered ``{"$bytes": "<base64>"}``, comes
back as ``bytes``).
"""

import base64
import json

from ._ffi import ffi
from ._handles import Closing, Owned
from ._loader import lib
from ._views import Views
from .errors import ClosedError, WampError, check

#: ``zw_message_payload_kind`` -> :attr:`Message.kind`.
KINDS = {
    lib.ZW_PAYLOAD_NONE: "none",
    lib.ZW_PAYLOAD_RECORD: "record",
    lib.ZW_PAYLOAD_BINARY: "binary",
    lib.ZW_PAYLOAD_JSON: "json",
}
_NOT_FOUND = lib.ZW_NOT_FOUND
_FIELDS = ("kind", "binary", "args", "kwargs", "details", "error", "passthru", "request_id")


def _bytes_hook(obj):
    """The library renders a binary value inside JSON as ``{"$bytes": "<base64>"}``."""
    if len(obj) == 1 and "$bytes" in obj:
        return base64.b64decode(obj["$bytes"])
    return obj


def _string(fn, ptr):
    """A ``const char *`` accessor's text, or ``None`` when it answers ``ZW_NOT_FOUND``."""
    out = ffi.new("const char **")
    rc = fn(ptr, out)
    if rc == _NOT_FOUND:
        return None
    check(rc)
    return ffi.string(out[0]).decode("utf-8")


def _json(fn, ptr):
    return json.loads(_string(fn, ptr), object_hook=_bytes_hook)


class Message(Closing):
    """A received WAMP message; see the module's doc for how long it is valid.

    ``kind`` is ``"record"`` (a FlatBuffers record in passthru mode), ``"binary"`` (one binary
    positional argument), ``"json"`` (other args/kwargs) or ``"none"``."""

    __slots__ = ("_ptr", "_owner", "_own", "_views", "_cache", "_ended")

    def __init__(self, ptr, owner=None, cache=None, views=None):
        # _ptr is valid while _ended is None and _owner (the Owned that holds the memory, if
        # any) is alive; a detached copy has no _ptr and answers from _cache alone.
        self._ptr = ptr
        self._owner = owner
        self._own = False
        self._views = views if views is not None else Views()
        self._cache = cache if cache is not None else {}
        self._ended = None

    # --- making and ending ------------------------------------------------------------------

    @classmethod
    def _owned(cls, ptr):
        """A message the caller owns (from ``zw_call_wait``): freed by :meth:`close` or the GC."""
        views = Views()

        def free(raw):
            views.release_all()  # they point into the message's frame
            lib.zw_message_free(raw)

        msg = cls(ptr, Owned(ptr, "message", free, size=1024), views=views)
        msg._own = True
        return msg

    def _end(self, why):
        """Invalidates the message (a callback returned, an invocation was answered): its
        memoryviews are released and accessors raise :class:`ClosedError` saying ``why``."""
        self._ended = why
        self._ptr = None
        self._cache.clear()
        self._views.release_all()

    def _handle(self):
        if self._ended:
            raise ClosedError(self._ended)
        if self._owner is not None and not self._owner.alive:
            raise ClosedError("the message was freed" if self._own else "the invocation was answered")
        return self._ptr

    def _get(self, name, read):
        ptr = self._handle()
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self._cache[name] = read(ptr)
        return value

    def close(self):
        """Frees an owned message (a blocking call's result) now; its ``binary`` is released.
        Does nothing for other messages."""
        if self._own:
            self._owner.free()

    # --- the payload ------------------------------------------------------------------------

    @property
    def kind(self):
        """``"record"``, ``"binary"``, ``"json"`` or ``"none"``."""
        return self._get("kind", lambda p: KINDS[lib.zw_message_payload_kind(p)])

    @property
    def binary(self):
        """A ``"record"`` or ``"binary"`` payload: a read-only memoryview into the received frame
        (no copy), released when the message stops being valid; ``None`` for other kinds."""
        return self._get("binary", self._read_binary)

    def _read_binary(self, ptr):
        out = ffi.new("zw_slice *")
        rc = lib.zw_message_binary(ptr, out)
        if rc == _NOT_FOUND:
            return None
        check(rc)
        return self._views.make(out.data, out.len)

    @property
    def args(self):
        """The positional arguments, a list (empty when there are none)."""
        return self._get("args", lambda p: _json(lib.zw_message_args_json, p))

    @property
    def kwargs(self):
        """The keyword arguments, a dict (empty when there are none)."""
        return self._get("kwargs", lambda p: _json(lib.zw_message_kwargs_json, p))

    @property
    def details(self):
        """The message's details dict (``progress``, ``publisher``, ``caller``, ...)."""
        return self._get("details", lambda p: _json(lib.zw_message_details_json, p))

    @property
    def error(self):
        """An ERROR's URI; ``None`` for other messages."""
        return self._get("error", lambda p: _string(lib.zw_message_error_uri, p))

    @property
    def passthru(self):
        """``(scheme, serializer)`` of a payload in passthru mode (``serializer`` may be
        ``None``), else ``None``."""
        return self._get("passthru", self._read_passthru)

    @staticmethod
    def _read_passthru(ptr):
        scheme = ffi.new("const char **")
        serializer = ffi.new("const char **")
        rc = lib.zw_message_passthru(ptr, scheme, serializer)
        if rc == _NOT_FOUND:
            return None
        check(rc)
        ser = ffi.string(serializer[0]).decode() if serializer[0] != ffi.NULL else None
        return ffi.string(scheme[0]).decode(), ser

    @property
    def request_id(self):
        """The call's request id, the publication id, or the invocation id."""
        return self._get("request_id", lib.zw_message_request_id)

    # --- copies -----------------------------------------------------------------------------

    def detach(self):
        """A copy that stays valid: every field read now, the binary payload copied to bytes."""
        cache = {name: getattr(self, name) for name in _FIELDS}
        if cache["binary"] is not None:
            cache["binary"] = memoryview(cache["binary"].tobytes()).toreadonly()
        return Message(None, cache=cache)

    def to_error(self):
        """An ERROR as the :class:`WampError` to raise."""
        return WampError(self.error, self.args, self.kwargs, details=self.details)

    def __repr__(self):
        try:
            kind = self.kind
        except ClosedError:
            return "<zerowamp.Message ended>"
        if kind in ("record", "binary"):
            body = f"{len(self.binary)} bytes"
        else:
            body = f"args={self.args!r}, kwargs={self.kwargs!r}"
        error = f" error={self.error!r}" if self.error else ""
        return f"<zerowamp.Message {kind}{error} {body}>"
