"""Helpers for running autobahn-python (asyncio) clients against `zerowamp router`.

- RouterProcess: the router binary as a child process on ephemeral ports; its listeners' URLs
  are read from its log, and it is killed when the `with` block ends (also on failure, on
  Ctrl-C, and at interpreter exit).
- connect(): one autobahn session over WebSocket or RawSocket with a chosen serializer,
  returned once joined (or raising Aborted with the router's reason).
- Suite: named async test cases run one after another with a timeout each; a summary at the
  end, and a non-zero exit status if any failed.
"""

import asyncio
import atexit
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import urlparse

import txaio

txaio.use_asyncio()

# bjdata (autobahn's optional UBJSON) is built against another numpy in the pinned set and
# prints an import traceback; these tests do not use UBJSON, so it is kept out.
sys.modules.setdefault("bjdata", None)

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import ComponentConfig  # noqa: E402

SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
}

_LIVE = []


def _kill_all():
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


atexit.register(_kill_all)


class RouterProcess:
    """`zerowamp router ARGS`, ready to use inside the `with` block, killed after it."""

    def __init__(self, binary, args, ready_timeout=15.0):
        self.binary = binary
        self.args = list(args)
        self.ready_timeout = ready_timeout
        self.urls = []
        self.lines = []
        self._cond = threading.Condition()
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            [self.binary, "router", *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        _LIVE.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + self.ready_timeout
        with self._cond:
            while not any(" ready: " in line for line in self.lines):
                left = deadline - time.monotonic()
                if self.proc.poll() is not None or left <= 0:
                    self.__exit__(None, None, None)
                    raise RuntimeError("router did not start:\n" + self.log())
                self._cond.wait(min(left, 0.1))
        for line in self.lines:
            if " listening on " in line:
                self.urls.append(line.split(" listening on ", 1)[1].split()[0])
        return self

    def _read(self):
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def log(self):
        with self._cond:
            return "\n".join(self.lines)

    def url(self, scheme):
        """The first listener URL with this scheme (`ws` or `rs`)."""
        for url in self.urls:
            if url.startswith(scheme + "://"):
                return url
        raise KeyError(scheme)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends `sig` and waits for the exit status."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
            if self.proc in _LIVE:
                _LIVE.remove(self.proc)
        return False


class Aborted(Exception):
    """The router refused the session: `reason` is its ABORT reason URI."""

    def __init__(self, reason, message):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class Client(ApplicationSession):
    """A session that joins with the given auth settings and resolves `joined`."""

    def __init__(self, config, joined, auth):
        super().__init__(config)
        self._joined = joined
        self._auth = auth or {}
        self.left = asyncio.get_event_loop().create_future()

    def onConnect(self):
        self.join(
            self.config.realm,
            authmethods=self._auth.get("authmethods"),
            authid=self._auth.get("authid"),
            authextra=self._auth.get("authextra"),
        )

    def onUserError(self, fail, msg):
        # Procedures that the router interrupts (cancel, timeout) end with CancelledError, and
        # some raise ApplicationError on purpose: expected here, not worth a traceback.
        if not isinstance(getattr(fail, "value", None), (asyncio.CancelledError, ApplicationError)):
            super().onUserError(fail, msg)

    def onChallenge(self, challenge):
        return self._auth["on_challenge"](challenge)

    def onJoin(self, details):
        self.details = details
        if not self._joined.done():
            self._joined.set_result(self)

    def onLeave(self, details):
        if not self._joined.done():
            self._joined.set_exception(Aborted(details.reason, details.message))
        if not self.left.done():
            self.left.set_result(details.reason)
        self.disconnect()


async def connect(url, serializer, realm="realm1", auth=None):
    """A joined autobahn session on `url` (ws://... or rs://...) speaking `serializer`."""
    loop = asyncio.get_event_loop()
    joined = loop.create_future()
    ser = SERIALIZERS[serializer]()

    def make():
        return Client(ComponentConfig(realm, {}), joined, auth)

    parsed = urlparse(url)
    if parsed.scheme == "ws":
        factory = WampWebSocketClientFactory(make, url=url, serializers=[ser])
    elif parsed.scheme == "rs":
        factory = WampRawSocketClientFactory(make, serializer=ser)
    else:
        raise ValueError(url)
    await loop.create_connection(factory, parsed.hostname, parsed.port)
    return await asyncio.wait_for(joined, 10)


async def close(*sessions):
    """Leaves each session that is still joined and waits for the router's GOODBYE."""
    for s in sessions:
        if s.is_attached():
            s.leave()
            await asyncio.wait_for(s.left, 5)


class Suite:
    """Async test cases, each given a timeout; failures are collected, not fatal."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []

    async def run(self, label, coro_fn, *args, timeout=20.0):
        started = time.monotonic()
        try:
            await asyncio.wait_for(coro_fn(*args), timeout)
        except Exception:  # noqa: BLE001 - report every failure and go on
            self.failed.append(label)
            print(f"FAIL {label}", flush=True)
            traceback.print_exc()
        else:
            self.passed += 1
            print(f"ok   {label} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)

    def finish(self):
        total = self.passed + len(self.failed)
        print(f"{self.name}: {self.passed}/{total} passed", flush=True)
        for label in self.failed:
            print(f"  failed: {label}", flush=True)
        return 0 if not self.failed else 1


def binary_from_argv():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/zerowamp")
    return sys.argv[1]


def scratch_dir():
    """A temporary directory removed at exit."""
    d = tempfile.TemporaryDirectory(prefix="zerowamp-interop-")
    atexit.register(d.cleanup)
    return d.name


def expect(condition, what):
    if not condition:
        raise AssertionError(what)
