//! Request ids and the table of requests waiting for the router's answer.
//!
//! Ids are session scoped: one sequence for all requests of a session, 1, 2, 3, ... up to 2^53,
//! then 1 again (spec, "IDs"). An id is drawn only for a message that is actually sent, so the
//! router sees no gaps. A still-pending id is not skipped on wrap-around: reaching it would take
//! 2^53 requests while it stays pending.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};
use std::time::{Duration, Instant};

use super::events::Unanswered;
use crate::wamp::message::{Id, MessageType, MAX_ID};
use crate::wamp::uri::MatchPolicy;

/// The session-scoped request id sequence.
#[derive(Clone, Debug)]
pub(super) struct RequestIds {
    next: Id,
}

impl Default for RequestIds {
    fn default() -> RequestIds {
        RequestIds { next: 1 }
    }
}

impl RequestIds {
    /// The next id: sequential from 1, wrapping to 1 after 2^53.
    pub(super) fn next(&mut self) -> Id {
        let id = self.next;
        self.next = if id >= MAX_ID { 1 } else { id + 1 };
        id
    }

    /// Starts the sequence at `id` (tests of the wrap-around).
    #[cfg(test)]
    pub(super) fn start_at(id: Id) -> RequestIds {
        RequestIds { next: id }
    }
}

/// A call waiting for its result.
#[derive(Clone, Debug)]
pub(super) struct PendingCall {
    /// The procedure, to continue a progressive invocation with.
    pub(super) procedure: String,
    /// We asked for progressive results.
    pub(super) receive_progress: bool,
    /// We announced more CALL chunks (progressive call invocation still open on our side).
    pub(super) sending_progress: bool,
    /// The call was made in Payload Passthru Mode: its chunks must be too.
    pub(super) passthru: bool,
    /// The timeout between results, if any.
    pub(super) timeout: Option<Duration>,
    /// When the call times out, if it has a timeout.
    pub(super) deadline: Option<Instant>,
}

/// What a pending request id stands for.
#[derive(Clone, Debug)]
pub(super) enum Pending {
    Call(PendingCall),
    /// An acknowledged PUBLISH (unacknowledged ones expect no answer and are not kept).
    Publish,
    Subscribe {
        topic: String,
        policy: MatchPolicy,
    },
    Unsubscribe {
        subscription: Id,
    },
    Register {
        procedure: String,
        policy: MatchPolicy,
    },
    Unregister {
        registration: Id,
    },
}

impl Pending {
    /// The type of the request message.
    pub(super) fn request_type(&self) -> MessageType {
        match self {
            Pending::Call(_) => MessageType::Call,
            Pending::Publish => MessageType::Publish,
            Pending::Subscribe { .. } => MessageType::Subscribe,
            Pending::Unsubscribe { .. } => MessageType::Unsubscribe,
            Pending::Register { .. } => MessageType::Register,
            Pending::Unregister { .. } => MessageType::Unregister,
        }
    }
}

/// Pending requests, calls whose answer is to be dropped, and call deadlines.
#[derive(Debug, Default)]
pub(super) struct Requests {
    /// By our own request ids: a fast hasher (here and in `discarded`).
    pending: FxHashMap<Id, Pending>,
    /// Calls already finished locally (canceled with skip/killnowait, timed out): the router's
    /// late answers for them are dropped, until its final one.
    discarded: FxHashSet<Id>,
    deadlines: BTreeSet<(Instant, Id)>,
}

impl Requests {
    pub(super) fn insert(&mut self, id: Id, pending: Pending) {
        if let Pending::Call(PendingCall {
            deadline: Some(at), ..
        }) = &pending
        {
            self.deadlines.insert((*at, id));
        }
        self.discarded.remove(&id);
        self.pending.insert(id, pending);
    }

    pub(super) fn get(&self, id: Id) -> Option<&Pending> {
        self.pending.get(&id)
    }

    pub(super) fn call_mut(&mut self, id: Id) -> Option<&mut PendingCall> {
        match self.pending.get_mut(&id) {
            Some(Pending::Call(call)) => Some(call),
            _ => None,
        }
    }

    /// Removes a pending request (and its deadline).
    pub(super) fn remove(&mut self, id: Id) -> Option<Pending> {
        let pending = self.pending.remove(&id)?;
        if let Pending::Call(PendingCall {
            deadline: Some(at), ..
        }) = &pending
        {
            self.deadlines.remove(&(*at, id));
        }
        Some(pending)
    }

