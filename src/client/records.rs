//! The client's own record of its subscriptions (or registrations): what was asked for and who
//! handles it, kept across reconnects, and the router id it has in the current session.
//!
//! The router's ids change with every session; the application holds a local key that does
//! not. After a reconnect every record is asked for again and gets its new router id.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::wamp::Id;

/// One subscription or registration.
pub(crate) struct Record<O, H> {
    /// The topic or procedure (a pattern for prefix and wildcard matching).
    pub(crate) uri: String,
    /// The options it was asked for with.
    pub(crate) options: O,
    /// Who handles its events or invocations.
    pub(crate) handler: H,
    /// The router's id for it in the current session, once confirmed.
    pub(crate) router_id: Option<Id>,
}

/// The records of one kind, by local key, with an index by router id.
pub(crate) struct Records<O, H> {
    next: u64,
    /// By our own local keys: a fast hasher.
    records: FxHashMap<u64, Record<O, H>>,
    /// By the router's ids, which a peer picks: SipHash.
    by_router: HashMap<Id, Vec<u64>>,
}

impl<O, H> Default for Records<O, H> {
    fn default() -> Self {
        Records {
            next: 0,
            records: FxHashMap::default(),
            by_router: HashMap::new(),
        }
    }
}

impl<O: Clone, H: Clone> Records<O, H> {
    /// Adds a record not yet confirmed by the router; returns its local key.
    pub(crate) fn add(&mut self, uri: &str, options: O, handler: H) -> u64 {
        self.next += 1;
        self.records.insert(
            self.next,
            Record {
                uri: uri.to_owned(),
                options,
                handler,
                router_id: None,
            },
        );
        self.next
    }

    /// The router confirmed record `local` as `router_id`; `false` if the record is gone (the
    /// application let go of it while the request was out).
    pub(crate) fn confirm(&mut self, local: u64, router_id: Id) -> bool {
        let Some(record) = self.records.get_mut(&local) else {
            return false;
        };
        record.router_id = Some(router_id);
        self.by_router.entry(router_id).or_default().push(local);
        true
    }

    /// Removes record `local`.
    pub(crate) fn remove(&mut self, local: u64) -> Option<Record<O, H>> {
        let record = self.records.remove(&local)?;
        if let Some(id) = record.router_id {
            self.unindex(id, local);
        }
        Some(record)
    }

    fn unindex(&mut self, router_id: Id, local: u64) {
        if let Some(locals) = self.by_router.get_mut(&router_id) {
            locals.retain(|l| *l != local);
            if locals.is_empty() {
                self.by_router.remove(&router_id);
            }
        }
    }

    /// The handlers of the records the router knows as `router_id`.
    pub(crate) fn handlers(&self, router_id: Id) -> Vec<H> {
        self.by_router
            .get(&router_id)
            .into_iter()
            .flatten()
            .filter_map(|local| self.records.get(local))
            .map(|r| r.handler.clone())
            .collect()
    }

    /// The router ended `router_id` on its own: its records are dropped.
    pub(crate) fn revoke(&mut self, router_id: Id) {
        for local in self.by_router.remove(&router_id).unwrap_or_default() {
            self.records.remove(&local);
        }
    }

    /// The session ended: router ids mean nothing any more.
    pub(crate) fn forget_router_ids(&mut self) {
        self.by_router.clear();
        for record in self.records.values_mut() {
            record.router_id = None;
        }
    }

    /// The records to ask for again in a new session: local key, URI and options.
    pub(crate) fn unconfirmed(&self) -> Vec<(u64, String, O)> {
        let mut list: Vec<(u64, String, O)> = self
            .records
            .iter()
            .filter(|(_, r)| r.router_id.is_none())
            .map(|(local, r)| (*local, r.uri.clone(), r.options.clone()))
            .collect();
        // In the order the application made them.
        list.sort_by_key(|(local, _, _)| *local);
        list
    }

    /// The router id of record `local`, if confirmed.
    pub(crate) fn router_id(&self, local: u64) -> Option<Id> {
        self.records.get(&local).and_then(|r| r.router_id)
    }

    /// Drops every record (the client closed).
    pub(crate) fn clear(&mut self) {
        self.records.clear();
        self.by_router.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_new_session_under_new_router_ids() {
        let mut r: Records<u8, &'static str> = Records::default();
        let a = r.add("com.a", 1, "ha");
        let b = r.add("com.b", 2, "hb");
        assert!(r.confirm(a, 100) && r.confirm(b, 100));
        assert_eq!(r.handlers(100), vec!["ha", "hb"]);
        r.forget_router_ids();
        assert!(r.handlers(100).is_empty());
        let again = r.unconfirmed();
        assert_eq!(
            again,
            vec![(a, "com.a".to_owned(), 1), (b, "com.b".to_owned(), 2)]
        );
        assert!(r.confirm(b, 7));
        assert_eq!(r.router_id(b), Some(7));
        assert_eq!(r.unconfirmed().len(), 1);
        assert!(r.remove(b).is_some());
        assert!(r.handlers(7).is_empty());
        assert!(!r.confirm(b, 8), "a removed record is not confirmed");
        r.confirm(a, 9);
        r.revoke(9);
        assert!(r.remove(a).is_none());
    }
}
