"""The store demo in Python: put FlatBuffers records into LMDB through zerowamp, then read them
back zero-copy — each value is a memoryview into LMDB's memory map, read in place by the code
flatc generated (zerowamp.sample). The same program as examples/c/store_demo.c.

Usage: python store_demo.py SCHEMA.bfbs DIR
"""

import random
import sys
import time

import flatbuffers

import zerowamp
from zerowamp.sample import Record as record_fb
from zerowamp.sample.Record import Record

RECORDS = 5000
READS = 100_000


def build_record(builder, rid):
    """One zerowamp.sample.Record, as bytes."""
    builder.Clear()
    name = builder.CreateString(f"user-{rid:08d}")
    email = builder.CreateString(f"user-{rid:08d}@example.com")
    payload = builder.CreateByteVector(bytes((rid + i) & 0xFF for i in range(96)))
    record_fb.Start(builder)
    record_fb.AddId(builder, rid)
    record_fb.AddTs(builder, 1_700_000_000_000_000_000 + rid)
    record_fb.AddScore(builder, rid / 3)
    record_fb.AddActive(builder, rid % 2 == 1)
    record_fb.AddName(builder, name)
    record_fb.AddEmail(builder, email)
    record_fb.AddPayload(builder, payload)
    builder.Finish(record_fb.End(builder))
    return builder.Output()


def main(schema, path):
    print(f"zerowamp {zerowamp.version()} on {sys.implementation.name} — store demo in {path}")
    with zerowamp.Env(path, schemas=[schema]) as env:
        records = env.table("records", key="u64", root_type="zerowamp.sample.Record")

        # Write: each record is verified against zerowamp.sample.Record before it is stored.
        t0 = time.perf_counter()
        builder = flatbuffers.Builder(256)
        with env.begin(write=True) as txn:
            for rid in range(1, RECORDS + 1):
                txn.put(records, rid, build_record(builder, rid))
        print(f"wrote {RECORDS} verified records in {(time.perf_counter() - t0) * 1e3:.1f} ms")

        # A garbage value is refused, and the table is left as it was.
        with env.begin(write=True) as txn:
            try:
                txn.put(records, 1, b"not a flatbuffer")
            except zerowamp.VerifyError as err:
                print(f"a put of garbage raises VerifyError: {err.message}")
            txn.abort()

        # Read: values are memoryviews into the map; the generated code reads fields in place.
        with env.begin() as txn:
            for key, value in txn.range(records, limit=3):
                rec = Record.GetRootAs(value, 0)
                print(f"  id {rec.Id()}: {rec.Name().decode()} <{rec.Email().decode()}>, "
                      f"{len(value)} bytes, read in place")
            keys = [random.randint(1, RECORDS) for _ in range(READS)]
            t0 = time.perf_counter()
            checksum = sum(Record.GetRootAs(txn.get(records, k), 0).Id() for k in keys)
            elapsed = time.perf_counter() - t0
            assert checksum == sum(keys), "a record came back with the wrong id"
            print(f"read {READS} random records zero-copy (lookup + one field): "
                  f"{elapsed * 1e9 / READS:.0f} ns each")
            print(f"{txn.count(records)} records in the table")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: store_demo.py SCHEMA.bfbs DIR")
    main(sys.argv[1], sys.argv[2])
