"""An embedded WAMP router (``zw_router``): the same router as ``zerowamp router``, in-process."""

import os

from ._ffi import ffi
from ._handles import Closing, Owned, close_at_exit
from ._loader import lib
from .errors import ClosedError, check


class Router(Closing):
    """A running router, made by :meth:`start`; as a context manager it stops on exit (GOODBYE
    to every session)."""

    def __init__(self, ptr):
        self._owned = Owned(ptr, "router", lib.zw_router_free, size=1 << 16)
        #: The URLs it listens on, as bound (port 0 resolved).
        self.urls = []
        close_at_exit(self, late=True)

    @classmethod
    def start(cls, config=None, *, path=None):
        """Starts a router from ``config`` (the TOML text of a ``zerowamp router`` config file)
        or from the file at ``path``; with neither, the command line's defaults — realm
        ``realm1``, anonymous sessions may do everything — and no listener (add some with
        :meth:`listen`). A bad config raises :class:`InvalidArgument` naming the field."""
        if config is not None and path is not None:
            raise ValueError("give config= (TOML text) or path=, not both")
        text = config.encode("utf-8") if config is not None else ffi.NULL
        file = os.fsencode(path) if path is not None else ffi.NULL
        out = ffi.new("zw_router **")
        check(lib.zw_router_start(text, file, out))
        return cls(out[0])

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError("the router was stopped")
        return ptr

    def listen(self, url):
        """Listens on ``url`` (``ws://127.0.0.1:0/ws``, ``rs://127.0.0.1:0``, ...) and returns the
        URL as bound: port 0 becomes the port the system chose."""
        bound = ffi.new("const char **")
        check(lib.zw_router_listen(self._handle(), url.encode("utf-8"), bound))
        self.urls.append(ffi.string(bound[0]).decode("utf-8"))
        return self.urls[-1]

    @property
    def closed(self):
        return not self._owned.alive

    def close(self):
        """Stops the router: GOODBYE to every session, then frees it. Calling it again does
        nothing."""
        self._owned.free()

    def __repr__(self):
        return f"<zerowamp.Router {' '.join(self.urls) or 'not listening'}{' stopped' if self.closed else ''}>"
