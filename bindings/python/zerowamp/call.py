"""A call in flight (:meth:`Client.call_async`): a ``concurrent.futures.Future`` that can also cancel
the WAMP call."""

import concurrent.futures

from ._callbacks import log
from ._loader import lib
from ._names import CANCEL_MODES, choice
from .errors import check, error_for
from .message import Message

_OK, _WAMP = lib.ZW_OK, lib.ZW_ERR_WAMP
_BORROWED = "the result was lent to on_result, which has returned; call detach() inside it to keep a copy"
_PROGRESS = "the progressive result was lent to on_progress, which has returned; call detach() inside it"


def keep(message, error):
    """The default ``on_result``: a detached copy of the result, or the error raised."""
    if error is not None:
        raise error
    return message.detach()


class Call(concurrent.futures.Future):
    """A future for a call's outcome: the value ``on_result(message, error)`` returns (by default
    a detached copy of the RESULT :class:`Message`), or the exception it raises (by default the
    call's error: :class:`WampError` for a WAMP ERROR, :class:`TimeoutError`, :class:`Canceled`,
    :class:`SessionLost`, ...).

    ``on_result`` runs on the client's I/O thread (or in :meth:`Client.dispatch`) with the
    borrowed RESULT and ``None``, or ``None`` and the error; it is how to read a result zero-copy.
    ``on_progress(message)`` receives each progressive result, borrowed likewise; what it raises
    is logged.

    :meth:`cancel` asks the callee to stop (WAMP CANCEL); the future then ends with
    :class:`Canceled` (or with the result, if that came first)."""

    def __init__(self, on_result=None, on_progress=None):
        super().__init__()
        self._transform = on_result or keep
        self._progress = on_progress
        self._owned = None  # the zw_call handle, set once zw_call returned

    def cancel(self, mode="skip"):
        """Sends a WAMP CANCEL with ``mode`` ("skip", "kill" or "killnowait"). Returns whether it
        was sent (``False`` once the call is over)."""
        code = choice(CANCEL_MODES, mode, "mode")
        if self.done() or self._owned is None or not self._owned.alive:
            return False
        check(lib.zw_call_cancel(self._owned.ptr, code))
        return True

    def _close(self):
        """Frees the handle (the call goes on; it just cannot be canceled any more)."""
        if self._owned is not None:
            self._owned.free()

    # --- from the trampolines ---------------------------------------------------------------

    def _on_result(self, status, msg):
        message = Message(msg) if status == _OK else None
        try:
            if status == _OK:
                value = self._transform(message, None)
            else:
                error = Message(msg).to_error() if status == _WAMP else error_for(status)
                value = self._transform(None, error)
        except BaseException as exc:  # noqa: B902  (it belongs to the future)
            self.set_exception(exc)
        else:
            self.set_result(value)
        finally:
            if message is not None:
                message._end(_BORROWED)

    def _on_progress(self, status, msg):
        if status != _OK:
            log.warning("zerowamp: a progressive result came with status %d; ignored", status)
            return
        message = Message(msg)
        try:
            self._progress(message)
        except BaseException:  # noqa: B902
            log.exception("zerowamp: on_progress raised")
        finally:
            message._end(_PROGRESS)
