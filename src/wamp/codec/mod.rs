//! Codecs: a [`Message`] to the bytes of one frame and back, for each WAMP serializer. (The
//! WebSocket subprotocols and the framing of their `.batched` variants are the transport's:
//! `transport::websocket`.)
//!
//! Decoding takes the frame as [`Bytes`] so that binary values (msgpack `bin`, CBOR byte
//! strings) come out as slices of it, without a copy. Encoding appends to a caller's `Vec<u8>`,
//! copying each binary payload once; on error the vector is left as it was.

pub mod cbor;
mod cursor;
mod emit;
mod envelope;
pub mod flatbuffers;
pub mod json;
pub mod msgpack;

pub use cbor::Cbor;
pub(crate) use envelope::encode_envelope;
pub use json::Json;
pub use msgpack::MsgPack;

use crate::wamp::error::Result;
use crate::wamp::message::Message;
use bytes::Bytes;
use std::fmt;

/// A trailing binary payload at least this long is left out of the envelope by
/// [`Codec::encode_split`] callers (the client, the router server), so that it is sent as a
/// second buffer without a copy; shorter ones are cheaper to copy than to give their own `iovec`.
pub const SPLIT_MIN: usize = 1024;

/// One WAMP serializer: turns a message into the bytes of one frame and back.
pub trait Codec: Send + Sync {
    /// Which serializer this is.
    fn serializer(&self) -> Serializer;

    /// Appends `msg`, serialized, to `out`. On error `out` is unchanged.
    fn encode(&self, msg: &Message, out: &mut Vec<u8>) -> Result<()>;

    /// Like [`encode`](Self::encode), but a binary of at least `min` octets that ends the message
    /// (a passthru payload: the one element of Arguments) is not copied: the octets before it
    /// are appended to `out` and the binary is returned, shared, to be sent right after them
    /// (the transports write the two back to back with `writev`). `None`: the whole message is
    /// in `out`.
    ///
    /// MessagePack and CBOR split; JSON (which turns binaries into base64) and FlatBuffers
    /// (which places the payload inside its table) always encode the whole message.
    fn encode_split(&self, msg: &Message, min: usize, out: &mut Vec<u8>) -> Result<Option<Bytes>> {
        let _ = min;
        self.encode(msg, out).map(|()| None)
    }

    /// Decodes and validates one message from a whole frame. Binary values may be slices of
    /// `frame` (which keeps its buffer alive as long as they live).
    fn decode(&self, frame: Bytes) -> Result<Message>;
}

/// The WAMP serializers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Serializer {
    /// JSON, `wamp.2.json`, RawSocket serializer 1.
    Json,
    /// MessagePack, `wamp.2.msgpack`, RawSocket serializer 2.
    MsgPack,
    /// CBOR, `wamp.2.cbor`, RawSocket serializer 3.
    Cbor,
    /// FlatBuffers, `wamp.2.flatbuffers`, RawSocket serializer 5 (no batched variant).
    FlatBuffers,
}

impl Serializer {
    /// Every serializer.
    pub const ALL: [Serializer; 4] = [
        Serializer::Json,
        Serializer::MsgPack,
        Serializer::Cbor,
        Serializer::FlatBuffers,
    ];

    /// The short name, as in the subprotocol: `"json"`, `"msgpack"`, `"cbor"`, `"flatbuffers"`.
    pub fn name(self) -> &'static str {
        match self {
            Serializer::Json => "json",
            Serializer::MsgPack => "msgpack",
            Serializer::Cbor => "cbor",
            Serializer::FlatBuffers => flatbuffers::FlatBuffersCodec::NAME,
        }
    }

    /// The serializer with this short name.
    pub fn from_name(name: &str) -> Option<Serializer> {
        Serializer::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The serializer id in the RawSocket handshake.
    pub fn rawsocket_id(self) -> u8 {
        match self {
            Serializer::Json => 1,
            Serializer::MsgPack => 2,
            Serializer::Cbor => 3,
            Serializer::FlatBuffers => flatbuffers::RAWSOCKET_ID,
        }
    }

    /// The serializer with this RawSocket id.
    pub fn from_rawsocket_id(id: u8) -> Option<Serializer> {
        Serializer::ALL.into_iter().find(|s| s.rawsocket_id() == id)
    }

    /// `true` for serializers whose frames are binary (WebSocket binary messages); JSON frames
    /// are text.
    pub fn is_binary(self) -> bool {
        !matches!(self, Serializer::Json)
    }

    /// The codec.
    pub fn codec(self) -> &'static dyn Codec {
        match self {
            Serializer::Json => &Json,
            Serializer::MsgPack => &MsgPack,
            Serializer::Cbor => &Cbor,
            Serializer::FlatBuffers => &flatbuffers::FlatBuffersCodec,
        }
    }
}

impl fmt::Display for Serializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
