"""A WAMP client session: call, publish, subscribe and register through the library's client
(``zw_client``), which reconnects and rejoins by itself.

Payload forms (``record=``, ``binary=``, ``args=``/``kwargs=``, ``pin=``) are explained in
:mod:`zerowamp._payload`; received messages in :mod:`zerowamp.message`.
"""

import weakref

from . import _callbacks as cb
from ._ffi import ffi
from ._handles import Closing, Owned, close_at_exit
from ._loader import lib
from ._payload import Payload
from .call import Call
from .env import _struct_tuple
from .errors import ClosedError, check
from .message import Message
from ._names import INVOKE, MATCH, SERIALIZERS, choice
from .registration import Callee, Registration
from .serve import ChangeFeed, serve_table
from .subscription import Subscriber, Subscription

#: What the client sent and copied (``zw_client_stats``).
ClientStats = _struct_tuple("ClientStats", "zw_clientstats")
_WAMP = lib.ZW_ERR_WAMP
_ALL = (1 << (8 * ffi.sizeof("size_t"))) - 1


def _ms(seconds):
    """Seconds (a float) as whole milliseconds; a positive time never rounds down to 0 (which
    the library reads as "none" or "default")."""
    if seconds <= 0:
        return 0
    return max(1, round(seconds * 1000))


def _text(value, keep):
    """``value`` as a NUL-terminated C string kept alive by ``keep``, or NULL for ``None``."""
    if value is None:
        return ffi.NULL
    s = ffi.new("char[]", value.encode("utf-8"))
    keep.append(s)
    return s


