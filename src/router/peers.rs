//! The table of attached peers: a slab indexed by [`PeerId`], each peer with its session state
//! and bounded outbound queue, plus the list of peers with messages waiting and the list of
//! slow consumers to drop.

use std::collections::VecDeque;

use super::outbox::{Offer, Outbox};
use super::peer::{PeerId, TransportInfo};
use super::reason;
use super::session::{Identity, Session, State};
use crate::wamp::message::Abort;
use crate::wamp::{Dict, Message, Payload, Value};

/// One attached peer.
#[derive(Debug)]
pub(crate) struct Peer {
    pub transport: TransportInfo,
    pub state: State,
    outbox: Outbox,
    /// Listed in `Peers::ready`.
    listed: bool,
    /// Dropped as a slow consumer: nothing more is queued or handled.
    pub doomed: bool,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    peer: Option<Peer>,
}

/// All attached peers.
#[derive(Debug)]
pub(crate) struct Peers {
    slots: Vec<Slot>,
    free: Vec<u32>,
    ready: VecDeque<PeerId>,
    doomed: Vec<PeerId>,
    max_queue: usize,
    /// Peers whose state counts against `max_sessions`.
    active: usize,
    attached: usize,
}

/// Builds an ABORT with a `message` detail.
pub(crate) fn abort(reason: &str, message: &str) -> Message {
    let mut details = Dict::new();
    details.insert("message".to_owned(), Value::from(message));
    Message::Abort(Abort {
        details,
        reason: reason.to_owned(),
        payload: Payload::default(),
    })
}

impl Peers {
    pub(crate) fn new(max_queue: usize) -> Self {
        Peers {
            slots: Vec::new(),
            free: Vec::new(),
            ready: VecDeque::new(),
            doomed: Vec::new(),
            max_queue: max_queue.max(1),
            active: 0,
            attached: 0,
        }
    }

