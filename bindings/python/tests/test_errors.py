"""Errors: every library code maps to an exception carrying the code, its name and the detail;
invalid FlatBuffers are refused with the table left as it was."""

import pytest

import zerowamp
from zerowamp import errors
from zerowamp._ffi import ffi

from conftest import make_record


def test_every_failure_code_has_its_class():
    codes = ffi.typeof("enum zw_result").relements
    not_failures = {"ZW_OK", "ZW_NOT_FOUND", "ZW_ERR_NULL_ARGUMENT"}  # NULL is never passed here
    for name, code in codes.items():
        if name in not_failures:
            continue
        cls = errors._BY_CODE[code]
        assert cls is not zerowamp.Error and cls.zw_name == name
        err = errors.error_for(code)
        assert type(err) is cls and err.code == code and err.name == name


def test_error_fields_and_text():
    err = zerowamp.MapFull("the map is full")
    assert isinstance(err, zerowamp.Error)
    assert err.code == zerowamp._lib.ZW_ERR_MAP_FULL and err.name == "ZW_ERR_MAP_FULL"
    assert err.message == "the map is full"
    assert str(err) == "the map is full [ZW_ERR_MAP_FULL]"
    unknown = errors.error_for(12345)
    assert type(unknown) is zerowamp.Error and unknown.name == "zw_result 12345"
    assert isinstance(zerowamp.InvalidKey("x"), ValueError)
    assert isinstance(zerowamp.VerifyError("x"), ValueError)


def test_the_detail_message_is_the_failing_calls(env):
    table = env.table("t", key="u64")
    with env.begin() as txn:
        with pytest.raises(zerowamp.ReadOnlyError) as info:
            txn.put(table, 1, b"v")
    assert "read transaction" in info.value.message


@pytest.mark.parametrize("bad", [
    b"",
    b"garbage!garbage!",
    make_record(1)[: len(make_record(1)) // 2],  # truncated
    b"\xff\xff\xff\x7f" + make_record(1)[4:],  # the root offset points outside
])
def test_invalid_flatbuffers_leave_the_table_unchanged(env, records, bad):
    with env.begin(write=True) as txn:
        before = bytes(txn.get(records, 1))
        with pytest.raises(zerowamp.VerifyError) as info:
            txn.put(records, 1, bad)
        assert info.value.message
        with pytest.raises(zerowamp.VerifyError):
            txn.put(records, 777, bad)
        assert bytes(txn.get(records, 1)) == before
        assert txn.get(records, 777) is None
        assert txn.count(records) == 50
        txn.put(records, 778, make_record(778))  # the transaction is still usable
    with env.begin() as txn:
        assert bytes(txn.get(records, 1)) == before
        assert txn.get(records, 777) is None
        assert txn.count(records) == 51


def test_raw_tables_take_any_bytes(env):
    table = env.table("raw", key="u64")
    with env.begin(write=True) as txn:
        txn.put(table, 1, b"garbage!garbage!")
        txn.put(table, 2, b"")
        assert bytes(txn.get(table, 1)) == b"garbage!garbage!"
        assert bytes(txn.get(table, 2)) == b""
