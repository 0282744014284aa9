//! The handle of a subscription.

use std::sync::Arc;

use crate::wamp::Id;

use super::core::Membership;
use super::error::Error;
use super::shared::Shared;

/// A subscription: each event on its topic goes to its handler until
/// [`unsubscribe`](Self::unsubscribe) (or until the broker revokes it). It survives reconnects:
/// after the connection comes back the client subscribes again by itself.
///
/// Dropping the handle does not unsubscribe (the handler keeps receiving events while the
/// client runs).
pub struct Subscription {
    pub(crate) shared: Arc<Shared>,
    pub(crate) local: u64,
    pub(crate) topic: String,
}

impl Subscription {
    /// The topic (or pattern) subscribed to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The broker's subscription id in the current session, if confirmed.
    pub fn id(&self) -> Option<Id> {
        self.shared.router_id(Membership::Subscription, self.local)
    }

    /// Unsubscribes and waits for the broker's answer (up to the request timeout). The handler
    /// gets no event after this returns.
    pub fn unsubscribe(self) -> Result<(), Error> {
        self.shared.release(Membership::Subscription, self.local)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic)
            .field("id", &self.id())
            .finish()
    }
}
