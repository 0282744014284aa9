//! The callee role: REGISTER, UNREGISTER and their replies; INVOCATION, INTERRUPT, and the
//! application's answers, YIELD and ERROR.

use super::details::{check_id, owned, Details};
use super::error::{Inbound, SessionError, Violation};
use super::events::{InterruptRequest, InvocationRequest, SessionEvent};
use super::invocations::{Answer, Arrival, Interrupted};
use super::memberships::Release;
use super::options::{ErrorOptions, InterruptMode, RegisterOptions, YieldOptions};
use super::requests::Pending;
use super::{ppt, RouterRole, Session, UNAVAILABLE};
use crate::wamp::message::{
    ErrorMessage, Id, Interrupt, Invocation, Message, MessageType, Payload, Register, Registered,
    Unregister, Unregistered, Yield,
};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::Dict;

impl Session {
    /// Registers `procedure` (a pattern for prefix/wildcard matching); returns the request id.
    pub fn register(
        &mut self,
        procedure: &str,
        options: RegisterOptions,
    ) -> Result<Id, SessionError> {
        self.require_established("register")?;
        Self::require_role(self.config.roles.callee, "callee")?;
        self.check_uri("procedure", procedure, options.match_policy)?;
        let id = self.ids.next();
        self.requests.insert(
            id,
            Pending::Register {
                procedure: procedure.to_owned(),
                policy: options.match_policy,
            },
        );
        self.transmit.push_back(Message::Register(Register {
            request: id,
            options: options.to_dict(),
            procedure: procedure.to_owned(),
        }));
        Ok(id)
    }

    /// Lets go of one local hold on `registration`; returns the UNREGISTER request id, or `None`
    /// when other holders remain (see the module docs). Open invocations of the registration can
    /// still be answered.
    pub fn unregister(&mut self, registration: Id) -> Result<Option<Id>, SessionError> {
        self.require_established("unregister")?;
        match self.registrations.release(registration) {
            None => Err(SessionError::UnknownRegistration(registration)),
            Some(Release::Shared) => Ok(None),
            Some(Release::Last) => {
                let id = self.ids.next();
                self.requests
                    .insert(id, Pending::Unregister { registration });
                self.transmit.push_back(Message::Unregister(Unregister {
                    request: id,
                    registration,
                    options: Dict::new(),
                }));
                Ok(Some(id))
            }
        }
    }

    /// Answers an invocation with a result: final, or progressive with
    /// [`YieldOptions::progress`] (only if the caller asked for progressive results). An answer
    /// to an invocation the dealer interrupted with `killnowait` is dropped silently.
    pub fn yield_(
        &mut self,
        invocation: Id,
        payload: Payload,
        options: YieldOptions,
    ) -> Result<(), SessionError> {
        self.require_established("yield")?;
        if let Some(open) = self.invocations.get(invocation) {
            if options.progress && !open.receive_progress {
                return Err(SessionError::InvalidOption(format!(
                    "invocation {invocation} did not ask for progressive results"
                )));
            }
        }
        self.require_passthru(RouterRole::Dealer, options.passthru.is_some())?;
        let mut dict = options.to_dict();
        let payload = ppt::send(payload, options.passthru.as_ref(), &mut dict)?;
        self.answer(
            invocation,
            !options.progress,
            Message::Yield(Yield {
                request: invocation,
                options: dict,
                payload,
            }),
        )
    }

    /// Answers an invocation with an error (`error` is a URI, e.g. `wamp.error.canceled` after
    /// an interrupt). An answer to an invocation interrupted with `killnowait` is dropped.
    pub fn error_invocation(
        &mut self,
        invocation: Id,
        error: &str,
        payload: Payload,
        options: ErrorOptions,
    ) -> Result<(), SessionError> {
        self.require_established("answer an invocation")?;
        self.check_uri("error", error, MatchPolicy::Exact)?;
        self.require_passthru(RouterRole::Dealer, options.passthru.is_some())?;
        let mut details = options.to_dict();
        let payload = ppt::send(payload, options.passthru.as_ref(), &mut details)?;
        self.answer(
            invocation,
            true,
            Message::Error(ErrorMessage {
                request_type: MessageType::Invocation,
                request: invocation,
                details,
                error: error.to_owned(),
                payload,
            }),
        )
    }

    /// Sends (or drops) an answer to an invocation; `last` ends the invocation.
    fn answer(&mut self, invocation: Id, last: bool, message: Message) -> Result<(), SessionError> {
        match self.invocations.answer(invocation, last) {
            Answer::Send => {
                self.transmit.push_back(message);
                Ok(())
            }
            Answer::Drop => Ok(()),
            Answer::Unknown => Err(SessionError::UnknownInvocation(invocation)),
        }
    }

