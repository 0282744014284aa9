"""zerowamp for Python: FlatBuffers records in LMDB, read zero-copy as memoryviews.

A CFFI binding (ABI mode) of the zerowamp C library; the same code runs on CPython and PyPy::

    import zerowamp
    with zerowamp.Env("/tmp/db", schemas=["record.bfbs"]) as env:
        records = env.table("records", key="u64", root_type="zerowamp.sample.Record")
        with env.begin(write=True) as txn:
            txn.put(records, 1, record_bytes)
        with env.begin() as txn:
            value = txn.get(records, 1)   # a memoryview into the map, valid inside the block
            record = zerowamp.sample.Record.Record.GetRootAs(value, 0)

See bindings/python/README.md for lifetimes, errors and the package layout.
"""

from ._ffi import ffi as _ffi
from ._handles import live_handles
from ._loader import LIBRARY_PATH as library_path
from ._loader import lib as _lib
from .cursor import Cursor
from .env import EnvInfo, Env, Stat
from .errors import (
    Busy,
    ClosedError,
    Error,
    InternalError,
    InvalidArgument,
    InvalidFile,
    InvalidKey,
    IoError,
    KeyExists,
    LmdbError,
    MapFull,
    PathNotFound,
    ReadersFull,
    ReadOnlyError,
    SchemaIncompatible,
    TxnResetError,
    UnknownRootType,
    UnknownTable,
    VerifyError,
    VersionMismatch,
)
from .keys import CODECS as KEY_CODECS
from .table import Table
from .txn import Txn

#: The package version: the version of the C header it was generated from.
__version__ = f"{_lib.ZW_VERSION_MAJOR}.{_lib.ZW_VERSION_MINOR}.{_lib.ZW_VERSION_PATCH}"
#: The C ABI version this package was generated for (the loaded library's is checked at import).
ABI_VERSION = _lib.ZW_ABI_VERSION


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return _ffi.string(_lib.zw_version()).decode()


__all__ = [
    "ABI_VERSION", "Busy", "ClosedError", "Cursor", "Env", "EnvInfo", "Error", "InternalError",
    "InvalidArgument", "InvalidFile", "InvalidKey", "IoError", "KEY_CODECS", "KeyExists",
    "LmdbError", "MapFull", "PathNotFound", "ReadOnlyError", "ReadersFull", "SchemaIncompatible",
    "Stat", "Table", "Txn", "TxnResetError", "UnknownRootType", "UnknownTable", "VerifyError",
    "VersionMismatch", "library_path", "live_handles", "version",
]
