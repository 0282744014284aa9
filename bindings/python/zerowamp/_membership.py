"""What a subscription and a registration have in common: a handle to something the router keeps
for the session until it is ended (unsubscribe, unregister — blocking, the router answers), while
closing the handle only frees it. As a context manager it ends and frees."""

from .errors import check


class Membership:
    """A subscription or registration handle; subclasses name the C function that ends it."""

    _end_fn = None  # set by each subclass: the zw_* function that ends the membership

    def __init__(self, owned, uri):
        self._owned = owned
        self._uri = uri
        self.active = True

    def _end(self):
        ptr = self._owned.ptr
        if ptr is None or not self.active:
            return
        check(type(self)._end_fn(ptr))
        self.active = False

    def close(self):
        """Frees the handle; the membership stays with the router."""
        self._owned.free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if self._owned.alive:
                self._end()
        finally:
            self.close()

    def __repr__(self):
        return f"<zerowamp.{type(self).__name__} {self._uri!r}{'' if self.active else ' ended'}>"
