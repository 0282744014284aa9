//! Callbacks into C: the function pointer types, and the userdata they are registered with.
//!
//! Every function that takes `(cb, userdata, free_userdata)` wraps the pair in a `Userdata`
//! first — before it checks any other argument — and moves clones of it into the Rust closures
//! it hands to the client. `free_userdata` then runs exactly once:
//!
//! - when the last closure holding it is dropped (the call finished, the subscription ended, the
//!   client is gone, or the registering function failed and dropped what it had built), or
//! - earlier, when `Userdata::release` is called (unsubscribe, unregister, a finished call,
//!   `zw_client_free`): it waits for a callback running on another thread to return, and marks
//!   the userdata freed so that a closure still queued never calls into C again.
//!
//! Called from inside one of its own callbacks, `release` defers the free to the moment that
//! callback returns. The callbacks a thread is running are tracked per thread, so that blocking
//! functions and `zw_client_free` can tell whether they are called from inside one.

use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::ThreadId;

use super::error::zw_result;
use super::invocation::zw_invocation;
use super::message::zw_message;
use super::scope::Release;
use crate::runtime::lock;

/// Frees the userdata given with a callback; called exactly once, when the library will not
/// call the callback again (also when the function that took it failed).
pub type zw_free_fn = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// The result of a call. `ZW_OK`: `msg` is the RESULT (also for each progressive result);
/// `ZW_ERR_WAMP`: `msg` is the ERROR; any other status: `msg` is NULL and the detail is in
/// `zw_last_error_message` on this thread during the callback. `msg` is borrowed: valid until
/// the callback returns.
pub type zw_call_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, status: zw_result, msg: *const zw_message)>;

/// An EVENT of a subscription; `event` is borrowed: valid until the callback returns.
pub type zw_event_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: *const zw_message)>;

/// An INVOCATION of a registered procedure; `inv` is owned by the application from now on:
/// answer it (`zw_invocation_yield` / `_error`) or free it, on any thread, at any time.
pub type zw_invocation_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, inv: *mut zw_invocation)>;

/// The dealer interrupts an open invocation (its caller canceled); `mode` is `"kill"` (an
/// answer is still expected, usually `wamp.error.canceled`) or `"killnowait"` (none is).
pub type zw_interrupt_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, invocation_id: u64, mode: *const c_char)>;

thread_local! {
    /// The clients whose callbacks this thread is running now (innermost last).
    static RUNNING: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Whether this thread is running a callback of the client `client` now.
pub(crate) fn in_callback_of(client: u64) -> bool {
    RUNNING.with(|r| r.borrow().contains(&client))
}

/// Whether this thread is running any client callback now.
pub(crate) fn in_any_callback() -> bool {
    RUNNING.with(|r| !r.borrow().is_empty())
}

/// A C userdata pointer and its free function, shared by the closures that call back with it.
#[derive(Clone)]
pub(crate) struct Userdata {
    cell: Arc<Cell>,
}

struct Cell {
    ptr: *mut c_void,
    free: zw_free_fn,
    /// The client whose callbacks these are (0 until adopted by one).
    client: AtomicU64,
    state: Mutex<State>,
    idle: Condvar,
}

// SAFETY: the pointer is the application's; the C contract (docs/c-api.md) is that callbacks
// and `free_userdata` may run on the client's I/O thread (or the dispatching thread), so it may
// cross threads. Access to the state is behind the mutex.
unsafe impl Send for Cell {}
// SAFETY: as above.
unsafe impl Sync for Cell {}

#[derive(Default)]
struct State {
    freed: bool,
    /// Threads inside a callback with this userdata now.
    running: Vec<ThreadId>,
    /// Released from inside a callback: free when the last running callback returns.
    free_when_idle: bool,
}

impl Userdata {
    /// Takes over `ptr` and `free` (either may be NULL).
    pub(crate) fn new(ptr: *mut c_void, free: zw_free_fn) -> Userdata {
        Userdata {
            cell: Arc::new(Cell {
                ptr,
                free,
                client: AtomicU64::new(0),
                state: Mutex::new(State::default()),
                idle: Condvar::new(),
            }),
        }
    }

    /// Marks these callbacks as the client `client`'s (see [`in_callback_of`]).
    pub(crate) fn set_client(&self, client: u64) {
        self.cell.client.store(client, Ordering::Relaxed);
    }

    /// A handle that can release the userdata without keeping it alive.
    pub(crate) fn weak(&self) -> WeakUserdata {
        let weak: Weak<dyn Release> = Arc::downgrade(&self.cell) as Weak<dyn Release>;
        WeakUserdata(weak)
    }

    /// Runs `call` with the userdata pointer, unless it was released; returns whether it ran.
    pub(crate) fn enter(&self, call: impl FnOnce(*mut c_void)) -> bool {
        let me = std::thread::current().id();
        {
            let mut state = lock(&self.cell.state);
            if state.freed || state.free_when_idle {
                return false;
            }
            state.running.push(me);
        }
        let client = self.cell.client.load(Ordering::Relaxed);
        RUNNING.with(|r| r.borrow_mut().push(client));
        // Leaves the callback also if `call` unwinds (it cannot cross into C: the caller's
        // boundary catches it), so the state never stays "running".
        let _leave = Leave {
            cell: &self.cell,
            thread: me,
        };
        call(self.cell.ptr);
        true
    }

    /// Frees the userdata now (once no callback with it runs on another thread); callbacks
    /// still queued will not run. From inside one of its callbacks: when that callback returns.
    pub(crate) fn release(&self) {
        self.cell.release_now();
    }
}

/// Leaves a callback: the counterpart of [`Userdata::enter`].
struct Leave<'a> {
    cell: &'a Cell,
    thread: ThreadId,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        RUNNING.with(|r| {
            r.borrow_mut().pop();
        });
        let free_now = {
            let mut state = lock(&self.cell.state);
            if let Some(i) = state.running.iter().position(|t| *t == self.thread) {
                state.running.swap_remove(i);
            }
            let free_now = state.free_when_idle && state.running.is_empty() && !state.freed;
            state.freed |= free_now;
            free_now
        };
        self.cell.idle.notify_all();
        if free_now {
            self.cell.call_free();
        }
    }
}

