//! The 4-octet frame header: `RRRR XTTT` then a 24-bit big-endian length, where `X` is a 25th
//! length bit set only for a length of exactly 2^24.

use super::Error;

/// The length of a frame header, in octets.
pub const HEADER_LEN: usize = 4;

/// The longest payload a frame can carry: 2^24 octets (16 MiB), sent with the 25th length bit.
pub const MAX_FRAME_PAYLOAD: usize = 1 << 24;

/// The 25th length bit, in the first header octet.
const LENGTH_BIT_25: u8 = 0x08;
/// The four reserved bits, in the first header octet.
const RESERVED_BITS: u8 = 0xF0;
/// The frame type bits, in the first header octet.
const TYPE_BITS: u8 = 0x07;

/// The transport-level type of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameType {
    /// 0: a serialized WAMP message.
    Message = 0,
    /// 1: a PING; the peer must answer with a PONG echoing the payload.
    Ping = 1,
    /// 2: a PONG, answering a PING.
    Pong = 2,
}

/// The header for a frame of type `frame_type` carrying `len` payload octets, or `None` if `len`
/// is more than [`MAX_FRAME_PAYLOAD`].
///
/// This checks only what the wire format can express, not the peer's announced maximum: for that,
/// use [`RawSocket::frame_header`](super::RawSocket::frame_header).
pub const fn encode_header(frame_type: FrameType, len: usize) -> Option<[u8; HEADER_LEN]> {
    if len > MAX_FRAME_PAYLOAD {
        return None;
    }
    // 2^24 is bit 24 of the length, which is exactly the 25th bit X; below it X stays clear.
    let extra = if len == MAX_FRAME_PAYLOAD {
        LENGTH_BIT_25
    } else {
        0
    };
    Some([
        frame_type as u8 | extra,
        (len >> 16) as u8,
        (len >> 8) as u8,
        len as u8,
    ])
}

/// Reads a frame header: its type and payload length.
pub fn decode_header(header: [u8; HEADER_LEN]) -> Result<(FrameType, usize), Error> {
    let first = header[0];
    if first & RESERVED_BITS != 0 {
        return Err(Error::ReservedFrameBits { first_octet: first });
    }
    let frame_type = match first & TYPE_BITS {
        0 => FrameType::Message,
        1 => FrameType::Ping,
        2 => FrameType::Pong,
        other => return Err(Error::UnknownFrameType { frame_type: other }),
    };
    let low = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
    let len = if first & LENGTH_BIT_25 == 0 {
        low
    } else if low == 0 {
        MAX_FRAME_PAYLOAD
    } else {
        return Err(Error::BadLengthEncoding { header });
    };
    Ok((frame_type, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [FrameType; 3] = [FrameType::Message, FrameType::Ping, FrameType::Pong];

    #[test]
    fn headers_round_trip_at_the_interesting_lengths() {
        let lengths = [
            0,
            1,
            255,
            256,
            65_535,
            65_536,
            MAX_FRAME_PAYLOAD - 1,
            MAX_FRAME_PAYLOAD,
        ];
        for ty in TYPES {
            for len in lengths {
                let header = encode_header(ty, len).unwrap();
                assert_eq!(decode_header(header), Ok((ty, len)), "{ty:?} {len}");
            }
        }
    }

    #[test]
    fn lengths_are_big_endian_and_16m_uses_the_25th_bit() {
        assert_eq!(
            encode_header(FrameType::Message, 0x11_2233),
            Some([0x00, 0x11, 0x22, 0x33])
        );
        assert_eq!(
            encode_header(FrameType::Ping, MAX_FRAME_PAYLOAD - 1),
            Some([0x01, 0xFF, 0xFF, 0xFF])
        );
        assert_eq!(
            encode_header(FrameType::Pong, MAX_FRAME_PAYLOAD),
            Some([0x0A, 0, 0, 0])
        );
        assert_eq!(
            encode_header(FrameType::Message, MAX_FRAME_PAYLOAD + 1),
            None
        );
        assert_eq!(encode_header(FrameType::Message, usize::MAX), None);
    }

    #[test]
    fn the_25th_bit_with_other_length_bits_is_refused() {
        for header in [
            [0x08, 0, 0, 1],
            [0x08, 0xFF, 0xFF, 0xFF],
            [0x09, 0x80, 0, 0],
        ] {
            assert_eq!(
                decode_header(header),
                Err(Error::BadLengthEncoding { header })
            );
        }
    }

    #[test]
    fn every_first_octet_is_classified() {
        for first in 0..=255u8 {
            let got = decode_header([first, 0, 0, 5]);
            if first & 0xF0 != 0 {
                assert_eq!(got, Err(Error::ReservedFrameBits { first_octet: first }));
            } else if first & 0x07 > 2 {
                assert_eq!(
                    got,
                    Err(Error::UnknownFrameType {
                        frame_type: first & 0x07
                    })
                );
            } else if first & 0x08 != 0 {
                assert_eq!(
                    got,
                    Err(Error::BadLengthEncoding {
                        header: [first, 0, 0, 5]
                    })
                );
            } else {
                assert_eq!(got, Ok((TYPES[usize::from(first)], 5)));
            }
        }
    }
}
