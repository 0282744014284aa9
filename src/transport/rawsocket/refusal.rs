//! The reasons a router gives when it refuses a RawSocket handshake.

use std::fmt;

/// Why a router refused a client's handshake: the upper nibble of the second octet of an error
/// reply (`0x7F, code << 4, 0, 0`).
///
/// Code 0 is illegal (so that 0 can mean "no error" in a host variable) and codes 5–15 are
/// reserved, so neither has a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Refusal {
    /// 1: the router does not speak the serializer the client asked for.
    SerializerUnsupported = 1,
    /// 2: the maximum message length the client announced is not acceptable to the router.
    MaxLengthUnacceptable = 2,
    /// 3: the client set reserved bits (a feature the router does not support).
    ReservedBitsUsed = 3,
    /// 4: the router has reached its maximum number of connections.
    MaxConnectionCountReached = 4,
}

impl Refusal {
    /// The 4-bit error code sent in the reply.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The refusal with this code, or `None` for 0 (illegal) and the reserved codes 5–15.
    pub const fn from_code(code: u8) -> Option<Refusal> {
        match code {
            1 => Some(Refusal::SerializerUnsupported),
            2 => Some(Refusal::MaxLengthUnacceptable),
            3 => Some(Refusal::ReservedBitsUsed),
            4 => Some(Refusal::MaxConnectionCountReached),
            _ => None,
        }
    }

    /// What the code means, in the spec's words.
    pub const fn description(self) -> &'static str {
        match self {
            Refusal::SerializerUnsupported => "serializer unsupported",
            Refusal::MaxLengthUnacceptable => "maximum message length unacceptable",
            Refusal::ReservedBitsUsed => "use of reserved bits (unsupported feature)",
            Refusal::MaxConnectionCountReached => "maximum connection count reached",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.description(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_spec_table() {
        let table = [
            (Refusal::SerializerUnsupported, 1),
            (Refusal::MaxLengthUnacceptable, 2),
            (Refusal::ReservedBitsUsed, 3),
            (Refusal::MaxConnectionCountReached, 4),
        ];
        for (refusal, code) in table {
            assert_eq!(refusal.code(), code);
            assert_eq!(Refusal::from_code(code), Some(refusal));
        }
    }

    #[test]
    fn illegal_and_reserved_codes_have_no_refusal() {
        assert_eq!(Refusal::from_code(0), None);
        for code in 5..=255u8 {
            assert_eq!(Refusal::from_code(code), None, "code {code}");
        }
    }
}
