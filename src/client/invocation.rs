//! An invocation of a registered procedure: the handle a callee answers with, now or later,
//! from any thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::wamp::session::{ErrorOptions, InvocationRequest, YieldOptions};
use crate::wamp::{Dict, Id, Payload, Value};

use super::core::{CalleeHandler, RUNTIME_ERROR};
use super::error::Error;
use super::shared::Shared;

/// What an open invocation shares with the client: the interrupt flag and its callee.
pub(crate) struct InvocationState {
    interrupted: AtomicBool,
    pub(crate) handler: CalleeHandler,
}

impl InvocationState {
    pub(crate) fn new(handler: CalleeHandler) -> InvocationState {
        InvocationState {
            interrupted: AtomicBool::new(false),
            handler,
        }
    }

    pub(crate) fn interrupt(&self) {
        self.interrupted.store(true, Ordering::Release);
    }
}

/// One invocation of a procedure this client registered. `Send`: answer it on any thread, at
/// any time, with [`yield_`](Self::yield_) (or [`progress`](Self::progress) chunks first, when
/// the caller asked for progressive results) or [`error`](Self::error).
///
/// An invocation dropped without an answer is answered with `wamp.error.runtime_error`, so a
/// caller never waits for an answer that cannot come. (Chunks of a progressive call
/// invocation other than the last expect no answer of their own.)
pub struct Invocation {
    shared: Arc<Shared>,
    generation: u64,
    request: InvocationRequest,
    state: Arc<InvocationState>,
    answered: bool,
}

impl Invocation {
    pub(crate) fn new(
        shared: Arc<Shared>,
        generation: u64,
        request: InvocationRequest,
        state: Arc<InvocationState>,
    ) -> Invocation {
        Invocation {
            shared,
            generation,
            request,
            state,
            answered: false,
        }
    }

    /// Everything the dealer sent: ids, procedure, caller, details, payload.
    pub fn request(&self) -> &InvocationRequest {
        &self.request
    }

    /// The invocation id.
    pub fn id(&self) -> Id {
        self.request.invocation
    }

    /// The procedure called (for pattern registrations, the actual URI).
    pub fn procedure(&self) -> &str {
        &self.request.procedure
    }

    /// The positional arguments (a passthru payload shows as none: see
    /// [`payload`](Self::payload)).
    pub fn args(&self) -> &[Value] {
        self.request.payload.arguments()
    }

    /// The keyword arguments.
    pub fn kwargs(&self) -> Option<&Dict> {
        self.request.payload.keyword_arguments()
    }

    /// The payload as received (a slice of the received frame for binaries: no copy).
    pub fn payload(&self) -> &Payload {
        &self.request.payload
    }

    /// Whether the caller accepts progressive results.
    pub fn wants_progress(&self) -> bool {
        self.request.receive_progress
    }

    /// Whether the dealer interrupted the invocation (the caller canceled it, or its session
    /// ended). A long-running callee may poll this and stop early; the callee's
    /// [`interrupt`](super::Callee::interrupt) is told as well.
    pub fn is_interrupted(&self) -> bool {
        self.state.interrupted.load(Ordering::Acquire)
    }

    /// Sends a progressive result (the caller must have asked for them); answer with
    /// [`yield_`](Self::yield_) in the end.
    pub fn progress(&self, payload: Payload) -> Result<(), Error> {
        self.progress_with(payload, YieldOptions::default())
    }

    /// Sends a progressive result with YIELD options (a passthru payload needs
    /// [`YieldOptions::passthru`]); `progress` is set whatever `options` says.
    pub fn progress_with(&self, payload: Payload, options: YieldOptions) -> Result<(), Error> {
        let options = YieldOptions {
            progress: true,
            ..options
        };
        self.answer(
            move |session, id| session.yield_(id, payload, options),
            false,
        )
    }

    /// Answers with the result.
    pub fn yield_(self, payload: Payload) -> Result<(), Error> {
        self.yield_with(payload, YieldOptions::default())
    }

    /// Answers with the result and YIELD options (a passthru payload needs
    /// [`YieldOptions::passthru`]).
    pub fn yield_with(mut self, payload: Payload, options: YieldOptions) -> Result<(), Error> {
        let last = !options.progress;
        let done = self.answer(
            move |session, id| session.yield_(id, payload, options),
            last,
        );
        self.answered |= last;
        done
    }

    /// Answers with an error: `uri` (e.g. `com.example.error.invalid_input`, or
    /// `wamp.error.canceled` after an interrupt) and its payload.
    pub fn error(mut self, uri: &str, payload: Payload) -> Result<(), Error> {
        let done = self.answer(
            |session, id| session.error_invocation(id, uri, payload, ErrorOptions::default()),
            true,
        );
        self.answered = true;
        done
    }

    fn answer(
        &self,
        send: impl FnOnce(
            &mut crate::wamp::session::Session,
            Id,
        ) -> Result<(), crate::wamp::session::SessionError>,
        last: bool,
    ) -> Result<(), Error> {
        self.shared
            .answer_invocation(self.generation, self.request.invocation, send, last)
    }
}

impl Drop for Invocation {
    fn drop(&mut self) {
        // Only the last chunk of a progressive call invocation expects an answer.
        if self.answered || self.request.progress {
            return;
        }
        let why = Payload::args(vec![Value::from(
            "the callee dropped the invocation without answering it",
        )]);
        let _ = self.shared.answer_invocation(
            self.generation,
            self.request.invocation,
            |session, id| session.error_invocation(id, RUNTIME_ERROR, why, ErrorOptions::default()),
            true,
        );
    }
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("request", &self.request)
            .field("interrupted", &self.is_interrupted())
            .finish_non_exhaustive()
    }
}
