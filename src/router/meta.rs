//! The session meta API: `wamp.session.on_join` / `on_leave` events, and the procedures
//! `wamp.session.count`, `wamp.session.list` and `wamp.session.get`, answered by the router.

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;

use super::peer::PeerId;
use super::peers::Peers;
use super::session::Identity;
use crate::wamp::{Dict, Id, Payload, Value};

/// Topic of the event published when a session joins.
pub const ON_JOIN: &str = "wamp.session.on_join";
/// Topic of the event published when a session leaves.
pub const ON_LEAVE: &str = "wamp.session.on_leave";

/// The session details the meta API reports.
pub(crate) fn session_details(who: &Identity, transport: &str) -> Dict {
    let mut d = Dict::new();
    d.insert("session".to_owned(), Value::from(who.session));
    d.insert("authid".to_owned(), Value::from(&*who.authid));
    d.insert("authrole".to_owned(), Value::from(&*who.authrole));
    d.insert("authmethod".to_owned(), Value::from(who.authmethod));
    d.insert("authprovider".to_owned(), Value::from(who.authprovider));
    let mut t = Dict::new();
    t.insert("type".to_owned(), Value::from(transport));
    d.insert("transport".to_owned(), Value::Dict(t));
    d
}

/// `wamp.session.on_join`: `[details]`.
pub(crate) fn on_join(who: &Identity, transport: &str) -> Payload {
    Payload::args(vec![Value::Dict(session_details(who, transport))])
}

/// `wamp.session.on_leave`: `[session, authid, authrole]`.
pub(crate) fn on_leave(who: &Identity) -> Payload {
    Payload::args(vec![
        Value::from(who.session),
        Value::from(&*who.authid),
        Value::from(&*who.authrole),
    ])
}

/// The answer to a meta procedure call: a result payload, or an error URI and message.
pub(crate) type Answer = Result<Payload, (&'static str, String)>;

/// Answers `procedure` if it is one of the session meta procedures; `None` otherwise.
pub(crate) fn call(
    procedure: &str,
    args: &[Value],
    sessions: &IndexMap<Id, PeerId, FxBuildHasher>,
    peers: &Peers,
) -> Option<Answer> {
    let answer = match procedure {
        "wamp.session.count" => Ok(Payload::args(vec![Value::from(sessions.len() as u64)])),
        "wamp.session.list" => Ok(Payload::args(vec![Value::List(
            sessions.keys().map(|&id| Value::from(id)).collect(),
        )])),
        "wamp.session.get" => {
            let found = args
                .first()
                .and_then(Value::as_u64)
                .and_then(|id| sessions.get(&id))
                .and_then(|&peer| Some((peers.identity(peer)?, peers.get(peer)?)));
            match found {
                Some((who, peer)) => Ok(Payload::args(vec![Value::Dict(session_details(
                    who,
                    peer.transport.kind.as_str(),
                ))])),
                None => Err((
                    "wamp.error.no_such_session",
                    "no session with that id in this realm".to_owned(),
                )),
            }
        }
        _ => return None,
    };
    Some(answer)
}
