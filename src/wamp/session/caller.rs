//! The caller role: CALL (progressive too), CANCEL, call timeouts, RESULT.

use std::time::Instant;

use super::details::{check_id, Details};
use super::error::{Inbound, SessionError, Violation};
use super::events::{CallResult, RequestError, SessionEvent};
use super::options::{millis, CallOptions, CancelMode};
use super::requests::{Pending, PendingCall};
use super::{ppt, RouterRole, Session, State, CANCELED, TIMEOUT};
use crate::wamp::message::{Call, Cancel, Id, Message, MessageType, Payload, ResultMessage};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::{Dict, Value};

impl Session {
    /// Calls `procedure`; returns the request id its [`SessionEvent::CallResult`] or
    /// [`SessionEvent::Error`] will carry. `now` starts the call's timeout, if it has one.
    pub fn call(
        &mut self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
        now: Instant,
    ) -> Result<Id, SessionError> {
        self.require_established("call")?;
        Self::require_role(self.config.roles.caller, "caller")?;
        self.check_uri("procedure", procedure, MatchPolicy::Exact)?;
        if options.progress
            && !self
                .router
                .has_feature(RouterRole::Dealer, "progressive_call_invocations")
        {
            return Err(SessionError::FeatureNotSupported {
                role: "dealer",
                feature: "progressive_call_invocations",
            });
        }
        self.require_passthru(RouterRole::Dealer, options.passthru.is_some())?;
        let mut dict = options.to_dict();
        let payload = ppt::send(payload, options.passthru.as_ref(), &mut dict)?;
        let timeout = options.timeout.filter(|t| !t.is_zero());
        let id = self.ids.next();
        self.requests.insert(
            id,
            Pending::Call(PendingCall {
                procedure: procedure.to_owned(),
                receive_progress: options.receive_progress,
                sending_progress: options.progress,
                passthru: options.passthru.is_some(),
                timeout,
                deadline: timeout.and_then(|t| now.checked_add(t)),
            }),
        );
        self.transmit.push_back(Message::Call(Call {
            request: id,
            options: dict,
            procedure: procedure.to_owned(),
            payload,
        }));
        Ok(id)
    }

    /// Sends a further chunk of a progressive call invocation (a call made with
    /// [`CallOptions::progress`]); `more` says whether yet more chunks follow. The chunk carries
    /// only the `progress` option: the others are frozen by the first CALL, as the spec says.
    /// A passthru call's chunks are transparent payloads too.
    pub fn call_progress(
        &mut self,
        request: Id,
        payload: Payload,
        more: bool,
    ) -> Result<(), SessionError> {
        self.require_established("call")?;
        let call = self
            .requests
            .call_mut(request)
            .ok_or(SessionError::UnknownRequest(request))?;
        if !call.sending_progress {
            return Err(SessionError::InvalidOption(format!(
                "call {request} is not a progressive call invocation still sending chunks"
            )));
        }
        let payload = match (call.passthru, payload) {
            (true, Payload::Transparent(bytes)) => Payload::args(vec![Value::Bytes(bytes)]),
            (false, payload @ Payload::Arguments { .. }) => payload,
            (true, _) => {
                return Err(SessionError::InvalidOption(
                    "chunks of a passthru call must be transparent payloads".into(),
                ))
            }
            (false, _) => {
                return Err(SessionError::InvalidOption(
                    "a transparent payload needs a passthru call".into(),
                ))
            }
        };
        call.sending_progress = more;
        let procedure = call.procedure.clone();
        let mut options = Dict::new();
        if more {
            options.insert("progress".into(), Value::Bool(true));
        }
        self.transmit.push_back(Message::Call(Call {
            request,
            options,
            procedure,
            payload,
        }));
        Ok(())
    }

    /// Cancels a pending call (see the module docs for what each mode means locally).
    pub fn cancel(&mut self, request: Id, mode: CancelMode) -> Result<(), SessionError> {
        self.require_established("cancel")?;
        if self.requests.call_mut(request).is_none() {
            return Err(SessionError::UnknownRequest(request));
        }
        let supported = self.router.call_canceling();
        if supported {
            self.send_cancel(request, mode);
        }
        let mode = if supported { mode } else { CancelMode::Skip };
        if mode != CancelMode::Kill {
            self.requests.discard(request);
            self.fail_call(
                request,
                CANCELED,
                format!("call canceled by the caller (mode {mode})"),
            );
        }
        Ok(())
    }

    /// Fails the calls whose timeout expired at `now`: each gets a `wamp.error.timeout` error,
    /// and CANCEL `killnowait` goes to the dealer when it supports canceling.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state != State::Established {
            return;
        }
        for request in self.requests.expired(now) {
            let timeout = match self.requests.call_mut(request) {
                Some(call) => call.timeout.map(millis).unwrap_or_default(),
                None => continue,
            };
            self.requests.discard(request);
            if self.router.call_canceling() {
                self.send_cancel(request, CancelMode::KillNoWait);
            }
            self.fail_call(
                request,
                TIMEOUT,
                format!("no result within the call's timeout of {timeout} ms"),
            );
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if ever.
    pub fn next_timeout(&self) -> Option<Instant> {
        if self.state == State::Established {
            self.requests.next_deadline()
        } else {
            None
        }
    }

    /// RESULT: a final or progressive result of a call.
    pub(super) fn on_result(&mut self, m: ResultMessage, now: Instant) -> Inbound {
        let request = check_id(m.request, "RESULT", "Request")?;
        let details = Details::new(&m.details, "RESULT.Details");
        let progress = details.flag("progress")?;
        if self.requests.is_discarded(request) {
            if !progress {
                self.requests.forget_discarded(request);
            }
            return Ok(());
        }
        let receive_progress = match self.check_pending(request, MessageType::Call, "RESULT")? {
            Pending::Call(call) => call.receive_progress,
            _ => false,
        };
        if progress && !receive_progress {
            return Err(Violation::new(format!(
                "RESULT.Details.progress is set, but call {request} did not ask for progressive \
                 results"
            )));
        }
        let (payload, passthru) = ppt::receive(details, m.payload)?;
        if progress {
            self.requests.rearm(request, now);
        } else {
            self.requests.remove(request);
        }
        self.events.push_back(SessionEvent::CallResult(CallResult {
            request,
            progress,
            details: m.details,
            payload,
            passthru,
        }));
        Ok(())
    }

    fn send_cancel(&mut self, request: Id, mode: CancelMode) {
        let mut options = Dict::new();
        options.insert("mode".into(), Value::from(mode.as_str()));
        self.transmit
            .push_back(Message::Cancel(Cancel { request, options }));
    }

    /// Reports a call failed locally (cancel, timeout).
    fn fail_call(&mut self, request: Id, error: &str, why: String) {
        self.events.push_back(SessionEvent::Error(RequestError {
            request_type: MessageType::Call,
            request,
            error: error.to_owned(),
            details: Dict::new(),
            payload: Payload::args(vec![Value::from(why)]),
            passthru: None,
        }));
    }

    /// `Ok` unless `passthru` is asked for and the router's `role` does not announce it.
    pub(super) fn require_passthru(
        &self,
        role: RouterRole,
        passthru: bool,
    ) -> Result<(), SessionError> {
        if passthru && !self.router.payload_passthru(role) {
            return Err(SessionError::FeatureNotSupported {
                role: role.as_str(),
                feature: "payload_passthru_mode",
            });
        }
        Ok(())
    }
}
