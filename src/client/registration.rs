//! Callees and the handle of a registration.

use std::sync::Arc;

use crate::wamp::session::InterruptRequest;
use crate::wamp::Id;

use super::core::Membership;
use super::error::Error;
use super::invocation::Invocation;
use super::shared::Shared;

/// What handles the invocations of a registered procedure. Any
/// `FnMut(Invocation) + Send + 'static` closure is one.
///
/// Callbacks run on the client's I/O thread (or in [`Client::dispatch`](super::Client::dispatch)
/// in caller-driven mode) and must not block: answer at once, or move the [`Invocation`] to
/// another thread and answer from there.
pub trait Callee: Send + 'static {
    /// A call arrived (or a further chunk of a progressive call invocation).
    fn invoke(&mut self, invocation: Invocation);

    /// The dealer interrupts an open invocation (its caller canceled the call, mode `kill` or
    /// `killnowait`). With `kill` the dealer still waits for an answer (usually an error
    /// `wamp.error.canceled`); with `killnowait` it expects none, and answers are dropped.
    fn interrupt(&mut self, interrupt: &InterruptRequest) {
        let _ = interrupt;
    }
}

impl<F> Callee for F
where
    F: FnMut(Invocation) + Send + 'static,
{
    fn invoke(&mut self, invocation: Invocation) {
        self(invocation)
    }
}

/// A registration: each call of its procedure goes to its callee until
/// [`unregister`](Self::unregister) (or until the dealer revokes it). It survives reconnects:
/// after the connection comes back the client registers again by itself.
///
/// Dropping the handle does not unregister.
pub struct Registration {
    pub(crate) shared: Arc<Shared>,
    pub(crate) local: u64,
    pub(crate) procedure: String,
}

impl Registration {
    /// The procedure (or pattern) registered.
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// The dealer's registration id in the current session, if confirmed.
    pub fn id(&self) -> Option<Id> {
        self.shared.router_id(Membership::Registration, self.local)
    }

    /// Unregisters and waits for the dealer's answer (up to the request timeout). Open
    /// invocations can still be answered.
    pub fn unregister(self) -> Result<(), Error> {
        self.shared.release(Membership::Registration, self.local)
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("procedure", &self.procedure)
            .field("id", &self.id())
            .finish()
    }
}
