//! Router-side session state: where a peer is in the session lifecycle, and what a joined session
//! owns (its identity, subscriptions, registrations, the invocation ids it was sent).
//!
//! ```text
//!  Fresh ──HELLO──▶ Challenging ──AUTHENTICATE ok──▶ Joined ──GOODBYE──▶ Fresh (may HELLO again)
//!    │                  │                              │  └─router GOODBYE─▶ Leaving ─GOODBYE─▶ Closed
//!    └──────────────────┴────── protocol violation, failed auth, ABORT, slow consumer ──▶ Closed
//! ```
//! `HELLO` goes straight to `Joined` when no challenge is needed (anonymous).

use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::authn::PendingAuth;
use super::features::PeerFeatures;
use crate::wamp::{Id, MAX_ID};

/// Who a joined session is, as the router authenticated it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The session id (random, `1..=2^53`).
    pub session: Id,
    /// The realm joined.
    pub realm: Arc<str>,
    /// The authenticated `authid`.
    pub authid: Arc<str>,
    /// The role it was given.
    pub authrole: Arc<str>,
    /// How it authenticated: `"anonymous"`, `"ticket"`, `"wampcra"`, `"cryptosign"`, or
    /// `"trusted"` for an in-process session joined with
    /// [`Router::join_local`](super::Router::join_local).
    pub authmethod: &'static str,
    /// Who vouched: `"static"` (the realm config), or `"local"` for trusted in-process sessions.
    pub authprovider: &'static str,
}

/// A joined session's state.
#[derive(Debug)]
pub(crate) struct Session {
    /// Index of the realm in the router.
    pub realm: usize,
    pub identity: Identity,
    pub features: PeerFeatures,
    /// Subscription ids this session holds (the router's own ids: a fast hasher).
    pub subscriptions: FxHashSet<Id>,
    /// Registration ids this session holds (the router's own ids: a fast hasher).
    pub registrations: FxHashSet<Id>,
    /// Calls in flight that this session made.
    pub pending_calls: usize,
    /// The last INVOCATION request id sent to this session (session scope: sequential).
    last_invocation: Id,
}

impl Session {
    pub(crate) fn new(realm: usize, identity: Identity, features: PeerFeatures) -> Self {
        Session {
            realm,
            identity,
            features,
            subscriptions: FxHashSet::default(),
            registrations: FxHashSet::default(),
            pending_calls: 0,
            last_invocation: 0,
        }
    }

    /// The next INVOCATION request id for this callee.
    pub(crate) fn next_invocation(&mut self) -> Id {
        self.last_invocation = if self.last_invocation >= MAX_ID {
            1
        } else {
            self.last_invocation + 1
        };
        self.last_invocation
    }
}

/// Where a peer is in the session lifecycle.
#[derive(Debug)]
pub(crate) enum State {
    /// Attached, no HELLO yet (or after a GOODBYE exchange).
    Fresh,
    /// CHALLENGE sent, waiting for AUTHENTICATE.
    Challenging(Box<PendingAuth>),
    /// WELCOME sent.
    Joined(Box<Session>),
    /// The router sent GOODBYE and waits for the peer's.
    Leaving,
    /// Done: the transport should be closed once the queue is drained.
    Closed,
}

impl State {
    /// True for the states that count against `max_sessions`.
    pub(crate) fn is_active(&self) -> bool {
        matches!(self, State::Challenging(_) | State::Joined(_))
    }
}
