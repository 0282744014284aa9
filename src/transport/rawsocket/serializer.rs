//! The serializer ids a RawSocket handshake negotiates (the low nibble of its second octet).

use std::fmt;

/// A WAMP serializer as the RawSocket handshake names it.
///
/// Id 0 is illegal and ids 6–15 are reserved by the spec, so neither has a variant: a request
/// carrying one is answered with "serializer unsupported".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Serializer {
    /// `wamp.2.json`, id 1.
    Json = 1,
    /// `wamp.2.msgpack`, id 2.
    MsgPack = 2,
    /// `wamp.2.cbor`, id 3.
    Cbor = 3,
    /// `wamp.2.ubjson`, id 4.
    Ubjson = 4,
    /// `wamp.2.flatbuffers`, id 5.
    FlatBuffers = 5,
}

impl Serializer {
    /// Every serializer the spec assigns an id to, in id order.
    pub const ALL: [Serializer; 5] = [
        Serializer::Json,
        Serializer::MsgPack,
        Serializer::Cbor,
        Serializer::Ubjson,
        Serializer::FlatBuffers,
    ];

    /// The 4-bit id sent in the handshake.
    pub const fn id(self) -> u8 {
        self as u8
    }

    /// The serializer with this id, or `None` for 0 (illegal) and the reserved ids 6–15 and above.
    pub const fn from_id(id: u8) -> Option<Serializer> {
        match id {
            1 => Some(Serializer::Json),
            2 => Some(Serializer::MsgPack),
            3 => Some(Serializer::Cbor),
            4 => Some(Serializer::Ubjson),
            5 => Some(Serializer::FlatBuffers),
            _ => None,
        }
    }

    /// The short name used in WebSocket subprotocols (`wamp.2.<name>`) and configuration files.
    pub const fn name(self) -> &'static str {
        match self {
            Serializer::Json => "json",
            Serializer::MsgPack => "msgpack",
            Serializer::Cbor => "cbor",
            Serializer::Ubjson => "ubjson",
            Serializer::FlatBuffers => "flatbuffers",
        }
    }
}

impl fmt::Display for Serializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (id {})", self.name(), self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_the_spec_table() {
        let expected = [
            (1, "json"),
            (2, "msgpack"),
            (3, "cbor"),
            (4, "ubjson"),
            (5, "flatbuffers"),
        ];
        for (ser, (id, name)) in Serializer::ALL.iter().zip(expected) {
            assert_eq!(ser.id(), id);
            assert_eq!(ser.name(), name);
            assert_eq!(Serializer::from_id(id), Some(*ser));
        }
    }

    #[test]
    fn illegal_and_reserved_ids_have_no_serializer() {
        assert_eq!(Serializer::from_id(0), None);
        for id in 6..=255u8 {
            assert_eq!(Serializer::from_id(id), None, "id {id}");
        }
    }
}
