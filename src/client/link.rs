//! The connection's life: connecting, the transport's events fed to the session, and what
//! happens when the connection goes — reconnect with backoff, or close for good.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::runtime::{CloseReason, Connection, Event, TransportError};
use crate::wamp::session::{SessionError, PROTOCOL_VIOLATION};

use super::core::Core;
use super::error::Error;
use super::shared::{wamp_serializer, Context, Shared};
use super::waiter::CallbackScope;

impl Shared {
    /// Opens a new connection; its events go to [`Shared::on_transport_event`].
    pub(crate) fn start_connect(&self, core: &mut Core) -> Result<(), Error> {
        core.generation += 1;
        let generation = core.generation;
        let me = self.me.clone();
        let handler = move |_: &Connection, event: Event| {
            if let Some(shared) = me.upgrade() {
                shared.on_transport_event(generation, event);
            }
        };
        let conn = self
            .runtime
            .connect(&self.url, self.connect_options(), handler)?;
        core.conn = Some(conn);
        Ok(())
    }

    fn on_transport_event(self: Arc<Self>, generation: u64, event: Event) {
        let _scope = CallbackScope::enter();
        let mut core = self.lock();
        if core.generation != generation {
            return;
        }
        match event {
            Event::Opened(info) => match wamp_serializer(info.serializer) {
                Some(serializer) if !core.leaving => {
                    core.serializer = serializer;
                    if let Err(e) = core.session.connect() {
                        core.refusal = Some(Error::Session(e));
                        core.close_transport = true;
                    }
                }
                _ => core.close_transport = true,
            },
            Event::Frame(frame) => receive(&mut core, frame),
            Event::Closed(reason) => {
                core.conn = None;
                if let CloseReason::Error(e) = reason {
                    core.transport_error = Some(e);
                }
                core.session.transport_closed();
                core.process_events(&self);
                self.after_close(&mut core);
            }
        }
        core.process_events(&self);
        self.finish(core, Context::Callback);
    }

    /// The connection is gone: reconnect, or close for good.
    fn after_close(&self, core: &mut Core) {
        let reconnect = !core.leaving
            && core.ever_joined
            && core.closed.is_none()
            && self.options.reconnect.is_some();
        if reconnect {
            self.schedule_reconnect(core);
            return;
        }
        let error = if core.leaving {
            None
        } else {
            Some(self.failure(core))
        };
        self.close_final(core, error);
    }

    /// Why the connection (or the join) failed, as well as we know.
    fn failure(&self, core: &mut Core) -> Error {
        if let Some(refusal) = core.refusal.take() {
            return refusal;
        }
        match core.transport_error.take() {
            Some(e) => Error::Transport(e),
            None => Error::Transport(TransportError::WebSocket(
                "the router closed the connection".into(),
            )),
        }
    }

    fn schedule_reconnect(&self, core: &mut Core) {
        let Some(policy) = &self.options.reconnect else {
            return;
        };
        let attempts = core.attempts.get_or_insert_with(|| policy.attempts());
        let Some(delay) = attempts.next_delay() else {
            let error = self.failure(core);
            self.close_final(core, Some(error));
            return;
        };
        let me = self.me.clone();
        core.reconnect_timer = Some(self.runtime.timer(delay, move || {
            if let Some(shared) = me.upgrade() {
                shared.reconnect_now();
            }
        }));
    }

    fn reconnect_now(self: Arc<Self>) {
        let _scope = CallbackScope::enter();
        let mut core = self.lock();
        core.reconnect_timer = None;
        if core.leaving || core.closed.is_some() || core.conn.is_some() {
            return;
        }
        if let Err(e) = self.start_connect(&mut core) {
            if let Error::Transport(t) = e {
                core.transport_error = Some(t);
            }
            self.schedule_reconnect(&mut core);
        }
        self.finish(core, Context::Callback);
    }

    /// Closes the client for good: waiters are told, records dropped (their handlers may hold
    /// client handles), the connection closed.
    pub(crate) fn close_final(&self, core: &mut Core, error: Option<Error>) {
        if core.closed.is_some() {
            return;
        }
        if let Some(timer) = core.reconnect_timer.take() {
            self.runtime.cancel_timer(timer);
        }
        let told = error.clone().unwrap_or(Error::Closed);
        for waiter in core.join_waiters.drain(..) {
            waiter.fill(Err(told.clone()));
        }
        for waiter in core.close_waiters.drain(..) {
            waiter.fill(());
        }
        core.subs.clear();
        core.regs.clear();
        core.closed = Some(error);
        if let Some(conn) = &core.conn {
            conn.close();
        }
    }
}

/// One message from the router, to the session.
fn receive(core: &mut Core, frame: Bytes) {
    let message = match core.serializer.codec().decode(frame) {
        Ok(message) => message,
        Err(e) => {
            let _ = core.session.abort(
                PROTOCOL_VIOLATION,
                &format!("cannot decode a message from the router: {e}"),
            );
            core.close_transport = true;
            return;
        }
    };
    match core.session.handle_message(message, Instant::now()) {
        Ok(()) | Err(SessionError::Closed) => {}
        // The session queued ABORT and ended: the transport goes after it.
        Err(_) => core.close_transport = true,
    }
}
