//! In-process sessions of a running [`RouterServer`](super::RouterServer): peers without a
//! socket. Messages go in with [`LocalSession::send`] and come out with
//! [`LocalSession::recv_timeout`] / [`LocalSession::try_recv`], as values — nothing is encoded.
//!
//! Messages for a local session wait in the router's own outbound queue until taken, so
//! [`Limits::max_outbound_queue`](crate::router::Limits::max_outbound_queue) bounds them too: a
//! local session that never reads is dropped as a slow consumer like any other peer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::core::Shared;
use crate::router::{Identity, PeerId};
use crate::wamp::Message;

/// An in-process peer of a [`RouterServer`](super::RouterServer). `Send + Sync`: any thread may
/// send and receive. Dropping it detaches the peer (its session, if any, leaves).
pub struct LocalSession {
    shared: Arc<Shared>,
    peer: PeerId,
}

impl LocalSession {
    pub(crate) fn new(shared: Arc<Shared>, peer: PeerId) -> Self {
        LocalSession { shared, peer }
    }

    /// The router's handle for this peer.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// Who the session is, once joined.
    pub fn identity(&self) -> Option<Identity> {
        self.shared.lock().router.session(self.peer).cloned()
    }

    /// Hands `msg` to the router, as if it had arrived from this peer (start with HELLO unless
    /// the session was joined with [`join_local`](super::RouterServer::join_local)).
    pub fn send(&self, msg: Message) {
        let mut core = self.shared.lock();
        core.router.handle(self.peer, msg, Instant::now());
        self.shared.settle(&mut core, Some(self.peer));
    }

    /// The next message for this peer, if one is queued.
    pub fn try_recv(&self) -> Option<Message> {
        self.shared.lock().router.poll_outbound(self.peer)
    }

    /// The next message for this peer, waiting up to `timeout` for one. `None` on timeout, or
    /// at once when the router is done with this peer (see [`is_closed`](Self::is_closed)).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Message> {
        let deadline = Instant::now() + timeout;
        let mut core = self.shared.lock();
        loop {
            if let Some(msg) = core.router.poll_outbound(self.peer) {
                return Some(msg);
            }
            if core.router.should_close(self.peer) {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            core = self
                .shared
                .changed
                .wait_timeout(core, left)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
        }
    }

    /// True when the router is done with this peer: its session ended with ABORT (or a
    /// GOODBYE exchange the router started, as at shutdown) and every message was taken.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().router.should_close(self.peer)
    }
}

impl Drop for LocalSession {
    fn drop(&mut self) {
        let mut core = self.shared.lock();
        core.locals.remove(&self.peer);
        core.router.detach(self.peer, Instant::now());
        self.shared.settle(&mut core, None);
    }
}

impl fmt::Debug for LocalSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSession")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}
