"""Records over WAMP, in Python: open a table, put FlatBuffers records, serve the table as an RPC
procedure with one call, and call it. The records go out of LMDB's memory map without a copy
(Payload Passthru Mode, the read snapshot pinned until they are written) and are read in place
from the received frame with the code flatc generated. examples/c/serve_records.c and
examples/cpp/serve_records.cpp are the same program; all three print the same lines.

Usage: python serve_records.py SCHEMA.bfbs DIR      (schemas/bfbs/record.bfbs; DIR must exist)
"""

import sys

import flatbuffers

import zerowamp
from zerowamp.sample import Record as record_fb
from zerowamp.sample.Record import Record

RECORDS = 5


def build(builder, rid):
    builder.Clear()
    name = builder.CreateString(f"user-{rid}")
    email = builder.CreateString(f"user-{rid}@example.com")
    payload = builder.CreateByteVector(bytes([rid]) * 16)
    record_fb.Start(builder)
    record_fb.AddId(builder, rid)
    record_fb.AddTs(builder, 1700000000000000000 + rid)
    record_fb.AddScore(builder, rid / 4)
    record_fb.AddActive(builder, bool(rid & 1))
    record_fb.AddName(builder, name)
    record_fb.AddEmail(builder, email)
    record_fb.AddPayload(builder, payload)
    builder.Finish(record_fb.End(builder))
    return builder.Output()


def main(schema, path):
    with zerowamp.Env(path, schemas=[schema]) as env:
        records = env.table("records", key="u64", root_type="zerowamp.sample.Record")
        builder = flatbuffers.Builder(256)
        with env.begin(write=True) as txn:
            for rid in range(1, RECORDS + 1):
                txn.put(records, rid, build(builder, rid))
        print(f"zerowamp {zerowamp.version()}: wrote {RECORDS} records")

        # A router in this process, on a port the system picks.
        with zerowamp.Router.start() as router:
            url = router.listen("rs://127.0.0.1:0")
            # The server: example.records.get(id) answers the record, with no code of ours in the path.
            with zerowamp.Client.connect(url, "realm1") as server, \
                    zerowamp.Client.connect(url, "realm1") as caller:
                server.serve_table(records, "example.records.get")
                print("serving example.records.get")
                # The caller: each record arrives as passthru bytes, read in place.
                for rid in (1, 3, 5, 9):
                    try:
                        with caller.call("example.records.get", [rid]) as result:
                            rec = Record.GetRootAs(result.binary, 0)
                            print(f"get {rec.Id()}: {rec.Name().decode()} <{rec.Email().decode()}> "
                                  f"score {rec.Score():.2f}")
                    except zerowamp.WampError as err:
                        print(f"get {rid}: {err.uri}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
