//! The broker: subscriptions indexed by `(match policy, topic pattern)`, and event delivery with
//! publisher exclusion, subscriber black/white listing and publisher identification.
//!
//! One subscription exists per `(policy, pattern)`; sessions subscribing to the same pattern
//! share it (and its id). Delivery clones the publication's [`Payload`] per subscriber, which for
//! a passthru payload (`Payload::Transparent`, or binary [`Value::Bytes`] arguments) only bumps
//! the reference count of the shared [`Bytes`](bytes::Bytes): the payload is never decoded or
//! copied.

use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::peer::PeerId;
use super::peers::Peers;
use super::random::IdGen;
use super::session::Identity;
use crate::wamp::message::Event;
use crate::wamp::uri::{MatchPolicy, PatternMap};
use crate::wamp::{Dict, Id, Message, Payload, Value};

/// One subscription: a pattern and the sessions subscribed to it.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub id: Id,
    pub policy: MatchPolicy,
    pub topic: String,
    pub subscribers: IndexSet<PeerId, FxBuildHasher>,
}

/// A realm's subscriptions.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    index: PatternMap<Id>,
    // Subscription and peer ids are the router's own: a fast hasher.
    subs: FxHashMap<Id, Subscription>,
}

/// Who receives a publication, from the PUBLISH options.
#[derive(Debug, Default)]
pub(crate) struct Audience<'a> {
    /// The publisher, when `exclude_me` (the default) leaves it out.
    pub exclude_peer: Option<PeerId>,
    pub exclude: Vec<Id>,
    pub exclude_authid: Vec<&'a str>,
    pub exclude_authrole: Vec<&'a str>,
    pub eligible: Option<Vec<Id>>,
    pub eligible_authid: Option<Vec<&'a str>>,
    pub eligible_authrole: Option<Vec<&'a str>>,
}

impl Audience<'_> {
    fn filters_identity(&self) -> bool {
        !self.exclude.is_empty()
            || !self.exclude_authid.is_empty()
            || !self.exclude_authrole.is_empty()
            || self.eligible.is_some()
            || self.eligible_authid.is_some()
            || self.eligible_authrole.is_some()
    }

    fn admits(&self, who: &Identity) -> bool {
        let (authid, authrole) = (&*who.authid, &*who.authrole);
        !self.exclude.contains(&who.session)
            && !self.exclude_authid.contains(&authid)
            && !self.exclude_authrole.contains(&authrole)
            && self
                .eligible
                .as_ref()
                .is_none_or(|e| e.contains(&who.session))
            && self
                .eligible_authid
                .as_ref()
                .is_none_or(|e| e.contains(&authid))
            && self
                .eligible_authrole
                .as_ref()
                .is_none_or(|e| e.contains(&authrole))
    }
}

impl Broker {
    /// Adds `peer` to the subscription for `(policy, topic)`, creating it if needed. Returns
    /// the subscription id and whether it was created.
    pub(crate) fn subscribe(
        &mut self,
        ids: &mut IdGen,
        policy: MatchPolicy,
        topic: &str,
        peer: PeerId,
    ) -> (Id, bool) {
        if let Some(&id) = self.index.get(policy, topic) {
            if let Some(sub) = self.subs.get_mut(&id) {
                sub.subscribers.insert(peer);
                return (id, false);
            }
        }
        let mut id = ids.id();
        while self.subs.contains_key(&id) {
            id = ids.id();
        }
        self.index.insert(policy, topic, id);
        let mut subscribers = IndexSet::default();
        subscribers.insert(peer);
        self.subs.insert(
            id,
            Subscription {
                id,
                policy,
                topic: topic.to_owned(),
                subscribers,
            },
        );
        (id, true)
    }

    /// Removes `peer` from subscription `id`; drops the subscription when it was the last
    /// subscriber. Returns false when `peer` was not subscribed.
    pub(crate) fn unsubscribe(&mut self, id: Id, peer: PeerId) -> bool {
        let Some(sub) = self.subs.get_mut(&id) else {
            return false;
        };
        if !sub.subscribers.shift_remove(&peer) {
            return false;
        }
        if sub.subscribers.is_empty() {
            self.index.remove(sub.policy, &sub.topic);
            self.subs.remove(&id);
        }
        true
    }

    /// Number of subscriptions.
    pub(crate) fn len(&self) -> usize {
        self.subs.len()
    }

    /// Sends an EVENT to every subscriber of a matching subscription that `audience` admits.
    /// `details` are the EVENT.Details common to all (publisher, passthru); `topic` is added for
    /// pattern subscriptions. Returns how many events were queued.
    pub(crate) fn deliver(
        &self,
        peers: &mut Peers,
        publication: Id,
        topic: &str,
        details: &Dict,
        payload: &Payload,
        audience: &Audience<'_>,
    ) -> usize {
        let mut sent = 0;
        let check_identity = audience.filters_identity();
        for m in self.index.matches(topic) {
            let Some(sub) = self.subs.get(m.value) else {
                continue;
            };
            let details = if sub.policy == MatchPolicy::Exact {
                details.clone()
            } else {
                let mut d = details.clone();
                d.insert("topic".to_owned(), Value::from(topic));
                d
            };
            for &peer in &sub.subscribers {
                if audience.exclude_peer == Some(peer) {
                    continue;
                }
                if check_identity && !peers.identity(peer).is_some_and(|i| audience.admits(i)) {
                    continue;
                }
                peers.send(
                    peer,
                    Message::Event(Event {
                        subscription: sub.id,
                        publication,
                        details: details.clone(),
                        payload: payload.clone(),
                    }),
                );
                sent += 1;
            }
        }
        sent
    }
}
