//! The client handle and its requests.

use std::os::unix::io::RawFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::transport::TransportUrl;
use crate::wamp::session::{
    CallOptions, CallResult, EventDelivery, Joined, PublishOptions, RegisterOptions, State,
    SubscribeOptions,
};
use crate::wamp::{Id, MessageType, Payload, Serializer};

use super::call::CallHandle;
use super::core::{CalleeHandler, EventHandler, Membership, Pending, PendingCall, CLOSE_REALM};
use super::error::{CallError, Error};
use super::options::ClientOptions;
use super::outbox::Tag;
use super::registration::{Callee, Registration};
use super::shared::{Context, Shared};
use super::stats::ClientStats;
use super::subscription::Subscription;
use super::waiter::{Slot, WaitError};

/// A WAMP client: one session on one router, reconnected when the connection is lost. `Send +
/// Sync` and cheap to clone (an `Arc`): use it from any thread. See the
/// [module documentation](super) for threads, callbacks, reconnects and backpressure.
///
/// The client runs until [`leave`](Self::leave) is called or every handle (clients,
/// subscriptions, registrations, invocations) is dropped. Note that a callback holding a
/// `Client` keeps it alive until it leaves.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl Client {
    /// Connects to `url` (`ws://`, `wss://`, `rs://`, `rss://`, `unix://`) and joins `realm`;
    /// returns once the session is established, or the error that prevented it (the first
    /// connection is not retried, so a wrong URL or credential fails at once).
    pub fn connect(url: &str, realm: &str, options: ClientOptions) -> Result<Client, Error> {
        let url = TransportUrl::parse(url)?;
        let timeout = options.connect_timeout;
        let shared = Shared::new(url, realm, options)?;
        shared.check_may_block()?;
        let joined = Arc::new(Slot::new());
        {
            let mut core = shared.lock();
            core.join_waiters.push(joined.clone());
            shared.start_connect(&mut core)?;
        }
        match shared.waiter.wait(&joined, Some(timeout)) {
            Ok(Ok(_)) => Ok(Client { shared }),
            Ok(Err(e)) => Err(e),
            Err(WaitError::InCallback) => Err(Error::BlockingInCallback),
            Err(WaitError::Timeout) => Err(Error::Timeout(timeout)),
        }
    }

    /// The session id, while joined.
    pub fn session_id(&self) -> Option<Id> {
        self.shared.lock().session.session_id()
    }

    /// What the router said when the current session was joined (authid, authrole, ...).
    pub fn joined(&self) -> Option<Joined> {
        let core = self.shared.lock();
        core.joined
            .clone()
            .filter(|_| core.session.state() == State::Established)
    }

    /// Whether a session is established now.
    pub fn is_joined(&self) -> bool {
        self.shared.lock().session.state() == State::Established
    }

    /// Waits until a session is established (after a reconnect), at most `timeout`; returns
    /// its id.
    pub fn wait_joined(&self, timeout: Duration) -> Result<Id, Error> {
        self.shared.check_may_block()?;
        let joined = Arc::new(Slot::new());
        {
            let mut core = self.shared.lock();
            if let Some(id) = core.session.session_id() {
                return Ok(id);
            }
            if core.closed.is_some() {
                return Err(Error::Closed);
            }
            core.join_waiters.push(joined.clone());
        }
        match self.shared.waiter.wait(&joined, Some(timeout)) {
            Ok(result) => result,
            Err(WaitError::InCallback) => Err(Error::BlockingInCallback),
            Err(WaitError::Timeout) => Err(Error::Timeout(timeout)),
        }
    }

    /// The serializer of the current connection.
    pub fn serializer(&self) -> Serializer {
        self.shared.lock().serializer
    }

    /// Calls `procedure` and waits for its result. The call's timeout is
    /// [`CallOptions::timeout`], or else [`ClientOptions::call_timeout`]; a call still waiting
    /// when the session ends fails with [`Error::SessionLost`].
    pub fn call(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
    ) -> Result<CallResult, CallError> {
        self.shared.check_may_block()?;
        let result = Arc::new(Slot::new());
        let filled = result.clone();
        self.call_async(procedure, payload, options, move |r| filled.fill(r))?;
        match self.shared.waiter.wait(&result, None) {
            Ok(r) => r,
            Err(_) => Err(Error::BlockingInCallback.into()),
        }
    }

    /// Calls `procedure`; `on_result` gets the result (or the error) later, on the I/O thread
    /// (or in [`dispatch`](Self::dispatch)). An `Err` here means the call was not made, and
    /// `on_result` is not called.
    pub fn call_async(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
        on_result: impl FnOnce(Result<CallResult, CallError>) + Send + 'static,
    ) -> Result<CallHandle, Error> {
        let call = PendingCall {
            on_result: Box::new(on_result),
            on_progress: None,
        };
        self.start_call(procedure, payload, options, call)
    }

    /// Calls `procedure` asking for progressive results: `on_progress` gets each of them, then
    /// `on_result` the final result (or the error).
    pub fn call_progressive(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
        on_progress: impl FnMut(CallResult) + Send + 'static,
        on_result: impl FnOnce(Result<CallResult, CallError>) + Send + 'static,
    ) -> Result<CallHandle, Error> {
        let options = CallOptions {
            receive_progress: true,
            ..options
        };
        let call = PendingCall {
            on_result: Box::new(on_result),
            on_progress: Some(Arc::new(Mutex::new(Box::new(on_progress)))),
        };
        self.start_call(procedure, payload, options, call)
    }

    fn start_call(
        &self,
        procedure: &str,
        payload: Payload,
        mut options: CallOptions,
        call: PendingCall,
    ) -> Result<CallHandle, Error> {
        if options.timeout.is_none() {
            options.timeout = self.shared.options.call_timeout;
        }
        let mut core = self.shared.admit()?;
        let request = core
            .session
            .call(procedure, payload, options, std::time::Instant::now())?;
        core.calls.insert(request, call);
        let generation = core.generation;
        let own = Tag {
            kind: MessageType::Call,
            id: request,
        };
        self.shared.send_request(core, own)?;
        Ok(CallHandle {
            shared: self.shared.clone(),
            generation,
            request,
        })
    }

    /// Publishes to `topic`. Unacknowledged (the default): returns `None` once the message is
    /// queued. With [`PublishOptions::acknowledge`]: waits for the broker's answer and returns
    /// the publication id (or the broker's error).
    ///
    /// For a record in Payload Passthru Mode, pass [`Payload::Transparent`] (e.g. from a
    /// [`Snapshot`](super::Snapshot)) with [`PublishOptions::passthru`] set (see
    /// [`record_passthru`](super::record_passthru)).
    pub fn publish(
        &self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Option<Id>, Error> {
        let acknowledge = options.acknowledge;
        if acknowledge {
            self.shared.check_may_block()?;
        }
        let mut core = self.shared.admit()?;
        let request = core.session.publish(topic, payload, options)?;
        let reply = acknowledge.then(|| Arc::new(Slot::new()));
        if let Some(reply) = &reply {
            core.pending
                .insert(request, Pending::Publish(reply.clone()));
        }
        let own = Tag {
            kind: MessageType::Publish,
            id: request,
        };
        self.shared.send_request(core, own)?;
        match reply {
            None => Ok(None),
            Some(reply) => self
                .shared
                .wait_reply(&reply, |core| {
                    core.pending.remove(&request);
                })
                .map(Some),
        }
    }

    /// Subscribes to `topic` (a pattern with [`SubscribeOptions::match_policy`]) and waits for
    /// the broker's answer; `handler` then gets every event, on the I/O thread (or in
    /// [`dispatch`](Self::dispatch)), in order. Handlers must not block.
    pub fn subscribe(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: impl FnMut(&EventDelivery) + Send + 'static,
    ) -> Result<Subscription, Error> {
        let handler: EventHandler = Arc::new(Mutex::new(Box::new(handler)));
        let local = self.shared.hold(Membership::Subscription, |core| {
            let local = core.subs.add(topic, options.clone(), handler);
            match core.session.subscribe(topic, options) {
                Ok(request) => Ok((local, request)),
                Err(e) => {
                    core.subs.remove(local);
                    Err(e)
                }
            }
        })?;
        Ok(Subscription {
            shared: self.shared.clone(),
            local,
            topic: topic.to_owned(),
        })
    }

    /// Registers `procedure` (a pattern with [`RegisterOptions::match_policy`]) and waits for the
    /// dealer's answer; `callee` then gets every invocation (see [`Callee`]).
    pub fn register(
        &self,
        procedure: &str,
        options: RegisterOptions,
        callee: impl Callee,
    ) -> Result<Registration, Error> {
        let handler: CalleeHandler = Arc::new(Mutex::new(Box::new(callee)));
        let local = self.shared.hold(Membership::Registration, |core| {
            let local = core.regs.add(procedure, options.clone(), handler);
            match core.session.register(procedure, options) {
                Ok(request) => Ok((local, request)),
                Err(e) => {
                    core.regs.remove(local);
                    Err(e)
                }
            }
        })?;
        Ok(Registration {
            shared: self.shared.clone(),
            local,
            procedure: procedure.to_owned(),
        })
    }

    /// Leaves the realm (GOODBYE, waiting for the router's up to the request timeout), closes
    /// the connection and stops reconnecting. Calls still waiting fail with
    /// [`Error::SessionLost`]; later requests fail with [`Error::Closed`].
    pub fn leave(&self) -> Result<(), Error> {
        self.shared.check_may_block()?;
        let closed = Arc::new(Slot::new());
        let mut core = self.shared.lock();
        if core.closed.is_some() {
            return Ok(());
        }
        core.close_waiters.push(closed.clone());
        if core.leaving {
            // Another thread is leaving already: wait for the same close.
        } else if core.session.state() == State::Established {
            core.session.leave(CLOSE_REALM, None)?;
        } else if core.conn.is_some() {
            core.close_transport = true;
        } else {
            self.shared.close_final(&mut core, None);
        }
        core.leaving = true;
        self.shared.finish(core, Context::Api);
        let timeout = self.shared.options.request_timeout;
        if self.shared.waiter.wait(&closed, Some(timeout)).is_err() {
            // The router did not answer: close anyway.
            let mut core = self.shared.lock();
            self.shared.close_final(&mut core, None);
        }
        Ok(())
    }

    /// Caller-driven mode ([`Mode::CallerDriven`](crate::runtime::Mode)): the descriptor that
    /// is readable while callbacks are due; add it to your event loop and call
    /// [`dispatch`](Self::dispatch) when it is. `None` in I/O-thread mode.
    pub fn fd(&self) -> Option<RawFd> {
        self.shared.runtime.fd()
    }

    /// Caller-driven mode: runs up to `max` due callbacks on this thread; returns how many ran
    /// (always 0 in I/O-thread mode). Must not be called from inside a callback.
    pub fn dispatch(&self, max: usize) -> Result<usize, Error> {
        self.shared
            .runtime
            .dispatch(max)
            .map_err(|_| Error::BlockingInCallback)
    }

    /// What the current connection sent, and what was copied doing it.
    pub fn stats(&self) -> ClientStats {
        let core = self.shared.lock();
        ClientStats {
            transport: core.conn.as_ref().map(|c| c.stats()).unwrap_or_default(),
            payload_octets_copied_by_serializer: self
                .shared
                .encode_copied
                .load(std::sync::atomic::Ordering::Relaxed),
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.shared.url)
            .field("session", &self.session_id())
            .finish_non_exhaustive()
    }
}
