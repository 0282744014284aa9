"""Where libzerowamp is found: shared by the loader and by setup.py (which bundles it).

First match wins:

1. the copy bundled inside the package (what a wheel installs);
2. the path in the ``ZEROWAMP_LIBRARY`` environment variable;
3. a development build in the repository: ``$CARGO_TARGET_DIR/release`` when that variable is
   set, else ``<repo>/target/release``.

This module imports nothing from the package, so setup.py can load it on its own.
"""

import os
import sys

LIBRARY_NAME = {"darwin": "libzerowamp.dylib", "win32": "zerowamp.dll"}.get(
    sys.platform, "libzerowamp.so"
)
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.normpath(os.path.join(PACKAGE_DIR, "..", "..", ".."))


class LibraryNotFound(Exception):
    """No library where the rules look."""


def find_library(bundled=True):
    """The path of the library to load; ``bundled=False`` skips rule 1 (for building a wheel)."""
    if bundled:
        path = os.path.join(PACKAGE_DIR, LIBRARY_NAME)
        if os.path.exists(path):
            return path
    from_env = os.environ.get("ZEROWAMP_LIBRARY")
    if from_env:
        if not os.path.exists(from_env):
            raise LibraryNotFound(f"ZEROWAMP_LIBRARY names {from_env!r}, which does not exist")
        return from_env
    target = os.path.join(REPO_DIR, os.environ.get("CARGO_TARGET_DIR") or "target")
    dev = os.path.join(target, "release", LIBRARY_NAME)
    if os.path.exists(dev):
        return dev
    raise LibraryNotFound(
        f"cannot find {LIBRARY_NAME}: "
        + ("the package has no bundled copy, " if bundled else "")
        + f"ZEROWAMP_LIBRARY is not set, and there is no development build at {dev} "
        f"(run `make release`)"
    )