    pub(super) fn on_registered(&mut self, m: Registered) -> Inbound {
        let registration = check_id(m.registration, "REGISTERED", "Registration")?;
        if let Pending::Register { procedure, policy } =
            self.take_pending(m.request, MessageType::Register, "REGISTERED")?
        {
            self.registrations.add(registration, procedure, policy);
        }
        self.events.push_back(SessionEvent::Registered {
            request: m.request,
            registration,
        });
        Ok(())
    }

    pub(super) fn on_unregistered(&mut self, m: Unregistered) -> Inbound {
        let details = Details::new(&m.details, "UNREGISTERED.Details");
        if m.request == 0 {
            // Revocation by the dealer. Unknown ids are ignored: we may have unregistered.
            let registration = details.id("registration")?.ok_or_else(|| {
                Violation::new(
                    "UNREGISTERED with request 0 (revocation) needs Details.registration",
                )
            })?;
            let reason = owned(details.str("reason")?);
            if self.registrations.remove(registration).is_some() {
                self.events.push_back(SessionEvent::RegistrationRevoked {
                    registration,
                    reason,
                });
            }
            return Ok(());
        }
        if let Pending::Unregister { registration } =
            self.take_pending(m.request, MessageType::Unregister, "UNREGISTERED")?
        {
            self.registrations.finish_leaving(registration);
            self.events.push_back(SessionEvent::Unregistered {
                request: m.request,
                registration,
            });
        }
        Ok(())
    }

    pub(super) fn on_invocation(&mut self, m: Invocation) -> Inbound {
        let invocation = check_id(m.request, "INVOCATION", "Request")?;
        let registration = check_id(m.registration, "INVOCATION", "Registration")?;
        let membership = self.registrations.get(registration).ok_or_else(|| {
            Violation::new(format!(
                "INVOCATION for registration {registration}, which is not active"
            ))
        })?;
        let details = Details::new(&m.details, "INVOCATION.Details");
        let procedure = match (details.str("procedure")?, membership.policy) {
            (Some(p), _) => p.to_owned(),
            (None, MatchPolicy::Exact) => membership.uri.clone(),
            (None, policy) => {
                return Err(Violation::new(format!(
                    "INVOCATION.Details.procedure is missing for registration {registration}, \
                     which matches by {policy}"
                )))
            }
        };
        let leaving = membership.leaving;
        let receive_progress = details.flag("receive_progress")?;
        let progress = details.flag("progress")?;
        let caller = details.id("caller")?;
        let caller_authid = owned(details.str("caller_authid")?);
        let caller_authrole = owned(details.str("caller_authrole")?);
        let timeout = details.millis("timeout")?;
        let (payload, passthru) = ppt::receive(details, m.payload)?;
        let continuation =
            match self
                .invocations
                .arrive(invocation, registration, receive_progress, progress)
            {
                Arrival::New => false,
                Arrival::Continuation => true,
                Arrival::Stale => return Ok(()),
                Arrival::Duplicate => {
                    return Err(Violation::new(format!(
                        "INVOCATION repeats request id {invocation} of an invocation still open"
                    )))
                }
                Arrival::WrongRegistration(open) => {
                    return Err(Violation::new(format!(
                        "INVOCATION continues invocation {invocation} of registration {open} with \
                     registration {registration}"
                    )))
                }
            };
        if leaving && !continuation {
            // Unregistering: the application no longer serves this procedure.
            self.invocations.answer(invocation, true);
            self.transmit.push_back(Message::Error(ErrorMessage {
                request_type: MessageType::Invocation,
                request: invocation,
                details: Dict::new(),
                error: UNAVAILABLE.to_owned(),
                payload: Payload::default(),
            }));
            return Ok(());
        }
        self.events
            .push_back(SessionEvent::Invocation(InvocationRequest {
                invocation,
                registration,
                procedure,
                caller,
                caller_authid,
                caller_authrole,
                receive_progress,
                progress,
                continuation,
                timeout,
                details: m.details,
                payload,
                passthru,
            }));
        Ok(())
    }

    pub(super) fn on_interrupt(&mut self, m: Interrupt) -> Inbound {
        let invocation = check_id(m.request, "INTERRUPT", "Request")?;
        let options = Details::new(&m.options, "INTERRUPT.Options");
        let mode = match options.str("mode")? {
            None => InterruptMode::Kill,
            Some(s) => s.parse().map_err(|_| {
                Violation::new(format!(
                    "INTERRUPT.Options.mode must be \"kill\" or \"killnowait\", found {s:?}"
                ))
            })?,
        };
        let reason = owned(options.str("reason")?);
        match self.invocations.interrupt(invocation, mode) {
            Interrupted::Open => {
                self.events
                    .push_back(SessionEvent::Interrupt(InterruptRequest {
                        invocation,
                        mode,
                        reason,
                        options: m.options,
                    }));
                Ok(())
            }
            Interrupted::Finished => Ok(()),
            Interrupted::Unknown => Err(Violation::new(format!(
                "INTERRUPT for invocation {invocation}, which was never received"
            ))),
        }
    }
}
