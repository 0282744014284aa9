"""Interop with autobahn-python, the reference client: the zerowamp Python client and an autobahn
peer (tests/interop/peer.py, asyncio) on the embedded router, calling, failing, canceling and
publishing both ways, on RawSocket and WebSocket with each of autobahn's serializers.

CPython only: autobahn is installed in the CPython virtualenv (make venv-interop), not in the PyPy
one. So this file is not named test_*.py — a plain `pytest tests` skips it — and the Makefile's
CPython run of test-python names it explicitly.
"""

import queue
import subprocess
import sys
import time

import pytest

import zerowamp

from conftest import REPO, WAIT

PEER = REPO / "tests" / "interop" / "peer.py"
PREFIX = "ab"


@pytest.fixture(params=[("rs", "cbor"), ("rs", "msgpack"), ("ws", "json")], ids=lambda p: "-".join(p))
def peer_url(request, router):
    """Starts the autobahn peer on the router with the given transport and serializer; yields the
    router's URL for the zerowamp client (same transport)."""
    transport, serializer = request.param
    url = router.listen("rs://127.0.0.1:0" if transport == "rs" else "ws://127.0.0.1:0/ws")
    port = url.split(":")[2].split("/")[0]
    proc = subprocess.Popen(
        [sys.executable, str(PEER), "--transport", transport, "--port", port, "--serializer", serializer,
         "--prefix", PREFIX],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line == "READY", f"the autobahn peer did not start (said {line!r})"
        yield url
    finally:
        proc.stdin.close()  # the peer exits when its stdin closes
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def client(peer_url):
    with zerowamp.Client.connect(peer_url, "realm1") as client:
        yield client


def test_zerowamp_calls_autobahn(client):
    result = client.call(f"{PREFIX}.echo", [1, "two", {"three": [3.5]}], {"k": None})
    assert result.args == [1, "two", {"three": [3.5]}] and result.kwargs == {"k": None}
    blob = bytes(range(256)) * 8
    result = client.call(f"{PREFIX}.echo", binary=blob)
    assert result.kind == "binary" and bytes(result.binary) == blob  # autobahn saw args[0] as bytes


def test_autobahn_calls_zerowamp(client):
    def add(inv):
        inv.yield_([sum(inv.message.args)])

    def count(inv):
        n = inv.message.args[0]
        for i in range(n):
            inv.progress([i])
        inv.yield_([n])

    with client.register("zw.add", add), client.register("zw.count", count):
        assert client.call(f"{PREFIX}.call", ["zw.add", 2, 3]).args == [5]
        [[chunks, final]] = client.call(f"{PREFIX}.call_progressive", ["zw.count", 3]).args
        assert chunks == [0, 1, 2] and final == 3


def test_errors_both_ways(client):
    with pytest.raises(zerowamp.WampError) as info:
        client.call(f"{PREFIX}.fail", ["com.example.error.oops", "it failed"])
    assert info.value.uri == "com.example.error.oops" and info.value.args == ("it failed",)

    def refuse(inv):
        raise zerowamp.WampError("com.example.error.refused", ["no"])

    with client.register("zw.refuse", refuse):
        with pytest.raises(zerowamp.WampError) as info:
            client.call(f"{PREFIX}.call", ["zw.refuse"])
    assert info.value.uri == "com.example.error.refused"


def test_progress_and_cancel_against_autobahn(client):
    seen = []
    call = client.call_async(f"{PREFIX}.progress", [4], on_progress=lambda m: seen.append(m.args[0]))
    assert call.result(WAIT).args == [4] and seen == [0, 1, 2, 3]

    call = client.call_async(f"{PREFIX}.slow", [30])
    deadline = time.monotonic() + WAIT
    while not client.call(f"{PREFIX}.slow_started").args[0]:
        assert time.monotonic() < deadline, "autobahn's slow() never started"
        time.sleep(0.01)
    assert call.cancel("kill")
    with pytest.raises((zerowamp.WampError, zerowamp.Canceled)):
        call.result(WAIT)
    deadline = time.monotonic() + WAIT
    while not client.call(f"{PREFIX}.was_canceled").args[0]:
        assert time.monotonic() < deadline, "autobahn's slow() was not canceled"
        time.sleep(0.01)


def test_pubsub_both_ways(client):
    events = queue.Queue()
    with client.subscribe("zw.topic", lambda e: events.put(e.detach())):
        client.call(f"{PREFIX}.publish", ["zw.topic", "from autobahn"], {"n": 1})
        event = events.get(timeout=WAIT)
    assert event.args == ["from autobahn"] and event.kwargs == {"n": 1}

    client.publish(f"{PREFIX}.inbox", ["json", 2], {"k": "v"}, acknowledge=True)
    client.publish(f"{PREFIX}.inbox", binary=b"\x00\xffraw", acknowledge=True)
    deadline = time.monotonic() + WAIT
    while len(received := client.call(f"{PREFIX}.received").args[0]) < 2:
        assert time.monotonic() < deadline, f"autobahn received only {received}"
        time.sleep(0.01)
    # autobahn got the binary argument as bytes; its answer renders them as {"$bytes": ...}
    assert received == [[["json", 2], {"k": "v"}], [[b"\x00\xffraw"], {}]]
