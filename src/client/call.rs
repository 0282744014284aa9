//! The handle of a call in flight.

use std::sync::Arc;

use crate::wamp::session::{CancelMode, SessionError};
use crate::wamp::Id;

use super::error::Error;
use super::shared::{Context, Shared};

/// A call in flight, made with [`Client::call_async`](super::Client::call_async) or
/// [`Client::call_progressive`](super::Client::call_progressive). Its result goes to the
/// callback given there; this handle only cancels it.
pub struct CallHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) generation: u64,
    pub(crate) request: Id,
}

impl CallHandle {
    /// The CALL's request id.
    pub fn request(&self) -> Id {
        self.request
    }

    /// Cancels the call. `Skip` and `KillNoWait`: the callback gets the error
    /// `wamp.error.canceled` at once. `Kill`: the callee is interrupted and the callback gets
    /// whatever it answers (usually `wamp.error.canceled`). Canceling a call that already
    /// finished does nothing.
    pub fn cancel(&self, mode: CancelMode) -> Result<(), Error> {
        let mut core = self.shared.lock();
        if core.generation != self.generation || core.check_joined().is_err() {
            // Its session ended: the callback was told then.
            return Ok(());
        }
        match core.session.cancel(self.request, mode) {
            Ok(()) | Err(SessionError::UnknownRequest(_)) => {}
            Err(e) => return Err(Error::Session(e)),
        }
        core.process_events(&self.shared);
        self.shared.finish(core, Context::Api);
        Ok(())
    }
}

impl std::fmt::Debug for CallHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallHandle")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}
