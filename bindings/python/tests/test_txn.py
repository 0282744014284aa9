"""Transactions: reads, writes, ranges, context managers, reset/renew, threads."""

import threading

import pytest

import zerowamp

from conftest import make_record


def ids(txn, table, **kw):
    return [int.from_bytes(key, "big") for key, _ in txn.range(table, **kw)]


def test_get_put_delete_count(env, records):
    with env.begin(write=True) as txn:
        assert txn.count(records) == 50
        assert txn.get(records, 999) is None
        txn.put(records, 999, make_record(999))
        assert bytes(txn.get(records, 999)) == make_record(999)
        assert txn.count(records) == 51
        assert txn.delete(records, 999) is True
        assert txn.delete(records, 999) is False
        assert txn.get(records, 999) is None
        txn.put(records, 5, make_record(55))  # overwrite
        with pytest.raises(zerowamp.KeyExists):
            txn.put(records, 5, make_record(5), overwrite=False)
        txn.put(records, 1000, make_record(1000), overwrite=False)
    with env.begin() as txn:
        assert bytes(txn.get(records, 5)) == make_record(55)
        assert txn.count(records) == 51


def test_truncate(env, records):
    with env.begin(write=True) as txn:
        txn.truncate(records)
        assert txn.count(records) == 0
    with env.begin() as txn:
        assert txn.count(records) == 0
        assert list(txn.range(records)) == []


def test_context_manager_commits_or_aborts(env, records):
    with pytest.raises(KeyError):
        with env.begin(write=True) as txn:
            txn.put(records, 100, make_record(100))
            raise KeyError("boom")
    assert txn.closed
    with env.begin() as txn:
        assert txn.get(records, 100) is None
    with env.begin(write=True) as txn:
        txn.put(records, 100, make_record(100))
    with env.begin() as txn:
        assert txn.get(records, 100) is not None


def test_explicit_commit_and_abort(env, records):
    txn = env.begin(write=True)
    txn.put(records, 200, make_record(200))
    txn.abort()
    txn.abort()  # again: nothing happens
    with pytest.raises(zerowamp.ClosedError):
        txn.commit()
    with pytest.raises(zerowamp.ClosedError):
        txn.get(records, 1)
    txn = env.begin(write=True)
    txn.put(records, 201, make_record(201))
    txn.commit()
    assert txn.closed and "ended" in repr(txn)
    with env.begin() as txn:
        assert txn.get(records, 200) is None and txn.get(records, 201) is not None
    with env.begin(write=True) as txn:
        txn.commit()  # ending inside the block is fine; the block's end does nothing then


def test_read_transactions_cannot_write(env, records):
    with env.begin() as txn:
        for write in (lambda: txn.put(records, 1, make_record(1)),
                      lambda: txn.delete(records, 1),
                      lambda: txn.truncate(records)):
            with pytest.raises(zerowamp.ReadOnlyError):
                write()
        assert txn.count(records) == 50


def test_snapshot_isolation_reset_and_renew(env, records):
    reader = env.begin()
    with env.begin(write=True) as txn:
        txn.put(records, 300, make_record(300))
    assert reader.get(records, 300) is None  # the old snapshot
    value = reader.get(records, 1)
    cursor = reader.range(records)
    reader.reset()
    with pytest.raises(ValueError):
        bytes(value)
    with pytest.raises(zerowamp.ClosedError):
        next(cursor)
    with pytest.raises(zerowamp.TxnResetError):
        reader.get(records, 1)
    reader.renew()
    assert reader.get(records, 300) is not None  # a fresh snapshot
    reader.abort()


def test_write_transactions_cannot_reset(env, records):
    with env.begin(write=True) as txn:
        with pytest.raises(zerowamp.InvalidArgument):
            txn.reset()
        with pytest.raises(zerowamp.InvalidArgument):
            txn.renew()


def test_ranges(env, records):
    with env.begin() as txn:
        assert ids(txn, records) == list(range(1, 51))
        assert ids(txn, records, start=10, stop=20) == list(range(10, 20))
        assert ids(txn, records, start=10, stop=20, stop_inclusive=True) == list(range(10, 21))
        assert ids(txn, records, start=10, stop=20, reverse=True) == list(range(19, 9, -1))
        assert ids(txn, records, start=10, stop=20, reverse=True, stop_inclusive=True, limit=3) == [20, 19, 18]
        assert ids(txn, records, start=45) == list(range(45, 51))
        assert ids(txn, records, stop=3) == [1, 2]
        assert ids(txn, records, limit=4) == [1, 2, 3, 4]
        assert ids(txn, records, limit=0) == []
        assert ids(txn, records, limit=None) == list(range(1, 51))
        assert ids(txn, records, reverse=True, limit=2) == [50, 49]
        assert ids(txn, records, start=100) == []
        for key, value in txn.range(records, start=7, limit=1):
            assert bytes(key) == (7).to_bytes(8, "big")
            assert bytes(value) == make_record(7)
        with pytest.raises(ValueError):
            txn.range(records, limit=-1)
        with pytest.raises(zerowamp.InvalidKey):
            txn.range(records, start="seven")


def test_cursor_lifecycle(env, records):
    with env.begin(write=True) as txn:
        cursor = txn.range(records, limit=2)
        assert len(list(cursor)) == 2
        with pytest.raises(StopIteration):
            next(cursor)  # exhausted stays exhausted
        cursor = txn.range(records)
        next(cursor)
        txn.put(records, 400, make_record(400))  # a write closes the cursors of the txn
        with pytest.raises(zerowamp.ClosedError):
            next(cursor)
        with txn.range(records) as cursor:
            next(cursor)
        with pytest.raises(zerowamp.ClosedError):
            next(cursor)
        ending = txn.range(records)
    with pytest.raises(zerowamp.ClosedError):
        next(ending)


def test_put_a_value_read_in_the_same_transaction(env, records):
    with env.begin(write=True) as txn:
        value = txn.get(records, 3)
        txn.put(records, 3000, value)  # copied before the write invalidates it
        with pytest.raises(ValueError):
            value[0]
        for key, value in txn.range(records, start=4, limit=1):
            txn.put(records, 4000, value)
            break
        assert bytes(txn.get(records, 3000)) == make_record(3)
        assert bytes(txn.get(records, 4000)) == make_record(4)


def test_write_transaction_stays_on_its_thread(env, records):
    txn = env.begin(write=True)
    errors = []

    def other():
        for call in (lambda: txn.get(records, 1), lambda: txn.put(records, 1, b""), txn.commit, txn.abort):
            try:
                call()
            except RuntimeError as err:
                errors.append(err)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert len(errors) == 4 and "thread that began it" in str(errors[0])
    assert bytes(txn.get(records, 1)) == make_record(1)
    txn.abort()


def test_read_transaction_may_move_between_threads(env, records):
    txn = env.begin()
    results = []
    thread = threading.Thread(target=lambda: results.append(bytes(txn.get(records, 2))))
    thread.start()
    thread.join()
    assert results == [make_record(2)]
    txn.abort()


def test_one_writer_at_a_time(env, records):
    order = []
    first = env.begin(write=True)

    def second_writer():
        with env.begin(write=True) as txn:  # waits for the first writer
            order.append("second")
            txn.put(records, 600, make_record(600))

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.2)
    order.append("first")
    first.commit()
    thread.join()
    assert order == ["first", "second"]
