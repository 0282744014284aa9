//! The router on the network: [`RouterServer`] owns the sans-IO [`Router`](crate::router::Router)
//! and drives it from a [`Runtime`](crate::runtime::Runtime)'s events, and [`load`] reads its
//! TOML config file.
//!
//! ```no_run
//! use std::time::Duration;
//! use zerowamp::router::server::{RouterServer, ServerConfig};
//!
//! let server = RouterServer::start(&ServerConfig::open("realm1", &["ws://127.0.0.1:8080/ws"]))?;
//! for listener in server.listeners() {
//!     println!("listening on {}", listener.url());
//! }
//! // ... until it is time to stop: GOODBYE to every session, up to 5 s for their answers.
//! server.shutdown(Duration::from_secs(5));
//! # Ok::<(), zerowamp::router::server::ServerError>(())
//! ```
//!
//! This is the only part of the router that does I/O; it lives here, next to the core it
//! drives, rather than in a layer of its own, because nothing but the router uses it.
//!
//! # How it runs
//!
//! - One runtime, one I/O thread; every handler, timer and [`LocalSession`] call locks the one
//!   router core, so the core stays single-threaded as it was written.
//! - Per connection: frames are decoded with the serializer the transport negotiated (outside
//!   the lock) and handed to the router; a frame that does not decode gets
//!   `ABORT wamp.error.protocol_violation` — that peer only. After each step everything the
//!   router queued is encoded and handed to its connection at once; a peer the router is done
//!   with is closed and detached.
//! - A connection without a joined session after [`TransportConfig::join_timeout_ms`] (stuck
//!   before WELCOME, or idle after a GOODBYE) gets ABORT and is closed.
//! - A connection whose send queue ([`TransportConfig::send_queue_limit`]) fills up reads too
//!   slowly: it is closed and its session leaves, so memory stays bounded.
//! - Lifecycle (listening, joins, leaves, refusals, violations) is logged through the `log`
//!   crate with target `zerowamp::router`: info for the normal course, warnings for peers that
//!   misbehave or messages that could not be delivered.

mod config;
mod core;
mod file;
mod handler;
mod local;
#[allow(clippy::module_inception)]
mod server;
mod stats;

pub use config::{
    ListenerConfig, ServerConfig, TlsFiles, TransportConfig, DEFAULT_LISTEN_URL, DEFAULT_REALM,
};
pub use file::{load, parse, ConfigFileError};
pub use local::LocalSession;
pub use server::{BoundListener, RouterServer, ServerError};
pub use stats::RouterStats;