    pub(crate) fn insert(&mut self, transport: TransportInfo) -> PeerId {
        let peer = Peer {
            transport,
            state: State::Fresh,
            outbox: Outbox::default(),
            listed: false,
            doomed: false,
        };
        self.attached += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index as usize) {
                slot.peer = Some(peer);
                return PeerId {
                    index,
                    generation: slot.generation,
                };
            }
        }
        let index = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push(Slot {
            generation: 0,
            peer: Some(peer),
        });
        PeerId {
            index,
            generation: 0,
        }
    }

    pub(crate) fn remove(&mut self, id: PeerId) -> Option<Peer> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        let peer = slot.peer.take()?;
        // A new generation makes every copy of the old handle stale.
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(id.index);
        self.attached -= 1;
        if peer.state.is_active() {
            self.active -= 1;
        }
        Some(peer)
    }

    pub(crate) fn get(&self, id: PeerId) -> Option<&Peer> {
        let slot = self.slots.get(id.index as usize)?;
        (slot.generation == id.generation)
            .then_some(slot.peer.as_ref())
            .flatten()
    }

    pub(crate) fn get_mut(&mut self, id: PeerId) -> Option<&mut Peer> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.peer.as_mut()
    }

    /// Replaces a peer's state, keeping the count of active sessions; returns the old state.
    pub(crate) fn set_state(&mut self, id: PeerId, state: State) -> Option<State> {
        let peer = self.get_mut(id)?;
        let was = peer.state.is_active();
        let now = state.is_active();
        let old = std::mem::replace(&mut peer.state, state);
        if was && !now {
            self.active -= 1;
        } else if now && !was {
            self.active += 1;
        }
        Some(old)
    }

    pub(crate) fn active(&self) -> usize {
        self.active
    }

    pub(crate) fn attached(&self) -> usize {
        self.attached
    }

    /// The joined session of a peer.
    pub(crate) fn session(&self, id: PeerId) -> Option<&Session> {
        match &self.get(id)?.state {
            State::Joined(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn session_mut(&mut self, id: PeerId) -> Option<&mut Session> {
        match &mut self.get_mut(id)?.state {
            State::Joined(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn identity(&self, id: PeerId) -> Option<&Identity> {
        self.session(id).map(|s| &s.identity)
    }

    /// Queues `msg` for `id`. A peer whose queue is full is a slow consumer: its queue is
    /// dropped, it gets an ABORT, and it is listed for [`take_doomed`](Self::take_doomed).
    pub(crate) fn send(&mut self, id: PeerId, msg: Message) {
        let max = self.max_queue;
        let Some(peer) = self.get_mut(id) else {
            return;
        };
        if peer.doomed {
            return;
        }
        if peer.outbox.offer(msg, max) == Offer::Full {
            peer.outbox.clear();
            peer.outbox.force(abort(
                reason::SLOW_CONSUMER,
                &format!(
                    "the outbound queue is full ({max} messages): the peer does not read fast \
                     enough"
                ),
            ));
            peer.doomed = true;
            self.doomed.push(id);
        }
        self.list(id);
    }

    /// Queues a closing message (ABORT, GOODBYE) past the bound.
    pub(crate) fn send_final(&mut self, id: PeerId, msg: Message) {
        let Some(peer) = self.get_mut(id) else {
            return;
        };
        if peer.doomed {
            return;
        }
        peer.outbox.force(msg);
        self.list(id);
    }

    fn list(&mut self, id: PeerId) {
        if let Some(peer) = self.get_mut(id) {
            if !peer.listed {
                peer.listed = true;
                self.ready.push_back(id);
            }
        }
    }

    /// The next queued message for `id`.
    pub(crate) fn pop(&mut self, id: PeerId) -> Option<Message> {
        self.get_mut(id)?.outbox.pop()
    }

    pub(crate) fn queued(&self, id: PeerId) -> usize {
        self.get(id).map_or(0, |p| p.outbox.len())
    }

    /// A peer that had messages queued since it was last returned here.
    pub(crate) fn next_ready(&mut self) -> Option<PeerId> {
        while let Some(id) = self.ready.pop_front() {
            if let Some(peer) = self.get_mut(id) {
                peer.listed = false;
                if !peer.outbox.is_empty() {
                    return Some(id);
                }
            }
        }
        None
    }

    /// Slow consumers found since the last call.
    pub(crate) fn take_doomed(&mut self) -> Vec<PeerId> {
        std::mem::take(&mut self.doomed)
    }

    /// Every attached peer.
    pub(crate) fn ids(&self) -> Vec<PeerId> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.peer.is_some())
            .map(|(i, s)| PeerId {
                index: i as u32,
                generation: s.generation,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wamp::message::Published;

    fn msg(n: u64) -> Message {
        Message::Published(Published {
            request: n,
            publication: n,
        })
    }

    #[test]
    fn handles_go_stale_and_slots_are_reused() {
        let mut peers = Peers::new(4);
        let a = peers.insert(TransportInfo::local());
        assert!(peers.remove(a).is_some());
        let b = peers.insert(TransportInfo::local());
        assert_eq!(a.index, b.index);
        assert_ne!(a, b);
        assert!(peers.get(a).is_none());
        assert!(peers.get(b).is_some());
        assert!(peers.remove(a).is_none());
        assert_eq!(peers.attached(), 1);
    }

    #[test]
    fn a_full_queue_dooms_the_peer() {
        let mut peers = Peers::new(2);
        let a = peers.insert(TransportInfo::local());
        peers.send(a, msg(1));
        peers.send(a, msg(2));
        assert!(peers.take_doomed().is_empty());
        peers.send(a, msg(3));
        assert_eq!(peers.take_doomed(), vec![a]);
        assert_eq!(peers.queued(a), 1);
        match peers.pop(a) {
            Some(Message::Abort(m)) => assert_eq!(m.reason, reason::SLOW_CONSUMER),
            other => panic!("{other:?}"),
        }
        peers.send(a, msg(4));
        assert_eq!(peers.pop(a), None);
    }

    #[test]
    fn ready_lists_each_peer_once() {
        let mut peers = Peers::new(8);
        let a = peers.insert(TransportInfo::local());
        let b = peers.insert(TransportInfo::local());
        peers.send(a, msg(1));
        peers.send(b, msg(2));
        peers.send(a, msg(3));
        assert_eq!(peers.next_ready(), Some(a));
        assert_eq!(peers.next_ready(), Some(b));
        assert_eq!(peers.next_ready(), None);
    }
}