impl Cell {
    fn release_now(&self) {
        let me = std::thread::current().id();
        let mut state = lock(&self.state);
        loop {
            if state.freed || state.free_when_idle {
                return;
            }
            if state.running.contains(&me) {
                state.free_when_idle = true;
                return;
            }
            if state.running.is_empty() {
                break;
            }
            state = self
                .idle
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        state.freed = true;
        drop(state);
        self.call_free();
    }

    fn call_free(&self) {
        if let Some(free) = self.free {
            // SAFETY: the application's free function, called exactly once (guarded by
            // `State::freed`), with the pointer it gave us.
            unsafe { free(self.ptr) };
        }
    }
}

impl Release for Cell {
    fn release(&self) {
        self.release_now();
    }
}

impl Drop for Cell {
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !state.freed {
            state.freed = true;
            self.call_free();
        }
    }
}

/// A userdata that a handle (or the client) may release early, without keeping it alive.
#[derive(Clone)]
pub(crate) struct WeakUserdata(pub(crate) Weak<dyn Release>);

impl WeakUserdata {
    /// Frees the userdata now if it is still there (see [`Userdata::release`]).
    pub(crate) fn release(&self) {
        if let Some(cell) = self.0.upgrade() {
            cell.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// The userdata is a counter of its frees.
    unsafe extern "C" fn count_free(userdata: *mut c_void) {
        (*userdata.cast::<AtomicUsize>()).fetch_add(1, Ordering::SeqCst);
    }

    fn counted(freed: &AtomicUsize) -> Userdata {
        Userdata::new(freed as *const AtomicUsize as *mut c_void, Some(count_free))
    }

    #[test]
    fn freed_once_by_drop_or_release_and_never_called_after() {
        let freed = AtomicUsize::new(0);
        let ud = counted(&freed);
        let clone = ud.clone();
        assert!(ud.enter(|p| assert_eq!(p as usize, &freed as *const _ as usize)));
        drop(ud);
        assert_eq!(freed.load(Ordering::SeqCst), 0);
        drop(clone);
        assert_eq!(freed.load(Ordering::SeqCst), 1);

        let freed = AtomicUsize::new(0);
        let ud = counted(&freed);
        let weak = ud.weak();
        weak.release();
        assert_eq!(freed.load(Ordering::SeqCst), 1);
        assert!(!ud.enter(|_| panic!("called after release")));
        drop(ud);
        weak.release();
        assert_eq!(freed.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn released_inside_its_callback_frees_when_it_returns() {
        let freed = AtomicUsize::new(0);
        let ud = counted(&freed);
        ud.set_client(7);
        assert!(ud.enter(|_| {
            assert!(in_callback_of(7) && !in_callback_of(8));
            ud.release();
            assert_eq!(freed.load(Ordering::SeqCst), 0);
        }));
        assert!(!in_any_callback());
        assert_eq!(freed.load(Ordering::SeqCst), 1);
        drop(ud);
        assert_eq!(freed.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn release_waits_for_a_callback_on_another_thread() {
        let freed = Arc::new(AtomicUsize::new(0));
        let ud = counted(&freed);
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let runner = ud.clone();
        let seen = freed.clone();
        let thread = std::thread::spawn(move || {
            runner.enter(|_| {
                entered_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                assert_eq!(seen.load(Ordering::SeqCst), 0);
            })
        });
        entered_rx.recv().unwrap();
        let releaser = {
            let ud = ud.clone();
            std::thread::spawn(move || ud.release())
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(freed.load(Ordering::SeqCst), 0);
        go_tx.send(()).unwrap();
        assert!(thread.join().unwrap());
        releaser.join().unwrap();
        assert_eq!(freed.load(Ordering::SeqCst), 1);
    }
}
