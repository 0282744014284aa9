//! WAMP-over-RawSocket, sans-IO: the 4-octet handshake, 4-octet frame headers (with the 25th
//! length bit), PING/PONG, and the length limits each side announces.
//!
//! [`RawSocket`] is one connection, client or router side. It never touches a socket: the runtime
//! feeds it received octets, takes its [`Event`]s, and writes out what it queues. The codecs for
//! the handshake and the frame header are public as well, for a runtime that writes a frame
//! header and an LMDB-resident payload with one `writev`.
//!
//! Spec: WAMP advanced profile, "RawSocket Transport" (wamp-proto, `rfc/text/advanced/`).

mod config;
mod connection;
mod error;
mod frame;
mod fuzz;
mod handshake;
mod max_length;
mod refusal;
mod serializer;

pub use config::{ClientConfig, ServerConfig};
pub use connection::{Event, RawSocket, Role};
pub use error::Error;
pub use frame::{decode_header, encode_header, FrameType, HEADER_LEN, MAX_FRAME_PAYLOAD};
pub use fuzz::fuzz_input;
pub use handshake::{encode_refusal, is_rawsocket_preamble, Handshake, HANDSHAKE_LEN, MAGIC};
pub use max_length::MaxLength;
pub use refusal::Refusal;
pub use serializer::Serializer;
