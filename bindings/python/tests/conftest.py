"""Shared fixtures: a fresh environment per test, the sample schema, sample records, and a check
after every test that no C handle was left alive."""

import gc
from pathlib import Path

import flatbuffers
import pytest

import zerowamp
from zerowamp.sample import Record as record_fb

REPO = Path(__file__).resolve().parents[3]
BFBS = REPO / "schemas" / "bfbs" / "record.bfbs"
HEADER = REPO / "include" / "zerowamp.h"
ROOT_TYPE = "zerowamp.sample.Record"


def collect():
    """Runs the garbage collector until finalizers have run (PyPy may need more than one pass)."""
    for _ in range(3):
        gc.collect()


def make_record(rid, name=None, payload=None):
    """A zerowamp.sample.Record as bytes, built with the flatbuffers package."""
    builder = flatbuffers.Builder(256)
    name = builder.CreateString(name if name is not None else f"user-{rid:08d}")
    email = builder.CreateString(f"user-{rid:08d}@example.com")
    payload = builder.CreateByteVector(payload if payload is not None else bytes(range(rid % 7, rid % 7 + 96)))
    record_fb.Start(builder)
    record_fb.AddId(builder, rid)
    record_fb.AddTs(builder, 1_700_000_000_000_000_000 + rid)
    record_fb.AddScore(builder, rid / 7)
    record_fb.AddActive(builder, rid % 2 == 1)
    record_fb.AddName(builder, name)
    record_fb.AddEmail(builder, email)
    record_fb.AddPayload(builder, payload)
    builder.Finish(record_fb.End(builder))
    return bytes(builder.Output())


@pytest.fixture(autouse=True)
def no_leaked_handles():
    """Every test must leave no C handle alive once its objects are gone."""
    collect()
    before = zerowamp.live_handles()
    yield
    collect()
    assert zerowamp.live_handles() == before == {}


@pytest.fixture
def env(tmp_path):
    with zerowamp.Env(tmp_path, schemas=[BFBS], map_size=64 << 20) as env:
        yield env


@pytest.fixture
def records(env):
    """A table of sample records keyed by u64, holding ids 1..50."""
    table = env.table("records", key="u64", root_type=ROOT_TYPE)
    with env.begin(write=True) as txn:
        for rid in range(1, 51):
            txn.put(table, rid, make_record(rid))
    return table
