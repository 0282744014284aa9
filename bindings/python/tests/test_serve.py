"""Tables served by the library (no Python per call) and change feeds, read from Python with the
flatbuffers package."""

import queue

import pytest

import zerowamp
from zerowamp.sample.Record import Record

from conftest import WAIT, make_record


def test_serve_single_keys(connect, env, records):
    server = connect()
    client = connect(serializer="msgpack")
    with server.serve_table(records, "com.example.records.get"):
        for rid in (1, 25, 50):
            with client.call("com.example.records.get", [rid]) as result:
                assert result.kind == "record" and result.passthru == ("x_zerowamp", "flatbuffers")
                assert Record.GetRootAs(result.binary, 0).Id() == rid
                assert bytes(result.binary) == make_record(rid)
        with pytest.raises(zerowamp.WampError) as info:
            client.call("com.example.records.get", [51])
        assert info.value.uri == "zerowamp.error.not_found"
        with pytest.raises(zerowamp.WampError) as info:
            client.call("com.example.records.get", ["not a u64"])
        assert info.value.uri == "wamp.error.invalid_argument"
    with pytest.raises(zerowamp.WampError) as info:
        client.call("com.example.records.get", [1])  # unregistered with its block
    assert info.value.uri == "wamp.error.no_such_procedure"


def test_serve_ranges_as_progressive_results(connect, env, records):
    server = connect()
    client = connect()
    server.serve_table(records, "com.example.records.range", range=True, max_range=5)
    ids = []
    call = client.call_async("com.example.records.range", [10, 20],
                             on_progress=lambda m: ids.append(Record.GetRootAs(m.binary, 0).Id()))
    final = call.result(WAIT)
    assert ids == [10, 11, 12, 13, 14]  # capped by max_range
    assert final.args == [5] and final.kwargs == {"more": True}
    ids.clear()
    call = client.call_async("com.example.records.range", [None, 4], {"reverse": True},
                             on_progress=lambda m: ids.append(Record.GetRootAs(m.binary, 0).Id()))
    assert call.result(WAIT).args == [3] and ids == [3, 2, 1]


def test_a_change_feed(connect, env, records):
    server = connect()
    sub = connect()
    events = queue.Queue()

    def on_change(event):
        if event.kind == "record":
            events.put(("put", Record.GetRootAs(event.binary, 0).Id()))
        else:
            events.put(("args", event.args, event.kwargs))

    with sub.subscribe("com.example.records.changed", on_change):
        with server.publish_changes(records, "com.example.records.changed") as feed:
            with env.begin(write=True) as txn:
                txn.put(records, 100, make_record(100))
                txn.delete(records, 1)
            with env.begin(write=True) as txn:
                txn.put(records, 101, make_record(101))
                txn.abort()  # nothing of it is published
            assert events.get(timeout=WAIT) == ("put", 100)
            assert events.get(timeout=WAIT) == ("args", [records.encode_key(1)], {"deleted": True})
        assert feed.closed
        with env.begin(write=True) as txn:
            txn.put(records, 102, make_record(102))  # the feed is stopped
        server.publish("com.example.records.changed", ["marker"], acknowledge=True)
        assert events.get(timeout=WAIT) == ("args", ["marker"], {})  # the next event is the marker
