//! The change feed: every committed change of a table, published as it is committed.

use bytes::Bytes;

use crate::client::{Client, PublishOptions, Snapshot};
use crate::store::{Change, Changes, CommitHook, Env, Table};
use crate::wamp::session::Passthru;
use crate::wamp::uri::{self, EmptyComponents, Strictness};
use crate::wamp::{Dict, Payload, Value};

use super::error::Error;
use super::table::{check_same_env, passthru_of};

/// A running change feed ([`publish_changes`]); dropping it stops the feed (no event is
/// published after the drop returns).
pub struct ChangeFeed {
    _hook: CommitHook,
    topic: String,
}

impl ChangeFeed {
    /// The topic the changes go to.
    pub fn topic(&self) -> &str {
        &self.topic
    }
}

impl std::fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

/// Publishes every committed change of `table` (a table of `env`) to `topic` through `client`,
/// until the returned [`ChangeFeed`] is dropped.
///
/// After each committed write transaction that changed the table, for each key it changed (its
/// last change in the transaction, in the order of those changes):
///
/// - a put: an EVENT whose payload is the record as stored after the commit, in Payload
///   Passthru Mode as [`serve_table`](super::serve_table) sends it (pinned, not copied);
/// - a delete: an EVENT with args `[key]` (the encoded key, as bytes) and kwargs
///   `{"deleted": true}`.
///
/// A truncate publishes one EVENT with kwargs `{"truncated": true}` (and no args) before the
/// changes made after it in the same transaction. Aborted transactions publish nothing.
///
/// The feed is in-process: it runs as a commit hook ([`Table::on_commit`]) on the committing
/// thread, and sees the writes made through this process's environment only, never those of
/// other processes. Publishing does not wait for the router (unacknowledged; with
/// [`SendFull::Block`](crate::client::SendFull) a full send queue makes the committing thread
/// wait up to that time); an event that cannot be queued (not joined, send queue full) is lost
/// and logged — subscribers that need every change read the table after they subscribe, then
/// follow the feed.
pub fn publish_changes(
    env: &Env,
    table: &Table,
    client: &Client,
    topic: &str,
) -> Result<ChangeFeed, Error> {
    uri::check(topic, Strictness::Loose, EmptyComponents::Forbidden)
        .map_err(|e| Error::InvalidArgument(format!("topic {topic:?}: {e}")))?;
    check_same_env(env, table)?;
    let publisher = Publisher {
        env: env.clone(),
        table: table.clone(),
        client: client.clone(),
        topic: topic.to_owned(),
        passthru: passthru_of(table),
    };
    let hook = table.on_commit(move |changes| publisher.publish(changes))?;
    Ok(ChangeFeed {
        _hook: hook,
        topic: topic.to_owned(),
    })
}

/// What the commit hook of a feed holds.
struct Publisher {
    env: Env,
    table: Table,
    client: Client,
    topic: String,
    passthru: Passthru,
}

impl Publisher {
    fn publish(&self, changes: &Changes) {
        let latest = changes.latest();
        if latest.truncated {
            self.send(Payload::new(Vec::new(), flag("truncated")), None);
        }
        let puts = latest.changes.iter().any(|c| matches!(c, Change::Put(_)));
        // The hook runs before the next commit of this process: this snapshot shows this
        // commit's values.
        let snapshot = match puts.then(|| Snapshot::begin(&self.env)).transpose() {
            Ok(snapshot) => snapshot,
            Err(e) => {
                log::warn!(target: "zerowamp::serve", "change feed {}: cannot read the changed records: {e}", self.topic);
                None
            }
        };
        for change in latest.changes {
            match (change, &snapshot) {
                (Change::Put(key), Some(snapshot)) => match snapshot.get(&self.table, key) {
                    Ok(Some(record)) => {
                        self.send(Payload::Transparent(record), Some(self.passthru.clone()))
                    }
                    // Deleted by another process since: its own commit is not ours to report.
                    Ok(None) => {}
                    Err(e) => {
                        log::warn!(target: "zerowamp::serve", "change feed {}: cannot read a changed record: {e}", self.topic)
                    }
                },
                (Change::Delete(key), _) => {
                    let key = Value::Bytes(Bytes::copy_from_slice(key));
                    self.send(Payload::new(vec![key], flag("deleted")), None);
                }
                _ => {}
            }
        }
    }

    fn send(&self, payload: Payload, passthru: Option<Passthru>) {
        let options = PublishOptions {
            passthru,
            ..PublishOptions::default()
        };
        if let Err(e) = self.client.publish(&self.topic, payload, options) {
            log::warn!(target: "zerowamp::serve", "change feed {}: an event was lost: {e}", self.topic);
        }
    }
}

/// `{name: true}`
fn flag(name: &str) -> Dict {
    let mut d = Dict::new();
    d.insert(name.to_owned(), Value::Bool(true));
    d
}
