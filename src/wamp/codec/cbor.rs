//! CBOR (`wamp.2.cbor`, RFC 8949): our own reader and writer. Byte strings are decoded as slices
//! of the received frame (an indefinite-length byte string, sent in chunks, is the one case that
//! must be joined, hence copied). Integers and lengths are written in their smallest form and
//! floats as 64-bit, as cbor2 (autobahn-python) writes them.

use super::cursor::{into_list, Cursor};
use super::emit::{self, appending, Emit, EmitSplit};
use super::{Codec, Serializer};
use crate::wamp::error::Result;
use crate::wamp::message::Message;
use crate::wamp::value::{Dict, List, Value};
use bytes::{Bytes, BytesMut};

const NAME: &str = "cbor";

/// The "break" byte that ends an indefinite-length item.
const BREAK: u8 = 0xff;

/// Tag 55799, "self-described CBOR": a marker with no meaning of its own, allowed and skipped.
const SELF_DESCRIBED: u64 = 55799;

/// The CBOR codec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cbor;

impl Codec for Cbor {
    fn serializer(&self) -> Serializer {
        Serializer::Cbor
    }

    fn encode(&self, msg: &Message, out: &mut Vec<u8>) -> Result<()> {
        appending(out, |out| emit::fields(&mut Writer { out }, &msg.fields()))
    }

    fn encode_split(&self, msg: &Message, min: usize, out: &mut Vec<u8>) -> Result<Option<Bytes>> {
        let mut body = None;
        appending(out, |out| {
            body = emit::fields_split(&mut Writer { out }, &msg.fields(), min)?;
            Ok(())
        })?;
        Ok(body)
    }

    fn decode(&self, frame: Bytes) -> Result<Message> {
        Message::from_list(into_list(decode_value(frame)?)?)
    }
}

/// Appends one value in CBOR.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    appending(out, |out| emit::value(&mut Writer { out }, value))
}

/// Appends a list in CBOR (e.g. Arguments, as the FlatBuffers envelope carries them).
pub fn encode_list(items: &[Value], out: &mut Vec<u8>) -> Result<()> {
    appending(out, |out| emit::list_of(&mut Writer { out }, items))
}

/// Appends a dict in CBOR (e.g. ArgumentsKw, as the FlatBuffers envelope carries them).
pub fn encode_dict(dict: &Dict, out: &mut Vec<u8>) -> Result<()> {
    appending(out, |out| emit::dict_of(&mut Writer { out }, dict))
}

/// Decodes a buffer holding exactly one CBOR value; byte strings are slices of `buf`.
pub fn decode_value(buf: Bytes) -> Result<Value> {
    let mut c = Cursor::new(NAME, buf);
    let v = read(&mut c, 0)?;
    c.finish()?;
    Ok(v)
}

/// The argument of an initial byte: its value, or `None` for indefinite length.
fn argument(c: &mut Cursor, at: usize, info: u8) -> Result<Option<u64>> {
    match info {
        0..=23 => Ok(Some(u64::from(info))),
        24..=27 => c.be_uint(1 << (info - 24)).map(Some),
        31 => Ok(None),
        _ => Err(c.error_at(at, format!("reserved additional information {info}"))),
    }
}

fn read(c: &mut Cursor, depth: usize) -> Result<Value> {
    let at = c.pos();
    let initial = c.u8()?;
    let (major, info) = (initial >> 5, initial & 0x1f);
    if major == 7 {
        return read_simple(c, at, info);
    }
    let arg = argument(c, at, info)?;
    match (major, arg) {
        (0, Some(n)) => Ok(Value::UInt(n)),
        (1, Some(n)) => match i64::try_from(n) {
            Ok(n) => Ok(Value::Int(-1 - n)),
            Err(_) => Err(c.error_at(at, "negative integer below -2^63")),
        },
        (2, Some(n)) => Ok(Value::Bytes(c.slice(n, "a byte string")?)),
        (2, None) => Ok(Value::Bytes(read_chunks(c, 2)?.freeze())),
        (3, Some(n)) => Ok(Value::Str(c.string(n)?)),
        (3, None) => {
            let joined = read_chunks(c, 3)?;
            String::from_utf8(joined.to_vec())
                .map(Value::Str)
                .map_err(|_| c.error_at(at, "invalid UTF-8 in a string"))
        }
        (4, len) => read_list(c, len, depth),
        (5, len) => read_map(c, len, depth),
        (6, Some(SELF_DESCRIBED)) => read(c, depth),
        (6, Some(tag)) => Err(c.error_at(at, format!("tag {tag} is not a WAMP value"))),
        _ => Err(c.error_at(
            at,
            format!("indefinite length is not allowed for major type {major}"),
        )),
    }
}

