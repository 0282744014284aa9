//! The callee side: invocations the application has not answered yet, and a short memory of
//! finished ones.
//!
//! The memory serves three races the spec allows: an INTERRUPT for an invocation we already
//! answered (ignored), a further chunk of a progressive invocation we already answered (dropped,
//! as the spec's "Continuations on Completed Calls" asks), and an application answering an
//! invocation the dealer interrupted with `killnowait` (the answer is dropped, not an error).
//! It holds the last [`FINISHED_MEMORY`] finished invocations.
//!
//! INVOCATION ids are not checked to be consecutive: crossbar draws them from one counter per
//! realm, so a session sees gaps. They are checked to be in range and not to repeat an
//! invocation still open (except as a progressive continuation).

use std::collections::{HashMap, VecDeque};

use super::options::InterruptMode;
use crate::wamp::message::Id;

/// How many finished invocations are remembered.
pub(super) const FINISHED_MEMORY: usize = 1024;

/// An invocation waiting for the application's answer.
#[derive(Clone, Debug)]
pub(super) struct OpenInvocation {
    pub(super) registration: Id,
    /// The caller accepts progressive results.
    pub(super) receive_progress: bool,
    /// The caller announced more chunks (progressive call invocation).
    pub(super) caller_progress: bool,
}

/// What is remembered of a finished invocation.
#[derive(Clone, Copy, Debug)]
struct Finished {
    /// The caller was still sending chunks: more may arrive and are dropped.
    stale_chunks: bool,
    /// Interrupted with killnowait and not answered yet: the answer is dropped.
    swallow_answer: bool,
}

/// How an arriving INVOCATION relates to what we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arrival {
    /// A new invocation, now open.
    New,
    /// A further chunk of an open progressive invocation.
    Continuation,
    /// A chunk of a progressive invocation we already finished: drop it.
    Stale,
    /// A repeated id of an open invocation that is not progressive: a protocol violation.
    Duplicate,
    /// A chunk for an open invocation of another registration: a protocol violation.
    WrongRegistration(Id),
}

/// What to do with the application's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// Send it.
    Send,
    /// The dealer expects no answer any more: drop it.
    Drop,
    /// No such invocation.
    Unknown,
}

/// What an INTERRUPT refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Interrupted {
    /// An open invocation: tell the application.
    Open,
    /// An invocation we already finished: ignore.
    Finished,
    /// Never seen: a protocol violation.
    Unknown,
}

/// Open invocations and the memory of finished ones.
#[derive(Debug, Default)]
pub(super) struct Invocations {
    // Keyed by the router's invocation ids, which a peer picks: SipHash, not a fast hasher.
    open: HashMap<Id, OpenInvocation>,
    finished: HashMap<Id, Finished>,
    finished_order: VecDeque<Id>,
}

impl Invocations {
    /// An INVOCATION arrived.
    pub(super) fn arrive(
        &mut self,
        id: Id,
        registration: Id,
        receive_progress: bool,
        progress: bool,
    ) -> Arrival {
        if let Some(open) = self.open.get_mut(&id) {
            if !open.caller_progress {
                return Arrival::Duplicate;
            }
            if open.registration != registration {
                return Arrival::WrongRegistration(open.registration);
            }
            open.caller_progress = progress;
            return Arrival::Continuation;
        }
        if self.finished.get(&id).is_some_and(|f| f.stale_chunks) {
            return Arrival::Stale;
        }
        self.forget(id);
        self.open.insert(
            id,
            OpenInvocation {
                registration,
                receive_progress,
                caller_progress: progress,
            },
        );
        Arrival::New
    }

    pub(super) fn get(&self, id: Id) -> Option<&OpenInvocation> {
        self.open.get(&id)
    }

    /// The application answers; `last` for a final YIELD or an ERROR.
    pub(super) fn answer(&mut self, id: Id, last: bool) -> Answer {
        if self.open.contains_key(&id) {
            if last {
                self.finish(id, false);
            }
            return Answer::Send;
        }
        match self.finished.get_mut(&id) {
            Some(f) if f.swallow_answer => {
                if last {
                    f.swallow_answer = false;
                }
                Answer::Drop
            }
            _ => Answer::Unknown,
        }
    }

    /// An INTERRUPT arrived.
    pub(super) fn interrupt(&mut self, id: Id, mode: InterruptMode) -> Interrupted {
        if self.open.contains_key(&id) {
            if mode == InterruptMode::KillNoWait {
                self.finish(id, true);
            }
            Interrupted::Open
        } else if self.finished.contains_key(&id) {
            Interrupted::Finished
        } else {
            Interrupted::Unknown
        }
    }

