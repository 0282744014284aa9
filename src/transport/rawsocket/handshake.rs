//! The 4-octet opening handshake: `0x7F`, `LLLL SSSS` (max length exponent, serializer id), and
//! two reserved zero octets. A router's error reply is `0x7F`, `EEEE 0000`, 0, 0.

use super::{Error, MaxLength, Refusal, Serializer};

/// The first octet of every handshake request and reply.
pub const MAGIC: u8 = 0x7F;

/// The length of a handshake request or reply, in octets.
pub const HANDSHAKE_LEN: usize = 4;

/// Whether a connection whose first octet is `first_octet` speaks RawSocket.
///
/// No HTTP request can start with 0x7F (DEL is neither a method character nor whitespace), so a
/// router can serve RawSocket and WebSocket on one port by peeking at the first octet.
pub const fn is_rawsocket_preamble(first_octet: u8) -> bool {
    first_octet == MAGIC
}

/// The content of a handshake request, or of a router's accepting reply (same layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// The longest message the sender is willing to receive.
    pub max_length: MaxLength,
    /// The serializer requested (client) or confirmed (router).
    pub serializer: Serializer,
}

impl Handshake {
    /// The four octets on the wire.
    pub const fn encode(self) -> [u8; HANDSHAKE_LEN] {
        [
            MAGIC,
            (self.max_length.exponent() << 4) | self.serializer.id(),
            0,
            0,
        ]
    }
}

/// The four octets of a router's error reply.
pub const fn encode_refusal(reason: Refusal) -> [u8; HANDSHAKE_LEN] {
    [MAGIC, reason.code() << 4, 0, 0]
}

/// What a router requires of a client's request before accepting it.
pub(crate) struct RequestPolicy<'a> {
    /// The serializers the router speaks.
    pub serializers: &'a [Serializer],
    /// The least maximum length the router accepts from a client.
    pub min_peer_max_length: MaxLength,
}

/// Checks a client's request on the router side. On error, [`Error::refusal_reply`] tells which
/// reply to send (none for a wrong magic octet: that is not a RawSocket client at all).
pub(crate) fn check_request(
    octets: [u8; HANDSHAKE_LEN],
    policy: &RequestPolicy<'_>,
) -> Result<Handshake, Error> {
    let [magic, fields, r1, r2] = octets;
    if magic != MAGIC {
        return Err(Error::NotRawSocket { first_octet: magic });
    }
    // Reserved octets first: a client using a future extension may mean something else by the
    // other fields too.
    if r1 != 0 || r2 != 0 {
        return Err(Error::ReservedBitsInRequest { octets: [r1, r2] });
    }
    let id = fields & 0x0F;
    let serializer = Serializer::from_id(id)
        .filter(|ser| policy.serializers.contains(ser))
        .ok_or(Error::UnsupportedSerializer { id })?;
    let max_length = exponent_of(fields);
    if max_length < policy.min_peer_max_length {
        return Err(Error::PeerMaxLengthTooSmall {
            announced: max_length.bytes(),
            required: policy.min_peer_max_length.bytes(),
        });
    }
    Ok(Handshake {
        max_length,
        serializer,
    })
}

/// Checks a router's reply on the client side, returning the router's maximum length.
pub(crate) fn check_reply(
    octets: [u8; HANDSHAKE_LEN],
    requested: Serializer,
) -> Result<MaxLength, Error> {
    let [magic, fields, r1, r2] = octets;
    if magic != MAGIC {
        return Err(Error::BadReplyMagic { first_octet: magic });
    }
    let id = fields & 0x0F;
    // An error reply is told by its zero serializer nibble. The refusal is reported even if the
    // reserved octets are set: the reason is what the user needs to see.
    if id == 0 {
        let code = fields >> 4;
        return Err(Refusal::from_code(code)
            .map(Error::RouterRefused)
            .unwrap_or(Error::RouterRefusedUnknown { code }));
    }
    if id != requested.id() {
        return Err(Error::SerializerMismatch {
            requested,
            replied: id,
        });
    }
    if r1 != 0 || r2 != 0 {
        return Err(Error::ReservedBitsInReply { octets: [r1, r2] });
    }
    Ok(exponent_of(fields))
}

