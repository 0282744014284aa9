"""An invocation of a procedure this client registered: read it, then answer it — once, from any
thread, now or later."""

import threading

from ._handles import Owned
from ._loader import lib
from ._payload import Payload
from ._views import Views
from .errors import ClosedError, WampError, check
from .message import Message

_ANSWERED = "the invocation was answered: its message is gone (copy what you need first)"
RUNTIME_ERROR = "wamp.error.runtime_error"


class Invocation:
    """A call to one of our procedures, handed to the handler given to :meth:`Client.register`.

    ``message`` holds the arguments (``args``, ``kwargs``, ``binary``, ``details``); it is valid
    until the invocation is answered. Answer with exactly one of :meth:`yield_` or :meth:`error`
    (:meth:`progress` any number of times before, when ``wants_progress``). An invocation that
    is closed or garbage-collected unanswered is answered with ``wamp.error.runtime_error``.
    Thread-safe: it may be answered from any thread."""

    __slots__ = ("id", "message", "_owned", "_lock", "__weakref__")

    def __init__(self, ptr):
        views = Views()

        def free(raw):
            views.release_all()
            lib.zw_invocation_free(raw)

        self._owned = Owned(ptr, "invocation", free, size=512)
        self._lock = threading.Lock()
        #: The invocation's request id (what an interrupt names).
        self.id = lib.zw_invocation_id(ptr)
        self.message = Message(lib.zw_invocation_message(ptr), owner=self._owned, views=views)

    @property
    def answered(self):
        """Whether it was answered (or closed)."""
        return not self._owned.alive

    @property
    def wants_progress(self):
        """Whether the caller asked for progressive results."""
        with self._lock:
            return bool(lib.zw_invocation_wants_progress(self._handle()))

    @property
    def interrupted(self):
        """Whether the caller canceled the call (the interrupt handler was told too)."""
        with self._lock:
            return bool(lib.zw_invocation_is_interrupted(self._handle()))

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError("the invocation was already answered")
        return ptr

    def progress(self, args=None, kwargs=None, *, record=None, binary=None, pin=None):
        """Sends a progressive result (see :mod:`zerowamp._payload` for the payload forms)."""
        with Payload(args, kwargs, record, binary, pin) as p:
            with self._lock:
                rc = lib.zw_invocation_progress(self._handle(), p.ptr)
        check(rc)

    def yield_(self, args=None, kwargs=None, *, record=None, binary=None, pin=None):
        """Answers with the result (see :mod:`zerowamp._payload` for the payload forms)."""
        self._answer(lib.zw_invocation_yield, (), args, kwargs, record, binary, pin)

    def error(self, uri, args=None, kwargs=None, *, record=None, binary=None, pin=None):
        """Answers with the error ``uri`` (and arguments)."""
        self._answer(lib.zw_invocation_error, (uri.encode("utf-8"),), args, kwargs, record, binary, pin)

    def close(self):
        """Answers ``wamp.error.runtime_error`` if still unanswered; then does nothing."""
        with self._lock:
            self._owned.free()

    def _answer(self, fn, head, args, kwargs, record, binary, pin):
        # The payload may point into our own message (an echo): it is released only after the
        # call, and the message ends after that.
        with Payload(args, kwargs, record, binary, pin) as p:
            with self._lock:
                self._handle()  # raises when answered already
                rc = fn(self._owned.take(), *head, p.ptr)
        self.message._end(_ANSWERED)
        check(rc)

    def _fail(self, exc):
        """Answers with ``exc`` (a handler raised) unless the handler answered already."""
        if self.answered:
            return
        if isinstance(exc, WampError):
            uri, args, kwargs = exc.uri, list(exc.args), exc.kwargs
        else:
            uri, args, kwargs = RUNTIME_ERROR, [f"{type(exc).__name__}: {exc}"], None
        try:
            self.error(uri, args, kwargs)
        except ClosedError:
            pass  # answered meanwhile by another thread

    def __repr__(self):
        state = "answered" if self.answered else "open"
        return f"<zerowamp.Invocation {self.id} {state}>"
