//! zerowamp: FlatBuffers records in LMDB (data at rest), borrowed straight out of the memory map and
//! sent as WAMP results and events (data in transit), behind a stable C ABI.
//!
//! The layers, each depending only on those listed after it (docs/architecture.md):
//!
//! - [`ffi`]: the C ABI (`include/zerowamp.h`), a thin shell over the Rust API.
//! - [`client`]: the WAMP client: calls, PubSub, registrations, reconnects, zero-copy sending
//!   from LMDB.
//! - [`runtime`]: the mio reactor: connections, listeners, timers, an I/O thread or caller-driven
//!   dispatch.
//! - [`transport`]: RawSocket (sans-IO), WebSocket, TLS, streams and URLs.
//! - [`wamp`]: the WAMP protocol core, sans-IO: messages, values, codecs, URIs, auth, the session.
//! - [`store`] and [`schema`]: LMDB environments, transactions, tables; FlatBuffers schemas and
//!   verification.
//!
//! Only [`ffi`] is read by cbindgen; the `cbindgen:ignore` marks keep the Rust-only layers out
//! of the C header.
/// cbindgen:ignore
pub mod client;
pub mod ffi;
/// cbindgen:ignore
pub mod runtime;
/// cbindgen:ignore
pub mod schema;
/// cbindgen:ignore
pub mod store;
/// cbindgen:ignore
pub mod transport;
/// cbindgen:ignore
pub mod wamp;