fn read_simple(c: &mut Cursor, at: usize, info: u8) -> Result<Value> {
    match info {
        20 => Ok(Value::Bool(false)),
        21 => Ok(Value::Bool(true)),
        22 => Ok(Value::Null),
        25 => Ok(Value::Float(f16_to_f64(u16::from_be_bytes(c.array()?)))),
        26 => Ok(Value::Float(f64::from(f32::from_be_bytes(c.array()?)))),
        27 => Ok(Value::Float(f64::from_be_bytes(c.array()?))),
        31 => Err(c.error_at(at, "unexpected break")),
        23 => Err(c.error_at(at, "undefined is not a WAMP value")),
        _ => Err(c.error_at(at, format!("simple value {info} is not a WAMP value"))),
    }
}

/// The definite-length chunks of an indefinite byte or text string (`major`), joined.
fn read_chunks(c: &mut Cursor, major: u8) -> Result<BytesMut> {
    let mut joined = BytesMut::new();
    loop {
        let at = c.pos();
        let initial = c.u8()?;
        if initial == BREAK {
            return Ok(joined);
        }
        if initial >> 5 != major {
            return Err(c.error_at(
                at,
                "a chunk of an indefinite-length string has the wrong type",
            ));
        }
        match argument(c, at, initial & 0x1f)? {
            Some(n) => joined.extend_from_slice(&c.slice(n, "a string chunk")?),
            None => return Err(c.error_at(at, "nested indefinite-length string")),
        }
    }
}

/// `true` when a collection of `len` elements (`None`: indefinite, ended by a break, which is
/// consumed) is complete after `count` elements.
fn done(c: &mut Cursor, len: Option<u64>, count: u64) -> Result<bool> {
    match len {
        Some(n) => Ok(count >= n),
        None if c.peek()? == BREAK => c.u8().map(|_| true),
        None => Ok(false),
    }
}

fn read_list(c: &mut Cursor, len: Option<u64>, depth: usize) -> Result<Value> {
    c.check_depth(depth + 1)?;
    let mut list = List::with_capacity(len.map_or(0, |n| c.capacity(n)));
    let mut count = 0u64;
    while !done(c, len, count)? {
        list.push(read(c, depth + 1)?);
        count += 1;
    }
    Ok(Value::List(list))
}

fn read_map(c: &mut Cursor, len: Option<u64>, depth: usize) -> Result<Value> {
    c.check_depth(depth + 1)?;
    let mut dict = Dict::with_capacity(len.map_or(0, |n| c.capacity(n) / 2));
    let mut count = 0u64;
    while !done(c, len, count)? {
        let at = c.pos();
        let key = match read(c, depth + 1)? {
            Value::Str(s) => s,
            other => {
                return Err(c.error_at(
                    at,
                    format!("dict keys must be strings, found {}", other.type_name()),
                ))
            }
        };
        let value = read(c, depth + 1)?;
        c.insert(&mut dict, key, value, at)?;
        count += 1;
    }
    Ok(Value::Dict(dict))
}

/// A half-precision float (IEEE 754 binary16) as f64.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    sign * match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(exp - 25),
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    /// An initial byte of `major` type with argument `n` in its smallest form.
    fn head(&mut self, major: u8, n: u64) {
        let m = major << 5;
        if n < 24 {
            self.out.push(m | n as u8);
        } else if let Ok(n) = u8::try_from(n) {
            self.out.extend_from_slice(&[m | 24, n]);
        } else if let Ok(n) = u16::try_from(n) {
            self.out.push(m | 25);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = u32::try_from(n) {
            self.out.push(m | 26);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else {
            self.out.push(m | 27);
            self.out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

impl Emit for Writer<'_> {
    const NAME: &'static str = NAME;

    fn null(&mut self) {
        self.out.push(0xf6);
    }

    fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xf5 } else { 0xf4 });
    }

    fn uint(&mut self, u: u64) {
        self.head(0, u);
    }

    fn negative(&mut self, i: i64) {
        // -1 - n for i < 0 is !i as unsigned.
        self.head(1, !i as u64);
    }

    fn float(&mut self, f: f64) -> Result<()> {
        self.out.push(0xfb);
        self.out.extend_from_slice(&f.to_be_bytes());
        Ok(())
    }

    fn str(&mut self, s: &str) -> Result<()> {
        self.head(3, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.head(2, b.len() as u64);
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn begin_list(&mut self, len: usize) -> Result<()> {
        self.head(4, len as u64);
        Ok(())
    }

    fn begin_dict(&mut self, len: usize) -> Result<()> {
        self.head(5, len as u64);
        Ok(())
    }

    fn key(&mut self, _index: usize, key: &str) -> Result<()> {
        self.str(key)
    }
}

impl EmitSplit for Writer<'_> {
    fn binary_head(&mut self, len: usize) -> Result<()> {
        self.head(2, len as u64);
        Ok(())
    }
}
