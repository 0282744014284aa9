"""Shared fixtures: a fresh environment per test, the sample schema, sample records, an embedded
router with clients on it, and a check after every test that no C handle and no callback
userdata was left alive."""

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
    """Every test must leave no C handle alive once its objects are gone, and no Python object
    held for the library's callbacks (each was released by its free_userdata)."""
    collect()
    before = zerowamp.live_handles()
    yield
    collect()
    assert zerowamp.live_handles() == before == {}
    assert zerowamp.live_callbacks() == 0


WAIT = 10.0  # seconds: how long a test waits for something that should happen at once


@pytest.fixture
def router():
    """An embedded router with the default config (realm1, anonymous may do everything)."""
    with zerowamp.Router.start() as router:
        yield router


@pytest.fixture
def url(router):
    """A RawSocket listener of the router on a free loopback port."""
    return router.listen("rs://127.0.0.1:0")


@pytest.fixture
def connect(url):
    """Connects clients to the router's realm1 (keyword options as for Client.connect); they
    are closed after the test, before the router stops."""
    clients = []

    def make(**options):
        client = zerowamp.Client.connect(options.pop("url", url), options.pop("realm", "realm1"), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


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
