"""Misbehaving peers against `zerowamp router`, while well-behaved autobahn sessions keep calling
and publishing.

Raw sockets send bad RawSocket handshakes, oversize and malformed frames, garbage WebSocket
frames and upgrades, invalid WAMP of many kinds, stall half-way through a handshake, and a
seeded stream of random bytes. Each bad connection must be closed by the router (after an
ABORT where a WAMP session was reachable). Meanwhile every call of the good sessions must
return its own argument, every publication must be acknowledged and delivered, and at the end
the router is alive and counts exactly the good sessions.

    python tests/interop/misbehave.py target/release/zerowamp
"""

import asyncio
import base64
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    RouterProcess,
    Suite,
    binary_from_argv,
    close,
    connect,
    expect,
    scratch_dir,
)

from autobahn.wamp.types import PublishOptions  # noqa: E402

MAX_MESSAGE = 65536
OPEN_TIMEOUT_MS = 1000
JOIN_TIMEOUT_MS = 1500
CLOSE_WAIT = 5.0  # how long a bad peer waits for the router to close on it


def write_config(directory):
    text = f"""
[[listeners]]
url = "ws://127.0.0.1:0/ws"

[[listeners]]
url = "rs://127.0.0.1:0"

[[listeners]]
url = "rs://127.0.0.1:0"
shared_port = true

[transport]
max_message_size = {MAX_MESSAGE}
open_timeout_ms = {OPEN_TIMEOUT_MS}
join_timeout_ms = {JOIN_TIMEOUT_MS}
close_timeout_ms = 1000

[[realms]]
name = "realm1"
anonymous_role = "anonymous"

[[realms.roles]]
name = "anonymous"
permissions = [{{ uri = "", match = "prefix", call = true, register = true, publish = true, subscribe = true }}]
"""
    path = os.path.join(directory, "router.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


# --- raw connections ------------------------------------------------------------------------


class Raw:
    """A raw TCP connection: send bytes, read until the router closes it."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.received = b""

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, data):
        self.writer.write(data)

    async def read_exactly(self, n):
        data = await asyncio.wait_for(self.reader.readexactly(n), CLOSE_WAIT)
        self.received += data
        return data

    async def closed_by_router(self):
        """Reads until EOF (or a reset); fails if the router keeps the connection open."""
        try:
            while True:
                chunk = await asyncio.wait_for(self.reader.read(65536), CLOSE_WAIT)
                if not chunk:
                    break
                self.received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
        except asyncio.TimeoutError:
            raise AssertionError(f"the router kept the connection open; got {self.received[:80]!r}")
        finally:
            self.writer.close()
        return self.received


def rs_handshake(serializer=1, length_exp=0xF):
    return bytes([0x7F, (length_exp << 4) | serializer, 0, 0])


def rs_frame(payload, frame_type=0):
    n = len(payload)
    return bytes([frame_type, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF]) + payload


async def rs_session(port, serializer=1):
    """A RawSocket connection past its handshake."""
    raw = await Raw.open(port)
    raw.send(rs_handshake(serializer))
    reply = await raw.read_exactly(4)
    expect(reply[0] == 0x7F and reply[1] & 0x0F == serializer, f"handshake reply {reply!r}")
    return raw


def ws_upgrade(protocol="wamp.2.json", path="/ws"):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def ws_frame(payload, opcode=0x1, fin=True, mask=True, rsv=0):
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


async def ws_session(port, protocol="wamp.2.json"):
    """A WebSocket connection past its upgrade."""
    raw = await Raw.open(port)
    raw.send(ws_upgrade(protocol))
    head = await asyncio.wait_for(raw.reader.readuntil(b"\r\n\r\n"), CLOSE_WAIT)
    expect(head.startswith(b"HTTP/1.1 101"), f"upgrade answer {head[:40]!r}")
    return raw


HELLO = json.dumps([1, "realm1", {"roles": {"caller": {}}}]).encode()


# --- the bad peers --------------------------------------------------------------------------
# Each returns what it received; the router must have closed the connection.


def bad_cases(ports):
    ws, rs, shared = ports["ws"], ports["rs"], ports["shared"]

    async def rs_bad_magic():
        raw = await Raw.open(rs)
        raw.send(b"\x00\xf1\x00\x00")
        return await raw.closed_by_router()

    async def rs_serializer(serializer):
        raw = await Raw.open(rs)
        raw.send(rs_handshake(serializer))
        got = await raw.closed_by_router()
        expect(got[:1] == b"\x7f" and got[1] & 0x0F == 0 and got[1] >> 4 != 0, f"refusal {got!r}")
        return got

    async def rs_reserved_bits():
        raw = await Raw.open(rs)
        raw.send(b"\x7f\xf1\x01\x00")
        return await raw.closed_by_router()

    async def rs_half_handshake():
        raw = await Raw.open(rs)
        raw.send(b"\x7f\xf1")
        return await raw.closed_by_router()  # the open timeout

    async def rs_oversize():
        raw = await rs_session(rs)
        raw.send(bytes([0, 0x7F, 0xFF, 0xFF]) + b"[" * 1000)
        return await raw.closed_by_router()

    async def rs_bad_frame_type():
        raw = await rs_session(rs)
        raw.send(rs_frame(HELLO, frame_type=5))
        return await raw.closed_by_router()

    async def rs_truncated_then_eof():
        raw = await rs_session(rs)
        raw.send(bytes([0, 0, 1, 0]) + b"[1, ")
        raw.writer.write_eof()
        return await raw.closed_by_router()

    async def invalid_wamp(payload, serializer=1, hello_first=False):
        raw = await rs_session(rs, serializer)
        if hello_first:
            raw.send(rs_frame(HELLO))
        raw.send(rs_frame(payload))
        got = await raw.closed_by_router()
        expect(b"wamp.error.protocol_violation" in got, f"no ABORT: {got[-120:]!r}")
        return got

    async def no_hello():
        raw = await rs_session(rs)
        got = await raw.closed_by_router()  # the join timeout
        expect(b"no session joined" in got, f"no ABORT: {got!r}")
        return got

    async def ws_not_http():
        raw = await Raw.open(ws)
        raw.send(b"\x16\x03\x01\x00\xa5garbage that is no HTTP request\r\n\r\n")
        return await raw.closed_by_router()

    async def ws_plain_http():
        raw = await Raw.open(ws)
        raw.send(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        got = await raw.closed_by_router()
        expect(got == b"" or got.startswith(b"HTTP/1.1 4"), f"answer {got[:40]!r}")
        return got

    async def ws_unknown_subprotocol():
        raw = await Raw.open(ws)
        raw.send(ws_upgrade("wamp.2.xml"))
        got = await raw.closed_by_router()
        expect(not got.startswith(b"HTTP/1.1 101"), f"upgraded: {got[:40]!r}")
        return got

    async def ws_half_upgrade():
        raw = await Raw.open(ws)
        raw.send(ws_upgrade()[:30])
        return await raw.closed_by_router()

    async def ws_frame_case(frame):
        raw = await ws_session(ws)
        raw.send(frame)
        return await raw.closed_by_router()

    async def ws_invalid_wamp(payload, opcode=0x1):
        raw = await ws_session(ws)
        raw.send(ws_frame(payload, opcode))
        got = await raw.closed_by_router()
        expect(b"wamp.error.protocol_violation" in got, f"no ABORT: {got[-120:]!r}")
        return got

    async def shared_garbage():
        raw = await Raw.open(shared)
        raw.send(b"\x7e" + os.urandom(64))
        return await raw.closed_by_router()

    return [
        ("rs: bad magic octet", rs_bad_magic),
        ("rs: illegal serializer 0", lambda: rs_serializer(0)),
        ("rs: reserved serializer 9", lambda: rs_serializer(9)),
        ("rs: reserved handshake octets", rs_reserved_bits),
        ("rs: half a handshake, then silence", rs_half_handshake),
        ("rs: oversize frame", rs_oversize),
        ("rs: unknown frame type", rs_bad_frame_type),
        ("rs: truncated frame, then EOF", rs_truncated_then_eof),
        ("rs: not JSON", lambda: invalid_wamp(b"\xff\xfe not json")),
        ("rs: unknown message code", lambda: invalid_wamp(b"[999, 1]")),
        ("rs: not a list", lambda: invalid_wamp(b'{"hello": 1}')),
        ("rs: empty list", lambda: invalid_wamp(b"[]")),
        ("rs: CALL before HELLO", lambda: invalid_wamp(b'[48, 1, {}, "com.x"]')),
        ("rs: HELLO with a number realm", lambda: invalid_wamp(b'[1, 5, {}]')),
        ("rs: second HELLO", lambda: invalid_wamp(HELLO, hello_first=True)),
        ("rs: id out of range", lambda: invalid_wamp(b'[48, 9007199254740993, {}, "com.x"]', hello_first=True)),
        ("rs: a router's message from a client", lambda: invalid_wamp(b"[33, 1, 2]", hello_first=True)),
        ("rs: bad option type", lambda: invalid_wamp(b'[48, 1, {"timeout": "soon"}, "com.x"]', hello_first=True)),
        ("rs: msgpack garbage", lambda: invalid_wamp(b"\xc1\xc1\xc1", serializer=2)),
        ("rs: cbor garbage", lambda: invalid_wamp(b"\x9f\xff\xff", serializer=3)),
        ("rs: no HELLO, ever", no_hello),
        ("ws: TLS bytes to a plain port", ws_not_http),
        ("ws: HTTP without upgrade", ws_plain_http),
        ("ws: unknown subprotocol", ws_unknown_subprotocol),
        ("ws: half an upgrade, then silence", ws_half_upgrade),
        ("ws: unmasked client frame", lambda: ws_frame_case(ws_frame(HELLO, mask=False))),
        ("ws: reserved bits", lambda: ws_frame_case(ws_frame(HELLO, rsv=3))),
        ("ws: unknown opcode", lambda: ws_frame_case(ws_frame(HELLO, opcode=0x3))),
        ("ws: invalid UTF-8 text", lambda: ws_frame_case(ws_frame(b"[1, \"\xc3\x28\"]"))),
        ("ws: oversize frame", lambda: ws_frame_case(ws_frame(b"[" * (MAX_MESSAGE + 10)))),
        ("ws: continuation without a start", lambda: ws_frame_case(ws_frame(HELLO, opcode=0x0))),
        ("ws: not JSON", lambda: ws_invalid_wamp(b"nope")),
        ("ws: WAMP in a binary frame of a JSON session", lambda: ws_invalid_wamp(b"\x00\x01\x02", opcode=0x2)),
        ("ws: GOODBYE before HELLO", lambda: ws_invalid_wamp(b'[6, {}, "wamp.close.normal"]')),
        ("shared port: neither RawSocket nor HTTP", shared_garbage),
    ]


async def random_garbage(ports, seed=20261124, count=120):
    """Seeded random bytes: raw to each port, and as frames after a RawSocket handshake."""
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 700)))
        kind = i % 3
        cases.append((kind, blob))

    async def one(kind, blob):
        if kind == 0:
            raw = await Raw.open(ports["ws"])
            raw.send(blob)
        elif kind == 1:
            raw = await Raw.open(ports["shared"])
            raw.send(blob)
        else:
            raw = await rs_session(ports["rs"], serializer=1 + len(blob) % 3)
            raw.send(rs_frame(blob[: len(blob) // 2]) + blob)
        await raw.closed_by_router()

    for start in range(0, len(cases), 20):
        await asyncio.gather(*(one(k, b) for k, b in cases[start : start + 20]))


# --- the good sessions ----------------------------------------------------------------------


class Traffic:
    """Good sessions calling and publishing until told to stop; every answer is checked."""

    def __init__(self):
        self.calls = 0
        self.published = 0
        self.received = 0
        self.errors = []
        self.stop = asyncio.Event()

    async def run(self, urls):
        callee = await connect(urls["ws"], "cbor")
        caller_rs = await connect(urls["rs"], "json")
        caller_ws = await connect(urls["ws"], "msgpack")
        subscriber = await connect(urls["rs"], "msgpack")
        publisher = await connect(urls["ws"], "json")
        self.sessions = [callee, caller_rs, caller_ws, subscriber, publisher]

        def on_event(n):
            self.received += 1

        await callee.register(lambda n: n, "com.good.echo")
        await subscriber.subscribe(on_event, "com.good.news")

        async def calls(session):
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    got = await asyncio.wait_for(session.call("com.good.echo", n), 5)
                    if got != n:
                        self.errors.append(f"call {n} returned {got}")
                    self.calls += 1
                except Exception as e:  # noqa: BLE001 - every failure counts
                    self.errors.append(f"call {n}: {e!r}")
                await asyncio.sleep(0.002)

        async def publications():
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    await asyncio.wait_for(
                        publisher.publish("com.good.news", n, options=PublishOptions(acknowledge=True)), 5
                    )
                    self.published += 1
                except Exception as e:  # noqa: BLE001
                    self.errors.append(f"publish {n}: {e!r}")
                await asyncio.sleep(0.002)

        self.tasks = [
            asyncio.ensure_future(calls(caller_rs)),
            asyncio.ensure_future(calls(caller_ws)),
            asyncio.ensure_future(publications()),
        ]

    async def finish(self):
        self.stop.set()
        await asyncio.gather(*self.tasks)
        for _ in range(100):
            if self.received == self.published:
                break
            await asyncio.sleep(0.05)
        count = await self.sessions[1].call("wamp.session.count")
        await close(*self.sessions)
        return count


async def main():
    binary = binary_from_argv()
    suite = Suite("misbehaving peers")
    config = write_config(scratch_dir())
    with RouterProcess(binary, ["--config", config]) as router:
        urls = {"ws": router.urls[0], "rs": router.urls[1]}
        ports = {
            "ws": int(router.urls[0].split(":")[2].split("/")[0]),
            "rs": int(router.urls[1].rsplit(":", 1)[1]),
            "shared": int(router.urls[2].rsplit(":", 1)[1]),
        }
        traffic = Traffic()
        await traffic.run(urls)
        for label, case in bad_cases(ports):
            await suite.run(label, case, timeout=15)
        await suite.run("120 seeded random garbage connections", random_garbage, ports, timeout=60)

        async def good_sessions_unharmed():
            count = await traffic.finish()
            expect(not traffic.errors, f"good sessions saw errors: {traffic.errors[:5]}")
            expect(traffic.calls > 50, f"only {traffic.calls} calls went through")
            expect(traffic.published > 20, f"only {traffic.published} publications")
            expect(traffic.received == traffic.published,
                   f"{traffic.received} events for {traffic.published} publications")
            expect(count == 5, f"the router counts {count} sessions, not the 5 good ones")
            expect(router.alive(), "the router died")
            print(f"     {traffic.calls} calls, {traffic.published} publications, all answered")

        await suite.run("good sessions saw no error", good_sessions_unharmed, timeout=30)
        warnings = sum(1 for line in router.log().splitlines() if " WARN " in line)
        print(f"     the router logged {warnings} warnings about misbehaving peers")
        if suite.failed:
            print("--- router log ---\n" + router.log())
    return suite.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
