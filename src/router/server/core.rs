//! The state every connection handler, timer and local session shares: the router core, the
//! connection behind each peer, and the step that follows every change — move the router's
//! output to the sockets, close what must close, log what happened, arm the timers.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use log::{info, warn};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::router::{PeerId, Router, RouterEvent, TransportKind};
use crate::runtime::{Connection, RuntimeHandle, SendError, TimerId};
use crate::wamp::codec::{encode_envelope, SPLIT_MIN};
use crate::wamp::{Codec, Message, Payload};

use super::stats::SendCounters;

/// The `log` target of everything the server logs.
pub(crate) const LOG_TARGET: &str = "zerowamp::router";

/// A socket peer's connection and how to encode for it.
pub(crate) struct Link {
    pub connection: Connection,
    pub codec: &'static dyn Codec,
    pub kind: TransportKind,
    /// The remote address, for logs.
    pub addr: String,
}

/// The router timer that is armed: when, and which generation (a stale firing is ignored).
struct Armed {
    deadline: Instant,
    id: TimerId,
    generation: u64,
}

/// What is behind the lock.
pub(crate) struct Core {
    pub router: Router,
    // Peer ids are the router's own: a fast hasher.
    pub links: FxHashMap<PeerId, Link>,
    pub locals: FxHashSet<PeerId>,
    /// Connections opened and not yet closed (the shutdown waits for none).
    pub open: usize,
    armed: Option<Armed>,
    generation: u64,
}

/// Shared by the server handle, the connection handlers, the timers and the local sessions.
pub(crate) struct Shared {
    core: Mutex<Core>,
    /// Signalled when a local session may have messages, and when a connection closes.
    pub changed: Condvar,
    pub runtime: RuntimeHandle,
    pub join_timeout: Duration,
    /// What was handed to connections, and copied doing it.
    pub sent: SendCounters,
}

/// Why a message could not be handed to a peer's connection.
enum Stalled {
    /// The connection's send queue is full: the peer reads too slowly.
    SlowConsumer(String),
}

impl Shared {
    pub(crate) fn new(router: Router, runtime: RuntimeHandle, join_timeout: Duration) -> Self {
        Shared {
            core: Mutex::new(Core {
                router,
                links: FxHashMap::default(),
                locals: FxHashSet::default(),
                open: 0,
                armed: None,
                generation: 0,
            }),
            changed: Condvar::new(),
            runtime,
            join_timeout,
            sent: SendCounters::default(),
        }
    }

    /// Locks the core. A panic elsewhere while it was held leaves nothing half-done that
    /// matters here, so a poisoned lock is used as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs after every change to the router: sends what it queued, closes (and detaches) the
    /// peers it is done with, including `touched` (a peer may become closable without anything
    /// queued, e.g. by answering GOODBYE), logs its events and arms the timers.
    pub(crate) fn settle(self: &Arc<Self>, core: &mut Core, touched: Option<PeerId>) {
        let now = Instant::now();
        let mut wake = false;
        let mut touched = touched;
        // Before closing anything, while the peers' addresses are still known.
        self.report(core);
        loop {
            let mut closing: Vec<(PeerId, Option<String>)> = Vec::new();
            while let Some(peer) = core.router.next_ready() {
                if core.locals.contains(&peer) {
                    wake = true;
                    continue;
                }
                let Some(link) = core.links.get(&peer) else {
                    // Nobody to deliver to (cannot happen for attached peers): drop it all.
                    while core.router.poll_outbound(peer).is_some() {}
                    continue;
                };
                let mut stalled = None;
                while let Some(msg) = core.router.poll_outbound(peer) {
                    if let Err(Stalled::SlowConsumer(why)) = transmit(link, peer, &msg, &self.sent)
                    {
                        stalled = Some(why);
                        break;
                    }
                }
                if stalled.is_some() || core.router.should_close(peer) {
                    closing.push((peer, stalled));
                }
            }
            if let Some(peer) = touched.take() {
                if core.links.contains_key(&peer)
                    && core.router.should_close(peer)
                    && !closing.iter().any(|(p, _)| *p == peer)
                {
                    closing.push((peer, None));
                }
            }
            if closing.is_empty() {
                break;
            }
            for (peer, stalled) in closing {
                let Some(link) = core.links.remove(&peer) else {
                    continue;
                };
                self.sent.retire(link.connection.stats());
                match stalled {
                    Some(why) => {
                        warn!(target: LOG_TARGET, "{} ({}): disconnected: {why}", link.addr, peer);
                        // 1008: policy violation; nothing else can be queued for it.
                        link.connection.close_with(1008, "slow consumer");
                    }
                    None => link.connection.close(),
                }
                // Detaching may queue messages for others (meta events, interrupts): loop.
                core.router.detach(peer, now);
            }
        }
        self.report(core);
        self.arm_router_timer(core, now);
        if wake {
            self.changed.notify_all();
        }
    }

