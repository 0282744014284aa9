"""asyncio: a caller-driven client dispatched by the event loop — callbacks run on the loop's
thread, calls and handlers are awaitable, canceling a task cancels the WAMP call."""

import asyncio
import threading

import pytest

import zerowamp
from zerowamp.aio import AsyncClient

from conftest import WAIT


def run(coro):
    """Runs ``coro`` on a fresh event loop (pytest-asyncio is not needed for that)."""
    return asyncio.run(asyncio.wait_for(coro, WAIT * 3))


def test_call_register_publish_subscribe(url):
    async def main():
        loop_thread = threading.get_ident()
        threads = set()
        async with await AsyncClient.connect(url, "realm1") as callee, \
                await AsyncClient.connect(url, "realm1", serializer="json") as caller:

            async def add(inv):
                threads.add(threading.get_ident())
                await asyncio.sleep(0.01)  # other work goes on meanwhile
                inv.yield_([sum(inv.message.args)])

            def mul(inv):  # a plain function works too
                threads.add(threading.get_ident())
                inv.yield_([inv.message.args[0] * inv.message.args[1]])

            await callee.register("com.example.add", add)
            await callee.register("com.example.mul", mul)
            results = await asyncio.gather(*(caller.call("com.example.add", [i, i]) for i in range(20)))
            assert [r.args[0] for r in results] == [2 * i for i in range(20)]
            assert (await caller.call("com.example.mul", [6, 7])).args == [42]

            events = asyncio.Queue()

            async def on_event(event):  # a coroutine handler gets a detached copy
                threads.add(threading.get_ident())
                await events.put((event.args, bytes(event.binary) if event.binary is not None else None))

            sub = await caller.subscribe("com.example.news", on_event)
            pub_id = await callee.publish("com.example.news", ["hi"], acknowledge=True)
            assert pub_id > 0
            await callee.publish("com.example.news", binary=b"\x01\x02")
            assert await events.get() == (["hi"], None)
            assert await events.get() == ([b"\x01\x02"], b"\x01\x02")  # args render the bytes too
            await caller.unsubscribe(sub)
        assert threads == {loop_thread}  # every callback ran on the loop's thread

    run(main())


def test_errors_and_unanswered_invocations(url):
    async def main():
        async with await AsyncClient.connect(url, "realm1") as client:
            async def refuse(inv):
                raise zerowamp.WampError("com.example.error.refused", ["no"])

            async def forget(inv):
                pass

            await client.register("com.example.refuse", refuse)
            await client.register("com.example.forget", forget)
            with pytest.raises(zerowamp.WampError) as info:
                await client.call("com.example.refuse")
            assert info.value.uri == "com.example.error.refused" and info.value.args == ("no",)
            with pytest.raises(zerowamp.WampError) as info:
                await client.call("com.example.forget")
            assert info.value.uri == "wamp.error.runtime_error"
            assert "without answering" in info.value.args[0]
            with pytest.raises(zerowamp.WampError) as info:
                await client.call("com.example.nobody")
            assert info.value.uri == "wamp.error.no_such_procedure"

            interrupted = asyncio.Event()

            async def stall(inv):
                try:
                    await asyncio.sleep(30)
                except asyncio.CancelledError:
                    interrupted.set()
                    raise

            await client.register("com.example.stall", stall)
            with pytest.raises(zerowamp.TimeoutError):
                await client.call("com.example.stall", timeout=0.2)
            await interrupted.wait()  # the timeout interrupted the callee, which canceled its task

    run(main())


def test_progressive_results(url):
    async def main():
        async with await AsyncClient.connect(url, "realm1") as client:
            async def count(inv):
                for i in range(inv.message.args[0]):
                    inv.progress([i])
                    await asyncio.sleep(0)
                inv.yield_(["done"])

            await client.register("com.example.count", count)
            seen = []
            result = await client.call("com.example.count", [4], on_progress=lambda m: seen.append(m.args[0]))
            assert result.args == ["done"] and seen == [0, 1, 2, 3]

    run(main())


def test_canceling_the_task_cancels_the_call(url):
    async def main():
        async with await AsyncClient.connect(url, "realm1") as callee, \
                await AsyncClient.connect(url, "realm1") as caller:
            started, finished = asyncio.Event(), asyncio.Event()
            outcome = []

            async def slow(inv):
                started.set()
                try:
                    await asyncio.sleep(30)
                    inv.yield_(["too late"])
                except asyncio.CancelledError:
                    outcome.append("interrupted")
                    raise
                finally:
                    finished.set()

            await callee.register("com.example.slow", slow)
            task = asyncio.ensure_future(caller.call("com.example.slow", cancel_mode="kill"))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await finished.wait()  # the interrupt reached the callee and canceled its task
            assert outcome == ["interrupted"]

    run(main())


def test_close_releases_everything(url):
    async def main():
        client = await AsyncClient.connect(url, "realm1")
        await client.subscribe("com.example.x", lambda e: None)
        await client.register("com.example.x", lambda inv: inv.yield_())
        assert zerowamp.live_callbacks() == 2
        await client.close()
        await client.close()
        assert client.client.closed
        assert zerowamp.live_callbacks() == 0

    run(main())
