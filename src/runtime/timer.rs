//! The reactor's timers: a binary heap of deadlines, with lazy cancellation.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::time::Instant;

/// The identity of a user timer, for [`Runtime::cancel_timer`](super::RuntimeHandle::cancel_timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub(crate) u64);

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// A user callback.
    User(TimerId),
    /// The connection must be open by now.
    OpenDeadline(u64),
    /// Time to check the connection's keepalive.
    Keepalive(u64),
    /// The closing handshake must be over by now.
    CloseDeadline(u64),
}

/// Deadlines in order. Cancelled user timers stay in the heap and are skipped when due.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, TimerKind)>>,
    seq: u64,
    cancelled: HashSet<TimerId>,
}

impl Timers {
    pub(crate) fn add(&mut self, at: Instant, kind: TimerKind) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, kind)));
    }

    pub(crate) fn cancel(&mut self, id: TimerId) {
        self.cancelled.insert(id);
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The next timer due at `now`, if any.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerKind> {
        loop {
            let Reverse((at, _, kind)) = *self.heap.peek()?;
            if at > now {
                return None;
            }
            self.heap.pop();
            if let TimerKind::User(id) = kind {
                if self.cancelled.remove(&id) {
                    continue;
                }
            }
            return Some(kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn due_timers_come_out_in_deadline_order_and_cancelled_ones_not_at_all() {
        let mut timers = Timers::default();
        let t0 = Instant::now();
        timers.add(t0 + Duration::from_millis(30), TimerKind::User(TimerId(3)));
        timers.add(t0 + Duration::from_millis(10), TimerKind::User(TimerId(1)));
        timers.add(t0 + Duration::from_millis(20), TimerKind::Keepalive(7));
        timers.add(t0 + Duration::from_millis(40), TimerKind::User(TimerId(4)));
        timers.cancel(TimerId(3));
        assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_millis(10)));
        assert_eq!(timers.pop_due(t0), None);
        let later = t0 + Duration::from_millis(35);
        assert_eq!(timers.pop_due(later), Some(TimerKind::User(TimerId(1))));
        assert_eq!(timers.pop_due(later), Some(TimerKind::Keepalive(7)));
        assert_eq!(timers.pop_due(later), None);
        assert_eq!(
            timers.pop_due(t0 + Duration::from_millis(40)),
            Some(TimerKind::User(TimerId(4)))
        );
    }
}
