"""autobahn-python (asyncio) clients against `zerowamp router`.

Every feature case runs on json, msgpack and cbor over WebSocket and over RawSocket: RPC,
PubSub, progressive results, pattern subscriptions and registrations, shared registrations,
cancel, call timeout, payload passthru in autobahn's naming (enc_algo/enc_serializer), and
authentication (ticket, WAMP-CRA plain and salted, cryptosign) with its denials and
authorization denials. Then sessions on all six combinations talk to each other at once, and
both framings are served on one shared port. Finally SIGTERM: every session gets GOODBYE.

    python tests/interop/test_router.py target/release/zerowamp
"""

import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    Aborted,
    RouterProcess,
    Suite,
    binary_from_argv,
    close,
    connect,
    expect,
    scratch_dir,
)

from autobahn.wamp import auth as wamp_auth  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.interfaces import IPayloadCodec  # noqa: E402
from autobahn.wamp.types import (  # noqa: E402
    CallDetails,
    CallOptions,
    EncodedPayload,
    PublishOptions,
    RegisterOptions,
    SubscribeOptions,
)

SERIALIZERS = ["json", "msgpack", "cbor"]
TRANSPORTS = ["ws", "rs"]

TICKET = "alice-ticket"
CRA_SECRET = "bob-secret"
SALTED = {"password": "carol-password", "salt": "pepper", "iterations": 100, "keylen": 32}
DAVE_KEY = CryptosignKey.from_bytes(bytes(range(32)))
STRANGER_KEY = CryptosignKey.from_bytes(bytes(range(1, 33)))


