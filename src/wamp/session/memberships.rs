//! Active subscriptions and registrations, keyed by the id the router gave them.
//!
//! A router gives the same subscription id when a session subscribes twice to the same topic
//! with the same match policy. The session then counts the local holders of that id: events are
//! reported once per EVENT (the application fans them out to its handlers by subscription id),
//! and UNSUBSCRIBE goes out only when the last holder lets go. Registrations use the same table;
//! routers normally refuse a second registration, but if one hands out the same id twice it is
//! counted the same way.

use std::collections::HashMap;

use crate::wamp::message::Id;
use crate::wamp::uri::MatchPolicy;

/// One subscription or registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Membership {
    /// The topic or procedure (a pattern for prefix/wildcard policies).
    pub(super) uri: String,
    pub(super) policy: MatchPolicy,
    /// Local holders.
    holders: usize,
    /// UNSUBSCRIBE/UNREGISTER sent: deliveries are dropped until the router confirms.
    pub(super) leaving: bool,
}

/// What letting go of a membership means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Release {
    /// Other holders remain: nothing to send.
    Shared,
    /// The last holder let go: send UNSUBSCRIBE/UNREGISTER.
    Last,
}

/// Memberships by id.
#[derive(Debug, Default)]
pub(super) struct Memberships {
    /// Keyed by the router's ids, which a peer picks: SipHash, not a fast hasher.
    map: HashMap<Id, Membership>,
}

impl Memberships {
    /// The router confirmed a (new or repeated) membership.
    pub(super) fn add(&mut self, id: Id, uri: String, policy: MatchPolicy) {
        let m = self.map.entry(id).or_insert(Membership {
            uri,
            policy,
            holders: 0,
            leaving: false,
        });
        m.leaving = false;
        m.holders += 1;
    }

    pub(super) fn get(&self, id: Id) -> Option<&Membership> {
        self.map.get(&id)
    }

    /// One local holder lets go; `None` when there is no such active membership.
    pub(super) fn release(&mut self, id: Id) -> Option<Release> {
        let m = self.map.get_mut(&id).filter(|m| !m.leaving)?;
        m.holders = m.holders.saturating_sub(1);
        if m.holders == 0 {
            m.leaving = true;
            Some(Release::Last)
        } else {
            Some(Release::Shared)
        }
    }

    /// The router refused to end the membership: it stays active, with its last holder.
    pub(super) fn restore(&mut self, id: Id) {
        if let Some(m) = self.map.get_mut(&id).filter(|m| m.leaving) {
            m.leaving = false;
            m.holders = 1;
        }
    }

    /// The router confirmed the end of a membership we left: forget it, unless it was taken up
    /// again meanwhile.
    pub(super) fn finish_leaving(&mut self, id: Id) {
        if self.map.get(&id).is_some_and(|m| m.leaving) {
            self.map.remove(&id);
        }
    }

    /// The router revoked a membership.
    pub(super) fn remove(&mut self, id: Id) -> Option<Membership> {
        self.map.remove(&id)
    }

    pub(super) fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_ids_are_counted() {
        let mut m = Memberships::default();
        m.add(7, "a.b".into(), MatchPolicy::Exact);
        m.add(7, "a.b".into(), MatchPolicy::Exact);
        assert_eq!(m.release(7), Some(Release::Shared));
        assert_eq!(m.release(7), Some(Release::Last));
        assert!(m.get(7).is_some_and(|m| m.leaving));
        assert_eq!(m.release(7), None, "already leaving");
        m.restore(7);
        assert_eq!(m.release(7), Some(Release::Last));
        m.finish_leaving(7);
        assert!(m.get(7).is_none());
        assert_eq!(m.release(8), None);
    }

    #[test]
    fn taken_up_again_while_leaving() {
        let mut m = Memberships::default();
        m.add(1, "t".into(), MatchPolicy::Prefix);
        assert_eq!(m.release(1), Some(Release::Last));
        m.add(1, "t".into(), MatchPolicy::Prefix);
        m.finish_leaving(1);
        assert_eq!(m.get(1).map(|m| m.policy), Some(MatchPolicy::Prefix));
        assert!(m.remove(1).is_some());
        m.add(2, "u".into(), MatchPolicy::Exact);
        m.clear();
        assert!(m.get(2).is_none());
    }
}
