"""C handles are freed exactly once — by close, by a with block, or by the garbage collector —
and none is left behind (the autouse fixture checks that after every test as well)."""

import pytest

import zerowamp

from conftest import BFBS, ROOT_TYPE, collect, make_record


def test_counts_follow_the_objects(tmp_path):
    assert zerowamp.live_handles() == {}
    env = zerowamp.Env(tmp_path, schemas=[BFBS])
    tables = [env.table(f"t{i}", key="u64") for i in range(3)]
    txns = [env.begin() for _ in range(2)]
    cursors = [txns[0].range(tables[0]) for _ in range(4)]
    assert zerowamp.live_handles() == {"env": 1, "table": 3, "txn": 2, "cursor": 4}
    for cursor in cursors:
        cursor.close()
    assert zerowamp.live_handles() == {"env": 1, "table": 3, "txn": 2}
    txns[1].abort()
    tables[2].close()
    assert zerowamp.live_handles() == {"env": 1, "table": 2, "txn": 1}
    env.close()
    assert zerowamp.live_handles() == {}


def test_with_blocks_close_everything(tmp_path):
    with zerowamp.Env(tmp_path, schemas=[BFBS]) as env:
        with env.table("records", key="u64", root_type=ROOT_TYPE) as table:
            with env.begin(write=True) as txn:
                txn.put(table, 1, make_record(1))
            with env.begin() as txn:
                with txn.range(table) as cursor:
                    assert len(list(cursor)) == 1
                assert zerowamp.live_handles() == {"env": 1, "table": 1, "txn": 1}
        assert zerowamp.live_handles() == {"env": 1}
    assert zerowamp.live_handles() == {}


def test_the_garbage_collector_frees_forgotten_handles(tmp_path):
    def forget():
        env = zerowamp.Env(tmp_path, schemas=[BFBS])
        table = env.table("records", key="u64", root_type=ROOT_TYPE)
        with env.begin(write=True) as txn:
            txn.put(table, 1, make_record(1))
        reader = env.begin()
        value = reader.get(table, 1)
        cursor = reader.range(table)
        assert zerowamp.live_handles() == {"env": 1, "table": 1, "txn": 1, "cursor": 1}
        # nothing is closed: env, table, reader and cursor go out of scope here; the value is
        # handed out, and keeps none of them alive
        return value

    value = forget()
    collect()
    assert zerowamp.live_handles() == {}
    with pytest.raises(ValueError):
        value[0]  # released with its transaction
    # and the environment really was closed: another can open and write it
    with zerowamp.Env(tmp_path, schemas=[BFBS]) as env:
        table = env.table("records", key="u64", root_type=ROOT_TYPE)
        with env.begin(write=True) as txn:
            txn.put(table, 2, make_record(2))


def test_a_forgotten_writer_is_aborted(env, records):
    txn = env.begin(write=True)
    txn.put(records, 900, make_record(900))
    del txn
    collect()
    with env.begin(write=True) as txn:  # would wait forever if the writer were still live
        assert txn.get(records, 900) is None


def test_many_transactions(env, records):
    for i in range(2000):
        with env.begin() as txn:
            txn.get(records, 1 + i % 50)
    collect()
    assert zerowamp.live_handles() == {"env": 1, "table": 1}
