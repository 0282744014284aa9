"""The bridge for C callbacks: one ``ffi.callback`` per C callback type, made once for the life of
the process (ABI mode has no ``extern "Python"``), and the Python objects they call.

Each registration hands the library ``(trampoline, hold(obj), free_userdata)``. :func:`hold`
wraps ``obj`` in ``ffi.new_handle`` and keeps that handle in a dict until the library calls
``free_userdata`` (exactly once, when it will not call back again), which drops it: the Python
object lives exactly as long as the library may call it. :func:`live_callbacks` counts them.

A trampoline turns ``userdata`` back into the object and calls one of its methods. Exceptions
never cross into C: the objects handle their own (a future gets them, an invocation is answered
with an error), and whatever still escapes is logged on the ``zerowamp`` logger.

Callbacks run on the client's I/O thread, or inside :meth:`Client.dispatch` in caller-driven
mode; CFFI takes the GIL for them (every library call releases it).
"""

import logging

from ._ffi import ffi

log = logging.getLogger("zerowamp")

# address of the handle -> the handle (which keeps its object alive). Single dict operations
# only: the I/O thread pops while other threads add.
_held = {}


def _address(handle):
    return int(ffi.cast("uintptr_t", handle))


def hold(obj):
    """A ``void *`` userdata for ``obj``, kept alive until ``free_userdata`` runs for it."""
    handle = ffi.new_handle(obj)
    _held[_address(handle)] = handle
    return handle


def live_callbacks():
    """How many Python objects the library may still call back (handles not yet released by
    ``free_userdata``)."""
    return len(_held)


def _run(userdata, method, *args):
    try:
        getattr(ffi.from_handle(userdata), method)(*args)
    except BaseException:  # noqa: B902  (nothing may unwind into C)
        log.exception("zerowamp: a callback raised; the exception stops here")


@ffi.callback("zw_free_fn")
def free_userdata(userdata):
    _held.pop(_address(userdata), None)


@ffi.callback("zw_call_fn")
def call_result(userdata, status, msg):
    _run(userdata, "_on_result", status, msg)


@ffi.callback("zw_call_fn")
def call_progress(userdata, status, msg):
    _run(userdata, "_on_progress", status, msg)


@ffi.callback("zw_event_fn")
def event(userdata, msg):
    _run(userdata, "_on_event", msg)


@ffi.callback("zw_invocation_fn")
def invocation(userdata, inv):
    _run(userdata, "_on_invocation", inv)


@ffi.callback("zw_interrupt_fn")
def interrupt(userdata, invocation_id, mode):
    _run(userdata, "_on_interrupt", invocation_id, ffi.string(mode).decode() if mode != ffi.NULL else "")
