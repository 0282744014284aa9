//! WebSocket subprotocols, plain (`wamp.2.json`: one message per frame) and batched
//! (`wamp.2.json.batched`: several messages per frame).
//!
//! Batch framing:
//! - JSON: each message is followed by a one-byte separator. The spec text names the record
//!   separator 0x1E (while also writing it `\30`, which is octal for 0x18); autobahn-python —
//!   and so crossbar — writes and splits on 0x18. We write 0x18 so that crossbar reads our
//!   batches, and accept either byte (neither can occur unescaped in JSON text).
//! - MessagePack, CBOR: each message is preceded by its length, 4 bytes big-endian.
//!
//! A batch with no message is an error, as the spec says.

use super::{Codec, Serializer};
use crate::wamp::error::{Error, Result};
use crate::wamp::message::Message;
use bytes::Bytes;
use std::fmt;

/// The separator written after each message of a `wamp.2.json.batched` frame (see the module
/// documentation for why it is 0x18 and not 0x1E).
pub const JSON_BATCH_SEPARATOR: u8 = 0x18;

/// The separator the spec text names; accepted on decode.
const JSON_RECORD_SEPARATOR: u8 = 0x1e;

/// A WAMP-over-WebSocket subprotocol: a serializer, batched or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subprotocol {
    /// The serializer.
    pub serializer: Serializer,
    /// Several messages per frame.
    pub batched: bool,
}

impl Subprotocol {
    /// Every subprotocol, in our order of preference (binary and unbatched first).
    pub const ALL: [Subprotocol; 7] = [
        Subprotocol {
            serializer: Serializer::FlatBuffers,
            batched: false,
        },
        Subprotocol {
            serializer: Serializer::Cbor,
            batched: false,
        },
        Subprotocol {
            serializer: Serializer::MsgPack,
            batched: false,
        },
        Subprotocol {
            serializer: Serializer::Json,
            batched: false,
        },
        Subprotocol {
            serializer: Serializer::Cbor,
            batched: true,
        },
        Subprotocol {
            serializer: Serializer::MsgPack,
            batched: true,
        },
        Subprotocol {
            serializer: Serializer::Json,
            batched: true,
        },
    ];

    /// The unbatched subprotocol of a serializer.
    pub fn plain(serializer: Serializer) -> Subprotocol {
        Subprotocol {
            serializer,
            batched: false,
        }
    }

    /// The batched subprotocol of a serializer, if it has one.
    pub fn batched(serializer: Serializer) -> Option<Subprotocol> {
        let s = Subprotocol {
            serializer,
            batched: true,
        };
        Subprotocol::ALL.contains(&s).then_some(s)
    }

    /// The subprotocol's name, e.g. `"wamp.2.cbor.batched"`.
    pub fn name(self) -> &'static str {
        match (self.serializer, self.batched) {
            (Serializer::Json, false) => "wamp.2.json",
            (Serializer::MsgPack, false) => "wamp.2.msgpack",
            (Serializer::Cbor, false) => "wamp.2.cbor",
            (Serializer::Json, true) => "wamp.2.json.batched",
            (Serializer::MsgPack, true) => "wamp.2.msgpack.batched",
            (Serializer::Cbor, true) => "wamp.2.cbor.batched",
            (Serializer::FlatBuffers, _) => super::flatbuffers::SUBPROTOCOL,
        }
    }

    /// The subprotocol with this name.
    pub fn from_name(name: &str) -> Option<Subprotocol> {
        Subprotocol::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Appends one message to `out`, framed for this subprotocol: a plain frame holds exactly
    /// one message; a batched frame is built by appending several. On error `out` is unchanged.
    pub fn encode(self, msg: &Message, out: &mut Vec<u8>) -> Result<()> {
        let codec = self.serializer.codec();
        match (self.batched, self.serializer) {
            (false, _) => codec.encode(msg, out),
            (true, Serializer::Json) => {
                codec.encode(msg, out)?;
                out.push(JSON_BATCH_SEPARATOR);
                Ok(())
            }
            (true, _) => {
                let start = out.len();
                out.extend_from_slice(&[0; 4]);
                codec
                    .encode(msg, out)
                    .inspect_err(|_| out.truncate(start))?;
                let Ok(len) = u32::try_from(out.len() - start - 4) else {
                    out.truncate(start);
                    return Err(Error::unencodable(
                        self.serializer.name(),
                        "message over 4 GiB in a batch",
                    ));
                };
                out[start..start + 4].copy_from_slice(&len.to_be_bytes());
                Ok(())
            }
        }
    }

    /// Decodes every message of one frame (exactly one for a plain subprotocol). Binary values
    /// stay slices of `frame`.
    pub fn decode(self, frame: Bytes) -> Result<Vec<Message>> {
        let codec = self.serializer.codec();
        if !self.batched {
            return Ok(vec![codec.decode(frame)?]);
        }
        let messages = match self.serializer {
            Serializer::Json => split_separated(codec, &frame)?,
            _ => split_length_prefixed(codec, self.serializer.name(), &frame)?,
        };
        if messages.is_empty() {
            return Err(Error::malformed(self.serializer.name(), 0, "empty batch"));
        }
        Ok(messages)
    }
}

impl fmt::Display for Subprotocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn split_separated(codec: &dyn Codec, frame: &Bytes) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    let mut start = 0;
    for (i, &b) in frame.iter().enumerate() {
        if b == JSON_BATCH_SEPARATOR || b == JSON_RECORD_SEPARATOR {
            messages.push(
                codec
                    .decode(frame.slice(start..i))
                    .map_err(|e| shift(e, start))?,
            );
            start = i + 1;
        }
    }
    if start != frame.len() {
        return Err(Error::malformed(
            "json",
            start,
            "batched message without its separator",
        ));
    }
    Ok(messages)
}

fn split_length_prefixed(
    codec: &dyn Codec,
    name: &'static str,
    frame: &Bytes,
) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    let mut pos = 0;
    while pos < frame.len() {
        let prefix: [u8; 4] = frame
            .get(pos..pos + 4)
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| Error::malformed(name, pos, "truncated batch length prefix"))?;
        let len = u32::from_be_bytes(prefix) as usize;
        let start = pos + 4;
        let end = start
            .checked_add(len)
            .filter(|&end| end <= frame.len())
            .ok_or_else(|| {
                Error::malformed(
                    name,
                    pos,
                    format!(
                        "batched message of {len} bytes, only {} left",
                        frame.len() - start
                    ),
                )
            })?;
        messages.push(
            codec
                .decode(frame.slice(start..end))
                .map_err(|e| shift(e, start))?,
        );
        pos = end;
    }
    Ok(messages)
}

/// Makes the offset of a message's error relative to the whole batch frame.
fn shift(e: Error, by: usize) -> Error {
    match e {
        Error::Malformed {
            serializer,
            offset,
            reason,
        } => Error::Malformed {
            serializer,
            offset: offset + by,
            reason,
        },
        other => other,
    }
}
