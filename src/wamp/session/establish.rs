//! Opening and closing: HELLO, CHALLENGE/AUTHENTICATE, WELCOME, ABORT and GOODBYE both ways.

use super::details::{check_id, owned, Details};
use super::error::{SessionError, Violation};
use super::events::{Initiator, Joined, LeaveKind, Left, SessionEvent};
use super::{
    auth, Failure, RouterRoles, Session, State, GOODBYE_AND_OUT, MAX_CHALLENGES, TRANSPORT_LOST,
};
use crate::wamp::message::{Abort, Goodbye, Message, Welcome};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::{Dict, Value};

impl Session {
    /// Starts the session: queues HELLO, built from the config. Only from [`State::Closed`]; a
    /// session that ended may connect again (ids and tables start afresh).
    pub fn connect(&mut self) -> Result<(), SessionError> {
        if self.state != State::Closed {
            return Err(SessionError::InvalidState {
                operation: "connect",
                state: self.state,
            });
        }
        self.check_uri("realm", &self.config.realm, MatchPolicy::Exact)?;
        let roles = self.config.roles;
        if !(roles.publisher || roles.subscriber || roles.caller || roles.callee) {
            return Err(SessionError::InvalidOption(
                "a session must announce at least one role".into(),
            ));
        }
        self.reset();
        self.transmit.push_back(Message::Hello(self.config.hello()));
        self.state = State::Establishing;
        Ok(())
    }

    /// Closes an established session: queues GOODBYE with `reason` (e.g.
    /// `wamp.close.close_realm`) and waits for the router's GOODBYE.
    pub fn leave(&mut self, reason: &str, message: Option<&str>) -> Result<(), SessionError> {
        self.require_established("leave")?;
        self.check_uri("reason", reason, MatchPolicy::Exact)?;
        let mut details = Dict::new();
        if let Some(m) = message {
            details.insert("message".into(), Value::from(m));
        }
        self.transmit.push_back(Message::Goodbye(Goodbye {
            details,
            reason: reason.to_owned(),
        }));
        self.goodbye = Some((reason.to_owned(), message.map(str::to_owned)));
        self.state = State::Closing;
        Ok(())
    }

    /// Aborts the session in any state but closed: queues ABORT with `reason` and ends the
    /// session at once (e.g. the application gives up waiting for WELCOME).
    pub fn abort(&mut self, reason: &str, message: &str) -> Result<(), SessionError> {
        if self.state == State::Closed {
            return Err(SessionError::InvalidState {
                operation: "abort",
                state: self.state,
            });
        }
        self.check_uri("reason", reason, MatchPolicy::Exact)?;
        self.abort_with(reason, message);
        Ok(())
    }

    /// The transport went away: the session ends (reason `wamp.close.transport_lost`) unless it
    /// was closed already.
    pub fn transport_closed(&mut self) {
        if self.state != State::Closed {
            self.end(
                LeaveKind::TransportLost,
                Initiator::Local,
                TRANSPORT_LOST.to_owned(),
                None,
                Dict::new(),
            );
        }
    }

    /// A message while HELLO (and maybe AUTHENTICATE) is out.
    pub(super) fn handle_opening(&mut self, message: Message) -> Result<(), Failure> {
        match message {
            Message::Welcome(m) => Ok(self.on_welcome(m)?),
            Message::Abort(m) => {
                self.on_abort(m);
                Ok(())
            }
            Message::Challenge(m) => {
                if self.challenges >= MAX_CHALLENGES {
                    return Err(Failure::Violation(Violation::new(format!(
                        "received more than {MAX_CHALLENGES} CHALLENGE messages"
                    ))));
                }
                self.challenges += 1;
                let reply = auth::respond(&self.config, &m, self.channel_id.as_deref())
                    .map_err(Failure::CannotAuthenticate)?;
                self.transmit.push_back(Message::Authenticate(reply));
                self.state = State::Challenged;
                Ok(())
            }
            other => Err(Failure::Violation(Violation::new(format!(
                "received {} before the session was established",
                other.message_type()
            )))),
        }
    }

    /// A message while our GOODBYE is out: only GOODBYE and ABORT count.
    pub(super) fn handle_closing(&mut self, message: Message) {
        match message {
            Message::Goodbye(m) => self.on_goodbye(m),
            Message::Abort(m) => self.on_abort(m),
            _ => {}
        }
    }

    fn on_welcome(&mut self, m: Welcome) -> Result<(), Violation> {
        let session = check_id(m.session, "WELCOME", "Session")?;
        let details = Details::new(&m.details, "WELCOME.Details");
        let roles = details
            .dict("roles")?
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Violation::new("WELCOME.Details.roles is missing or empty"))?;
        let joined = Joined {
            session,
            realm: details
                .str("realm")?
                .unwrap_or(&self.config.realm)
                .to_owned(),
            authid: owned(details.str("authid")?),
            authrole: owned(details.str("authrole")?),
            authmethod: owned(details.str("authmethod")?),
            authprovider: owned(details.str("authprovider")?),
            authextra: details.dict("authextra")?.cloned().unwrap_or_default(),
            details: Dict::new(),
        };
        self.router = RouterRoles::new(roles.clone());
        self.session_id = Some(session);
        self.state = State::Established;
        self.events.push_back(SessionEvent::Joined(Joined {
            details: m.details,
            ..joined
        }));
        Ok(())
    }

    /// The router aborted (refused the join, or ended the session).
    pub(super) fn on_abort(&mut self, m: Abort) {
        let message = owned(m.details.get("message").and_then(Value::as_str));
        self.end(
            LeaveKind::Abort,
            Initiator::Router,
            m.reason,
            message,
            m.details,
        );
    }

    /// The router's GOODBYE: its close (answered), or its answer to ours.
    pub(super) fn on_goodbye(&mut self, m: Goodbye) {
        let message = owned(m.details.get("message").and_then(Value::as_str));
        match self.goodbye.take() {
            Some((reason, ours)) => self.end(
                LeaveKind::Goodbye,
                Initiator::Local,
                reason,
                ours,
                m.details,
            ),
            None => {
                self.transmit.push_back(Message::Goodbye(Goodbye {
                    details: Dict::new(),
                    reason: GOODBYE_AND_OUT.to_owned(),
                }));
                self.end(
                    LeaveKind::Goodbye,
                    Initiator::Router,
                    m.reason,
                    message,
                    m.details,
                );
            }
        }
    }

    /// Ends the session: closed, tables emptied, `Left` reported.
    pub(super) fn end(
        &mut self,
        kind: LeaveKind,
        initiator: Initiator,
        reason: String,
        message: Option<String>,
        details: Dict,
    ) {
        let was_joined = matches!(self.state, State::Established | State::Closing);
        let unanswered = self.requests.drain();
        self.reset();
        self.state = State::Closed;
        self.events.push_back(SessionEvent::Left(Left {
            reason,
            message,
            initiator,
            kind,
            was_joined,
            details,
            unanswered,
        }));
    }

    /// Forgets everything of the previous session (but not the queued messages and events).
    fn reset(&mut self) {
        self.session_id = None;
        self.router = RouterRoles::default();
        self.ids = Default::default();
        self.requests = Default::default();
        self.subscriptions.clear();
        self.registrations.clear();
        self.invocations.clear();
        self.goodbye = None;
        self.challenges = 0;
    }
}
