//! The envelope of a message to send, encoded with one allocation: [`Codec::encode_split`] writes
//! into a per-thread scratch vector that keeps its capacity, and the octets are copied out into a
//! buffer of their exact size. (Encoding into a new vector instead grows it several times, and
//! turning a vector with spare capacity into [`Bytes`] allocates once more.)

use std::cell::RefCell;

use bytes::Bytes;

use super::Codec;
use crate::wamp::error::Result;
use crate::wamp::message::Message;

/// An envelope longer than this is handed over as it is (the scratch vector itself) rather
/// than copied: a copy would cost more than the allocations it saves.
const COPY_MAX: usize = 4096;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Encodes `msg` as [`Codec::encode_split`] does: the envelope, and the trailing binary of at
/// least `min` octets left out of it, if any.
pub(crate) fn encode_envelope(
    codec: &dyn Codec,
    msg: &Message,
    min: usize,
) -> Result<(Bytes, Option<Bytes>)> {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            let body = codec.encode_split(msg, min, &mut scratch)?;
            let head = if scratch.len() <= COPY_MAX {
                Bytes::copy_from_slice(&scratch)
            } else {
                Bytes::from(std::mem::take(&mut *scratch))
            };
            Ok((head, body))
        }
        // Only if an encoder ever ran inside another on this thread: no scratch, then.
        Err(_) => {
            let mut head = Vec::new();
            let body = codec.encode_split(msg, min, &mut head)?;
            Ok((Bytes::from(head), body))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wamp::message::Call;
    use crate::wamp::{Dict, Payload, Serializer, Value};

    fn call(record: Bytes) -> Message {
        Message::Call(Call {
            request: 7,
            options: Dict::new(),
            procedure: "com.example.get".into(),
            payload: Payload::args(vec![Value::Bytes(record)]),
        })
    }

    #[test]
    fn the_envelope_is_what_encode_split_writes_for_every_size() {
        for serializer in Serializer::ALL {
            let codec = serializer.codec();
            // Small and split, small and whole, and an envelope over COPY_MAX.
            for (len, min) in [(2000, 1024), (16, 1024), (3 * COPY_MAX, usize::MAX)] {
                let msg = call(Bytes::from(vec![9u8; len]));
                let mut expected = Vec::new();
                let expected_body = codec.encode_split(&msg, min, &mut expected).unwrap();
                // Twice: the second reuses the scratch vector the first left behind.
                for _ in 0..2 {
                    let (head, body) = encode_envelope(codec, &msg, min).unwrap();
                    assert_eq!(head, expected, "{serializer} {len}");
                    assert_eq!(body, expected_body, "{serializer} {len}");
                }
            }
        }
    }

    #[test]
    fn a_failure_leaves_nothing_behind() {
        // JSON has no NaN.
        let mut msg = call(Bytes::new());
        if let Message::Call(c) = &mut msg {
            c.payload = Payload::args(vec![Value::Float(f64::NAN)]);
        }
        assert!(encode_envelope(Serializer::Json.codec(), &msg, 1024).is_err());
        let ok = call(Bytes::from_static(b"k"));
        let (head, _) = encode_envelope(Serializer::Json.codec(), &ok, 1024).unwrap();
        let mut expected = Vec::new();
        Serializer::Json.codec().encode(&ok, &mut expected).unwrap();
        assert_eq!(head, expected);
    }
}