class Client(Closing):
    """A session on a router, made by :meth:`connect`. Thread-safe: any thread may call, publish,
    subscribe and register at once.

    Callbacks (event and invocation handlers, ``on_result``, ``on_progress``) run on the client's
    own I/O thread — or, with ``caller_driven=True``, inside :meth:`dispatch` on the thread that
    calls it (:meth:`fileno` becomes readable when there is something to dispatch; this is how
    :mod:`zerowamp.aio` plugs into asyncio). A callback must not call the blocking methods
    (:meth:`call`, :meth:`subscribe`, ...): they raise :class:`InCallbackError` there.

    As a context manager it closes on exit (leaving the realm first)."""

    def __init__(self, ptr, url, realm, caller_driven):
        self.url = url
        self.realm = realm
        self.caller_driven = caller_driven
        self._owned = Owned(ptr, "client", lib.zw_client_free, size=1 << 16)
        # Handles made through this client, freed before it (held weakly).
        self._children = weakref.WeakSet()
        close_at_exit(self)

    @classmethod
    def connect(cls, url, realm, *, serializer="default", authid=None, authrole=None, ticket=None,
                secret=None, private_key=None, tls_ca_file=None, tls_server_name=None,
                reconnect=True, reconnect_initial=None, reconnect_max=None, reconnect_max_attempts=None,
                connect_timeout=None, call_timeout=None, request_timeout=None,
                send_queue_limit=None, send_block=None, max_message_size=None, caller_driven=False):
        """Connects to ``url`` (``ws://``, ``wss://``, ``rs://``, ``rss://``) and joins ``realm``;
        blocks until joined (or raises :class:`ConnectError`).

        ``serializer``: "default" (offer cbor, msgpack, json), "json", "msgpack", "cbor" or
        "flatbuffers". Authentication: ``ticket``, ``secret`` (WAMP-CRA) or ``private_key``
        (cryptosign: the Ed25519 seed as 64 hex digits), with ``authid``/``authrole``. TLS:
        ``tls_ca_file`` (PEM; default: the system's roots), ``tls_server_name``. Times are in
        seconds; ``None`` keeps the library's default (connect 10 s, call 30 s, other requests
        10 s), a ``call_timeout`` of 0 means none. ``send_block``: how long a send waits for
        room in a full queue (default: fail at once with :class:`QueueFull`)."""
        opts = ffi.new("zw_client_options *")
        check(lib.zw_client_options_init(opts))
        keep = []
        opts.serializer = choice(SERIALIZERS, serializer, "serializer")
        opts.authid = _text(authid, keep)
        opts.authrole = _text(authrole, keep)
        opts.ticket = _text(ticket, keep)
        opts.wampcra_secret = _text(secret, keep)
        opts.cryptosign_seed_hex = _text(private_key, keep)
        opts.tls_ca_file = _text(None if tls_ca_file is None else str(tls_ca_file), keep)
        opts.tls_server_name = _text(tls_server_name, keep)
        opts.reconnect = bool(reconnect)
        for field, seconds in (("reconnect_initial_ms", reconnect_initial), ("reconnect_max_ms", reconnect_max),
                               ("connect_timeout_ms", connect_timeout), ("call_timeout_ms", call_timeout),
                               ("request_timeout_ms", request_timeout), ("send_block_ms", send_block)):
            if seconds is not None:
                setattr(opts, field, _ms(seconds))
        for field, value in (("reconnect_max_attempts", reconnect_max_attempts),
                             ("send_queue_limit", send_queue_limit), ("max_message_size", max_message_size)):
            if value is not None:
                setattr(opts, field, value)
        opts.caller_driven = bool(caller_driven)
        out = ffi.new("zw_client **")
        check(lib.zw_client_connect(url.encode("utf-8"), realm.encode("utf-8"), opts, out))
        return cls(out[0], url, realm, bool(caller_driven))

    # --- state ------------------------------------------------------------------------------

    def _handle(self):
        ptr = self._owned.ptr
        if ptr is None:
            raise ClosedError(f"the client of {self.url!r} was closed")
        return ptr

    def _adopt(self, owned):
        self._children.add(owned)
        return owned

    @property
    def closed(self):
        return not self._owned.alive

    @property
    def session_id(self):
        """The WAMP session id; raises :class:`NotConnected` while not joined."""
        out = ffi.new("uint64_t *")
        check(lib.zw_client_session_id(self._handle(), out))
        return out[0]

    def stats(self):
        """Messages and octets sent, and payload octets copied, as a :data:`ClientStats`."""
        out = ffi.new("zw_clientstats *")
        check(lib.zw_client_stats(self._handle(), out))
        return ClientStats(*(getattr(out, field) for field in ClientStats._fields))

    # --- caller-driven mode -----------------------------------------------------------------

    def fileno(self):
        """(caller-driven mode) A file descriptor that is readable while callbacks are queued."""
        out = ffi.new("int *")
        check(lib.zw_client_fd(self._handle(), out))
        return out[0]

    def dispatch(self, max=None):  # noqa: A002  (the C name)
        """(caller-driven mode) Runs up to ``max`` queued callbacks (``None``: all that are due)
        on this thread; returns how many ran."""
        ran = ffi.new("size_t *")
        check(lib.zw_client_dispatch(self._handle(), _ALL if max is None else max, ran))
        return ran[0]

    # --- RPC --------------------------------------------------------------------------------

    def _call_options(self, timeout, disclose_me):
        opts = ffi.new("zw_call_options *")
        check(lib.zw_call_options_init(opts))
        if timeout is not None:
            opts.timeout_ms = _ms(timeout)
        opts.disclose_me = bool(disclose_me)
        return opts

    def call(self, procedure, args=None, kwargs=None, *, record=None, binary=None, pin=None,
             timeout=None, disclose_me=False):
        """Calls ``procedure`` and waits for the result: an owned :class:`Message` (its ``binary``
        is valid until it is closed). A WAMP ERROR raises :class:`WampError`; no answer in
        ``timeout`` seconds (default: the client's ``call_timeout``) :class:`TimeoutError`."""
        ptr = self._handle()
        opts = self._call_options(timeout, disclose_me)
        out = ffi.new("zw_message **")
        with Payload(args, kwargs, record, binary, pin) as p:
            rc = lib.zw_call_wait(ptr, procedure.encode("utf-8"), p.ptr, opts, out)
        if rc == _WAMP:
            with Message._owned(out[0]) as error:
                raise error.to_error()
        check(rc)
        return Message._owned(out[0])

    def call_async(self, procedure, args=None, kwargs=None, *, record=None, binary=None, pin=None,
                   timeout=None, disclose_me=False, on_result=None, on_progress=None):
        """Starts a call and returns at once with its :class:`Call` (a
        ``concurrent.futures.Future``). ``on_result(message, error)`` turns the outcome into the
        future's value (default: a detached copy of the result, or the error raised);
        ``on_progress(message)`` asks for progressive results and receives each one."""
        ptr = self._handle()
        opts = self._call_options(timeout, disclose_me)
        if on_progress is not None:
            opts.receive_progress = True
            opts.on_progress = cb.call_progress
        call = Call(on_result, on_progress)
        out = ffi.new("zw_call_handle **")
        with Payload(args, kwargs, record, binary, pin) as p:
            # On failure the library runs free_userdata before returning: nothing is left held.
            rc = lib.zw_call(ptr, procedure.encode("utf-8"), p.ptr, opts, cb.call_result, cb.hold(call),
                             cb.free_userdata, out)
        check(rc)
        call._owned = self._adopt(Owned(out[0], "call", lib.zw_call_free, size=256))
        return call

    def register(self, procedure, handler, *, match="exact", invoke="single", disclose_caller=False,
                 on_interrupt=None):
        """Registers ``procedure`` (blocking: waits for the router). ``handler(invocation)`` runs
        for each call and answers the :class:`Invocation` — at once or later, from any thread.
        ``on_interrupt(invocation_id, mode)`` hears of canceled calls."""
        ptr = self._handle()
        opts = ffi.new("zw_register_options *")
        check(lib.zw_register_options_init(opts))
        opts.match = choice(MATCH, match, "match")
        opts.invoke = choice(INVOKE, invoke, "invoke")
        opts.disclose_caller = bool(disclose_caller)
        if on_interrupt is not None:
            opts.on_interrupt = cb.interrupt
        out = ffi.new("zw_registration **")
        check(lib.zw_register(ptr, procedure.encode("utf-8"), opts, cb.invocation,
                              cb.hold(Callee(handler, on_interrupt)), cb.free_userdata, out))
        return Registration(self._adopt(Owned(out[0], "registration", lib.zw_registration_free, 256)), procedure)

    def serve_table(self, table, procedure, *, range=False, max_range=None, match="exact",  # noqa: A002
                    invoke="single"):
        """Registers ``procedure`` and has the library answer it with the records of ``table``
        (a :class:`Table`) — no Python runs per call; each record is sent pinned in the map, not
        copied. The key is the call's first argument (by the table's key codec); a missing key
        is answered ``zerowamp.error.not_found``. With ``range``, calls give ``[from, to]``
        (``None`` for an open end) and kwargs ``limit``/``reverse``; each record comes as a
        progressive result (at most ``max_range``, default 1000), the result is ``[count]``
        with kwargs ``{"more": bool}``. Blocking (waits for the router); returns the
        :class:`Registration`."""
        return serve_table(self, table, procedure, range=range, max_range=max_range, match=match,
                           invoke=invoke)

    def publish_changes(self, table, topic):
        """Publishes every committed change of ``table`` to ``topic`` until the returned
        :class:`ChangeFeed` is closed: a put as an event carrying the record (passthru), a delete
        as args ``[key bytes]``, kwargs ``{"deleted": True}``. Only this process's commits."""
        return ChangeFeed(self, table, topic)

    # --- PubSub -----------------------------------------------------------------------------

    def publish(self, topic, args=None, kwargs=None, *, record=None, binary=None, pin=None,
                acknowledge=False, exclude_me=True, disclose_me=False, exclude=(), eligible=()):
        """Publishes to ``topic``. With ``acknowledge`` it waits for the broker and returns the
        publication id; else it returns ``None`` once the message is queued. ``exclude`` and
        ``eligible`` are session ids."""
        ptr = self._handle()
        opts = ffi.new("zw_publish_options *")
        check(lib.zw_publish_options_init(opts))
        opts.acknowledge = bool(acknowledge)
        opts.exclude_me = bool(exclude_me)
        opts.disclose_me = bool(disclose_me)
        exclude, eligible = list(exclude), list(eligible)
        if exclude:
            ids = ffi.new("uint64_t[]", exclude)
            opts.exclude, opts.exclude_len = ids, len(exclude)
        if eligible:
            ids2 = ffi.new("uint64_t[]", eligible)
            opts.eligible, opts.eligible_len = ids2, len(eligible)
        out = ffi.new("uint64_t *")
        with Payload(args, kwargs, record, binary, pin) as p:
            rc = lib.zw_publish(ptr, topic.encode("utf-8"), p.ptr, opts, out)
        check(rc)
        return out[0] if acknowledge else None

    def subscribe(self, topic, handler, *, match="exact"):
        """Subscribes to ``topic`` (blocking: waits for the router). ``handler(event)`` runs for
        each event with a borrowed :class:`Message`."""
        ptr = self._handle()
        opts = ffi.new("zw_subscribe_options *")
        check(lib.zw_subscribe_options_init(opts))
        opts.match = choice(MATCH, match, "match")
        out = ffi.new("zw_subscription **")
        check(lib.zw_subscribe(ptr, topic.encode("utf-8"), opts, cb.event, cb.hold(Subscriber(handler)),
                               cb.free_userdata, out))
        return Subscription(self._adopt(Owned(out[0], "subscription", lib.zw_subscription_free, 256)), topic)

    # --- ending -----------------------------------------------------------------------------

    def leave(self):
        """Leaves the realm (GOODBYE; blocking). Later requests raise :class:`ClosedError`."""
        check(lib.zw_client_leave(self._handle()))

    def close(self):
        """Leaves if still joined and frees the client, its subscription, registration and call
        handles; returns once no callback of it will run again. Inside one of its own callbacks
        the library finishes the job when that callback returns. Calling it again does nothing."""
        if not self._owned.alive:
            return
        for child in list(self._children):
            child.free()
        self._children.clear()
        self._owned.free()

    def __repr__(self):
        return f"<zerowamp.Client {self.url!r} realm={self.realm!r}{' closed' if self.closed else ''}>"
