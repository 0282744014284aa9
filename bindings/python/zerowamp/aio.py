"""asyncio: a caller-driven :class:`Client` whose file descriptor the event loop watches.

The library's I/O thread never runs Python here: it queues completions and makes the client's
descriptor readable; the loop then calls :meth:`Client.dispatch`, which runs the callbacks on the
loop's thread — so they resolve futures and start tasks directly. Requests that wait for the
router (subscribe, register, an acknowledged publish, leave) run in the loop's default executor.
::

    async with await AsyncClient.connect("rs://127.0.0.1:8080", "realm1") as client:
        result = await client.call("com.example.add", [2, 3])
        print(result.args)

Handlers may be coroutine functions: an event handler then gets a detached copy of the event,
and an invocation handler runs as a task that must answer its :class:`Invocation` (returning
unanswered answers ``wamp.error.runtime_error``; an interrupt cancels the task, which answers
``wamp.error.canceled``).
"""

import asyncio
import functools
import inspect

from ._callbacks import log
from .client import Client
from .errors import WampError

CANCELED = "wamp.error.canceled"


class AsyncClient:
    """A :class:`Client` driven by the running event loop; made by :meth:`connect`. ``client`` is
    the underlying client (for ``session_id``, ``stats()``, ...)."""

    def __init__(self, client, loop):
        self.client = client
        self._loop = loop
        self._fd = client.fileno()
        self._tasks = set()
        loop.add_reader(self._fd, self._dispatch)

    @classmethod
    async def connect(cls, url, realm, **options):
        """Connects and joins like :meth:`Client.connect` (same options), caller-driven."""
        loop = asyncio.get_running_loop()
        client = await loop.run_in_executor(
            None, functools.partial(Client.connect, url, realm, caller_driven=True, **options))
        try:
            return cls(client, loop)
        except BaseException:
            client.close()
            raise

    def _dispatch(self):
        try:
            self.client.dispatch()
        except Exception:  # the loop's reader callback must not raise
            log.exception("zerowamp: dispatch failed")

    def _blocking(self, fn, *args, **kwargs):
        return self._loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def _spawn(self, coro):
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- RPC --------------------------------------------------------------------------------

    async def call(self, procedure, args=None, kwargs=None, *, cancel_mode="skip", **options):
        """Calls ``procedure``; the result is a detached :class:`Message`. Options as for
        :meth:`Client.call_async` (``on_progress`` gets each progressive result, borrowed).
        Canceling the awaiting task cancels the call (WAMP CANCEL with ``cancel_mode``)."""
        future = self._loop.create_future()

        def settle(message, error):  # runs in dispatch, on the loop's thread
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(message.detach())

        call = self.client.call_async(procedure, args, kwargs, on_result=settle, **options)
        try:
            return await future
        except asyncio.CancelledError:
            call.cancel(cancel_mode)
            raise
        finally:
            call._close()

    async def register(self, procedure, handler, **options):
        """Registers ``procedure``; options as for :meth:`Client.register`."""
        if inspect.iscoroutinefunction(handler):
            running = {}
            user_interrupt = options.pop("on_interrupt", None)

            def on_invocation(inv):
                task = self._spawn(self._serve(handler, inv))
                running[inv.id] = task
                task.add_done_callback(lambda _: running.pop(inv.id, None))

            def on_interrupt(invocation_id, mode):
                task = running.get(invocation_id)
                if task is not None:
                    task.cancel()
                if user_interrupt is not None:
                    user_interrupt(invocation_id, mode)

            options["on_interrupt"] = on_interrupt
            return await self._blocking(self.client.register, procedure, on_invocation, **options)
        return await self._blocking(self.client.register, procedure, handler, **options)

    @staticmethod
    async def _serve(handler, inv):
        try:
            await handler(inv)
        except asyncio.CancelledError:
            if not inv.answered:
                inv.error(CANCELED)
            raise
        except WampError as exc:
            inv._fail(exc)
        except Exception as exc:
            log.exception("zerowamp: the handler of invocation %d raised", inv.id)
            inv._fail(exc)
        else:
            if not inv.answered:
                inv._fail(RuntimeError(f"the handler of invocation {inv.id} returned without answering it"))

    async def unregister(self, registration):
        await self._blocking(registration.unregister)

    # --- PubSub -----------------------------------------------------------------------------

    async def publish(self, topic, args=None, kwargs=None, *, acknowledge=False, **options):
        """Publishes; options as for :meth:`Client.publish`. With ``acknowledge`` it waits for
        the broker (in the executor) and returns the publication id."""
        if acknowledge:
            return await self._blocking(self.client.publish, topic, args, kwargs, acknowledge=True, **options)
        return self.client.publish(topic, args, kwargs, **options)

    async def subscribe(self, topic, handler, **options):
        """Subscribes to ``topic``; options as for :meth:`Client.subscribe`."""
        if inspect.iscoroutinefunction(handler):
            def on_event(message):
                self._spawn(handler(message.detach()))
        else:
            on_event = handler
        return await self._blocking(self.client.subscribe, topic, on_event, **options)

    async def unsubscribe(self, subscription):
        await self._blocking(subscription.unsubscribe)

    # --- ending -----------------------------------------------------------------------------

    async def leave(self):
        await self._blocking(self.client.leave)

    async def close(self):
        """Stops watching the descriptor and closes the client (in the executor: it waits for
        the router's goodbye)."""
        if self.client.closed:
            return
        self._loop.remove_reader(self._fd)
        await self._blocking(self.client.close)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
