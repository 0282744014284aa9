//! What every handle of one client shares: the runtime, the options, and the [`Core`] behind
//! its lock; and the rules for taking that lock: application code never runs under it, and a
//! request is admitted only when the send queue has room.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::runtime::{
    lock, ConnectOptions, ConnectionOptions, Runtime, RuntimeHandle, RuntimeOptions, SendFullPolicy,
};
use crate::transport::websocket::Subprotocol;
use crate::transport::{rawsocket, TransportUrl};
use crate::wamp::session::{Session, SessionConfig, SessionError};
use crate::wamp::{Id, MessageType, Serializer};

use super::core::{Action, Core, Membership, Pending};
use super::error::Error;
use super::options::{ClientOptions, SendFull};
use super::outbox::Tag;
use super::waiter::{CallbackScope, Slot, WaitError, Waiter};

/// Where the code that took the lock runs, which decides where its actions run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// A runtime handler or timer: actions run right after the lock is released.
    Callback,
    /// An application thread: actions go through the runtime's dispatcher, so that callbacks
    /// run where the mode says (the I/O thread, or the caller's `dispatch`).
    Api,
}

/// How long a retry waits before trying the send queue again.
const RETRY: Duration = Duration::from_millis(2);

/// How long a dropped client waits for its close to reach the router.
const DROP_CLOSE_WAIT: Duration = Duration::from_secs(1);

