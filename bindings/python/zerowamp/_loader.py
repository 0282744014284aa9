"""Loads libzerowamp with CFFI in ABI mode (found by :mod:`zerowamp._paths`) and refuses a
library whose C ABI version differs from the one the declarations were generated for."""

from ._ffi import ffi
from ._paths import LibraryNotFound, find_library


def load(path):
    """Opens the library at ``path`` and checks its ``zw_abi_version()`` against the
    ``ZW_ABI_VERSION`` of the header this package's declarations come from."""
    lib = ffi.dlopen(path)
    expected = lib.ZW_ABI_VERSION
    found = lib.zw_abi_version()
    if found != expected:
        try:
            version = ffi.string(lib.zw_version()).decode()
        except AttributeError:  # a library too old or too foreign to say
            version = "unknown"
        raise ImportError(
            f"zerowamp: {path} (version {version}) has C ABI version {found}, but this package "
            f"was built for ABI version {expected}; install the zerowamp package that matches "
            f"the library, or rebuild both from one checkout (make wheel)"
        )
    return lib


try:
    LIBRARY_PATH = find_library()
except LibraryNotFound as err:
    raise ImportError(f"zerowamp: {err}") from None
lib = load(LIBRARY_PATH)
