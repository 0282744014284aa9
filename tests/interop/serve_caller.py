"""An autobahn-python (asyncio) caller of a table that a zerowamp client serves through crossbar.

It calls the key procedure (--get) for each of --ids and for --missing, and the range procedure
(--range) over all of --ids with progressive results. Every record it receives is read with the
Python `flatbuffers` package and the generated code of schemas/record.fbs
(bindings/python/zerowamp/sample), and checked field by field against the sample record the
Rust side stored (tests/common/mod.rs: `record(id)`). It prints one JSON line with what it got
(ids, SHA-256 of each record's bytes, the range's count, the missing key's error URI) and exits
1 with a message on stderr when any check fails.
"""
import argparse
import asyncio
import hashlib
import json
import pathlib
import sys

import txaio

txaio.use_asyncio()

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import CallOptions, CallResult, ComponentConfig  # noqa: E402

# The generated code, without the zerowamp package itself (which loads the C library).
REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python" / "zerowamp"))
from sample.Record import Record  # noqa: E402

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}


class Mismatch(Exception):
    pass


def check_record(data, expected_id=None):
    """Reads `data` as a zerowamp.sample.Record and checks every field against record(id)."""
    if not isinstance(data, (bytes, bytearray)):
        raise Mismatch(f"expected the record as bytes, got {type(data).__name__}: {data!r}")
    rec = Record.GetRootAs(bytearray(data), 0)
    rid = rec.Id()
    if expected_id is not None and rid != expected_id:
        raise Mismatch(f"record id {rid}, expected {expected_id}")
    want = {
        "ts": 1_700_000_000_000_000_000 + rid,
        "score": rid / 2.0,
        "active": rid % 2 == 0,
        "name": f"user-{rid}".encode(),
        "email": f"user-{rid}@example.com".encode(),
        "payload": bytes((rid * 31 + i) & 0xFF for i in range(96)),
    }
    got = {
        "ts": rec.Ts(),
        "score": rec.Score(),
        "active": rec.Active(),
        "name": rec.Name(),
        "email": rec.Email(),
        "payload": bytes(rec.PayloadAsNumpy()) if rec.PayloadLength() else b"",
    }
    for field, value in want.items():
        if got[field] != value:
            raise Mismatch(f"record {rid}: {field} is {got[field]!r}, expected {value!r}")
    return {"id": rid, "sha256": hashlib.sha256(bytes(data)).hexdigest()}


class Caller(ApplicationSession):
    args = None
    outcome = None

    async def onJoin(self, details):
        try:
            self.outcome.set_result(await self.run())
        except Exception as e:  # noqa: BLE001 - reported to the test as is
            self.outcome.set_exception(e)
        self.leave()

    async def run(self):
        a = self.args
        ids = [int(i) for i in a.ids.split(",")]
        records = []
        for rid in ids:
            records.append(check_record(await self.call(a.get, rid), rid))
        try:
            await self.call(a.get, a.missing)
            raise Mismatch(f"key {a.missing} has no record, yet the call succeeded")
        except ApplicationError as e:
            missing = {"error": e.error, "message": e.args[0] if e.args else None}
        chunks = []
        final = await self.call(
            a.range, min(ids), None, options=CallOptions(on_progress=lambda *r, **k: chunks.append(r))
        )
        ranged = [check_record(c[0]) for c in chunks]
        if not isinstance(final, CallResult):
            raise Mismatch(f"the range's final result should carry kwargs, got {final!r}")
        return {
            "records": records,
            "missing": missing,
            "range": {
                "ids": [r["id"] for r in ranged],
                "count": final.results[0],
                "more": final.kwresults.get("more"),
            },
        }

    def onDisconnect(self):
        if not self.outcome.done():
            self.outcome.set_exception(RuntimeError("disconnected before the calls were made"))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", choices=["ws", "rs"], required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serializer", choices=sorted(SERIALIZERS), required=True)
    ap.add_argument("--realm", default="realm1")
    ap.add_argument("--get", required=True, help="the key procedure")
    ap.add_argument("--range", required=True, help="the range procedure")
    ap.add_argument("--ids", required=True, help="comma-separated record ids that exist")
    ap.add_argument("--missing", type=int, required=True, help="a key without a record")
    a = ap.parse_args()
    loop = asyncio.get_running_loop()
    Caller.args = a
    Caller.outcome = loop.create_future()

    def make():
        return Caller(ComponentConfig(realm=a.realm, extra={}))

    serializer = SERIALIZERS[a.serializer]()
    if a.transport == "ws":
        factory = WampWebSocketClientFactory(
            make, url=f"ws://127.0.0.1:{a.port}/ws", serializers=[serializer]
        )
    else:
        factory = WampRawSocketClientFactory(make, serializer=serializer)
    await loop.create_connection(factory, "127.0.0.1", a.port)
    result = await asyncio.wait_for(Caller.outcome, 60)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Mismatch as e:
        print(f"serve_caller: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