/// The state all handles of one client share.
pub(crate) struct Shared {
    pub(crate) me: Weak<Shared>,
    pub(crate) options: ClientOptions,
    pub(crate) url: TransportUrl,
    pub(crate) runtime: RuntimeHandle,
    owned_runtime: Mutex<Option<Runtime>>,
    pub(crate) waiter: Waiter,
    pub(crate) core: Mutex<Core>,
    /// Passthru payload octets the serializer copied (see `ClientStats`).
    pub(crate) encode_copied: AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        url: TransportUrl,
        realm: &str,
        options: ClientOptions,
    ) -> Result<Arc<Shared>, Error> {
        let first = options.serializers.first().copied().ok_or_else(|| {
            Error::Session(SessionError::InvalidOption(
                "ClientOptions::serializers is empty".into(),
            ))
        })?;
        let runtime = Runtime::new(RuntimeOptions {
            mode: options.mode,
            thread_name: Some("zerowamp-client".into()),
        })
        .map_err(|e| Error::Runtime(e.to_string()))?;
        let mut config = SessionConfig::new(realm);
        config.authid = options.authid.clone();
        config.authrole = options.authrole.clone();
        config.authextra = options.authextra.clone();
        config.credentials = options.credentials.clone();
        let handle = runtime.handle();
        Ok(Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            waiter: Waiter {
                mode: options.mode,
                runtime: handle.clone(),
            },
            url,
            runtime: handle,
            owned_runtime: Mutex::new(Some(runtime)),
            core: Mutex::new(Core::new(Session::new(config), first)),
            encode_copied: AtomicU64::new(0),
            options,
        }))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        lock(&self.core)
    }

    /// `Ok` when this thread may wait for the client's answers (see [`Waiter::may_block`]).
    pub(crate) fn check_may_block(&self) -> Result<(), Error> {
        match self.waiter.may_block() {
            true => Ok(()),
            false => Err(Error::BlockingInCallback),
        }
    }

    /// The runtime connection settings for this client.
    pub(crate) fn connect_options(&self) -> ConnectOptions {
        let subprotocols = self
            .options
            .serializers
            .iter()
            .filter_map(|s| rawsocket::Serializer::from_id(s.rawsocket_id()))
            .map(Subprotocol::new)
            .collect();
        ConnectOptions {
            subprotocols,
            tls: self.options.tls.clone(),
            tls_server_name: self.options.tls_server_name.clone(),
            connection: ConnectionOptions {
                max_message_size: self.options.max_message_size,
                send_queue_limit: self.options.send_queue_limit,
                // The client waits for room itself (`admit`), never inside the runtime.
                send_full: SendFullPolicy::Fail,
                ..ConnectionOptions::default()
            },
        }
    }

    /// Releases the lock after sending what is queued, setting the timeout timer and closing the
    /// transport if the session ended; then runs or posts the actions.
    pub(crate) fn finish(&self, mut core: MutexGuard<'_, Core>, context: Context) {
        let (failures, waiting) = core.flush(&self.encode_copied);
        core.settle(failures, None);
        if waiting && !core.outbox.retry_armed {
            core.outbox.retry_armed = true;
            let me = self.me.clone();
            self.runtime.timer(RETRY, move || {
                if let Some(shared) = me.upgrade() {
                    shared.retry();
                }
            });
        }
        if core.close_transport {
            core.close_transport = false;
            if let Some(conn) = &core.conn {
                conn.close();
            }
        }
        self.arm_timeout(&mut core);
        let actions = std::mem::take(&mut core.actions);
        drop(core);
        match context {
            Context::Callback => run_actions(actions),
            Context::Api if actions.is_empty() => {}
            Context::Api => {
                self.runtime
                    .timer(Duration::ZERO, move || run_actions(actions));
            }
        }
    }

    /// The send queue had no room: try again.
    fn retry(&self) {
        let _scope = CallbackScope::enter();
        let mut core = self.lock();
        core.outbox.retry_armed = false;
        self.finish(core, Context::Callback);
    }

    /// Sets the timer for the session's next call timeout, if it is earlier than the one set.
    fn arm_timeout(&self, core: &mut Core) {
        let Some(next) = core.session.next_timeout() else {
            return;
        };
        if let Some((armed, id)) = core.timeout_timer {
            if armed <= next {
                return;
            }
            self.runtime.cancel_timer(id);
        }
        let me = self.me.clone();
        let id = self
            .runtime
            .timer(next.saturating_duration_since(Instant::now()), move || {
                if let Some(shared) = me.upgrade() {
                    shared.on_timeout();
                }
            });
        core.timeout_timer = Some((next, id));
    }

    fn on_timeout(self: Arc<Self>) {
        let _scope = CallbackScope::enter();
        let mut core = self.lock();
        core.timeout_timer = None;
        core.session.handle_timeout(Instant::now());
        core.process_events(&self);
        self.finish(core, Context::Callback);
    }

    /// The lock, once a new request may be made: joined, and room in the send queue (waiting
    /// for it as [`SendFull`] says).
    pub(crate) fn admit(&self) -> Result<MutexGuard<'_, Core>, Error> {
        let started = Instant::now();
        loop {
            let core = self.lock();
            core.check_joined()?;
            let queued = core.conn.as_ref().map_or(0, |c| c.queued_bytes());
            if core.outbox.is_empty() && queued < self.options.send_queue_limit {
                return Ok(core);
            }
            drop(core);
            let wait = match self.options.send_full {
                SendFull::Block(wait) if !self.runtime.on_io_thread() => wait,
                _ => {
                    return Err(Error::QueueFull {
                        waited: started.elapsed(),
                    })
                }
            };
            let left = wait.saturating_sub(started.elapsed());
            let room = self.waiter.poll_until(left, || {
                let core = self.lock();
                let queued = core.conn.as_ref().map_or(0, |c| c.queued_bytes());
                core.closed.is_some()
                    || (core.outbox.is_empty() && queued < self.options.send_queue_limit)
            });
            if !room {
                return Err(Error::QueueFull {
                    waited: started.elapsed(),
                });
            }
        }
    }

    /// Sends what the session queued for a request just made; the request's own send failure,
    /// if any, is returned (and the request forgotten), others fail their waiters.
    pub(crate) fn send_request(
        &self,
        mut core: MutexGuard<'_, Core>,
        own: Tag,
    ) -> Result<(), Error> {
        let (failures, _) = core.flush(&self.encode_copied);
        let failed = core.settle(failures, Some(own));
        self.finish(core, Context::Api);
        failed.map_or(Ok(()), Err)
    }

    /// Waits for `reply` up to the request timeout; on timeout `forget` runs under the lock.
    pub(crate) fn wait_reply(
        &self,
        reply: &Slot<Result<Id, Error>>,
        forget: impl FnOnce(&mut Core),
    ) -> Result<Id, Error> {
        let timeout = self.options.request_timeout;
        match self.waiter.wait(reply, Some(timeout)) {
            Ok(result) => result,
            Err(WaitError::InCallback) => Err(Error::BlockingInCallback),
            Err(WaitError::Timeout) => {
                forget(&mut self.lock());
                Err(Error::Timeout(timeout))
            }
        }
    }

    /// Answers an open invocation. Answers are never refused for a full queue: they wait in
    /// the outbox (the dealer bounds how many invocations are open).
    pub(crate) fn answer_invocation(
        &self,
        generation: u64,
        invocation: Id,
        send: impl FnOnce(&mut Session, Id) -> Result<(), SessionError>,
        last: bool,
    ) -> Result<(), Error> {
        let mut core = self.lock();
        if core.generation != generation || core.check_joined().is_err() {
            return Err(Error::InvocationGone);
        }
        match send(&mut core.session, invocation) {
            Ok(()) => {}
            Err(SessionError::UnknownInvocation(_)) => return Err(Error::InvocationGone),
            Err(e) => return Err(Error::Session(e)),
        }
        if last {
            core.invocations.remove(&invocation);
        }
        let (failures, _) = core.flush(&self.encode_copied);
        let own = failures.iter().map(|f| f.tag).find(|t| {
            t.id == invocation && matches!(t.kind, MessageType::Yield | MessageType::Error)
        });
        let failed = core.settle(failures, own);
        self.finish(core, Context::Api);
        failed.map_or(Ok(()), Err)
    }

    /// The router id of a subscription or registration record.
    pub(crate) fn router_id(&self, kind: Membership, local: u64) -> Option<Id> {
        self.lock().router_id(kind, local)
    }

    /// Asks the router for a subscription or registration whose record `add` creates (returning
    /// its local key and the request id), and waits for the answer; returns the local key.
    pub(crate) fn hold(
        &self,
        kind: Membership,
        add: impl FnOnce(&mut Core) -> Result<(u64, Id), SessionError>,
    ) -> Result<u64, Error> {
        self.check_may_block()?;
        let mut core = self.admit()?;
        let (local, request) = add(&mut core)?;
        let reply: Arc<Slot<Result<Id, Error>>> = Arc::new(Slot::new());
        let hold = Pending::Hold {
            kind,
            local,
            reply: Some(reply.clone()),
        };
        core.pending.insert(request, hold);
        let own = Tag {
            kind: kind.asked_with(),
            id: request,
        };
        self.send_request(core, own)?;
        // On timeout the record goes; a late confirmation then releases it.
        self.wait_reply(&reply, |core| {
            core.remove_record(kind, local);
        })?;
        Ok(local)
    }

    /// Lets go of a subscription or registration record and, if the router knows it, tells the
    /// router and waits for its answer.
    pub(crate) fn release(&self, kind: Membership, local: u64) -> Result<(), Error> {
        self.check_may_block()?;
        let mut core = self.lock();
        let router_id = core.remove_record(kind, local);
        // Unconfirmed records are forgotten here; their late confirmation releases them.
        let Some(router_id) = router_id.filter(|_| core.check_joined().is_ok()) else {
            return Ok(());
        };
        let Some(request) = core.release(kind, router_id)? else {
            // Another local record holds the same router id.
            return Ok(());
        };
        let reply: Arc<Slot<Result<Id, Error>>> = Arc::new(Slot::new());
        core.pending
            .insert(request, Pending::Release(Some(reply.clone())));
        let own = Tag {
            kind: kind.released_with(),
            id: request,
        };
        self.send_request(core, own)?;
        self.wait_reply(&reply, |core| {
            core.pending.remove(&request);
        })
        .map(|_| ())
    }
}

