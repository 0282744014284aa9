//! MessagePack (`wamp.2.msgpack`): our own reader and writer. Binary values (`bin 8/16/32`) are
//! decoded as slices of the received frame; integers and lengths are written in their smallest
//! form and floats as float 64, as msgpack-python (autobahn-python) writes them.

use super::cursor::{into_list, Cursor};
use super::emit::{self, appending, Emit, EmitSplit};
use super::{Codec, Serializer};
use crate::wamp::error::Result;
use crate::wamp::message::Message;
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;

const NAME: &str = "msgpack";

/// The MessagePack codec.
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgPack;

impl Codec for MsgPack {
    fn serializer(&self) -> Serializer {
        Serializer::MsgPack
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

/// Appends one value in MessagePack.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    appending(out, |out| emit::value(&mut Writer { out }, value))
}

/// Decodes a buffer holding exactly one MessagePack value; binaries are slices of `buf`.
pub fn decode_value(buf: Bytes) -> Result<Value> {
    let mut c = Cursor::new(NAME, buf);
    let v = read(&mut c, 0)?;
    c.finish()?;
    Ok(v)
}

fn read(c: &mut Cursor, depth: usize) -> Result<Value> {
    let at = c.pos();
    let b = c.u8()?;
    Ok(match b {
        0x00..=0x7f => Value::UInt(u64::from(b)),
        0x80..=0x8f => read_map(c, u64::from(b & 0x0f), depth)?,
        0x90..=0x9f => read_list(c, u64::from(b & 0x0f), depth)?,
        0xa0..=0xbf => Value::Str(c.string(u64::from(b & 0x1f))?),
        0xc0 => Value::Null,
        0xc2 => Value::Bool(false),
        0xc3 => Value::Bool(true),
        0xc4..=0xc6 => {
            let len = c.be_uint(1 << (b - 0xc4))?;
            Value::Bytes(c.slice(len, "a binary")?)
        }
        0xca => Value::Float(f64::from(f32::from_be_bytes(c.array()?))),
        0xcb => Value::Float(f64::from_be_bytes(c.array()?)),
        0xcc..=0xcf => Value::UInt(c.be_uint(1 << (b - 0xcc))?),
        0xd0 => Value::from(i64::from(i8::from_be_bytes(c.array()?))),
        0xd1 => Value::from(i64::from(i16::from_be_bytes(c.array()?))),
        0xd2 => Value::from(i64::from(i32::from_be_bytes(c.array()?))),
        0xd3 => Value::from(i64::from_be_bytes(c.array()?)),
        0xd9..=0xdb => {
            let len = c.be_uint(1 << (b - 0xd9))?;
            Value::Str(c.string(len)?)
        }
        0xdc | 0xdd => {
            let len = c.be_uint(if b == 0xdc { 2 } else { 4 })?;
            read_list(c, len, depth)?
        }
        0xde | 0xdf => {
            let len = c.be_uint(if b == 0xde { 2 } else { 4 })?;
            read_map(c, len, depth)?
        }
        0xe0..=0xff => Value::Int(i64::from(b as i8)),
        0xc7..=0xc9 | 0xd4..=0xd8 => {
            return Err(c.error_at(at, "extension types are not WAMP values"))
        }
        0xc1 => return Err(c.error_at(at, "0xc1 is never used in MessagePack")),
    })
}

fn read_list(c: &mut Cursor, len: u64, depth: usize) -> Result<Value> {
    c.check_depth(depth + 1)?;
    let mut list = List::with_capacity(c.capacity(len));
    for _ in 0..len {
        list.push(read(c, depth + 1)?);
    }
    Ok(Value::List(list))
}

fn read_map(c: &mut Cursor, len: u64, depth: usize) -> Result<Value> {
    c.check_depth(depth + 1)?;
    let mut dict = Dict::with_capacity(c.capacity(len) / 2);
    for _ in 0..len {
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
    }
    Ok(Value::Dict(dict))
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    /// A type byte followed by a big-endian length of the smallest width that holds `len`:
    /// `markers` are the type bytes for 8-, 16- and 32-bit lengths (`None` where the format
    /// has no 8-bit form).
    fn head(&mut self, len: usize, markers: [Option<u8>; 3], what: &str) -> Result<()> {
        match (
            markers,
            u8::try_from(len),
            u16::try_from(len),
            u32::try_from(len),
        ) {
            ([Some(m), _, _], Ok(n), _, _) => {
                self.out.push(m);
                self.out.push(n);
            }
            ([_, Some(m), _], _, Ok(n), _) => {
                self.out.push(m);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
            ([_, _, Some(m)], _, _, Ok(n)) => {
                self.out.push(m);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
            _ => {
                return Err(Self::unencodable(format!(
                    "{what} of {len} elements/bytes is over 2^32"
                )))
            }
        }
        Ok(())
    }
}

impl Emit for Writer<'_> {
    const NAME: &'static str = NAME;

    fn null(&mut self) {
        self.out.push(0xc0);
    }

    fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xc3 } else { 0xc2 });
    }

    fn uint(&mut self, u: u64) {
        if let Ok(n) = u8::try_from(u) {
            if n <= 0x7f {
                self.out.push(n);
            } else {
                self.out.extend_from_slice(&[0xcc, n]);
            }
        } else if let Ok(n) = u16::try_from(u) {
            self.out.push(0xcd);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = u32::try_from(u) {
            self.out.push(0xce);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else {
            self.out.push(0xcf);
            self.out.extend_from_slice(&u.to_be_bytes());
        }
    }

    fn negative(&mut self, i: i64) {
        if i >= -32 {
            self.out.push(i as u8); // negative fixint: the low byte of the two's complement
        } else if let Ok(n) = i8::try_from(i) {
            self.out.push(0xd0);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = i16::try_from(i) {
            self.out.push(0xd1);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = i32::try_from(i) {
            self.out.push(0xd2);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&i.to_be_bytes());
        }
    }

    fn float(&mut self, f: f64) -> Result<()> {
        self.out.push(0xcb);
        self.out.extend_from_slice(&f.to_be_bytes());
        Ok(())
    }

    fn str(&mut self, s: &str) -> Result<()> {
        if s.len() <= 31 {
            self.out.push(0xa0 | s.len() as u8);
        } else {
            self.head(s.len(), [Some(0xd9), Some(0xda), Some(0xdb)], "a string")?;
        }
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.head(b.len(), [Some(0xc4), Some(0xc5), Some(0xc6)], "a binary")?;
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn begin_list(&mut self, len: usize) -> Result<()> {
        if len <= 15 {
            self.out.push(0x90 | len as u8);
            Ok(())
        } else {
            self.head(len, [None, Some(0xdc), Some(0xdd)], "a list")
        }
    }

    fn begin_dict(&mut self, len: usize) -> Result<()> {
        if len <= 15 {
            self.out.push(0x80 | len as u8);
            Ok(())
        } else {
            self.head(len, [None, Some(0xde), Some(0xdf)], "a dict")
        }
    }

    fn key(&mut self, _index: usize, key: &str) -> Result<()> {
        self.str(key)
    }
}

impl EmitSplit for Writer<'_> {
    fn binary_head(&mut self, len: usize) -> Result<()> {
        self.head(len, [Some(0xc4), Some(0xc5), Some(0xc6)], "a binary")
    }
}
