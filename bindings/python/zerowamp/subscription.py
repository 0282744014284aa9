"""A subscription to a topic (:meth:`Client.subscribe`) and the handler its events go to."""

from ._callbacks import log
from ._loader import lib
from ._membership import Membership
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


class Subscription(Membership):
    """A live subscription. Events go on until :meth:`unsubscribe` or until the client closes;
    :meth:`close` only frees the handle (events keep coming)."""

    _end_fn = lib.zw_subscription_unsubscribe

    @property
    def topic(self):
        """The topic (or pattern) subscribed to."""
        return self._uri

    def unsubscribe(self):
        """Unsubscribes (blocking: waits for the router). No event arrives after it returns."""
        self._end()