def write_config(directory):
    derived = wamp_auth.derive_key(
        SALTED["password"], SALTED["salt"], SALTED["iterations"], SALTED["keylen"]
    ).decode("ascii")
    text = f"""
[[listeners]]
url = "ws://127.0.0.1:0/ws"

[[listeners]]
url = "rs://127.0.0.1:0"

[[listeners]]
url = "rs://127.0.0.1:0"
shared_port = true

[[realms]]
name = "realm1"
anonymous_role = "anonymous"

[[realms.roles]]
name = "anonymous"
permissions = [{{ uri = "", match = "prefix", call = true, register = true, publish = true, subscribe = true }}]

[[realms]]
name = "secure"

[[realms.roles]]
name = "user"
permissions = [{{ uri = "com.public.", match = "prefix", call = true, register = true, publish = true, subscribe = true }}]

[[realms.roles]]
name = "restricted"
permissions = [{{ uri = "com.public.read.", match = "prefix", call = true, subscribe = true }}]

[[realms.principals]]
authid = "alice"
authrole = "user"
ticket = "{TICKET}"

[[realms.principals]]
authid = "bob"
authrole = "user"
wampcra = {{ secret = "{CRA_SECRET}" }}

[[realms.principals]]
authid = "carol"
authrole = "user"
wampcra = {{ secret = "{derived}", salt = "{SALTED['salt']}", iterations = {SALTED['iterations']}, keylen = {SALTED['keylen']} }}

[[realms.principals]]
authid = "dave"
authrole = "restricted"
cryptosign = ["{DAVE_KEY.public_key()}"]
"""
    path = os.path.join(directory, "router.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Combo:
    """One transport and serializer: connects sessions on it."""

    def __init__(self, router, transport, serializer):
        self.url = router.url(transport)
        self.serializer = serializer
        self.label = f"{transport}/{serializer}"
        self.opened = []

    async def join(self, realm="realm1", auth=None):
        session = await connect(self.url, self.serializer, realm, auth)
        self.opened.append(session)
        return session

    async def cleanup(self):
        """Leaves every session a case opened, also when it failed half-way."""
        opened, self.opened = self.opened, []
        await close(*opened)


# --- RPC ------------------------------------------------------------------------------------


async def rpc(c):
    callee, caller = await c.join(), await c.join()

    def add(a, b, details=None):
        return {"sum": a + b, "procedure": details.procedure}

    def fail(*args, **kwargs):
        raise ApplicationError("com.example.oops", "went wrong", *args, code=7, **kwargs)

    await callee.register(add, "com.example.add", RegisterOptions(details_arg="details"))
    await callee.register(fail, "com.example.fail")
    got = await caller.call("com.example.add", 2, 3)
    expect(got == {"sum": 5, "procedure": "com.example.add"}, f"add: {got}")
    try:
        await caller.call("com.example.fail", 1, key="v")
        raise AssertionError("com.example.fail did not fail")
    except ApplicationError as e:
        expect(e.error == "com.example.oops", f"error uri {e.error}")
        expect(list(e.args) == ["went wrong", 1], f"error args {e.args}")
        expect(e.kwargs == {"code": 7, "key": "v"}, f"error kwargs {e.kwargs}")
    try:
        await caller.call("com.example.nothing")
        raise AssertionError("a call to nothing succeeded")
    except ApplicationError as e:
        expect(e.error == "wamp.error.no_such_procedure", e.error)
    await close(callee, caller)


async def pubsub(c):
    pub, sub = await c.join(), await c.join()
    got = asyncio.Queue()

    def on_event(*args, details=None, **kwargs):
        got.put_nowait((args, kwargs, details.topic))

    await sub.subscribe(on_event, "com.example.topic", SubscribeOptions(details_arg="details"))
    await pub.subscribe(on_event, "com.example.topic", SubscribeOptions(details_arg="details"))
    ack = await pub.publish(
        "com.example.topic", 1, "two", three=3.5,
        options=PublishOptions(acknowledge=True),
    )
    expect(ack.id > 0, "publication id")
    args, kwargs, topic = await asyncio.wait_for(got.get(), 5)
    expect(args == (1, "two") and kwargs == {"three": 3.5}, f"event {args} {kwargs}")
    expect(topic == "com.example.topic", f"topic {topic}")
    expect(got.empty(), "the publisher is excluded by default")
    pub.publish("com.example.topic", "me too", options=PublishOptions(exclude_me=False))
    seen = [await asyncio.wait_for(got.get(), 5) for _ in range(2)]
    expect(seen[0] == seen[1] == (("me too",), {}, "com.example.topic"), f"events {seen}")
    expect(got.empty(), "exclude_me=False: exactly two deliveries")
    await close(pub, sub)


async def progressive(c):
    callee, caller = await c.join(), await c.join()

    async def count(n, details: CallDetails = None):
        for i in range(n):
            details.progress(i)
            await asyncio.sleep(0)
        return "done"

    await callee.register(count, "com.example.count", RegisterOptions(details_arg="details"))
    chunks = []
    result = await caller.call(
        "com.example.count", 5, options=CallOptions(on_progress=chunks.append)
    )
    expect(chunks == [0, 1, 2, 3, 4], f"progress {chunks}")
    expect(result == "done", f"final {result}")
    await close(callee, caller)


async def patterns(c):
    pub, sub, callee = await c.join(), await c.join(), await c.join()
    got = asyncio.Queue()

    def on(match):
        return lambda *args, details=None: got.put_nowait((match, details.topic, args))

    await sub.subscribe(on("prefix"), "com.pat.", SubscribeOptions(match="prefix", details_arg="details"))
    await sub.subscribe(on("wildcard"), "com..alarm", SubscribeOptions(match="wildcard", details_arg="details"))
    pub.publish("com.pat.one", 1)
    pub.publish("com.kitchen.alarm", 2)
    pub.publish("com.pat.alarm", 3)  # both patterns
    pub.publish("org.pat.one", 4)  # neither
    seen = sorted([await asyncio.wait_for(got.get(), 5) for _ in range(4)])
    expect(
        seen == sorted([
            ("prefix", "com.pat.one", (1,)),
            ("wildcard", "com.kitchen.alarm", (2,)),
            ("prefix", "com.pat.alarm", (3,)),
            ("wildcard", "com.pat.alarm", (3,)),
        ]),
        f"events {seen}",
    )

    def which(details=None):
        return details.procedure

    await callee.register(which, "com.proc.", RegisterOptions(match="prefix", details_arg="details"))
    got_proc = await pub.call("com.proc.anything")
    expect(got_proc == "com.proc.anything", f"prefix registration saw {got_proc}")
    await asyncio.sleep(0.05)
    expect(got.empty(), "no event for org.pat.one")
    await close(pub, sub, callee)


async def shared(c):
    caller = await c.join()
    callees = [await c.join() for _ in range(3)]
    for policy in ["roundrobin", "first", "last", "random"]:
        uri = f"com.shared.{policy}"
        for i, callee in enumerate(callees):
            await callee.register(lambda i=i: i, uri, RegisterOptions(invoke=policy))
        seen = [await caller.call(uri) for _ in range(9)]
        expected = {
            "roundrobin": [0, 1, 2] * 3,
            "first": [0] * 9,
            "last": [2] * 9,
        }.get(policy)
        if expected is None:
            expect(all(s in (0, 1, 2) for s in seen), f"random: {seen}")
        else:
            expect(seen == expected, f"{policy}: {seen}")
    try:
        await callees[0].register(lambda: 0, "com.shared.roundrobin", RegisterOptions(invoke="first"))
        raise AssertionError("a mismatched policy was accepted")
    except ApplicationError as e:
        expect(e.error == "wamp.error.procedure_already_exists", e.error)
    await close(caller, *callees)


async def cancel(c):
    callee, caller = await c.join(), await c.join()
    started, interrupted = asyncio.Event(), asyncio.Event()

    async def slow():
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            interrupted.set()
            raise
        return "too late"

    await callee.register(slow, "com.example.slow")
    call = asyncio.ensure_future(caller.call("com.example.slow"))
    await asyncio.wait_for(started.wait(), 5)
    call.cancel()
    try:
        await call
        raise AssertionError("the canceled call returned")
    except (asyncio.CancelledError, ApplicationError):
        pass
    await asyncio.wait_for(interrupted.wait(), 5)
    expect(await caller.call("wamp.session.count") >= 2, "the session still works")
    await close(callee, caller)


async def timeout(c):
    callee, caller = await c.join(), await c.join()
    interrupted = asyncio.Event()

    async def stuck():
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            interrupted.set()
            raise

    await callee.register(stuck, "com.example.stuck")
    try:
        # autobahn sends CallOptions.timeout as is: the spec's unit, milliseconds.
        await caller.call("com.example.stuck", options=CallOptions(timeout=200))
        raise AssertionError("the call did not time out")
    except ApplicationError as e:
        expect(e.error == "wamp.error.timeout", e.error)
    await asyncio.wait_for(interrupted.wait(), 5)
    await close(callee, caller)


class OpaqueCodec(IPayloadCodec):
    """Payload transparency as autobahn does it: the payload travels as one opaque binary with
    enc_algo/enc_serializer, which the router must forward untouched. (The bytes are not
    really a cryptobox: the router cannot tell, and must not look.)"""

    ALGO = "cryptobox"

    def __init__(self, seen):
        self.seen = seen

    def encode(self, is_originating, uri, args=None, kwargs=None):
        blob = bytes([0, 0xFF, 0x80]) + repr((args, kwargs)).encode()
        return EncodedPayload(blob, self.ALGO, "flatbuffers")

    def decode(self, is_originating, uri, encoded_payload):
        self.seen.append((encoded_payload.enc_algo, encoded_payload.enc_serializer))
        blob = encoded_payload.payload
        expect(blob[:3] == bytes([0, 0xFF, 0x80]), f"payload bytes changed: {blob[:8]!r}")
        args, kwargs = eval(blob[3:].decode(), {})  # our own repr, from our own encode
        return uri, args, kwargs


async def passthru(c):
    seen = []
    callee, caller, sub = await c.join(), await c.join(), await c.join()
    for s in (callee, caller, sub):
        s.set_payload_codec(OpaqueCodec(seen))
    got = asyncio.Queue()
    await sub.subscribe(lambda *a, **kw: got.put_nowait((a, kw)), "com.ppt.topic")
    await callee.register(lambda x, y=0: [x, y, "answer"], "com.ppt.echo")
    result = await caller.call("com.ppt.echo", 41, y=1)
    expect(result == [41, 1, "answer"], f"result {result}")
    await caller.publish("com.ppt.topic", "blob", n=1, options=PublishOptions(acknowledge=True))
    event = await asyncio.wait_for(got.get(), 5)
    expect(event == (("blob",), {"n": 1}), f"event {event}")
    expect(seen and all(s == (OpaqueCodec.ALGO, "flatbuffers") for s in seen), f"seen {seen}")
    await close(callee, caller, sub)


# --- authentication and authorization ---------------------------------------------------------


def ticket(authid, secret):
    return {"authmethods": ["ticket"], "authid": authid, "on_challenge": lambda ch: secret}


def wampcra(authid, key):
    return {
        "authmethods": ["wampcra"],
        "authid": authid,
        "on_challenge": lambda ch: wamp_auth.compute_wcs(key, ch.extra["challenge"]).decode("ascii"),
    }


def cryptosign(authid, key):
    return {
        "authmethods": ["cryptosign"],
        "authid": authid,
        "authextra": {"pubkey": key.public_key()},
        "on_challenge": lambda ch: key.sign_challenge(ch),
    }


async def refused(c, auth, reason):
    try:
        s = await c.join("secure", auth)
    except Aborted as e:
        expect(e.reason == reason, f"refused with {e.reason}, expected {reason}")
    else:
        await close(s)
        raise AssertionError(f"joined with {auth}")


async def authentication(c):
    salted = wamp_auth.derive_key(
        SALTED["password"], SALTED["salt"], SALTED["iterations"], SALTED["keylen"]
    )
    for auth, authid, method in [
        (ticket("alice", TICKET), "alice", "ticket"),
        (wampcra("bob", CRA_SECRET), "bob", "wampcra"),
        (wampcra("carol", salted), "carol", "wampcra"),
        (cryptosign("dave", DAVE_KEY), "dave", "cryptosign"),
    ]:
        s = await c.join("secure", auth)
        expect(s.details.authid == authid, f"authid {s.details.authid}")
        expect(s.details.authmethod == method, f"authmethod {s.details.authmethod}")
        expect(s.details.authrole in ("user", "restricted"), s.details.authrole)
        await close(s)
    failed = "wamp.error.authentication_failed"
    await refused(c, ticket("alice", "wrong"), failed)
    await refused(c, wampcra("bob", "wrong"), failed)
    # Principals are looked up when HELLO arrives: an unknown key or authid cannot be admitted
    # by any offered method.
    unknown = "wamp.error.no_auth_method"
    await refused(c, cryptosign("dave", STRANGER_KEY), unknown)
    await refused(c, ticket("mallory", "x"), unknown)
    await refused(c, None, unknown)


async def authorization(c):
    user = await c.join("secure", ticket("alice", TICKET))
    dave = await c.join("secure", cryptosign("dave", DAVE_KEY))
    await user.register(lambda: "public", "com.public.read.thing")
    expect(await dave.call("com.public.read.thing") == "public", "allowed call")
    await dave.subscribe(lambda *a: None, "com.public.read.news")
    denied = "wamp.error.not_authorized"
    for what, attempt in [
        ("register", lambda: dave.register(lambda: 0, "com.public.read.mine")),
        ("call", lambda: dave.call("com.private.thing")),
        ("publish", lambda: dave.publish("com.public.read.news", 1, options=PublishOptions(acknowledge=True))),
        ("subscribe", lambda: dave.subscribe(lambda *a: None, "com.public.write.news")),
        ("user outside its prefix", lambda: user.register(lambda: 0, "com.private.thing")),
    ]:
        try:
            await attempt()
            raise AssertionError(f"{what} was allowed")
        except ApplicationError as e:
            expect(e.error == denied, f"{what}: {e.error}")
    expect(await dave.call("com.public.read.thing") == "public", "still joined after denials")
    await close(user, dave)


CASES = [rpc, pubsub, progressive, patterns, shared, cancel, timeout, passthru, authentication, authorization]


# --- across combinations, shared port, shutdown -----------------------------------------------


async def everyone_together(combos):
    sessions = [await c.join() for c in combos]
    got = asyncio.Queue()
    for i, s in enumerate(sessions):
        await s.subscribe(lambda *a, i=i: got.put_nowait((i, a)), "com.all.news")
        await s.register(lambda x, i=i: [i, x], f"com.all.echo{i}")
    for i, s in enumerate(sessions):
        for j in range(len(sessions)):
            expect(await s.call(f"com.all.echo{j}", f"from {i}") == [j, f"from {i}"], "echo")
        s.publish("com.all.news", i, "ü€", b"\x00\x01" if i % 2 else 1.5)
    seen = sorted([await asyncio.wait_for(got.get(), 5) for _ in range(len(sessions) * (len(sessions) - 1))])
    expect(len(seen) == len(sessions) * (len(sessions) - 1), f"{len(seen)} events")
    for receiver, args in seen:
        sender = args[0]
        expect(receiver != sender, "the publisher is excluded by default")
        expect(args[1] == "ü€", f"unicode survives: {args}")
        expect(args[2] == (b"\x00\x01" if sender % 2 else 1.5), f"binary and float survive: {args}")
    await close(*sessions)


async def shared_port(router):
    port = router.urls[2].rsplit(":", 1)[1]
    ws = await connect(f"ws://127.0.0.1:{port}/ws", "json")
    rs = await connect(f"rs://127.0.0.1:{port}", "cbor")
    await ws.register(lambda: "over one port", "com.port.hello")
    expect(await rs.call("com.port.hello") == "over one port", "shared port")
    await close(ws, rs)


async def shutdown(router, combos):
    sessions = [await c.join() for c in combos]
    loop = asyncio.get_event_loop()
    code = await loop.run_in_executor(None, router.stop, signal.SIGTERM)
    reasons = [await asyncio.wait_for(s.left, 5) for s in sessions]
    expect(all(r == "wamp.close.system_shutdown" for r in reasons), f"reasons {reasons}")
    expect(code == 0, f"exit status {code}")
    log = router.log()
    expect(f"GOODBYE to {len(sessions)} sessions" in log, log)


async def main():
    binary = binary_from_argv()
    suite = Suite("router interop")
    config = write_config(scratch_dir())
    with RouterProcess(binary, ["--config", config]) as router:
        combos = [Combo(router, t, s) for t in TRANSPORTS for s in SERIALIZERS]
        for case in CASES:
            for combo in combos:
                await suite.run(f"{case.__name__} {combo.label}", case, combo)
                await combo.cleanup()
        await suite.run("all six combinations together", everyone_together, combos)
        for combo in combos:
            await combo.cleanup()
        await suite.run("RawSocket and WebSocket on one port", shared_port, router)
        await suite.run("SIGTERM: GOODBYE to every session", shutdown, router, combos)
        if suite.failed:
            print("--- router log ---\n" + router.log())
    return suite.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
