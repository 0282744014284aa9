"""A subscription to a topic (:meth:`Client.subscribe`) and the handler its events go to."""

from ._callbacks import log
from ._loader import lib
from .errors import check
from .message import Message

_BORROWED = "the event was lent to the handler, which has returned; call detach() inside it to keep a copy"


class Subscriber:
    """What the library calls for each event: the handler, given the borrowed event."""

    __slots__ = ("handler",)

    def __init__(self, handler):
        self.handler = handler

    def _on_event(self, msg):
        message = Message(msg)
        try:
            self.handler(message)
        except BaseException:  # noqa: B902
            log.exception("zerowamp: an event handler raised")
        finally:
            message._end(_BORROWED)


class Subscription:
    """A live subscription. Events go on until :meth:`unsubscribe` or until the client closes;
    :meth:`close` only frees the handle (events keep coming)."""

    def __init__(self, owned, topic):
        self._owned = owned
        self.topic = topic
        self.active = True

    def unsubscribe(self):
        """Unsubscribes (blocking: waits for the router). No event arrives after it returns."""
        ptr = self._owned.ptr
        if ptr is None or not self.active:
            return
        check(lib.zw_subscription_unsubscribe(ptr))
        self.active = False

    def close(self):
        """Frees the handle; does not unsubscribe."""
        self._owned.free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if self._owned.alive:
                self.unsubscribe()
        finally:
            self.close()

    def __repr__(self):
        return f"<zerowamp.Subscription {self.topic!r}{'' if self.active else ' ended'}>"
