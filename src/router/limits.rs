//! Resource limits of the router core, each with a clear reason when it bites.

use serde_derive::{Deserialize, Serialize};

/// Limits that keep one peer from growing the router's memory or starving the others.
///
/// Serde-friendly: every field has a default, so a config file names only what it changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most sessions (joining or joined) over all realms. A HELLO past it gets
    /// `ABORT zerowamp.error.max_sessions`.
    pub max_sessions: usize,
    /// Most messages queued for one peer that the transport has not taken yet. A peer whose
    /// queue would grow past it is a slow consumer: its queue is dropped and it gets
    /// `ABORT zerowamp.error.slow_consumer`, so memory stays bounded.
    pub max_outbound_queue: usize,
    /// Most calls one session may have in flight as a caller; past it a CALL gets
    /// `ERROR zerowamp.error.too_many_pending_calls`.
    pub max_pending_calls: usize,
    /// Most subscriptions plus registrations one session may hold; past it SUBSCRIBE and
    /// REGISTER get `ERROR wamp.error.invalid_argument` with a message naming this limit.
    pub max_subscriptions_and_registrations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 10_000,
            max_outbound_queue: 65_536,
            max_pending_calls: 10_000,
            max_subscriptions_and_registrations: 10_000,
        }
    }
}
