//! The WAMP protocol core, sans-IO: messages, the dynamic [`Value`], and codecs turning messages
//! into frames and back. No sockets, no clocks: bytes in, messages out.
//!
//! - [`value`]: [`Value`], [`Dict`], [`List`] — binaries as reference-counted frame slices.
//! - [`message`]: [`Message`] and one struct per message type, with the generic list form.
//! - [`codec`]: the [`Codec`] trait, the JSON, MessagePack, CBOR and FlatBuffers codecs.
//! - [`uri`]: URI rules and pattern matching; [`auth`]: the authentication methods.
//! - [`session`]: the client session state machine, fed messages and time.
//! - [`error`]: [`Error`], saying what was wrong with a frame or message.

pub mod auth;
pub mod codec;
pub mod error;
pub mod message;
pub mod session;
pub mod uri;
pub mod value;

pub use codec::{Codec, Serializer};
pub use error::{Error, Result};
pub use message::{Id, Message, MessageType, Payload, MAX_ID};
pub use value::{Dict, List, Value};
