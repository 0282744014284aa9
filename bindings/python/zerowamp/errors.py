"""zerowamp's errors: every failing ``zw_result`` becomes a :class:`Error` (or the subclass for its
code) carrying the code, the code's name and this thread's detail message from the library."""

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
    return _BY_CODE.get(code, Error)(message, code)


def check(code):
    """Raises the matching :class:`Error` unless ``code`` is ``ZW_OK``."""
    if code != 0:
        raise error_for(code)
