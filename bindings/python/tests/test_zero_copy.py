"""Values are memoryviews into LMDB's map — no copy — and stop working, without crashing, the
moment they stop being valid."""

import platform
import warnings

import pytest

import zerowamp
from zerowamp._ffi import ffi
from zerowamp._loader import lib

from conftest import collect, make_record


def address(view):
    """The address of a buffer's first byte (the probe is released at once: no export is left)."""
    probe = ffi.from_buffer(view)
    try:
        return int(ffi.cast("uintptr_t", probe))
    finally:
        ffi.release(probe)


def c_get(txn, table, key):
    """``zw_txn_get`` called directly: the address and length the C API hands out."""
    encoded = table.encode_key(key)
    out = ffi.new("zw_slice *")
    assert lib.zw_txn_get(txn._handle(), table._handle(), (ffi.from_buffer(encoded), len(encoded)), out) == 0
    return int(ffi.cast("uintptr_t", out.data)), out.len


def test_get_points_into_the_map(env, records):
    with env.begin() as txn:
        first = txn.get(records, 7)
        second = txn.get(records, 7)
        assert first is not second
        assert address(first) == address(second) == c_get(txn, records, 7)[0]
        assert len(first) == c_get(txn, records, 7)[1] == len(make_record(7))
        (_, ranged), = txn.range(records, start=7, limit=1)
        assert address(ranged) == address(first)
        assert address(txn.get(records, 8)) != address(first)
        assert address(bytes(first)) != address(first)  # what a copy looks like


def test_large_values_are_not_copied_either(env):
    table = env.table("blobs", key="u64")
    blob = bytes(range(256)) * 1024  # 256 KiB: LMDB's overflow pages
    with env.begin(write=True) as txn:
        txn.put(table, 1, blob)
    with env.begin() as txn:
        value = txn.get(table, 1)
        assert address(value) == c_get(txn, table, 1)[0]
        assert value == blob


def test_values_are_read_only(env, records):
    with env.begin() as txn:
        value = txn.get(records, 1)
        assert value.readonly
        with pytest.raises(TypeError):
            value[0] = 0
        with pytest.raises((TypeError, BufferError)):
            ffi.from_buffer(value, require_writable=True)


@pytest.mark.parametrize("ending", ["commit", "abort", "context", "reset", "env_close"])
def test_use_after_the_transaction_raises(env, records, ending):
    txn = env.begin()
    value = txn.get(records, 1)
    key, ranged = next(iter(txn.range(records)))
    held = [value, key, ranged]
    if ending == "commit":
        txn.commit()
    elif ending == "abort":
        txn.abort()
    elif ending == "context":
        with txn:
            pass
    elif ending == "reset":
        txn.reset()
    else:
        env.close()
    for view in held:
        with pytest.raises(ValueError, match="released"):
            view[0]
        with pytest.raises(ValueError):
            bytes(view)
        with pytest.raises(ValueError):
            zerowamp.sample.Record.Record.GetRootAs(view, 0)
    if ending == "reset":
        txn.abort()


def test_a_write_releases_earlier_values(env, records):
    with env.begin(write=True) as txn:
        for write in (lambda: txn.put(records, 500, make_record(500)),
                      lambda: txn.delete(records, 500),
                      lambda: txn.truncate(records)):
            value = txn.get(records, 2) or txn.get(records, 500)
            write()
            with pytest.raises(ValueError):
                value[0]
        txn.abort()


def test_a_failed_write_releases_them_too(env, records):
    # The C API invalidates values on every write call, failed or not.
    with env.begin(write=True) as txn:
        value = txn.get(records, 2)
        with pytest.raises(zerowamp.VerifyError):
            txn.put(records, 2, b"garbage")
        with pytest.raises(ValueError):
            value[0]


def test_a_dropped_transaction_releases_its_values(env, records):
    value = env.begin().get(records, 3)  # the transaction is not kept
    collect()
    with pytest.raises(ValueError):
        value[0]
    assert "txn" not in zerowamp.live_handles()


def test_an_export_held_past_the_transaction(env, records):
    txn = env.begin()
    value = txn.get(records, 4)
    export = ffi.from_buffer(value)  # like a NumPy array over the value
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        txn.abort()
    if platform.python_implementation() == "CPython":
        # CPython counts exports: the view cannot be released and the warning says so.
        assert [w.category for w in caught] == [RuntimeWarning]
        assert "copy values with bytes()" in str(caught[0].message)
    else:
        # PyPy does not count exports: the view is released like any other.
        assert caught == []
        with pytest.raises(ValueError):
            value[0]
    ffi.release(export)


def test_many_reads_keep_the_tracking_small(env, records):
    with env.begin() as txn:
        for i in range(20_000):
            txn.get(records, 1 + i % 50)
        # Dropped views are pruned from the list (as soon as the GC has cleared them).
        assert len(txn._views._refs) < 2_000
        kept = [txn.get(records, 1 + i % 50) for i in range(500)]
        assert len(txn._views._refs) >= 500
    for view in kept:
        with pytest.raises(ValueError):
            view[0]
