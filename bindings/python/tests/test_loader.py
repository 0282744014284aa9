"""Loading the library: versions, the ABI check, where the library comes from, and the CFFI
declarations generated from the header."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

import zerowamp
from zerowamp._ffi import ffi
from zerowamp._loader import lib

from conftest import HEADER, REPO

sys.path.insert(0, str(REPO / "bindings" / "python"))
import build_ffi  # noqa: E402


def run_python(code, **env):
    """Runs ``code`` in a fresh interpreter (this one's kind) that imports the package from
    this checkout, with ``env`` added to the environment."""
    full = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"), **env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)


def test_versions():
    assert zerowamp.version() == zerowamp.__version__ == build_ffi.header_version(str(HEADER))
    assert zerowamp.ABI_VERSION == lib.zw_abi_version() == lib.ZW_ABI_VERSION
    assert os.path.exists(zerowamp.library_path)


def test_every_function_of_the_header_is_declared():
    text = HEADER.read_text()
    functions = set(re.findall(r"^\S.*?\b(zw_\w+)\(", text, re.M))
    assert len(functions) >= 30
    for name in sorted(functions):
        assert callable(getattr(lib, name)), name
    for name in re.findall(r"^#define (ZW_\w+) ", text, re.M):
        assert isinstance(getattr(lib, name), int), name
    for name in re.findall(r"^\s+(ZW_\w+) = \d+,", text, re.M):
        assert isinstance(getattr(lib, name), int), name


def test_declarations_are_generated_from_the_current_header(tmp_path):
    fresh = tmp_path / "_ffi.py"
    build_ffi.write(str(HEADER), str(fresh))
    with open(sys.modules["zerowamp._ffi"].__file__) as f:
        current = f.read()
    assert fresh.read_text() == current, "zerowamp/_ffi.py is stale: run `make python-ffi`"


def test_abi_mismatch_is_refused(tmp_path):
    source = tmp_path / "fake.c"
    source.write_text(textwrap.dedent("""\
        #include <stdint.h>
        uint32_t zw_abi_version(void) { return 999; }
        const char *zw_version(void) { return "9.9.9"; }
    """))
    fake = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(source), "-o", str(fake)], check=True)
    result = run_python("import zerowamp", ZEROWAMP_LIBRARY=str(fake))
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "has C ABI version 999" in result.stderr
    assert f"built for ABI version {lib.ZW_ABI_VERSION}" in result.stderr
    assert "9.9.9" in result.stderr


def test_a_missing_library_is_named(tmp_path):
    missing = tmp_path / "nope.so"
    result = run_python("import zerowamp", ZEROWAMP_LIBRARY=str(missing))
    assert result.returncode != 0
    assert f"ZEROWAMP_LIBRARY names {str(missing)!r}, which does not exist" in result.stderr


def test_the_library_named_by_the_environment_is_loaded():
    result = run_python("import zerowamp; print(zerowamp.library_path)",
                        ZEROWAMP_LIBRARY=zerowamp.library_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == zerowamp.library_path


class TestHeaderConversion:
    """build_ffi keeps what a C11 compiler sees and fails on what it does not understand."""

    def test_conditionals_defines_and_comments(self):
        cdef = build_ffi.cdef_from_header(textwrap.dedent("""\
            #ifndef GUARD
            #define GUARD
            #include <stdint.h>
            /* a comment
               over lines */
            #define A 1
            #define B (A << 3) // eight
            #define C (B | \\
                       2)
            #if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
            int cxx_only;
            #else
            int c_only;
            #endif
            #ifdef __cplusplus
            extern "C" {
            #endif
            int f(void);
            #endif
        """))
        assert cdef.split("\n") == [
            "#define A 1", "#define B 8", "#define C 10", "int c_only;", "int f(void);", "",
        ]

    @pytest.mark.parametrize("header, problem", [
        ("#if FOO > 1\n#endif\n", "'FOO' has no known value"),
        ("#define MAX(a, b) a\n", "function-like macro"),
        ("#pragma once\n", "unsupported directive #pragma"),
        ("#if 1\nint x;\n", "not closed"),
        ("#endif\n", "#endif without #if"),
        ("#define S \"text\"\n", "unsupported construct"),
        ("#define Q (1 +\n", "cannot read"),
        ("#define P x.y\n", "unsupported construct"),
    ])
    def test_unknown_constructs_fail(self, header, problem):
        with pytest.raises(build_ffi.HeaderError, match=problem):
            build_ffi.cdef_from_header(header)
