"""Serving a table over WAMP without Python in the data path: :meth:`Client.serve_table` registers
a procedure the library answers itself, and :meth:`Client.publish_changes` publishes every
committed change of a table.

Both send records as passthru payloads pinned in LMDB's map: no copy, and no Python code runs
per call or per change.
"""

from ._ffi import ffi
from ._handles import Closing, Owned
from ._loader import lib
from ._names import INVOKE, MATCH, choice
from .errors import check
from .registration import Registration


def serve_table(client, table, procedure, *, range=False, max_range=None, match="exact",  # noqa: A002
                invoke="single"):
    """See :meth:`Client.serve_table`."""
    opts = ffi.new("zw_serve_options *")
    check(lib.zw_serve_options_init(opts))
    opts.reg.match = choice(MATCH, match, "match")
    opts.reg.invoke = choice(INVOKE, invoke, "invoke")
    opts.range = bool(range)
    if max_range is not None:
        opts.max_range = max_range
    out = ffi.new("zw_registration **")
    check(lib.zw_serve_table(client._handle(), table._handle(), procedure.encode("utf-8"), opts, out))
    return Registration(client._adopt(Owned(out[0], "registration", lib.zw_registration_free, 256)), procedure)


class ChangeFeed(Closing):
    """Publishes a table's committed changes until :meth:`close` (or the end of its ``with``
    block, or its client's close). Each put goes out as an event whose payload is the record
    (passthru); a delete as args ``[key bytes]``, kwargs ``{"deleted": True}``; a truncate as
    kwargs ``{"truncated": True}``. Only commits of this process are seen."""

    def __init__(self, client, table, topic):
        out = ffi.new("zw_change_feed **")
        check(lib.zw_table_publish_changes(table._handle(), client._handle(), topic.encode("utf-8"), out))
        self._owned = client._adopt(Owned(out[0], "change_feed", lib.zw_change_feed_free, 256))
        self.topic = topic

    @property
    def closed(self):
        return not self._owned.alive

    def close(self):
        """Stops the feed: nothing is published after this returns."""
        self._owned.free()

    def __repr__(self):
        return f"<zerowamp.ChangeFeed {self.topic!r}{' stopped' if self.closed else ''}>"
