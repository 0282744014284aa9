//! The publisher and subscriber roles: PUBLISH, SUBSCRIBE, UNSUBSCRIBE, and their replies; EVENT.

use super::details::{check_id, owned, Details};
use super::error::{Inbound, SessionError, Violation};
use super::events::{EventDelivery, SessionEvent};
use super::memberships::Release;
use super::options::{PublishOptions, SubscribeOptions};
use super::requests::Pending;
use super::{ppt, RouterRole, Session};
use crate::wamp::message::{
    Event, Id, Message, MessageType, Payload, Publish, Published, Subscribe, Subscribed,
    Unsubscribe, Unsubscribed,
};
use crate::wamp::uri::MatchPolicy;
use crate::wamp::value::Dict;

impl Session {
    /// Publishes to `topic`; returns the request id. With [`PublishOptions::acknowledge`] the
    /// broker's answer comes as [`SessionEvent::Published`] or [`SessionEvent::Error`].
    pub fn publish(
        &mut self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Id, SessionError> {
        self.require_established("publish")?;
        Self::require_role(self.config.roles.publisher, "publisher")?;
        self.check_uri("topic", topic, MatchPolicy::Exact)?;
        self.require_passthru(RouterRole::Broker, options.passthru.is_some())?;
        let mut dict = options.to_dict()?;
        let payload = ppt::send(payload, options.passthru.as_ref(), &mut dict)?;
        let id = self.ids.next();
        if options.acknowledge {
            self.requests.insert(id, Pending::Publish);
        }
        self.transmit.push_back(Message::Publish(Publish {
            request: id,
            options: dict,
            topic: topic.to_owned(),
            payload,
        }));
        Ok(id)
    }

    /// Subscribes to `topic` (a pattern for prefix/wildcard matching); returns the request id.
    pub fn subscribe(
        &mut self,
        topic: &str,
        options: SubscribeOptions,
    ) -> Result<Id, SessionError> {
        self.require_established("subscribe")?;
        Self::require_role(self.config.roles.subscriber, "subscriber")?;
        self.check_uri("topic", topic, options.match_policy)?;
        let id = self.ids.next();
        self.requests.insert(
            id,
            Pending::Subscribe {
                topic: topic.to_owned(),
                policy: options.match_policy,
            },
        );
        self.transmit.push_back(Message::Subscribe(Subscribe {
            request: id,
            options: options.to_dict(),
            topic: topic.to_owned(),
        }));
        Ok(id)
    }

    /// Lets go of one local hold on `subscription`. Returns the UNSUBSCRIBE request id when this
    /// was the last holder (the answer comes as [`SessionEvent::Unsubscribed`]), or `None` when
    /// other holders remain and nothing was sent.
    pub fn unsubscribe(&mut self, subscription: Id) -> Result<Option<Id>, SessionError> {
        self.require_established("unsubscribe")?;
        match self.subscriptions.release(subscription) {
            None => Err(SessionError::UnknownSubscription(subscription)),
            Some(Release::Shared) => Ok(None),
            Some(Release::Last) => {
                let id = self.ids.next();
                self.requests
                    .insert(id, Pending::Unsubscribe { subscription });
                self.transmit.push_back(Message::Unsubscribe(Unsubscribe {
                    request: id,
                    subscription,
                    options: Dict::new(),
                }));
                Ok(Some(id))
            }
        }
    }

    pub(super) fn on_published(&mut self, m: Published) -> Inbound {
        let publication = check_id(m.publication, "PUBLISHED", "Publication")?;
        self.take_pending(m.request, MessageType::Publish, "PUBLISHED")?;
        self.events.push_back(SessionEvent::Published {
            request: m.request,
            publication,
        });
        Ok(())
    }

    pub(super) fn on_subscribed(&mut self, m: Subscribed) -> Inbound {
        let subscription = check_id(m.subscription, "SUBSCRIBED", "Subscription")?;
        if let Pending::Subscribe { topic, policy } =
            self.take_pending(m.request, MessageType::Subscribe, "SUBSCRIBED")?
        {
            self.subscriptions.add(subscription, topic, policy);
        }
        self.events.push_back(SessionEvent::Subscribed {
            request: m.request,
            subscription,
        });
        Ok(())
    }

    pub(super) fn on_unsubscribed(&mut self, m: Unsubscribed) -> Inbound {
        let details = Details::new(&m.details, "UNSUBSCRIBED.Details");
        if m.request == 0 {
            // Revocation by the broker. Unknown ids are ignored: we may have unsubscribed.
            let subscription = details.id("subscription")?.ok_or_else(|| {
                Violation::new(
                    "UNSUBSCRIBED with request 0 (revocation) needs Details.subscription",
                )
            })?;
            let reason = owned(details.str("reason")?);
            if self.subscriptions.remove(subscription).is_some() {
                self.events.push_back(SessionEvent::SubscriptionRevoked {
                    subscription,
                    reason,
                });
            }
            return Ok(());
        }
        if let Pending::Unsubscribe { subscription } =
            self.take_pending(m.request, MessageType::Unsubscribe, "UNSUBSCRIBED")?
        {
            self.subscriptions.finish_leaving(subscription);
            self.events.push_back(SessionEvent::Unsubscribed {
                request: m.request,
                subscription,
            });
        }
        Ok(())
    }

    pub(super) fn on_event(&mut self, m: Event) -> Inbound {
        let subscription = check_id(m.subscription, "EVENT", "Subscription")?;
        let publication = check_id(m.publication, "EVENT", "Publication")?;
        let membership = self.subscriptions.get(subscription).ok_or_else(|| {
            Violation::new(format!(
                "EVENT for subscription {subscription}, which is not active"
            ))
        })?;
        if membership.leaving {
            return Ok(());
        }
        let details = Details::new(&m.details, "EVENT.Details");
        let topic = match (details.str("topic")?, membership.policy) {
            (Some(topic), _) => topic.to_owned(),
            (None, MatchPolicy::Exact) => membership.uri.clone(),
            (None, policy) => {
                return Err(Violation::new(format!(
                    "EVENT.Details.topic is missing for subscription {subscription}, which \
                     matches by {policy}"
                )))
            }
        };
        let publisher = details.id("publisher")?;
        let publisher_authid = owned(details.str("publisher_authid")?);
        let publisher_authrole = owned(details.str("publisher_authrole")?);
        let retained = details.flag("retained")?;
        let (payload, passthru) = ppt::receive(details, m.payload)?;
        self.events.push_back(SessionEvent::Event(EventDelivery {
            subscription,
            publication,
            topic,
            publisher,
            publisher_authid,
            publisher_authrole,
            retained,
            details: m.details,
            payload,
            passthru,
        }));
        Ok(())
    }
}
