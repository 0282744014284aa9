"""The generated Python code (zerowamp.sample, from schemas/record.fbs) reads records in place,
straight from the memoryview."""

import pytest

import zerowamp
from zerowamp.sample.Record import Record

from conftest import make_record


def test_read_every_field(env, records):
    with env.begin() as txn:
        rec = Record.GetRootAs(txn.get(records, 9), 0)
        assert rec.Id() == 9
        assert rec.Ts() == 1_700_000_000_000_000_000 + 9
        assert rec.Score() == pytest.approx(9 / 7)
        assert rec.Active() is True
        assert rec.Name() == b"user-00000009"
        assert rec.Email() == b"user-00000009@example.com"
        assert rec.PayloadLength() == 96
        assert bytes(rec.Payload(j) for j in range(96)) == bytes(range(2, 98))
        assert not rec.PayloadIsNone()


def test_read_while_iterating(env, records):
    with env.begin() as txn:
        seen = [(Record.GetRootAs(value, 0).Id(), int.from_bytes(key, "big"))
                for key, value in txn.range(records, start=20, limit=5)]
    assert seen == [(i, i) for i in range(20, 25)]


def test_unicode_and_empty_fields(env):
    table = env.table("names", key="str", root_type="zerowamp.sample.Record")
    with env.begin(write=True) as txn:
        txn.put(table, "ü", make_record(1, name="Grüße, 世界", payload=b""))
    with env.begin() as txn:
        rec = Record.GetRootAs(txn.get(table, "ü"), 0)
        assert rec.Name().decode() == "Grüße, 世界"
        assert rec.PayloadLength() == 0


def test_a_record_outliving_its_transaction_raises(env, records):
    with env.begin() as txn:
        rec = Record.GetRootAs(txn.get(records, 1), 0)
        assert rec.Id() == 1
    with pytest.raises(ValueError):
        rec.Name()
    with pytest.raises(ValueError):
        rec.Id()


def test_the_package_ships_the_generated_module():
    assert zerowamp.sample.Record.Record is Record
