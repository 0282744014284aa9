//! Waiting for an answer: a one-shot [`Slot`] that a callback fills and a blocking method waits
//! on, and the per-thread mark that says "inside a client callback" (where waiting would never
//! end).

use std::cell::Cell;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::runtime::{lock, Mode, RuntimeHandle};

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as running client callbacks (or the client's handlers and timers)
/// until dropped.
pub(crate) struct CallbackScope {
    was: bool,
}

impl CallbackScope {
    pub(crate) fn enter() -> CallbackScope {
        CallbackScope {
            was: IN_CALLBACK.with(|c| c.replace(true)),
        }
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        let was = self.was;
        IN_CALLBACK.with(|c| c.set(was));
    }
}

/// Whether the current thread is running client callbacks.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// A value delivered once, by any thread, to a waiter.
pub(crate) struct Slot<T> {
    value: Mutex<Option<T>>,
    ready: Condvar,
}

impl<T> Slot<T> {
    pub(crate) fn new() -> Slot<T> {
        Slot {
            value: Mutex::new(None),
            ready: Condvar::new(),
        }
    }

    /// Delivers `value` (a second delivery replaces an untaken first one).
    pub(crate) fn fill(&self, value: T) {
        *lock(&self.value) = Some(value);
        self.ready.notify_all();
    }

    fn take(&self) -> Option<T> {
        lock(&self.value).take()
    }

    /// Waits until filled or `until` passes.
    fn wait_until(&self, until: Option<Instant>) -> Option<T> {
        let mut value = lock(&self.value);
        loop {
            if let Some(v) = value.take() {
                return Some(v);
            }
            value = match until {
                None => self
                    .ready
                    .wait(value)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(until) => {
                    let left = until.checked_duration_since(Instant::now())?;
                    self.ready
                        .wait_timeout(value, left)
                        .map_or_else(|p| p.into_inner().0, |(guard, _)| guard)
                }
            };
        }
    }
}

/// Why a wait ended without a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitError {
    /// The time given ran out.
    Timeout,
    /// Called from inside a client callback.
    InCallback,
}

/// How a blocking method waits, by runtime mode: on the slot in I/O-thread mode; in
/// caller-driven mode by running due callbacks itself (nobody else may be dispatching).
#[derive(Clone)]
pub(crate) struct Waiter {
    pub(crate) mode: Mode,
    pub(crate) runtime: RuntimeHandle,
}

/// The longest single sleep of a caller-driven wait: the signal descriptor may be drained by
/// another thread's dispatch, so the slot is checked at least this often.
const POLL: Duration = Duration::from_millis(10);

impl Waiter {
    /// Whether this thread may wait for this client's answers: not on its own I/O thread
    /// (I/O-thread mode), not inside any dispatch (caller-driven mode, where the answer would
    /// have to be dispatched by the waiting thread itself).
    pub(crate) fn may_block(&self) -> bool {
        match self.mode {
            Mode::IoThread => !self.runtime.on_io_thread(),
            Mode::CallerDriven => !in_callback(),
        }
    }

    /// Waits for `slot` to be filled, at most `timeout` (`None`: no limit).
    pub(crate) fn wait<T>(
        &self,
        slot: &Slot<T>,
        timeout: Option<Duration>,
    ) -> Result<T, WaitError> {
        if !self.may_block() {
            return Err(WaitError::InCallback);
        }
        let until = timeout.and_then(|t| Instant::now().checked_add(t));
        match self.mode {
            Mode::IoThread => slot.wait_until(until).ok_or(WaitError::Timeout),
            Mode::CallerDriven => loop {
                if let Some(v) = slot.take() {
                    return Ok(v);
                }
                let left = match until {
                    None => POLL,
                    Some(until) => match until.checked_duration_since(Instant::now()) {
                        Some(left) => left.min(POLL),
                        None => return Err(WaitError::Timeout),
                    },
                };
                let _ = self.runtime.wait(Some(left));
                let _ = self.runtime.dispatch(usize::MAX);
            },
        }
    }

    /// Waits until `ready()` holds, checking every millisecond (and running due callbacks in
    /// caller-driven mode), at most `timeout`. `false` when the time ran out.
    pub(crate) fn poll_until(&self, timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if ready() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            let step = Duration::from_millis(1);
            match self.mode {
                Mode::IoThread => std::thread::sleep(step),
                Mode::CallerDriven => {
                    let _ = self.runtime.wait(Some(step));
                    let _ = self.runtime.dispatch(usize::MAX);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Runtime, RuntimeOptions};
    use std::sync::Arc;

    fn waiter(mode: Mode) -> (Runtime, Waiter) {
        let runtime = Runtime::new(RuntimeOptions {
            mode,
            thread_name: None,
        })
        .expect("runtime");
        let waiter = Waiter {
            mode,
            runtime: runtime.handle(),
        };
        (runtime, waiter)
    }

    #[test]
    fn a_slot_filled_by_another_thread_wakes_the_waiter() {
        for mode in [Mode::IoThread, Mode::CallerDriven] {
            let (_runtime, waiter) = waiter(mode);
            let slot = Arc::new(Slot::new());
            let filler = slot.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                filler.fill(7);
            });
            assert_eq!(waiter.wait(&slot, Some(Duration::from_secs(5))), Ok(7));
            let empty: Slot<u8> = Slot::new();
            assert_eq!(
                waiter.wait(&empty, Some(Duration::from_millis(20))),
                Err(WaitError::Timeout)
            );
        }
    }

    #[test]
    fn waiting_inside_a_callback_is_refused_in_caller_driven_mode() {
        let (_runtime, waiter) = waiter(Mode::CallerDriven);
        let _scope = CallbackScope::enter();
        assert!(in_callback());
        let slot: Slot<u8> = Slot::new();
        assert_eq!(waiter.wait(&slot, None), Err(WaitError::InCallback));
        drop(_scope);
        assert!(!in_callback());
    }

    #[test]
    fn waiting_on_the_io_thread_is_refused() {
        let (runtime, waiter) = waiter(Mode::IoThread);
        let (tx, rx) = std::sync::mpsc::channel();
        runtime.timer(Duration::ZERO, move || {
            let slot: Slot<u8> = Slot::new();
            let _ = tx.send(waiter.wait(&slot, None));
        });
        let on_io = rx.recv_timeout(Duration::from_secs(5)).expect("timer ran");
        assert_eq!(on_io, Err(WaitError::InCallback));
    }
}
