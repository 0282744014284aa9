//! The framing of the batched subprotocols: what goes around each WAMP message, and splitting a
//! received WebSocket message back into WAMP messages without copying them.

use std::fmt;

use bytes::Bytes;

use super::Subprotocol;

/// The octet written after each JSON message in a batch: 0x18, as autobahn-python and crossbar
/// write and split on (the spec writes it `\30`, octal for 0x18, and names it 0x1E elsewhere).
const RECORD_SEPARATOR: u8 = 0x18;
/// The spec's other reading, accepted on receive. Neither octet can occur in JSON text (control
/// characters are escaped inside strings), so splitting on both is safe.
const RECORD_SEPARATOR_SPEC: u8 = 0x1E;
/// The length prefix before each binary message in a batch.
const LENGTH_PREFIX_LEN: usize = 4;

/// What one WAMP message is wrapped in when it travels as a batch of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchFraming {
    /// Unbatched: the WebSocket message is the WAMP message.
    None,
    /// JSON batched: the message, then 0x18 (0x1E accepted on receive).
    Separator,
    /// Binary batched: the length (32-bit big-endian), then the message.
    LengthPrefix,
}

impl BatchFraming {
    /// The octets that go before a message of `len` octets (0 or 4 of the array are used).
    pub fn prefix(self, len: usize) -> ([u8; LENGTH_PREFIX_LEN], usize) {
        match self {
            BatchFraming::LengthPrefix => ((len as u32).to_be_bytes(), LENGTH_PREFIX_LEN),
            _ => ([0; LENGTH_PREFIX_LEN], 0),
        }
    }

    /// The octets that go after a message.
    pub fn suffix(self) -> &'static [u8] {
        match self {
            BatchFraming::Separator => &[RECORD_SEPARATOR],
            _ => &[],
        }
    }

    /// How many octets the framing adds to one message.
    pub fn overhead(self) -> usize {
        match self {
            BatchFraming::None => 0,
            BatchFraming::Separator => 1,
            BatchFraming::LengthPrefix => LENGTH_PREFIX_LEN,
        }
    }
}

/// The framing `subprotocol` puts around each message.
pub fn batch_framing(subprotocol: Subprotocol) -> BatchFraming {
    match (subprotocol.batched, subprotocol.is_text()) {
        (false, _) => BatchFraming::None,
        (true, true) => BatchFraming::Separator,
        (true, false) => BatchFraming::LengthPrefix,
    }
}

/// A received batch that does not follow the batched framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// A WebSocket message with no WAMP message in it (the spec says to fail the transport).
    Empty,
    /// JSON batch: octets after the last separator.
    UnterminatedJson {
        /// How many octets trail.
        trailing: usize,
    },
    /// Binary batch: a length prefix cut short, or a length longer than what follows.
    Truncated {
        /// The offset of the item in the WebSocket message.
        offset: usize,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Empty => f.write_str("batched WebSocket message carries no WAMP message"),
            BatchError::UnterminatedJson { trailing } => write!(
                f,
                "batched JSON message has {trailing} octets after the last separator"
            ),
            BatchError::Truncated { offset } => write!(
                f,
                "batched binary message cut short in the item at offset {offset}"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

/// Splits a received WebSocket message into the WAMP messages it carries, each a slice of
/// `message` (no copy). Unbatched: the message itself.
pub fn split_batch(framing: BatchFraming, message: Bytes) -> Result<Vec<Bytes>, BatchError> {
    let mut items = Vec::new();
    match framing {
        BatchFraming::None => return Ok(vec![message]),
        BatchFraming::Separator => {
            let mut start = 0;
            for (i, &octet) in message.iter().enumerate() {
                if octet == RECORD_SEPARATOR || octet == RECORD_SEPARATOR_SPEC {
                    items.push(message.slice(start..i));
                    start = i + 1;
                }
            }
            if start < message.len() {
                return Err(BatchError::UnterminatedJson {
                    trailing: message.len() - start,
                });
            }
        }
        BatchFraming::LengthPrefix => {
            let mut offset = 0;
            while offset < message.len() {
                let prefix: [u8; LENGTH_PREFIX_LEN] = message
                    .get(offset..offset + LENGTH_PREFIX_LEN)
                    .and_then(|p| p.try_into().ok())
                    .ok_or(BatchError::Truncated { offset })?;
                let len = u32::from_be_bytes(prefix) as usize;
                let start = offset + LENGTH_PREFIX_LEN;
                let end = start
                    .checked_add(len)
                    .filter(|&end| end <= message.len())
                    .ok_or(BatchError::Truncated { offset })?;
                items.push(message.slice(start..end));
                offset = end;
            }
        }
    }
    if items.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::rawsocket::Serializer;

    #[test]
    fn framing_follows_the_subprotocol() {
        assert_eq!(
            batch_framing(Subprotocol::new(Serializer::Cbor)),
            BatchFraming::None
        );
        assert_eq!(
            batch_framing(Subprotocol::batched(Serializer::Json)),
            BatchFraming::Separator
        );
        assert_eq!(
            batch_framing(Subprotocol::batched(Serializer::MsgPack)),
            BatchFraming::LengthPrefix
        );
    }

    #[test]
    fn json_batches_split_on_the_separator() {
        let msg = Bytes::from_static(b"[1]\x18[2,3]\x1e");
        let items = split_batch(BatchFraming::Separator, msg.clone()).unwrap();
        assert_eq!(items, vec![&b"[1]"[..], &b"[2,3]"[..]]);
        // The items share the message's buffer.
        assert_eq!(items[0].as_ptr(), msg.as_ptr());
        assert_eq!(
            split_batch(BatchFraming::Separator, Bytes::from_static(b"[1]\x1e[2]")),
            Err(BatchError::UnterminatedJson { trailing: 3 })
        );
        assert_eq!(
            split_batch(BatchFraming::Separator, Bytes::new()),
            Err(BatchError::Empty)
        );
    }

    #[test]
    fn binary_batches_split_on_length_prefixes() {
        let msg = Bytes::from_static(b"\0\0\0\x02ab\0\0\0\0\0\0\0\x01c");
        let items = split_batch(BatchFraming::LengthPrefix, msg).unwrap();
        assert_eq!(items, vec![&b"ab"[..], &b""[..], &b"c"[..]]);
        for (bad, offset) in [
            (&b"\0\0\0\x05ab"[..], 0),
            (&b"\0\0\0\x01a\0\0"[..], 5),
            (&b"\xff\xff\xff\xff"[..], 0),
        ] {
            assert_eq!(
                split_batch(BatchFraming::LengthPrefix, Bytes::from_static(bad)),
                Err(BatchError::Truncated { offset })
            );
        }
        assert_eq!(
            split_batch(BatchFraming::LengthPrefix, Bytes::new()),
            Err(BatchError::Empty)
        );
    }

    #[test]
    fn prefix_and_suffix() {
        assert_eq!(BatchFraming::LengthPrefix.prefix(258), ([0, 0, 1, 2], 4));
        assert_eq!(BatchFraming::Separator.prefix(258).1, 0);
        assert_eq!(BatchFraming::Separator.suffix(), b"\x18");
        assert_eq!(BatchFraming::LengthPrefix.suffix(), b"");
    }
}
