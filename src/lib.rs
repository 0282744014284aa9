//! zerowamp: FlatBuffers records in LMDB (data at rest), borrowed straight out of the memory map and
//! sent as WAMP results and events (data in transit), behind a stable C ABI.
//!
//! The layers, each depending only on those listed after it (docs/architecture.md):
//!
//! - [`ffi`]: the C ABI (`include/zerowamp.h`), a thin shell over the Rust API.
//! - [`client`]: the WAMP client: calls, PubSub, registrations, reconnects, zero-copy sending
//!   from LMDB.
//! - [`router`]: the embedded WAMP router's core, sans-IO: realms, broker, dealer, authn/authz.
//! - [`runtime`]: the mio reactor: connections, listeners, timers, an I/O thread or caller-driven
//!   dispatch.
//! - [`transport`]: RawSocket (sans-IO), WebSocket, TLS, streams and URLs.
//! - [`wamp`]: the WAMP protocol core, sans-IO: messages, values, codecs, URIs, auth, the session.
//! - [`store`] and [`schema`]: LMDB environments, transactions, tables; FlatBuffers schemas and
//!   verification.
//!
//! Only [`ffi`] is read by cbindgen: the other layers are declared in a module it skips, and
//! re-exported here.
pub mod ffi;

/// The Rust-only layers, declared here so that cbindgen (told to skip this module) reads only
/// [`crate::ffi`]; they are re-exported at the crate root.
///
/// cbindgen:ignore
#[path = "."]
mod layers {
    pub mod client;
    pub mod router;
    pub mod runtime;
    pub mod schema;
    pub mod serve;
    pub mod store;
    pub mod transport;
    pub mod wamp;
}
pub use layers::{client, router, runtime, schema, serve, store, transport, wamp};
