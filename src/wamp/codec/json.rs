//! JSON (`wamp.2.json`). Binary values use the WAMP convention: a string holding a NUL character
//! followed by the base64 of the bytes (`"\u0000AQI="`), so they are decoded into new buffers.
//! Output is compact (no spaces) and UTF-8, as autobahn-python writes it.

use super::emit::{self, appending, Emit};
use super::{cursor::into_list, Codec, Serializer};
use crate::wamp::error::{Error, Result};
use crate::wamp::message::Message;
use crate::wamp::value::{Dict, List, Value};
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::Engine;
use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Write;

const NAME: &str = "json";

/// The JSON codec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

impl Codec for Json {
    fn serializer(&self) -> Serializer {
        Serializer::Json
    }

    fn encode(&self, msg: &Message, out: &mut Vec<u8>) -> Result<()> {
        appending(out, |out| emit::fields(&mut Writer { out }, &msg.fields()))
    }

    fn decode(&self, frame: Bytes) -> Result<Message> {
        Message::from_list(into_list(decode_value(&frame)?)?)
    }
}

/// Appends one value in JSON.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    appending(out, |out| emit::value(&mut Writer { out }, value))
}

/// Decodes a buffer holding exactly one JSON value (surrounding whitespace allowed).
pub fn decode_value(buf: &[u8]) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(buf);
    let parsed = JsonValue::deserialize(&mut de).and_then(|v| de.end().map(|()| v.0));
    parsed.map_err(|e| Error::malformed(NAME, offset(buf, e.line(), e.column()), e.to_string()))
}

/// The byte offset of a 1-based line and column, as serde_json reports positions.
fn offset(buf: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        buf.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(line - 2)
            .map_or(buf.len(), |(i, _)| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(buf.len())
}

/// A [`Value`] read by serde_json (which also enforces a nesting limit of 128).
struct JsonValue(Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonValue, D::Error> {
        d.deserialize_any(ValueVisitor).map(JsonValue)
    }
}

struct ValueVisitor;

impl ValueVisitor {
    /// A string, or a binary if it starts with NUL.
    fn text<E: de::Error>(s: &str) -> Result<Value, E> {
        match s.strip_prefix('\0') {
            Some(b64) => STANDARD_PAD_INDIFFERENT
                .decode(b64)
                .map(|b| Value::Bytes(Bytes::from(b)))
                .map_err(|e| E::custom(format_args!("invalid base64 in a binary string: {e}"))),
            None => Ok(Value::Str(s.to_owned())),
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::UInt(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        ValueVisitor::text(s)
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        if s.starts_with('\0') {
            return ValueVisitor::text(&s);
        }
        Ok(Value::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = List::new();
        while let Some(JsonValue(v)) = seq.next_element()? {
            list.push(v);
        }
        Ok(Value::List(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        while let Some(key) = map.next_key::<String>()? {
            if dict.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate dict key \"{}\"",
                    key.escape_debug()
                )));
            }
            let JsonValue(v) = map.next_value()?;
            dict.insert(key, v);
        }
        Ok(Value::Dict(dict))
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    /// A quoted, escaped JSON string: `"` and `\`, the short escapes, and other control
    /// characters as `\u00XX` (lowercase, as Python writes them); everything else raw UTF-8.
    fn quoted(&mut self, s: &str) {
        self.out.push(b'"');
        let bytes = s.as_bytes();
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0x00..=0x1f => b"",
                _ => continue,
            };
            self.out.extend_from_slice(&bytes[run..i]);
            run = i + 1;
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let u = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ];
                self.out.extend_from_slice(&u);
            } else {
                self.out.extend_from_slice(escape);
            }
        }
        self.out.extend_from_slice(&bytes[run..]);
        self.out.push(b'"');
    }

    fn number(&mut self, n: impl fmt::Display) {
        // Writing into a Vec cannot fail.
        let _ = write!(self.out, "{n}");
    }
}

impl Emit for Writer<'_> {
    const NAME: &'static str = NAME;

    fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn uint(&mut self, u: u64) {
        self.number(u);
    }

    fn negative(&mut self, i: i64) {
        self.number(i);
    }

    fn float(&mut self, f: f64) -> Result<()> {
        if !f.is_finite() {
            return Err(Self::unencodable(format!("{f} is not a JSON number")));
        }
        // Debug gives the shortest text that reads back to the same f64, always with a '.' or
        // an exponent, so the value stays a float.
        let _ = write!(self.out, "{f:?}");
        Ok(())
    }

    fn str(&mut self, s: &str) -> Result<()> {
        if s.starts_with('\0') {
            return Err(Self::unencodable(
                "a string starting with NUL would read back as binary",
            ));
        }
        self.quoted(s);
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        let len = base64::encoded_len(b.len(), true)
            .ok_or_else(|| Self::unencodable("binary too long for base64"))?;
        self.out.extend_from_slice(b"\"\\u0000");
        let start = self.out.len();
        self.out.resize(start + len, 0);
        STANDARD
            .encode_slice(b, &mut self.out[start..])
            .map_err(|e| Self::unencodable(format!("base64: {e}")))?;
        self.out.push(b'"');
        Ok(())
    }

    fn begin_list(&mut self, _len: usize) -> Result<()> {
        self.out.push(b'[');
        Ok(())
    }

    fn item(&mut self, index: usize) {
        if index > 0 {
            self.out.push(b',');
        }
    }

    fn end_list(&mut self) {
        self.out.push(b']');
    }

    fn begin_dict(&mut self, _len: usize) -> Result<()> {
        self.out.push(b'{');
        Ok(())
    }

    fn key(&mut self, index: usize, key: &str) -> Result<()> {
        if index > 0 {
            self.out.push(b',');
        }
        self.quoted(key);
        self.out.push(b':');
        Ok(())
    }

    fn end_dict(&mut self) {
        self.out.push(b'}');
    }
}
