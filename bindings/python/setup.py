"""Builds the zerowamp wheel: the package, its CFFI declarations generated from
include/zerowamp.h, and the shared library bundled inside it.

The wheel is tagged ``py3-none-<platform>``: in CFFI's ABI mode nothing is compiled against a
Python, so one wheel installs on CPython and PyPy; only the bundled library ties it to a
platform. Environment: ``ZEROWAMP_LIBRARY`` (the library to bundle; default: the repository's
release build) and ``ZEROWAMP_HEADER`` (default: the repository's include/zerowamp.h).
"""

import importlib.util
import os
import shutil
import sys

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build_ffi  # noqa: E402  (beside this file)


def _load_paths():
    """zerowamp/_paths.py on its own: importing the package would need the library loaded."""
    spec = importlib.util.spec_from_file_location("_zerowamp_paths", os.path.join(HERE, "zerowamp", "_paths.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PATHS = _load_paths()
HEADER = os.environ.get("ZEROWAMP_HEADER") or os.path.join(PATHS.REPO_DIR, "include", "zerowamp.h")
if not os.path.exists(HEADER):
    sys.exit(f"setup.py: no C header at {HEADER}; build from the repository or set ZEROWAMP_HEADER")


class BuildPy(build_py):
    """Adds the generated declarations and the bundled library to the built package."""

    def run(self):
        super().run()
        package = os.path.join(self.build_lib, "zerowamp")
        build_ffi.write(HEADER, os.path.join(package, "_ffi.py"))
        try:
            library = PATHS.find_library(bundled=False)
        except PATHS.LibraryNotFound as err:
            sys.exit(f"setup.py: {err}")
        shutil.copyfile(library, os.path.join(package, PATHS.LIBRARY_NAME))


class NativeDistribution(Distribution):
    """Carries a native library: installed as platform-specific (platlib), not pure Python."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """A wheel for any Python 3 on this platform (it carries a native library, no extension)."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    version=build_ffi.header_version(HEADER),
    distclass=NativeDistribution,
    cmdclass={"build_py": BuildPy, "bdist_wheel": PlatformWheel},
)
