#!/usr/bin/env bash
# The install test (`make test-install`): install zerowamp into temporary prefixes the way a user
# would, then build and run examples/c and examples/cpp from what was installed — with nothing but
# pkg-config (dynamic, then static from a static-only install), and with CMake's find_package.
# Also checks the soname and symlinks, DESTDIR staging, and that `make uninstall` removes it all.
#
# Usage: tests/install/run.sh SCRATCH_DIR   (MAKE, TEST_CC, TEST_CXX, FLATBUFFERS_INCLUDE from the
# Makefile; the compilers are not passed as CC/CXX, which would make cargo rebuild LMDB's C code)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=$1
MAKE=${MAKE:-make}
CC=${TEST_CC:-cc}
CXX=${TEST_CXX:-c++}
: "${FLATBUFFERS_INCLUDE:?set FLATBUFFERS_INCLUDE to the flatbuffers C++ headers}"
schema=$PWD/schemas/bfbs/record.bfbs
warn=(-Wall -Wextra -Wpedantic -Werror)
c_example=(-std=c11 "${warn[@]}" -Itests/c examples/c/records.c)
cpp_example=(-std=c++17 "${warn[@]}" -Ischemas/generated/cpp -isystem "$FLATBUFFERS_INCLUDE" examples/cpp/records.cpp)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
abi=$(sed -n 's/^pub const ZW_ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/ffi/version.rs)
soname=libzerowamp.so.$abi

fail() { echo "test-install: FAILED: $*" >&2; exit 1; }
step() { echo "test-install: $*"; }

# Runs an example in a fresh environment folder; its output must be the expected one.
expected=$scratch/expected.txt
{
    echo "zerowamp $version: wrote 5 records"
    awk 'BEGIN { for (id = 1; id <= 5; id++) printf "record %d: user-%d <user-%d@example.com> score %.2f\n", id, id, id, id / 4 }'
    echo "get 3: id 3"
    echo "get 9: not found"
} > "$expected"
run_example() {
    local program=$1 dir
    dir=$(mktemp -d "$scratch/env.XXXXXX")
    "$program" "$schema" "$dir" > "$dir.out" || fail "$program exited with $?"
    diff -u "$expected" "$dir.out" || fail "$program printed something else"
}
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# 1. DESTDIR staging: the files land under DESTDIR, with the soname and symlinks; uninstall
#    removes every one of them.
stage=$scratch/stage
$MAKE -s install PREFIX=/usr/local DESTDIR="$stage" LIBRARY_TYPES="shared static" >/dev/null
lib=$stage/usr/local/lib
for f in include/zerowamp.h include/zerowamp.hpp lib/libzerowamp.a lib/libzerowamp.so.$version \
         lib/pkgconfig/zerowamp.pc lib/cmake/zerowamp/zerowamp-config.cmake \
         lib/cmake/zerowamp/zerowamp-config-version.cmake; do
    [ -f "$stage/usr/local/$f" ] || fail "make install did not install $f"
done
[ "$(readlink "$lib/$soname")" = "libzerowamp.so.$version" ] || fail "$soname does not point at libzerowamp.so.$version"
[ "$(readlink "$lib/libzerowamp.so")" = "$soname" ] || fail "libzerowamp.so does not point at $soname"
readelf -d "$lib/libzerowamp.so.$version" | grep -q "Library soname: \[$soname\]" || fail "the soname is not $soname"
grep -qx 'prefix=/usr/local' "$lib/pkgconfig/zerowamp.pc" || fail "zerowamp.pc has the wrong prefix"
$MAKE -s uninstall PREFIX=/usr/local DESTDIR="$stage" >/dev/null
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left $left"
step "DESTDIR install: soname $soname, symlinks, pkg-config and CMake files; uninstall removes them"

# 2. A full install: the examples built with nothing but pkg-config, linked dynamically.
prefix=$scratch/prefix
$MAKE -s install PREFIX="$prefix" DESTDIR= LIBRARY_TYPES="shared static" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg-config --exists --print-errors "zerowamp = $version" || fail "pkg-config does not find zerowamp $version"
libdir=$(pkg-config --variable=libdir zerowamp)
[ "$libdir" = "$prefix/lib" ] || fail "pkg-config libdir is $libdir"
# shellcheck disable=SC2046 # pkg-config's output is meant to be split
$CC "${c_example[@]}" $(pkg-config --cflags --libs zerowamp) -Wl,-rpath,"$libdir" -o "$scratch/c_dynamic"
# shellcheck disable=SC2046
$CXX "${cpp_example[@]}" $(pkg-config --cflags --libs zerowamp) -o "$scratch/cpp_dynamic"
for program in c_dynamic cpp_dynamic; do
    needed "$scratch/$program" | grep -qx "$soname" || fail "$program does not load $soname"
done
run_example "$scratch/c_dynamic"
LD_LIBRARY_PATH=$libdir run_example "$scratch/cpp_dynamic"
step "pkg-config, dynamic: C (rpath) and C++ (LD_LIBRARY_PATH) examples run"

# 3. A static-only install: `pkg-config --static` links the archive and the system libraries it
#    needs (Libs.private).
static_prefix=$scratch/static
$MAKE -s install PREFIX="$static_prefix" DESTDIR= LIBRARY_TYPES=static >/dev/null
[ ! -e "$static_prefix/lib/libzerowamp.so" ] || fail "LIBRARY_TYPES=static installed the shared library"
export PKG_CONFIG_PATH=$static_prefix/lib/pkgconfig
# shellcheck disable=SC2046
$CC "${c_example[@]}" $(pkg-config --static --cflags --libs zerowamp) -o "$scratch/c_static"
# shellcheck disable=SC2046
$CXX "${cpp_example[@]}" $(pkg-config --static --cflags --libs zerowamp) -o "$scratch/cpp_static"
for program in c_static cpp_static; do
    if needed "$scratch/$program" | grep -q zerowamp; then fail "$program loads a shared libzerowamp"; fi
    run_example "$scratch/$program"
done
step "pkg-config --static: C and C++ examples run, no shared libzerowamp needed"

# 4. CMake: find_package(zerowamp) from the full install, both imported targets.
command -v cmake >/dev/null || fail "cmake is not installed (apt-get install cmake; .ci/run does)"
cmake -S examples -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
      -DCMAKE_CXX_COMPILER="$CXX" -DFLATBUFFERS_INCLUDE_DIR="$FLATBUFFERS_INCLUDE" >"$scratch/cmake.log" 2>&1 \
    || { cat "$scratch/cmake.log"; fail "cmake could not configure examples/ with find_package(zerowamp)"; }
cmake --build "$scratch/cmake" >>"$scratch/cmake.log" 2>&1 || { cat "$scratch/cmake.log"; fail "cmake --build failed"; }
for kind in shared static; do
    for lang in c cpp; do
        program=$scratch/cmake/records_${lang}_$kind
        if [ $kind = shared ]; then
            needed "$program" | grep -qx "$soname" || fail "$program does not load $soname"
        elif needed "$program" | grep -q zerowamp; then
            fail "$program loads a shared libzerowamp"
        fi
        run_example "$program"
    done
    # The WAMP example: a router, a callee serving records, a caller (its output is checked by
    # make test-cpp; here it must run from the install).
    dir=$(mktemp -d "$scratch/env.XXXXXX")
    "$scratch/cmake/serve_records_cpp_$kind" "$schema" "$dir" > "$dir.out" || fail "serve_records_cpp_$kind exited with $?"
    grep -qx 'get 9: zerowamp.error.not_found' "$dir.out" || fail "serve_records_cpp_$kind printed something else"
done
step "CMake find_package: zerowamp::zerowamp and zerowamp::zerowamp_static, C and C++ examples run (C++ WAMP too)"
echo "test-install: all passed"