/// The maximum length in the high nibble of the second octet (every nibble value is valid).
fn exponent_of(fields: u8) -> MaxLength {
    MaxLength::from_exponent(fields >> 4).unwrap_or(MaxLength::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: RequestPolicy<'static> = RequestPolicy {
        serializers: &Serializer::ALL,
        min_peer_max_length: MaxLength::MIN,
    };

    #[test]
    fn preamble_is_only_the_magic_octet() {
        for b in 0..=255u8 {
            assert_eq!(is_rawsocket_preamble(b), b == 0x7F, "octet {b:#04x}");
        }
        // The first octets of HTTP requests and of TLS records are not RawSocket.
        for b in [b'G', b'P', b'O', b'H', b'D', b'C', b'T', 0x16] {
            assert!(!is_rawsocket_preamble(b));
        }
    }

    #[test]
    fn request_encoding_covers_every_length_and_serializer() {
        for ser in Serializer::ALL {
            for n in 0..=15u8 {
                let max_length = MaxLength::from_exponent(n).unwrap();
                let hs = Handshake {
                    max_length,
                    serializer: ser,
                };
                let octets = hs.encode();
                assert_eq!(octets, [0x7F, n << 4 | ser.id(), 0, 0]);
                assert_eq!(check_request(octets, &ALL), Ok(hs));
                assert_eq!(check_reply(octets, ser), Ok(max_length));
            }
        }
    }

    #[test]
    fn every_second_octet_of_a_request_is_classified() {
        for fields in 0..=255u8 {
            let id = fields & 0x0F;
            let got = check_request([0x7F, fields, 0, 0], &ALL);
            match Serializer::from_id(id) {
                Some(serializer) => assert_eq!(
                    got,
                    Ok(Handshake {
                        max_length: MaxLength::from_exponent(fields >> 4).unwrap(),
                        serializer
                    })
                ),
                None => {
                    assert_eq!(got, Err(Error::UnsupportedSerializer { id }));
                    assert_eq!(
                        got.unwrap_err().refusal_reply(),
                        Some(Refusal::SerializerUnsupported)
                    );
                }
            }
        }
    }

    #[test]
    fn request_with_reserved_octets_is_refused_with_code_3() {
        for octets in [[1, 0], [0, 1], [0x80, 0x80], [0xFF, 0xFF]] {
            let got = check_request([0x7F, 0x21, octets[0], octets[1]], &ALL).unwrap_err();
            assert_eq!(got, Error::ReservedBitsInRequest { octets });
            assert_eq!(got.refusal_reply(), Some(Refusal::ReservedBitsUsed));
        }
    }

    #[test]
    fn request_for_a_serializer_not_offered_is_refused_with_code_1() {
        let policy = RequestPolicy {
            serializers: &[Serializer::Cbor],
            min_peer_max_length: MaxLength::MIN,
        };
        let got = check_request([0x7F, 0xF1, 0, 0], &policy).unwrap_err();
        assert_eq!(got, Error::UnsupportedSerializer { id: 1 });
        assert_eq!(got.refusal_reply(), Some(Refusal::SerializerUnsupported));
        assert!(check_request([0x7F, 0xF3, 0, 0], &policy).is_ok());
    }

    #[test]
    fn request_with_too_small_max_length_is_refused_with_code_2() {
        let policy = RequestPolicy {
            serializers: &Serializer::ALL,
            min_peer_max_length: MaxLength::from_exponent(7).unwrap(),
        };
        let got = check_request([0x7F, 0x61, 0, 0], &policy).unwrap_err();
        assert_eq!(
            got,
            Error::PeerMaxLengthTooSmall {
                announced: 1 << 15,
                required: 1 << 16
            }
        );
        assert_eq!(got.refusal_reply(), Some(Refusal::MaxLengthUnacceptable));
        assert!(check_request([0x7F, 0x71, 0, 0], &policy).is_ok());
    }

    #[test]
    fn request_with_wrong_magic_gets_no_reply() {
        let got = check_request(*b"GET ", &ALL).unwrap_err();
        assert_eq!(got, Error::NotRawSocket { first_octet: b'G' });
        assert_eq!(got.refusal_reply(), None);
    }

    #[test]
    fn refusal_replies_have_the_code_in_the_high_nibble() {
        assert_eq!(
            encode_refusal(Refusal::SerializerUnsupported),
            [0x7F, 0x10, 0, 0]
        );
        assert_eq!(
            encode_refusal(Refusal::MaxLengthUnacceptable),
            [0x7F, 0x20, 0, 0]
        );
        assert_eq!(
            encode_refusal(Refusal::ReservedBitsUsed),
            [0x7F, 0x30, 0, 0]
        );
        assert_eq!(
            encode_refusal(Refusal::MaxConnectionCountReached),
            [0x7F, 0x40, 0, 0]
        );
    }

    #[test]
    fn every_error_reply_is_classified_by_the_client() {
        for code in 0..=15u8 {
            let got = check_reply([0x7F, code << 4, 0, 0], Serializer::Json).unwrap_err();
            match Refusal::from_code(code) {
                Some(reason) => assert_eq!(got, Error::RouterRefused(reason)),
                None => assert_eq!(got, Error::RouterRefusedUnknown { code }),
            }
        }
    }

    #[test]
    fn reply_with_another_serializer_is_a_mismatch() {
        for id in 1..=15u8 {
            let got = check_reply([0x7F, 0xF0 | id, 0, 0], Serializer::Cbor);
            if id == 3 {
                assert_eq!(got, Ok(MaxLength::MAX));
            } else {
                assert_eq!(
                    got,
                    Err(Error::SerializerMismatch {
                        requested: Serializer::Cbor,
                        replied: id
                    })
                );
            }
        }
    }

    #[test]
    fn reply_with_reserved_octets_or_wrong_magic_is_refused() {
        assert_eq!(
            check_reply([0x7F, 0x31, 0, 7], Serializer::Json),
            Err(Error::ReservedBitsInReply { octets: [0, 7] })
        );
        assert_eq!(
            check_reply(*b"HTTP", Serializer::Json),
            Err(Error::BadReplyMagic { first_octet: b'H' })
        );
    }
}
