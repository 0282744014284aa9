#!/usr/bin/env bash
# Regenerates everything derived from schemas/*.fbs with the pinned flatc, under OUT (default:
# schemas/ itself) and, for the Python package's generated modules, under PY_OUT (default:
# bindings/python). `make schemas` runs it in place; `make check-schemas` runs it into a scratch
# folder and compares. Flags are explained in schemas/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
FLATC=${FLATC:-.venv/bin/flatc}
OUT=${1:-schemas}
PY_OUT=${2:-bindings/python}
mkdir -p "$OUT/generated/rust" "$OUT/generated/cpp" "$OUT/bfbs"
py_scratch=$(mktemp -d)
trap 'rm -rf "$py_scratch"' EXIT
for fbs in schemas/*.fbs; do
    "$FLATC" --rust -o "$OUT/generated/rust" "$fbs"
    "$FLATC" --cpp --scoped-enums -o "$OUT/generated/cpp" "$fbs"
    "$FLATC" --binary --schema --bfbs-comments --bfbs-filenames schemas -o "$OUT/bfbs" "$fbs"
    "$FLATC" --python -o "$py_scratch" "$fbs"
done
# The WAMP envelope of the wamp.2.flatbuffers serializer: one Rust file for all included files.
"$FLATC" --rust --gen-all -o "$OUT/generated/rust" schemas/wamp/wamp.fbs
"$FLATC" --binary --schema --bfbs-comments --bfbs-filenames schemas -o "$OUT/bfbs" schemas/wamp/wamp.fbs
# flatc also writes an empty zerowamp/__init__.py for the namespace; the package has its own, so
# only the namespace's subpackage (zerowamp/sample/) is copied.
mkdir -p "$PY_OUT/zerowamp"
rm -rf "$PY_OUT/zerowamp/sample"
cp -r "$py_scratch/zerowamp/sample" "$PY_OUT/zerowamp/sample"
