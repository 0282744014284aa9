"""`make demo`: the data plane end to end on the embedded defaults.

A C program (examples/demo/demo_server.c) starts zerowamp's embedded WAMP router on 127.0.0.1,
writes sample FlatBuffers records into an LMDB environment in a temporary folder, and serves the
table over WAMP with one call (zw_serve_table) plus a change feed (zw_table_publish_changes).
This Python client (the zerowamp CFFI package, on CPython or PyPy) calls for records, reads them
in place with the code flatc generated (zerowamp.sample), measures records per second, and
follows the change feed while the C program writes more.

Usage: python demo.py DEMO_SERVER SCHEMA.bfbs
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

import zerowamp
from zerowamp.sample.Record import Record

RECORDS = 10_000
GET = "com.example.record.get"
RANGE = "com.example.record.range"
CHANGED = "com.example.record.changed"
SECONDS = 2.0  # per measurement
IN_FLIGHT = 100


def describe(rec):
    return f"#{rec.Id()} {rec.Name().decode()} <{rec.Email().decode()}> score {rec.Score():.3f}"


def sequential(client, seconds):
    """Calls one at a time for `seconds`; returns records per second."""
    n, key, t0 = 0, 1, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with client.call(GET, [key]) as result:
            if Record.GetRootAs(result.binary, 0).Id() != key:
                raise SystemExit(f"demo: record {key} came back wrong")
        n, key = n + 1, key % RECORDS + 1
    return n / (time.perf_counter() - t0)


def in_flight(client, seconds, window):
    """Keeps `window` calls in flight for `seconds`; each record is checked zero-copy in the
    result callback (the borrowed frame, on the client's I/O thread). Returns records per second."""
    lock = threading.Lock()
    state = {"done": 0, "bad": 0, "next": 1}
    stop = time.perf_counter() + seconds
    finished = threading.Event()
    active = [0]

    def start():
        with lock:
            key = state["next"]
            state["next"] = key % RECORDS + 1
            active[0] += 1
        client.call_async(GET, [key], on_result=lambda m, e, key=key: on_result(m, e, key))

    def on_result(message, error, key):
        ok = error is None and Record.GetRootAs(message.binary, 0).Id() == key
        with lock:
            state["done" if ok else "bad"] += 1
            active[0] -= 1
            again = time.perf_counter() < stop and not state["bad"]
            if not again and active[0] == 0:
                finished.set()
        if again:
            start()

    t0 = time.perf_counter()
    for _ in range(window):
        start()
    if not finished.wait(seconds + 30):
        raise SystemExit("demo: calls did not finish")
    elapsed = time.perf_counter() - t0
    if state["bad"]:
        raise SystemExit(f"demo: {state['bad']} calls failed or came back wrong")
    return state["done"] / elapsed


def main(server_bin, schema):
    print(f"zerowamp {zerowamp.version()} — the data plane, end to end, on "
          f"{sys.implementation.name} {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="zerowamp-demo-") as db:
        server = subprocess.Popen([server_bin, schema, db, str(RECORDS)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            run(server, db)
        finally:
            if server.stdin:
                server.stdin.close()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if server.returncode != 0:
            raise SystemExit(f"demo: the C server exited with {server.returncode}")
        print("the C server stopped cleanly; the temporary database is removed")


def run(server, db):
    line = server.stdout.readline().split()
    if len(line) != 3 or line[0] != "ready":
        raise SystemExit(f"demo: the C server did not start: {line}")
    rs_url, ws_url = line[1], line[2]
    print(f"C server (demo_server): embedded router on {rs_url} and {ws_url}, "
          f"{RECORDS:,} records in LMDB at {db}, served as {GET}")

    with zerowamp.Client.connect(rs_url, "realm1", serializer="msgpack") as client:
        with client.call(GET, [42]) as result:
            rec = Record.GetRootAs(result.binary, 0)  # read in place in the received frame
            scheme, serializer = result.passthru
            print(f"call {GET}(42) -> {len(result.binary)} bytes, passthru {scheme}/{serializer}: "
                  f"{describe(rec)}")
        try:
            client.call(GET, [RECORDS + 1])
        except zerowamp.WampError as err:
            print(f"call {GET}({RECORDS + 1}) -> error {err.uri}")

        ids = []
        call = client.call_async(RANGE, [10, 15],
                                 on_progress=lambda m: ids.append(Record.GetRootAs(m.binary, 0).Id()))
        final = call.result(timeout=30)
        print(f"call {RANGE}(10, 15) -> records {ids} as progressive results, then {final.args}")

        rates = []
        for name, url in (("RawSocket", rs_url), ("WebSocket", ws_url)):
            with zerowamp.Client.connect(url, "realm1", serializer="msgpack") as c:
                seq = sequential(c, SECONDS)
                par = in_flight(c, SECONDS, IN_FLIGHT)
                rates.append((name, seq, par))
        for name, seq, par in rates:
            print(f"{name}, msgpack: {seq:,.0f} records/s one call at a time, "
                  f"{par:,.0f} records/s with {IN_FLIGHT} calls in flight")

        changes = []
        got_all = threading.Event()
        want = 5

        def on_change(event):
            if event.passthru is not None:
                changes.append(describe(Record.GetRootAs(event.binary, 0)))
            if len(changes) >= want:
                got_all.set()

        with client.subscribe(CHANGED, on_change):
            server.stdin.write(f"write {want}\n")
            server.stdin.flush()
            wrote = server.stdout.readline().split()
            if not got_all.wait(30):
                raise SystemExit(f"demo: the change feed delivered {len(changes)} of {want} records")
        print(f"subscribed to {CHANGED}; the C server wrote records {wrote[1]}..{wrote[2]} in one "
              f"transaction; after its commit the feed delivered:")
        for change in changes:
            print(f"  {change}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
