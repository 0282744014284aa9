"""zerowamp's errors: every failing ``zw_result`` becomes a :class:`Error` (or the subclass for its
code) carrying the code, the code's name and this thread's detail message from the library."""

import builtins

from ._ffi import ffi
from ._loader import lib

_RESULT_NAMES = ffi.typeof("enum zw_result").elements


class Error(Exception):
    """A zerowamp call failed.

    ``code`` is the ``zw_result`` value, ``name`` its name in the header (``"ZW_ERR_MAP_FULL"``),
    ``message`` the detail (which call, what was wrong, what to do)."""

    #: The ``zw_result`` name a subclass stands for; ``None`` for the base class.
    zw_name = None

    def __init__(self, message, code=None):
        if code is None:
            code = getattr(lib, self.zw_name) if self.zw_name else -1
        self.code = code
        self.name = _RESULT_NAMES.get(code, f"zw_result {code}")
        self.message = message
        super().__init__(message)

    def __str__(self):
        return f"{self.message} [{self.name}]"


class InternalError(Error):
    """A bug in zerowamp: a panic was caught at the C boundary."""

    zw_name = "ZW_ERR_PANIC"


class InvalidArgument(Error, ValueError):
    """An argument has a value the library cannot accept (the message says which)."""

    zw_name = "ZW_ERR_INVALID_ARGUMENT"


class IoError(Error):
    """An operating-system call failed (the message carries the errno text)."""

    zw_name = "ZW_ERR_IO"


class ClosedError(Error):
    """The object, or the environment or transaction it belongs to, was closed or has ended."""

    zw_name = "ZW_ERR_CLOSED"


class KeyExists(Error):
    """``put(..., overwrite=False)`` found the key already there."""

    zw_name = "ZW_ERR_KEY_EXISTS"


class MapFull(Error):
    """The map is full: abort, grow it with :meth:`Env.set_map_size`, and redo."""

    zw_name = "ZW_ERR_MAP_FULL"


class ReadersFull(Error):
    """Every reader slot of the environment is taken."""

    zw_name = "ZW_ERR_READERS_FULL"


class ReadOnlyError(Error):
    """A write in a read transaction or on a read-only environment."""

    zw_name = "ZW_ERR_READ_ONLY"


class InvalidKey(Error, ValueError):
    """A key does not fit the table's key codec."""

    zw_name = "ZW_ERR_INVALID_KEY"


class UnknownTable(Error):
    """No table of that name exists."""

    zw_name = "ZW_ERR_UNKNOWN_TABLE"


class UnknownRootType(Error):
    """No registered schema declares the root type."""

    zw_name = "ZW_ERR_UNKNOWN_ROOT_TYPE"


class VerifyError(Error, ValueError):
    """A value is not a valid FlatBuffer of the table's root type; nothing was written."""

    zw_name = "ZW_ERR_VERIFY"


class SchemaIncompatible(Error):
    """A table's schema, key codec or value type changed in a way old records cannot take."""

    zw_name = "ZW_ERR_SCHEMA_INCOMPATIBLE"


class VersionMismatch(Error):
    """The environment is held open by a process using another LMDB lock format."""

    zw_name = "ZW_ERR_VERSION_MISMATCH"


class InvalidFile(Error):
    """The file is not an LMDB environment this build can read."""

    zw_name = "ZW_ERR_INVALID_FILE"


class Busy(Error):
    """The operation needs the environment idle, but a transaction of this process is live."""

    zw_name = "ZW_ERR_BUSY"


class TxnResetError(Error):
    """The read transaction was reset: renew it before reading."""

    zw_name = "ZW_ERR_TXN_RESET"


class PathNotFound(Error):
    """The environment's path does not exist."""

    zw_name = "ZW_ERR_PATH_NOT_FOUND"


class LmdbError(Error):
    """LMDB failed with no more specific code (the message carries its text)."""

    zw_name = "ZW_ERR_LMDB"


# --- WAMP (codes 7200-7299) -----------------------------------------------------------------------


class WampError(Error):
    """The peer answered with a WAMP ERROR: ``uri`` names the error (``"wamp.error.no_such_procedure"``),
    ``args``/``kwargs``/``details`` are what it carried.

    Raise it in an invocation handler to answer the caller with that error::

        raise zerowamp.WampError("com.example.error.not_allowed", ["no"], {"why": "because"})
    """

    zw_name = "ZW_ERR_WAMP"

    def __init__(self, uri, args=None, kwargs=None, *, details=None, code=None):
        args = tuple(args or ())
        self.uri = uri
        self.kwargs = dict(kwargs or {})
        self.details = dict(details or {})
        text = uri
        if args or self.kwargs:
            shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
            text = f"{uri}({', '.join(shown)})"
        super().__init__(text, code)
        # Like autobahn's ApplicationError: the exception's args are the error's WAMP args.
        self.args = args


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001  (zerowamp.TimeoutError is one)
    """A blocking request or call got no answer in time."""

    zw_name = "ZW_ERR_TIMEOUT"


class NotConnected(Error, ConnectionError):
    """The client has no session right now (it is reconnecting)."""

    zw_name = "ZW_ERR_NOT_CONNECTED"


class SessionLost(Error, ConnectionError):
    """The session ended while the request was in flight."""

    zw_name = "ZW_ERR_SESSION_LOST"


class QueueFull(Error):
    """The client's send queue is full (backpressure): slow down or raise ``send_block``."""

    zw_name = "ZW_ERR_QUEUE_FULL"


class ConnectError(Error, ConnectionError):
    """Connecting or joining failed: refused, TLS, or the router aborted (the message says)."""

    zw_name = "ZW_ERR_CONNECT"


class InCallbackError(Error, RuntimeError):
    """A blocking function was called inside a callback, where it would deadlock the client."""

    zw_name = "ZW_ERR_IN_CALLBACK"


class Canceled(Error):
    """The call was canceled."""

    zw_name = "ZW_ERR_CANCELED"


class ProtocolError(Error):
    """The peer broke the protocol, or a message was too large or could not be encoded."""

    zw_name = "ZW_ERR_PROTOCOL"


class InvocationGone(Error):
    """The invocation cannot be answered: its session ended."""

    zw_name = "ZW_ERR_INVOCATION_GONE"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Code -> class; a class naming a code the header lacks fails here, at import, not at raise time.
_BY_CODE = {getattr(lib, cls.zw_name): cls for cls in _subclasses(Error)}


def last_error_message():
    """This thread's last detail message from the library."""
    size = lib.zw_last_error_message(ffi.NULL, 0)
    buf = ffi.new("char[]", size + 1)
    lib.zw_last_error_message(buf, size + 1)
    return ffi.string(buf).decode("utf-8", "replace")


def error_for(code):
    """The exception for a failed call's ``code``, with the detail message of this thread (call
    it right after the failing call, on the same thread)."""
    message = last_error_message() or ffi.string(lib.zw_strerror(code)).decode()
    cls = _BY_CODE.get(code, Error)
    if cls is WampError:
        # A request with no ERROR message to hand back (publish, subscribe, register): the
        # library keeps this thread's last one for us.
        from .message import Message  # message.py needs this module first

        out = ffi.new("zw_message **")
        if lib.zw_last_wamp_error(out) == 0:
            with Message._owned(out[0]) as error:
                return error.to_error()
        return WampError(message.partition(": ")[0], code=code)
    return cls(message, code=code)


def check(code):
    """Raises the matching :class:`Error` unless ``code`` is ``ZW_OK``."""
    if code != 0:
        raise error_for(code)