    /// Moves a call's deadline to `now + timeout` (a progressive result arrived).
    pub(super) fn rearm(&mut self, id: Id, now: Instant) {
        let Some(Pending::Call(call)) = self.pending.get_mut(&id) else {
            return;
        };
        if let Some(old) = call.deadline.take() {
            self.deadlines.remove(&(old, id));
        }
        call.deadline = call.timeout.and_then(|t| now.checked_add(t));
        if let Some(at) = call.deadline {
            self.deadlines.insert((at, id));
        }
    }

    /// Finishes a call locally: it leaves the table, and the router's answers are dropped.
    pub(super) fn discard(&mut self, id: Id) {
        if self.remove(id).is_some() {
            self.discarded.insert(id);
        }
    }

    /// True when answers for `id` are being dropped.
    pub(super) fn is_discarded(&self, id: Id) -> bool {
        self.discarded.contains(&id)
    }

    /// The router's final answer for a discarded call arrived: stop dropping.
    pub(super) fn forget_discarded(&mut self, id: Id) {
        self.discarded.remove(&id);
    }

    /// The earliest call deadline.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The calls whose deadline is at or before `now`, earliest first.
    pub(super) fn expired(&self, now: Instant) -> Vec<Id> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| *id)
            .collect()
    }

    /// Empties the table, returning what was still pending, by request id.
    pub(super) fn drain(&mut self) -> Vec<Unanswered> {
        let mut left: Vec<Unanswered> = self
            .pending
            .drain()
            .map(|(request, p)| Unanswered {
                request_type: p.request_type(),
                request,
            })
            .collect();
        left.sort_by_key(|u| u.request);
        self.discarded.clear();
        self.deadlines.clear();
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(deadline: Option<Instant>, timeout: Option<Duration>) -> Pending {
        Pending::Call(PendingCall {
            procedure: "p".into(),
            receive_progress: false,
            sending_progress: false,
            passthru: false,
            timeout,
            deadline,
        })
    }

    #[test]
    fn ids_are_sequential_and_wrap_after_2_pow_53() {
        let mut ids = RequestIds::default();
        assert_eq!((ids.next(), ids.next(), ids.next()), (1, 2, 3));
        let mut ids = RequestIds::start_at(MAX_ID - 1);
        assert_eq!(ids.next(), MAX_ID - 1);
        assert_eq!(ids.next(), MAX_ID);
        assert_eq!(ids.next(), 1);
        assert_eq!(ids.next(), 2);
    }

    #[test]
    fn deadlines_follow_the_calls() {
        let t0 = Instant::now();
        let sec = Duration::from_secs(1);
        let mut r = Requests::default();
        r.insert(1, call(Some(t0 + sec), Some(sec)));
        r.insert(2, call(Some(t0 + 2 * sec), Some(2 * sec)));
        r.insert(3, Pending::Publish);
        assert_eq!(r.next_deadline(), Some(t0 + sec));
        assert_eq!(r.expired(t0), Vec::<Id>::new());
        assert_eq!(r.expired(t0 + 2 * sec), vec![1, 2]);
        r.rearm(1, t0 + 5 * sec);
        assert_eq!(r.next_deadline(), Some(t0 + 2 * sec));
        r.remove(2);
        assert_eq!(r.next_deadline(), Some(t0 + 6 * sec));
        r.discard(1);
        assert!(r.is_discarded(1) && r.get(1).is_none());
        assert_eq!(r.next_deadline(), None);
        r.forget_discarded(1);
        assert!(!r.is_discarded(1));
        // Discarding what is not pending does not start dropping answers.
        r.discard(9);
        assert!(!r.is_discarded(9));
    }

    #[test]
    fn drain_lists_what_is_left_in_order() {
        let mut r = Requests::default();
        r.insert(5, Pending::Publish);
        r.insert(2, call(None, None));
        r.insert(3, Pending::Unsubscribe { subscription: 9 });
        r.discard(2);
        let left = r.drain();
        assert_eq!(
            left,
            vec![
                Unanswered {
                    request_type: MessageType::Unsubscribe,
                    request: 3
                },
                Unanswered {
                    request_type: MessageType::Publish,
                    request: 5
                },
            ]
        );
        assert!(!r.is_discarded(2));
    }
}
