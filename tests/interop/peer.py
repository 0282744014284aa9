"""An autobahn-python (asyncio) peer for the interop tests: it joins crossbar with one transport
and one serializer, and offers the zerowamp client under test everything it needs to exercise
both directions, all under one URI prefix:

  PREFIX.echo(*args, **kwargs)            returns its arguments
  PREFIX.fail(uri, message)               fails with that error
  PREFIX.progress(n)                      n progressive results 0..n-1, then n
  PREFIX.slow(seconds)                    sleeps; records whether it was canceled
  PREFIX.slow_started()                   whether a slow() has started (and not finished)
  PREFIX.was_canceled()                   whether the last slow() was canceled
  PREFIX.call(procedure, *args)           calls `procedure` (autobahn as the caller)
  PREFIX.call_progressive(procedure, n)   calls it asking for progressive results
  PREFIX.publish(topic, *args, **kwargs)  publishes (acknowledged; autobahn as the publisher)
  PREFIX.received()                       the events received on PREFIX.inbox so far

It prints READY once everything is registered and subscribed, and exits when its stdin closes
(the test process went away) or the session ends.
"""
import argparse
import asyncio
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
from autobahn.wamp.types import (  # noqa: E402
    CallOptions,
    CallResult,
    ComponentConfig,
    PublishOptions,
    RegisterOptions,
)

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", choices=["ws", "rs"], required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serializer", choices=sorted(SERIALIZERS), required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--realm", default="realm1")
    return ap.parse_args()


class Peer(ApplicationSession):
    prefix = ""
    ready = None
    gone = None

    async def onJoin(self, details):
        p = self.prefix
        self.inbox = []
        self.canceled = False
        self.slow_running = False
        with_details = RegisterOptions(details_arg="details")

        def echo(*args, **kwargs):
            return CallResult(*args, **kwargs)

        def fail(uri, message):
            raise ApplicationError(uri, message)

        def progress(n, details=None):
            for i in range(n):
                if details is not None and details.progress:
                    details.progress(i)
            return n

        async def slow(seconds):
            self.canceled = False
            self.slow_running = True
            try:
                await asyncio.sleep(seconds)
            except asyncio.CancelledError:
                self.canceled = True
                raise
            finally:
                self.slow_running = False
            return "finished"

        def slow_started():
            return self.slow_running

        def was_canceled():
            return self.canceled

        async def call(procedure, *args):
            result = await self.call(procedure, *args)
            if isinstance(result, CallResult):
                return CallResult(*result.results, **result.kwresults)
            return result

        async def call_progressive(procedure, n):
            chunks = []
            final = await self.call(
                procedure, n, options=CallOptions(on_progress=lambda *a, **k: chunks.append(a[0]))
            )
            return [chunks, final]

        async def publish(topic, *args, **kwargs):
            pub = await self.publish(
                topic, *args, options=PublishOptions(acknowledge=True, exclude_me=False), **kwargs
            )
            return pub.id

        def received():
            return self.inbox

        def on_event(*args, **kwargs):
            self.inbox.append([list(args), kwargs])

        await self.register(echo, p + ".echo")
        await self.register(fail, p + ".fail")
        await self.register(progress, p + ".progress", options=with_details)
        await self.register(slow, p + ".slow")
        await self.register(slow_started, p + ".slow_started")
        await self.register(was_canceled, p + ".was_canceled")
        await self.register(call, p + ".call")
        await self.register(call_progressive, p + ".call_progressive")
        await self.register(publish, p + ".publish")
        await self.register(received, p + ".received")
        await self.subscribe(on_event, p + ".inbox")
        self.ready.set_result(True)

    def onDisconnect(self):
        if not self.ready.done():
            self.ready.set_exception(RuntimeError("disconnected before READY"))
        if not self.gone.done():
            self.gone.set_result(True)


async def main():
    a = parse_args()
    loop = asyncio.get_running_loop()
    Peer.prefix = a.prefix
    Peer.ready = loop.create_future()
    Peer.gone = loop.create_future()

    def make():
        return Peer(ComponentConfig(realm=a.realm, extra={}))

    serializer = SERIALIZERS[a.serializer]()
    if a.transport == "ws":
        factory = WampWebSocketClientFactory(
            make, url=f"ws://127.0.0.1:{a.port}/ws", serializers=[serializer]
        )
        factory.setProtocolOptions(
            maxFramePayloadSize=16 * 2**20, maxMessagePayloadSize=16 * 2**20, autoFragmentSize=0
        )
    else:
        factory = WampRawSocketClientFactory(make, serializer=serializer)
    await loop.create_connection(factory, "127.0.0.1", a.port)
    await asyncio.wait_for(Peer.ready, 30)
    print("READY", flush=True)
    # Exit when the test process closes our stdin, or when the session ends.
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    await asyncio.wait([stdin_closed, Peer.gone], return_when=asyncio.FIRST_COMPLETED)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    # The executor thread blocked in stdin.read must not keep the process alive.
    sys.stdout.flush()
    import os

    os._exit(0)
