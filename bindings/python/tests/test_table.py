"""Tables and key codecs: encoding by the library, every codec, composite order, bad keys."""

import random
import uuid

import pytest

import zerowamp

from conftest import ROOT_TYPE


def test_u64_keys_are_big_endian(env):
    table = env.table("t", key="u64")
    assert table.encode_key(42) == (42).to_bytes(8, "big")
    assert table.encode_key(0) == bytes(8)
    assert table.encode_key(2**64 - 1) == b"\xff" * 8


def test_composite_layout(env):
    # The layout of docs/c-api.md: 8 bytes big-endian, then the string with 00 escaped as 00 FF,
    # ended by 00 01.
    table = env.table("pairs", key=("u64", "str"))
    assert table.encode_key((1, "a\0c")) == b"\0\0\0\0\0\0\0\1a\0\xffc\0\1"


@pytest.mark.parametrize("codec, key, stored", [
    ("uuid", uuid.UUID(int=7), uuid.UUID(int=7).bytes),
    ("uuid", bytes(range(16)), bytes(range(16))),
    ("str", "grüße", "grüße".encode()),
    ("bytes", b"\x00raw", b"\x00raw"),
    ("bytes", bytearray(b"ba"), b"ba"),
    ("bytes", memoryview(b"mv"), b"mv"),
])
def test_codecs_round_trip(env, codec, key, stored):
    table = env.table(f"t-{codec}", key=codec)
    assert table.encode_key(key) == stored
    with env.begin(write=True) as txn:
        txn.put(table, key, b"value")
        assert bytes(txn.get(table, key)) == b"value"
        assert [(bytes(k), bytes(v)) for k, v in txn.range(table)] == [(stored, b"value")]


@pytest.mark.parametrize("codec, key", [
    ("u64", -1),
    ("u64", 2**64),
    ("u64", "1"),
    ("u64", 1.0),
    ("u64", True),
    ("uuid", b"short"),
    ("uuid", "not-bytes"),
    ("str", b"bytes"),
    ("str", "\udc80"),  # a lone surrogate is not UTF-8
    ("bytes", b""),
    ("bytes", b"x" * 512),
    ("bytes", 12),
    (("u64", "str"), (1,)),
    (("u64", "str"), (1, "a", "b")),
    (("u64", "str"), [1, "a"]),
    (("u64", "str"), ("a", 1)),
])
def test_invalid_keys(env, codec, key):
    table = env.table("t", key=codec)
    with pytest.raises(zerowamp.InvalidKey) as info:
        table.encode_key(key)
    assert isinstance(info.value, ValueError)
    with env.begin(write=True) as txn:
        with pytest.raises(zerowamp.InvalidKey):
            txn.put(table, key, b"v")
        with pytest.raises(zerowamp.InvalidKey):
            txn.get(table, key)


def test_unknown_codec_names():
    with pytest.raises(ValueError, match="unknown key codec"):
        zerowamp.keys.KeyCodec("int")
    with pytest.raises(ValueError, match="at least one part"):
        zerowamp.keys.KeyCodec(())
    with pytest.raises(ValueError, match="unknown key codec"):
        zerowamp.keys.KeyCodec(("u64", ("u64",)))


def test_composite_keys_sort_as_python_tuples(env):
    table = env.table("pairs", key=("u64", "str", "bytes"))
    rng = random.Random(7)
    alphabet = ["", "a", "b", "\0", "\0\0", "é", "z\0a", "\U0001f600"]
    keys = set()
    while len(keys) < 300:
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
        raw = bytes(rng.choice([0, 1, 0xFF, 0x61]) for _ in range(rng.randint(1, 3)))
        keys.add((rng.choice([0, 1, 2, 2**32, 2**64 - 1]), text, raw))
    shuffled = list(keys)
    rng.shuffle(shuffled)
    with env.begin(write=True) as txn:
        for key in shuffled:
            txn.put(table, key, repr(key).encode())
    with env.begin() as txn:
        stored = [eval(bytes(value)) for _, value in txn.range(table)]  # noqa: S307 (our own reprs)
        assert stored == sorted(keys)
        backwards = [eval(bytes(value)) for _, value in txn.range(table, reverse=True)]  # noqa: S307
        assert backwards == sorted(keys, reverse=True)


def test_reopen_with_another_codec_or_type(env, records):
    with pytest.raises(zerowamp.SchemaIncompatible):
        env.table("records", key="str", root_type=ROOT_TYPE)
    with pytest.raises(zerowamp.SchemaIncompatible):
        env.table("records", key="u64")
    again = env.table("records", key="u64", root_type=ROOT_TYPE, create=False)
    with env.begin() as txn:
        assert txn.count(again) == 50


def test_missing_table_without_create(env):
    with pytest.raises(zerowamp.UnknownTable):
        env.table("nope", create=False)


def test_close_and_context_manager(env):
    with env.table("t", key="u64") as table:
        assert not table.closed
        assert "key='u64'" in repr(table)
    assert table.closed
    with pytest.raises(zerowamp.ClosedError):
        table.encode_key(1)
    with env.begin() as txn:
        with pytest.raises(zerowamp.ClosedError):
            txn.get(table, 1)
    table.close()  # again: nothing happens
