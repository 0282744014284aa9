//! How a FlatBuffers record travels: in Payload Passthru Mode, described by our scheme.

use crate::wamp::session::Passthru;

/// The `ppt_scheme` of a plain (unencrypted) FlatBuffers record. The spec predefines `mqtt` and
/// `wamp.eth` (end-to-end encryption, with a cipher and key); any other scheme must be custom,
/// `x_` followed by lowercase letters, digits and underscores (autobahn-python checks that
/// pattern too).
pub const RECORD_SCHEME: &str = "x_zerowamp";

/// The passthru description of a FlatBuffers record: scheme [`RECORD_SCHEME`], serializer
/// `flatbuffers`. Put it in the options of a publish, call or yield whose payload is the
/// record as [`Payload::Transparent`](crate::wamp::Payload).
pub fn record_passthru() -> Passthru {
    Passthru::new(RECORD_SCHEME).with_serializer("flatbuffers")
}
