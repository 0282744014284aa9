//! What the C handles of one client share: the client's id, and what `zw_client_free` must let
//! go of before it returns — the Rust handles held by C handles (subscriptions, registrations,
//! calls), which keep the client's shared state alive, and every userdata still registered.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::callback::{in_any_callback, in_callback_of, Userdata, WeakUserdata};
use super::error::{fail, zw_result};
use crate::runtime::lock;

/// Something `zw_client_free` lets go of early.
pub(crate) trait Release: Send + Sync {
    /// Lets go now; later uses find it gone.
    fn release(&self);
}

/// A Rust handle held by a C handle, which the client can take away when it is freed.
pub(crate) struct Held<T>(Mutex<Option<T>>);

impl<T: Send + 'static> Held<T> {
    pub(crate) fn new(value: T) -> Arc<Held<T>> {
        Arc::new(Held(Mutex::new(Some(value))))
    }

    /// Takes the handle (`None` once taken, or after the client was freed).
    pub(crate) fn take(&self) -> Option<T> {
        lock(&self.0).take()
    }

    /// Runs `f` on the handle if it is still there.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        lock(&self.0).as_ref().map(f)
    }
}

impl<T: Send + 'static> Release for Held<T> {
    fn release(&self) {
        drop(self.take());
    }
}

/// Weak references that are pruned now and then, so the list stays as long as what is alive.
struct Registry {
    items: Vec<Weak<dyn Release>>,
    prune_at: usize,
}

impl Registry {
    const fn new() -> Registry {
        Registry {
            items: Vec::new(),
            prune_at: 16,
        }
    }

    fn push(&mut self, item: Weak<dyn Release>) {
        if self.items.len() >= self.prune_at {
            self.items.retain(|i| i.strong_count() > 0);
            self.prune_at = (self.items.len() * 2).max(16);
        }
        self.items.push(item);
    }

    fn take(&mut self) -> Vec<Weak<dyn Release>> {
        std::mem::take(&mut self.items)
    }
}

/// The shared part of a `zw_client`.
pub(crate) struct ClientScope {
    /// Unique in the process; marks this client's callbacks on the threads that run them.
    pub(crate) id: u64,
    /// Callbacks run in `zw_client_dispatch` (else on the client's I/O thread).
    pub(crate) caller_driven: bool,
    /// `zw_client_leave` was called.
    pub(crate) left: AtomicBool,
    handles: Mutex<Registry>,
    userdata: Mutex<Registry>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl ClientScope {
    pub(crate) fn new(caller_driven: bool) -> Arc<ClientScope> {
        Arc::new(ClientScope {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            caller_driven,
            left: AtomicBool::new(false),
            handles: Mutex::new(Registry::new()),
            userdata: Mutex::new(Registry::new()),
        })
    }

    /// Keeps `handle` to take it away when the client is freed.
    pub(crate) fn adopt_handle<T: Send + 'static>(&self, handle: &Arc<Held<T>>) {
        let weak: Weak<dyn Release> = Arc::downgrade(handle) as Weak<dyn Release>;
        lock(&self.handles).push(weak);
    }

    /// Marks `userdata` as this client's, to free it when the client is freed.
    pub(crate) fn adopt_userdata(&self, userdata: &Userdata) -> WeakUserdata {
        userdata.set_client(self.id);
        let weak = userdata.weak();
        lock(&self.userdata).push(weak.0.clone());
        weak
    }

    /// Whether this thread may wait for this client's answers: not inside one of its callbacks
    /// (I/O-thread mode: they run on the thread that delivers the answers), and in
    /// caller-driven mode not inside any client callback (the answer would have to be
    /// dispatched by the waiting thread itself). The same rule the client applies, checked
    /// before a handle is consumed.
    pub(crate) fn check_may_block(&self, function: &str) -> Result<(), zw_result> {
        let inside = match self.caller_driven {
            true => in_any_callback(),
            false => in_callback_of(self.id),
        };
        match inside {
            false => Ok(()),
            true => Err(fail(
                zw_result::ZW_ERR_IN_CALLBACK,
                format!("{function} blocks, and cannot be called inside a client callback"),
            )),
        }
    }

    /// Takes away the Rust handles its C handles still hold (they then report `ZW_ERR_CLOSED`).
    pub(crate) fn release_handles(&self) {
        let handles = lock(&self.handles).take();
        for handle in handles.iter().filter_map(Weak::upgrade) {
            handle.release();
        }
    }

    /// Frees every userdata still registered (waiting for a callback running on another thread
    /// to return; one running on this thread is freed when it returns).
    pub(crate) fn release_userdata(&self) {
        let userdata = lock(&self.userdata).take();
        for cell in userdata.iter().filter_map(Weak::upgrade) {
            cell.release();
        }
    }
}
