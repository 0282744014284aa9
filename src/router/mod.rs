//! The embedded WAMP router's core, sans-IO: realms, broker, dealer, authentication and
//! authorization, at the level of [`Message`](crate::wamp::Message)s. No sockets, no threads, no
//! clock (time is passed in), no hidden randomness (an [`Entropy`](crate::router::Entropy) source is passed in).
//!
//! # Driving it
//!
//! ```text
//! let peer = router.attach(TransportInfo::new(TransportKind::WebSocket, addr)); // new connection
//! router.handle(peer, message, Instant::now());        // each decoded inbound message
//! while let Some(p) = router.next_ready() {            // peers with messages to send
//!     while let Some(m) = router.poll_outbound(p) { /* encode and write */ }
//!     if router.should_close(p) { /* close the transport, then: */ router.detach(p, now) }
//! }
//! router.handle_timeout(now);                          // at router.next_timeout()
//! router.detach(peer, now);                            // the connection is gone
//! ```
//!
//! - Outbound messages are queued per peer, up to
//!   [`Limits::max_outbound_queue`](crate::router::Limits::max_outbound_queue). The transport should take a peer's messages only as its
//!   socket accepts them; a peer whose queue overflows is a slow consumer and is dropped with
//!   `ABORT zerowamp.error.slow_consumer` (its queue is discarded first, so memory stays
//!   bounded).
//! - A peer that sends a message not allowed in its state, a wrong option type, a duplicate
//!   request id, or anything else that breaks the protocol gets
//!   `ABORT wamp.error.protocol_violation` with a message saying what; its session is cleaned
//!   up and every other session goes on. Frames the transport cannot decode are reported with
//!   [`Router::reject`](crate::router::Router::reject) for the same treatment.
//! - In-process sessions are peers without a socket: [`Router::attach_local`](crate::router::Router::attach_local) (then HELLO as
//!   usual) or [`Router::join_local`](crate::router::Router::join_local) (joined at once, trusted, no authentication). The program
//!   feeds them with [`Router::handle`](crate::router::Router::handle) and drains them with [`Router::poll_outbound`](crate::router::Router::poll_outbound).
//! - Lifecycle events (joins, leaves, refusals, violations) come from [`Router::poll_event`](crate::router::Router::poll_event).
//!
//! # What it implements
//!
//! Realms with static principals and roles ([`config`](crate::router::config)); anonymous, ticket, WAMP-CRA (salted
//! too) and cryptosign authentication ([`authn`](crate::router::authn)); per-role permissions with exact, prefix and
//! wildcard URIs ([`authz`](crate::router::authz)); the broker ([`broker`](crate::router::broker): pattern subscriptions, publisher exclusion
//! and identification, black/white listing, acknowledged publish, payload passthru shared
//! without copies) and the dealer ([`dealer`](crate::router::dealer): pattern and shared registrations, progressive
//! results and invocations, cancel, dealer-side timeout, caller identification); the session
//! meta API ([`meta`](crate::router::meta)).
//!
//! The core does no I/O: [`server`](crate::router::server) puts it on the network (listeners,
//! codecs, timers, the config file) for `zerowamp router` and programs that embed the router.
//!
//! Ids: session and publication ids are random in `1..=2^53`; subscription and registration ids
//! too (unique per realm); INVOCATION request ids count up per callee session.

pub mod authn;
pub mod authz;
pub mod broker;
pub mod config;
pub mod dealer;
mod engine;
mod event;
pub mod features;
pub mod limits;
pub mod meta;
mod options;
mod outbox;
mod peer;
mod peers;
pub mod random;
mod realm;
pub mod reason;
pub mod server;
mod session;

pub use authz::{Action, Grant};
pub use config::{
    ConfigError, CraSecret, Permission, Principal, RealmConfig, RoleConfig, RouterConfig, UriMatch,
};
pub use dealer::InvokePolicy;
pub use engine::{JoinError, Router};
pub use event::RouterEvent;
pub use features::PeerFeatures;
pub use limits::Limits;
pub use peer::{PeerId, TransportInfo, TransportKind};
pub use random::{Entropy, EntropyError, OsEntropy, SeededEntropy};
pub use session::Identity;

// The runtime moves the router to its I/O thread.
const _: fn() = || {
    fn is_send<T: Send>() {}
    is_send::<Router>();
};