    pub(super) fn clear(&mut self) {
        self.open.clear();
        self.finished.clear();
        self.finished_order.clear();
    }

    /// Moves an open invocation to the finished memory.
    fn finish(&mut self, id: Id, swallow_answer: bool) {
        let Some(open) = self.open.remove(&id) else {
            return;
        };
        if self.finished_order.len() >= FINISHED_MEMORY {
            if let Some(oldest) = self.finished_order.pop_front() {
                self.finished.remove(&oldest);
            }
        }
        self.finished_order.push_back(id);
        self.finished.insert(
            id,
            Finished {
                stale_chunks: open.caller_progress,
                swallow_answer,
            },
        );
    }

    /// Forgets a finished id that a new invocation reuses.
    fn forget(&mut self, id: Id) {
        if self.finished.remove(&id).is_some() {
            self.finished_order.retain(|f| *f != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_invocation_life() {
        let mut inv = Invocations::default();
        assert_eq!(inv.arrive(1, 10, true, false), Arrival::New);
        assert_eq!(inv.arrive(1, 10, true, false), Arrival::Duplicate);
        assert_eq!(inv.answer(1, false), Answer::Send);
        assert!(inv.get(1).is_some_and(|o| o.receive_progress));
        assert_eq!(inv.answer(1, true), Answer::Send);
        assert_eq!(inv.answer(1, true), Answer::Unknown);
        assert_eq!(inv.interrupt(1, InterruptMode::Kill), Interrupted::Finished);
        assert_eq!(inv.interrupt(2, InterruptMode::Kill), Interrupted::Unknown);
        // A finished, non-progressive id may be used again by a new invocation.
        assert_eq!(inv.arrive(1, 10, false, false), Arrival::New);
    }

    #[test]
    fn progressive_chunks() {
        let mut inv = Invocations::default();
        assert_eq!(inv.arrive(5, 10, false, true), Arrival::New);
        assert_eq!(
            inv.arrive(5, 11, false, true),
            Arrival::WrongRegistration(10)
        );
        assert_eq!(inv.arrive(5, 10, false, true), Arrival::Continuation);
        // We answer before the caller's last chunk: later chunks are stale.
        assert_eq!(inv.answer(5, true), Answer::Send);
        assert_eq!(inv.arrive(5, 10, false, true), Arrival::Stale);
        assert_eq!(inv.arrive(5, 10, false, false), Arrival::Stale);
        // The caller's last chunk closes the stream of chunks.
        assert_eq!(inv.arrive(6, 10, false, true), Arrival::New);
        assert_eq!(inv.arrive(6, 10, false, false), Arrival::Continuation);
        assert_eq!(inv.arrive(6, 10, false, false), Arrival::Duplicate);
    }

    #[test]
    fn killnowait_swallows_one_answer() {
        let mut inv = Invocations::default();
        inv.arrive(3, 10, true, false);
        assert_eq!(
            inv.interrupt(3, InterruptMode::KillNoWait),
            Interrupted::Open
        );
        assert!(inv.get(3).is_none());
        assert_eq!(inv.answer(3, false), Answer::Drop);
        assert_eq!(inv.answer(3, true), Answer::Drop);
        assert_eq!(inv.answer(3, true), Answer::Unknown);
        inv.arrive(4, 10, true, false);
        assert_eq!(inv.interrupt(4, InterruptMode::Kill), Interrupted::Open);
        assert!(inv.get(4).is_some(), "kill waits for the answer");
    }

    #[test]
    fn memory_is_bounded() {
        let mut inv = Invocations::default();
        let n = FINISHED_MEMORY as Id + 10;
        for id in 1..=n {
            inv.arrive(id, 1, false, false);
            inv.answer(id, true);
        }
        assert_eq!(inv.finished.len(), FINISHED_MEMORY);
        assert_eq!(inv.interrupt(1, InterruptMode::Kill), Interrupted::Unknown);
        assert_eq!(inv.interrupt(n, InterruptMode::Kill), Interrupted::Finished);
    }

    #[test]
    fn clear_forgets_everything() {
        let mut inv = Invocations::default();
        inv.arrive(2, 20, false, false);
        inv.clear();
        assert!(inv.get(2).is_none());
        assert_eq!(inv.answer(2, true), Answer::Unknown);
    }
}
