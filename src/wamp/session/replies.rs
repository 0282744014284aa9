//! Matching the router's replies to our pending requests, and ERROR for any request type.

use super::details::{check_id, Details};
use super::error::{Inbound, Violation};
use super::events::{RequestError, SessionEvent};
use super::requests::Pending;
use super::{ppt, Session};
use crate::wamp::message::{ErrorMessage, Id, MessageType};

impl Session {
    /// Takes the pending request `request` that a `reply` message answers; it must be of type
    /// `expected`.
    pub(super) fn take_pending(
        &mut self,
        request: Id,
        expected: MessageType,
        reply: &'static str,
    ) -> Result<Pending, Violation> {
        check_id(request, reply, "Request")?;
        self.check_pending(request, expected, reply)?;
        self.requests
            .remove(request)
            .ok_or_else(|| not_pending(reply, request))
    }

    /// Checks that `request` is pending and of type `expected`.
    pub(super) fn check_pending(
        &self,
        request: Id,
        expected: MessageType,
        reply: &'static str,
    ) -> Result<&Pending, Violation> {
        match self.requests.get(request) {
            Some(p) if p.request_type() == expected => Ok(p),
            Some(p) => Err(Violation::new(format!(
                "{reply} answers request {request}, which is a {}, not a {expected}",
                p.request_type()
            ))),
            None => Err(not_pending(reply, request)),
        }
    }

    /// ERROR: a request of ours failed.
    pub(super) fn on_error(&mut self, m: ErrorMessage) -> Inbound {
        let request = check_id(m.request, "ERROR", "Request")?;
        if m.request_type == MessageType::Invocation {
            return Err(Violation::new(
                "received ERROR for an INVOCATION, which a router never sends",
            ));
        }
        if m.request_type == MessageType::Call && self.requests.is_discarded(request) {
            self.requests.forget_discarded(request);
            return Ok(());
        }
        self.check_pending(request, m.request_type, "ERROR")?;
        let (payload, passthru) =
            ppt::receive(Details::new(&m.details, "ERROR.Details"), m.payload)?;
        match self.requests.remove(request) {
            Some(Pending::Unsubscribe { subscription }) => self.subscriptions.restore(subscription),
            Some(Pending::Unregister { registration }) => self.registrations.restore(registration),
            _ => {}
        }
        self.events.push_back(SessionEvent::Error(RequestError {
            request_type: m.request_type,
            request,
            error: m.error,
            details: m.details,
            payload,
            passthru,
        }));
        Ok(())
    }
}

fn not_pending(reply: &str, request: Id) -> Violation {
    Violation::new(format!(
        "{reply} answers request {request}, which is not pending"
    ))
}