/// Runs application code, each piece on its own: one that panics does not keep the others
/// from running.
pub(crate) fn run_actions(actions: Vec<Action>) {
    let _scope = CallbackScope::enter();
    for action in actions {
        let _ = catch_unwind(AssertUnwindSafe(action));
    }
}

/// The serializer a connection negotiated, as the WAMP layer names it.
pub(crate) fn wamp_serializer(s: rawsocket::Serializer) -> Option<Serializer> {
    Serializer::from_rawsocket_id(s.id())
}

impl Drop for Shared {
    /// The last handle is gone: leave the session (best effort), close the connection, stop
    /// the I/O thread.
    fn drop(&mut self) {
        let core = self.core.get_mut().unwrap_or_else(|p| p.into_inner());
        if core.closed.is_none() {
            let _ = core.session.leave(super::core::CLOSE_REALM, None);
            let _ = core.flush(&self.encode_copied);
        }
        let on_io_thread = self.runtime.on_io_thread();
        if let Some(conn) = core.conn.take() {
            conn.close();
            if !on_io_thread {
                let until = Instant::now() + DROP_CLOSE_WAIT;
                while conn.is_open() && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        let runtime = self
            .owned_runtime
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if on_io_thread {
            // The I/O thread cannot join itself: stop it from another thread.
            let _ = std::thread::Builder::new()
                .name("zerowamp-client-stop".into())
                .spawn(move || drop(runtime));
        } else {
            drop(runtime);
        }
    }
}
