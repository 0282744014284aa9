"""The WAMP demo in Python: put FlatBuffers records into LMDB, serve the table over WAMP from an
embedded router, and call it — each record goes from LMDB's map to the socket without a copy
(the library answers the calls itself, the read transaction pinned until the record is written),
and the caller reads it in place, inside the received frame, with the code flatc generated
(zerowamp.sample). Then the same from a Python procedure, which yields a record out of its own
read transaction.

Usage: python wamp_demo.py SCHEMA.bfbs DIR
"""

import os
import sys
import time

import flatbuffers

import zerowamp
from zerowamp.sample import Record as record_fb
from zerowamp.sample.Record import Record

RECORDS = 1000
CALLS = 2000


def build_record(builder, rid):
    """One zerowamp.sample.Record, as bytes."""
    builder.Clear()
    name = builder.CreateString(f"user-{rid:08d}")
    email = builder.CreateString(f"user-{rid:08d}@example.com")
    payload = builder.CreateByteVector(bytes((rid + i) & 0xFF for i in range(96)))
    record_fb.Start(builder)
    record_fb.AddId(builder, rid)
    record_fb.AddScore(builder, rid / 3)
    record_fb.AddName(builder, name)
    record_fb.AddEmail(builder, email)
    record_fb.AddPayload(builder, payload)
    builder.Finish(record_fb.End(builder))
    return builder.Output()


def main(schema, path):
    print(f"zerowamp {zerowamp.version()} on {sys.implementation.name} — WAMP demo in {path}")
    os.makedirs(path, exist_ok=True)
    with zerowamp.Env(path, schemas=[schema]) as env, zerowamp.Router.start() as router:
        records = env.table("records", key="u64", root_type="zerowamp.sample.Record")
        builder = flatbuffers.Builder(256)
        with env.begin(write=True) as txn:
            for rid in range(1, RECORDS + 1):
                txn.put(records, rid, build_record(builder, rid))
        url = router.listen("rs://127.0.0.1:0")
        print(f"{RECORDS} records stored; router listening on {url}")

        # serve_table answers in the library; a Python procedure does the same by hand: yield the
        # record out of a read transaction (pin=txn: no copy; the transaction may end as soon as
        # yield_ returns).
        def get(inv):
            with env.begin() as txn:
                value = txn.get(records, inv.message.args[0])
                if value is None:
                    raise zerowamp.WampError("zerowamp.error.not_found", inv.message.args)
                inv.yield_(record=value, pin=txn)

        with zerowamp.Client.connect(url, "realm1") as server, \
                zerowamp.Client.connect(url, "realm1", serializer="cbor") as client:
            server.serve_table(records, "com.example.records.get")  # no Python per call
            server.register("com.example.records.py_get", get)

            with client.call("com.example.records.get", [42]) as result:
                rec = Record.GetRootAs(result.binary, 0)  # read in place: no decode step
                print(f"  record 42: {rec.Name().decode()} <{rec.Email().decode()}>, "
                      f"{len(result.binary)} bytes, passthru {result.passthru}")
            try:
                client.call("com.example.records.get", [RECORDS + 1])
            except zerowamp.WampError as err:
                print(f"  a missing record: {err.uri}")

            for procedure in ("com.example.records.get", "com.example.records.py_get"):
                t0 = time.perf_counter()
                calls = [client.call_async(procedure, [1 + i % RECORDS],
                                           on_result=lambda m, e: Record.GetRootAs(m.binary, 0).Id())
                         for i in range(CALLS)]
                checksum = sum(call.result() for call in calls)
                elapsed = time.perf_counter() - t0
                assert checksum == sum(1 + i % RECORDS for i in range(CALLS)), "a record came back wrong"
                print(f"{procedure}: {CALLS} calls in flight, each record read zero-copy in on_result: "
                      f"{CALLS / elapsed:.0f} calls/s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: wamp_demo.py SCHEMA.bfbs DIR")
    main(sys.argv[1], sys.argv[2])
