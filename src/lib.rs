//! zerowamp: FlatBuffers records in LMDB (data at rest), borrowed straight out of the memory map and
//! sent as WAMP results and events (data in transit), behind a stable C ABI.
//!
//! The layers, each depending only on those listed after it (docs/architecture.md):
//!
//! - [`ffi`]: the C ABI (`include/zerowamp.h`), a thin shell over the Rust API.
//! - [`transport`]: RawSocket framing and URLs, sans-IO.
//! - [`wamp`]: the WAMP protocol core, sans-IO: messages, values, codecs, URIs, auth, the session.
//! - [`store`] and [`schema`]: LMDB environments, transactions, tables; FlatBuffers schemas and
//!   verification.
pub mod ffi;
pub mod runtime;
pub mod schema;
pub mod store;
pub mod transport;
pub mod wamp;
