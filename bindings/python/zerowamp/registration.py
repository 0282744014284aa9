"""A registered procedure (:meth:`Client.register`) and the handler its invocations go to."""

from ._callbacks import log
from ._loader import lib
from ._membership import Membership
from .errors import WampError
from .invocation import Invocation


class Callee:
    """What the library calls for each invocation: the handler, given the :class:`Invocation`
    (which it answers now or later); an exception out of the handler answers the caller with an
    error (a :class:`WampError`'s own URI, else ``wamp.error.runtime_error``, logged)."""

    __slots__ = ("handler", "on_interrupt")

    def __init__(self, handler, on_interrupt=None):
        self.handler = handler
        self.on_interrupt = on_interrupt

    def _on_invocation(self, ptr):
        inv = Invocation(ptr)
        try:
            self.handler(inv)
        except WampError as exc:
            inv._fail(exc)
        except BaseException as exc:  # noqa: B902
            log.exception("zerowamp: the handler of invocation %d raised", inv.id)
            inv._fail(exc)

    def _on_interrupt(self, invocation_id, mode):
        if self.on_interrupt is None:
            return
        try:
            self.on_interrupt(invocation_id, mode)
        except BaseException:  # noqa: B902
            log.exception("zerowamp: on_interrupt raised")


class Registration(Membership):
    """A registered procedure. Invocations come until :meth:`unregister` or until the client
    closes; :meth:`close` only frees the handle."""

    _end_fn = lib.zw_registration_unregister

    @property
    def procedure(self):
        """The procedure (or pattern) registered."""
        return self._uri

    def unregister(self):
        """Unregisters (blocking: waits for the router)."""
        self._end()
