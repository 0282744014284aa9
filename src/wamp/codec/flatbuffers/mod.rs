//! The FlatBuffers serializer (`wamp.2.flatbuffers`, RawSocket serializer 5): one frame is one
//! `Message` table of the schema in `schemas/wamp/`, whose union holds the message.
//!
//! Compatible with autobahn-python byte for byte: the union's type tag is the WAMP message code
//! (EVENT = 36; EVENT_RECEIVED = 37), Arguments and ArgumentsKw travel as CBOR byte vectors
//! (`args`, `kwargs`), a transparent payload in `payload` with `ppt_scheme`, `ppt_serializer`,
//! `ppt_cipher` and `ppt_keyid`, and the attributes autobahn's schema types are typed fields
//! with the same ids. What autobahn writes decodes, and a message autobahn could have written
//! encodes to the same bytes (the conformance test checks both on every vector).
//!
//! Unlike autobahn, every Details/Options/Extra attribute travels: those without a typed field
//! (HELLO and WELCOME roles and features, `authextra`, `agent`, the spec's `ppt_*` names, any
//! `x_` attribute...) go into the field `attributes` that zerowamp appends to each table, one
//! CBOR map, which autobahn's readers skip as an unknown field. So a whole session runs over
//! FlatBuffers, and every message decodes to exactly what was encoded. The rules are in
//! `attributes.rs`; the names of typed attributes are autobahn's (`enc_algo`, `enc_serializer`,
//! `enc_key` for the passthru fields, `resume-token` in HELLO, `x_acknowledged_delivery` in
//! EVENT).
//!
//! Decoding verifies the frame first (the flatbuffers crate's verifier, with limits on depth,
//! table count and apparent size), never panics, and copies no binary data: the transparent
//! payload and every CBOR byte string are [`Bytes`] slices of the frame. Encoding copies a
//! large payload once, into its place in the output (see `writer.rs`).
//!
//! Known differences: autobahn's HELLO and WELCOME carry no roles (its builder leaves them out);
//! such a HELLO or WELCOME decodes to a message without `roles` — the one case where this codec
//! yields a message that the list-form serializers would reject.

mod attributes;
mod cbor_bridge;
mod decode;
mod encode;
mod names;
mod writer;

#[cfg(test)]
mod tests;

/// The code `flatc` generates from `schemas/wamp/wamp.fbs` (see `schemas/README.md`).
#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    deprecated,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unsafe_op_in_unsafe_fn,
    unused_imports
)]
#[path = "../../../../schemas/generated/rust/wamp_generated.rs"]
#[rustfmt::skip]
mod wamp_generated;

use wamp_generated::zerowamp::wamp as generated;

use crate::wamp::error::Result;
use crate::wamp::message::Message;
use bytes::Bytes;

use crate::wamp::codec::{Codec, Serializer};

/// The WebSocket subprotocol of this serializer.
pub const SUBPROTOCOL: &str = "wamp.2.flatbuffers";

/// The serializer id of this serializer in the RawSocket handshake.
pub const RAWSOCKET_ID: u8 = 5;

/// The FlatBuffers codec.
#[derive(Clone, Copy, Debug, Default)]
pub struct FlatBuffersCodec;

impl FlatBuffersCodec {
    /// The short name, as in the subprotocol.
    pub const NAME: &'static str = "flatbuffers";
}

impl Codec for FlatBuffersCodec {
    fn serializer(&self) -> Serializer {
        Serializer::FlatBuffers
    }

    /// Appends `msg` as one FlatBuffers frame to `out`. On error `out` is unchanged.
    ///
    /// Fails for what the envelope cannot hold: a transparent payload in ABORT, a frame over
    /// 2 GiB, values nested deeper than the CBOR writer allows.
    fn encode(&self, msg: &Message, out: &mut Vec<u8>) -> Result<()> {
        encode::encode(msg, out).map(|_| ())
    }

    /// Verifies and decodes one frame. The transparent payload and binary values are slices of
    /// `frame` (which keeps its buffer alive as long as they live).
    fn decode(&self, frame: Bytes) -> Result<Message> {
        decode::decode(frame)
    }
}