    /// Logs the router's lifecycle events; a socket peer that left its session but stays
    /// connected (after GOODBYE) must join again within the join timeout.
    fn report(self: &Arc<Self>, core: &mut Core) {
        while let Some(event) = core.router.poll_event() {
            let addr = |peer: &PeerId| {
                core.links
                    .get(peer)
                    .map_or_else(|| "in-process".to_owned(), |l| l.addr.clone())
            };
            match event {
                RouterEvent::Joined { peer, identity } => {
                    let transport = core
                        .links
                        .get(&peer)
                        .map_or(TransportKind::Local, |l| l.kind);
                    info!(
                        target: LOG_TARGET,
                        "session {} joined realm {} as {} (role {}, {}) from {} over {}",
                        identity.session,
                        identity.realm,
                        identity.authid,
                        identity.authrole,
                        identity.authmethod,
                        addr(&peer),
                        transport.as_str()
                    );
                }
                RouterEvent::Left {
                    peer,
                    identity,
                    reason,
                } => {
                    info!(
                        target: LOG_TARGET,
                        "session {} left realm {} ({}): {reason}",
                        identity.session,
                        identity.realm,
                        identity.authid
                    );
                    if core.links.contains_key(&peer) {
                        self.arm_join_timer(peer);
                    }
                }
                RouterEvent::Refused {
                    peer,
                    reason,
                    message,
                } => {
                    info!(target: LOG_TARGET, "{}: refused: {reason}: {message}", addr(&peer));
                }
                RouterEvent::ProtocolViolation { peer, message } => {
                    warn!(target: LOG_TARGET, "{}: protocol violation: {message}", addr(&peer));
                }
                RouterEvent::SlowConsumer { peer } => {
                    warn!(
                        target: LOG_TARGET,
                        "{}: dropped: it reads too slowly (outbound queue full)",
                        addr(&peer)
                    );
                }
            }
        }
    }

    /// A connection that has no joined session after the join timeout gets ABORT and is
    /// closed, so that idle or stuck sockets do not pile up.
    pub(crate) fn arm_join_timer(self: &Arc<Self>, peer: PeerId) {
        let weak = Arc::downgrade(self);
        let timeout = self.join_timeout;
        self.runtime.timer(timeout, move || {
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let mut core = shared.lock();
            if core.links.contains_key(&peer) && core.router.session(peer).is_none() {
                let text = format!(
                    "no session joined within {} ms of connecting (or of the last GOODBYE)",
                    timeout.as_millis()
                );
                core.router.reject(peer, &text, Instant::now());
                shared.settle(&mut core, Some(peer));
            }
        });
    }

    /// Makes sure a timer fires at the router's next deadline (call timeouts).
    fn arm_router_timer(self: &Arc<Self>, core: &mut Core, now: Instant) {
        let Some(deadline) = core.router.next_timeout() else {
            return;
        };
        if let Some(armed) = &core.armed {
            if armed.deadline <= deadline {
                return;
            }
            self.runtime.cancel_timer(armed.id);
        }
        core.generation += 1;
        let generation = core.generation;
        let weak = Arc::downgrade(self);
        // A millisecond late rather than early: the reactor's timers have that granularity.
        let after = deadline.saturating_duration_since(now) + Duration::from_millis(1);
        let id = self.runtime.timer(after, move || {
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let mut core = shared.lock();
            if core
                .armed
                .as_ref()
                .is_some_and(|a| a.generation == generation)
            {
                core.armed = None;
            }
            core.router.handle_timeout(Instant::now());
            shared.settle(&mut core, None);
        });
        core.armed = Some(Armed {
            deadline,
            id,
            generation,
        });
    }
}

/// Encodes `msg` for the peer and queues it on its connection. A large trailing payload (a
/// passthru record published to many subscribers) is not copied into each frame: the envelope is
/// encoded alone and the shared payload follows it as a second buffer. What cannot be encoded or
/// is too long for the peer is dropped with a warning; a full send queue stalls the peer.
fn transmit(link: &Link, peer: PeerId, msg: &Message, sent: &SendCounters) -> Result<(), Stalled> {
    let payload = msg
        .payload()
        .and_then(Payload::trailing_binary)
        .map_or(0, |b| b.len() as u64);
    let (head, body) = match encode_envelope(link.codec, msg, SPLIT_MIN) {
        Ok((head, Some(body))) => {
            sent.add_message(payload, 0);
            (head, body)
        }
        Ok((head, None)) => {
            sent.add_message(payload, payload);
            (head, Bytes::new())
        }
        Err(e) => {
            warn!(
                target: LOG_TARGET,
                "{} ({peer}): {} not sent: {e}",
                link.addr,
                msg.message_type()
            );
            return Ok(());
        }
    };
    match link.connection.send_parts(head, body) {
        Ok(()) | Err(SendError::Closed) => Ok(()),
        Err(e @ (SendError::QueueFull { .. } | SendError::Timeout { .. })) => {
            Err(Stalled::SlowConsumer(e.to_string()))
        }
        Err(e) => {
            warn!(
                target: LOG_TARGET,
                "{} ({peer}): {} not sent: {e}",
                link.addr,
                msg.message_type()
            );
            Ok(())
        }
    }
}
