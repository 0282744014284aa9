"""Environments: options, maintenance calls, schemas, tables, closing, and the errors of each."""

import os

import pytest

import zerowamp
from zerowamp._ffi import ffi

from conftest import BFBS, ROOT_TYPE, make_record


def test_stat_and_info(env, records):
    stat = env.stat()
    assert stat._fields == tuple(name for name, _ in ffi.typeof("zw_stat").fields)
    assert stat.page_size >= 4096 and stat.entries >= 1
    info = env.info()
    assert info._fields == tuple(name for name, _ in ffi.typeof("zw_envinfo").fields)
    assert info.map_size == 64 << 20
    assert info.last_txn_id > 0 and info.max_readers > 0


def test_options(tmp_path):
    with zerowamp.Env(tmp_path, map_size=8 << 20, max_readers=3, max_tables=2, sync=False) as env:
        info = env.info()
        assert info.map_size == 8 << 20 and info.max_readers == 3
        env.table("a")
        env.table("b")
        with pytest.raises(zerowamp.InvalidArgument, match="max_tables"):
            env.table("c")
        env.sync(force=True)


def test_no_subdir(tmp_path):
    path = tmp_path / "data.mdb"
    with zerowamp.Env(path, subdir=False) as env:
        table = env.table("t")
        with env.begin(write=True) as txn:
            txn.put(table, b"k", b"v")
    assert path.is_file()


def test_missing_path(tmp_path):
    with pytest.raises(zerowamp.PathNotFound) as info:
        zerowamp.Env(tmp_path / "does" / "not" / "exist")
    assert info.value.code == zerowamp._lib.ZW_ERR_PATH_NOT_FOUND
    assert "does not exist" in info.value.message
    assert str(info.value).endswith("[ZW_ERR_PATH_NOT_FOUND]")


def test_not_an_lmdb_file(tmp_path):
    (tmp_path / "data.mdb").write_bytes(b"this is not an LMDB environment" * 300)
    with pytest.raises(zerowamp.InvalidFile):
        zerowamp.Env(tmp_path)


def test_register_schema(tmp_path):
    with zerowamp.Env(tmp_path) as env:
        with pytest.raises(zerowamp.UnknownRootType):
            env.table("records", key="u64", root_type=ROOT_TYPE)
        with pytest.raises(zerowamp.InvalidArgument):
            env.register_schema(b"not a schema")
        env.register_schema(BFBS.read_bytes())  # bytes
        env.register_schema(str(BFBS))  # a path
        env.register_schema(memoryview(BFBS.read_bytes()))  # any bytes-like
        table = env.table("records", key="u64", root_type=ROOT_TYPE)
        assert table.root_type == ROOT_TYPE


def test_copy(env, records, tmp_path):
    for compact in (False, True):
        target = tmp_path / f"copy-{compact}"
        target.mkdir()
        env.copy(target, compact=compact)
        with zerowamp.Env(target, schemas=[BFBS]) as copy:
            table = copy.table("records", key="u64", root_type=ROOT_TYPE, create=False)
            with copy.begin() as txn:
                assert txn.count(table) == 50
                assert bytes(txn.get(table, 7)) == make_record(7)
    with pytest.raises(zerowamp.PathNotFound):
        env.copy(tmp_path / "missing" / "dir")


def test_map_full_then_grow(tmp_path):
    with zerowamp.Env(tmp_path, map_size=256 << 10, auto_grow=False, schemas=[BFBS]) as env:
        table = env.table("records", key="u64", root_type=ROOT_TYPE)
        txn = env.begin(write=True)
        with pytest.raises(zerowamp.MapFull):
            for rid in range(1, 100_000):
                txn.put(table, rid, make_record(rid))
        written = rid
        with pytest.raises(zerowamp.Busy):
            env.set_map_size(64 << 20)  # a transaction is live
        txn.abort()
        env.set_map_size(64 << 20)
        assert env.info().map_size == 64 << 20
        with env.begin(write=True) as txn:
            for rid in range(1, written + 1):
                txn.put(table, rid, make_record(rid))
        with env.begin() as txn:
            assert txn.count(table) == written


def test_readers_full(tmp_path):
    with zerowamp.Env(tmp_path, max_readers=1) as env:
        env.table("t")
        first = env.begin()
        with pytest.raises(zerowamp.ReadersFull):
            env.begin()
        first.abort()
        env.begin().abort()


def test_read_only(env, records, tmp_path):
    env.close()
    with zerowamp.Env(tmp_path, read_only=True, schemas=[BFBS]) as ro:
        table = ro.table("records", key="u64", root_type=ROOT_TYPE, create=False)
        with pytest.raises(zerowamp.ReadOnlyError):
            ro.begin(write=True)
        with ro.begin() as txn:
            assert txn.count(table) == 50
            with pytest.raises(zerowamp.ReadOnlyError):
                txn.put(table, 1, make_record(1))


def test_drop_table(env, records):
    env.drop_table("records")
    with pytest.raises(zerowamp.UnknownTable):
        env.table("records", key="u64", root_type=ROOT_TYPE, create=False)
    with pytest.raises(zerowamp.UnknownTable):
        env.drop_table("records")


def test_close_ends_children(tmp_path):
    env = zerowamp.Env(tmp_path, schemas=[BFBS])
    table = env.table("records", key="u64", root_type=ROOT_TYPE)
    with env.begin(write=True) as txn:
        txn.put(table, 1, make_record(1))
    reader = env.begin()
    value = reader.get(table, 1)
    cursor = reader.range(table)
    assert zerowamp.live_handles() == {"env": 1, "table": 1, "txn": 1, "cursor": 1}
    env.close()
    assert zerowamp.live_handles() == {}
    assert env.closed and table.closed and reader.closed
    with pytest.raises(ValueError):
        value[0]
    with pytest.raises(zerowamp.ClosedError):
        next(cursor)
    with pytest.raises(zerowamp.ClosedError):
        reader.get(table, 1)
    with pytest.raises(zerowamp.ClosedError):
        env.begin()
    with pytest.raises(zerowamp.ClosedError):
        env.stat()
    with pytest.raises(zerowamp.ClosedError):
        table.encode_key(1)
    env.close()  # again: nothing happens
    assert "closed" in repr(env) and "closed" in repr(table) and "ended" in repr(reader)


def test_schemas_that_fail_close_the_env(tmp_path):
    with pytest.raises(zerowamp.InvalidArgument):
        zerowamp.Env(tmp_path, schemas=[b"junk"])
    with pytest.raises(FileNotFoundError):
        zerowamp.Env(tmp_path, schemas=[str(tmp_path / "missing.bfbs")])
    assert zerowamp.live_handles() == {}


def test_pathlike_and_str_paths(tmp_path):
    with zerowamp.Env(str(tmp_path)) as env:
        assert env.path == str(tmp_path)
    with zerowamp.Env(tmp_path) as env:
        assert env.path == os.fspath(tmp_path)
