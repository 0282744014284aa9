"""Finds libzerowamp, loads it with CFFI in ABI mode, and refuses a library whose C ABI differs.

Where the library comes from, first match wins:

1. the copy bundled inside the package (what a wheel installs);
2. the path in the ``ZEROWAMP_LIBRARY`` environment variable;
3. a development build in the repository: ``$CARGO_TARGET_DIR/release`` when that variable is
   set, else ``<repo>/target/release``.
"""

import os
import sys

from ._ffi import ffi

LIBRARY_NAME = {"darwin": "libzerowamp.dylib", "win32": "zerowamp.dll"}.get(
    sys.platform, "libzerowamp.so"
)

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_REPO_DIR = os.path.normpath(os.path.join(_PACKAGE_DIR, "..", "..", ".."))


def library_path():
    """The path of the library to load, by the rules of this module's docstring."""
    bundled = os.path.join(_PACKAGE_DIR, LIBRARY_NAME)
    if os.path.exists(bundled):
        return bundled
    from_env = os.environ.get("ZEROWAMP_LIBRARY")
    if from_env:
        if not os.path.exists(from_env):
            raise ImportError(f"zerowamp: ZEROWAMP_LIBRARY names {from_env!r}, which does not exist")
        return from_env
    target = os.path.join(_REPO_DIR, os.environ.get("CARGO_TARGET_DIR") or "target")
    dev = os.path.join(target, "release", LIBRARY_NAME)
    if os.path.exists(dev):
        return dev
    raise ImportError(
        f"zerowamp: cannot find {LIBRARY_NAME}: the package has no bundled copy, ZEROWAMP_LIBRARY is "
        f"not set, and there is no development build at {dev} (run `make release`)"
    )


def load(path):
    """Opens the library at ``path`` and checks that its C ABI version is the one this package
    was generated for (``ZW_ABI_VERSION`` of the header its declarations come from)."""
    lib = ffi.dlopen(path)
    expected = lib.ZW_ABI_VERSION
    found = lib.zw_abi_version()
    if found != expected:
        try:
            version = ffi.string(lib.zw_version()).decode()
        except AttributeError:  # a library too old or too foreign to say
            version = "unknown"
        raise ImportError(
            f"zerowamp: {path} (version {version}) has C ABI version "
            f"{found}, but this package was built for ABI version {expected}; install the "
            f"zerowamp package that matches the library, or rebuild both from one checkout "
            f"(make wheel)"
        )
    return lib


LIBRARY_PATH = library_path()
lib = load(LIBRARY_PATH)
