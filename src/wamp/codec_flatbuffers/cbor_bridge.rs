//! The CBOR this codec needs: Arguments, ArgumentsKw and the `attributes` map travel inside the
//! FlatBuffers envelope as CBOR byte vectors (what autobahn-python writes with cbor2).
//!
//! MERGE NOTE (for the lead): the module `standin` below is a temporary, self-contained CBOR
//! reader and writer, written so that this codec could be built while the shared CBOR codec
//! (`crate::wamp::codec::cbor`) was written on another branch. It has exactly that codec's three
//! functions `encode_value`, `encode_list` and `decode_value`, with the same signatures and the
//! same output (smallest integer heads, floats as 64-bit). At merge, delete `mod standin { ... }`
//! and write `use crate::wamp::codec::cbor as standin;`; the rest of this file stays.

use crate::wamp::error::{Error, Result};
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;

/// Decodes `buf`, holding one CBOR array, into a list; byte strings are slices of `buf`.
pub(super) fn decode_list(buf: Bytes) -> Result<List> {
    match standin::decode_value(buf)? {
        Value::List(l) => Ok(l),
        other => Err(Error::malformed(
            "cbor",
            0,
            format!("expected an array, found {}", other.type_name()),
        )),
    }
}

/// Decodes `buf`, holding one CBOR map with string keys, into a dict.
pub(super) fn decode_dict(buf: Bytes) -> Result<Dict> {
    match standin::decode_value(buf)? {
        Value::Dict(d) => Ok(d),
        other => Err(Error::malformed(
            "cbor",
            0,
            format!("expected a map, found {}", other.type_name()),
        )),
    }
}

/// Appends `items` as one CBOR array.
pub(super) fn encode_list(items: &[Value], out: &mut Vec<u8>) -> Result<()> {
    standin::encode_list(items, out)
}

/// Appends `entries` as one CBOR map, in their order (a subset of a dict, without cloning it).
pub(super) fn encode_entries<'a>(
    entries: impl ExactSizeIterator<Item = (&'a str, &'a Value)>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    head(5, entries.len() as u64, out);
    for (key, value) in entries {
        head(3, key.len() as u64, out);
        out.extend_from_slice(key.as_bytes());
        if let Err(e) = standin::encode_value(value, out) {
            out.truncate(start);
            return Err(e);
        }
    }
    Ok(())
}

/// A CBOR initial byte of `major` type with argument `n`, in its smallest form.
fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// TEMPORARY stand-in for `crate::wamp::codec::cbor` (see the merge note above).
mod standin {
    use super::head;
    use crate::wamp::error::{Error, Result};
    use crate::wamp::value::{Dict, List, Value};
    use bytes::Bytes;

    const NAME: &str = "cbor";

    /// How deeply arrays and maps may nest (keeps the recursion well inside any stack).
    const MAX_DEPTH: usize = 100;

    /// Appends one value in CBOR.
    pub(crate) fn encode_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        write(value, out, 0).inspect_err(|_| out.truncate(start))
    }

    /// Appends a list in CBOR.
    pub(crate) fn encode_list(items: &[Value], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        head(4, items.len() as u64, out);
        for item in items {
            if let Err(e) = write(item, out, 1) {
                out.truncate(start);
                return Err(e);
            }
        }
        Ok(())
    }

    fn write(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::unencodable(
                NAME,
                format!("lists and dicts nested deeper than {MAX_DEPTH}"),
            ));
        }
        match value {
            Value::Null => out.push(0xf6),
            Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
            Value::UInt(u) => head(0, *u, out),
            Value::Int(i) if *i >= 0 => head(0, *i as u64, out),
            // -1 - n for a negative i is !i read as unsigned.
            Value::Int(i) => head(1, !*i as u64, out),
            Value::Float(f) => {
                out.push(0xfb);
                out.extend_from_slice(&f.to_be_bytes());
            }
            Value::Str(s) => {
                head(3, s.len() as u64, out);
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bytes(b) => {
                head(2, b.len() as u64, out);
                out.extend_from_slice(b);
            }
            Value::List(l) => {
                head(4, l.len() as u64, out);
                for item in l {
                    write(item, out, depth + 1)?;
                }
            }
            Value::Dict(d) => {
                head(5, d.len() as u64, out);
                for (k, v) in d {
                    head(3, k.len() as u64, out);
                    out.extend_from_slice(k.as_bytes());
                    write(v, out, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// Decodes a buffer holding exactly one CBOR value; byte strings are slices of `buf`.
    pub(crate) fn decode_value(buf: Bytes) -> Result<Value> {
        let mut r = Reader { buf, pos: 0 };
        let v = r.value(0)?;
        if r.pos != r.buf.len() {
            return Err(r.error(r.pos, format!("{} trailing bytes", r.buf.len() - r.pos)));
        }
        Ok(v)
    }

    struct Reader {
        buf: Bytes,
        pos: usize,
    }

    impl Reader {
        fn error(&self, at: usize, reason: impl Into<String>) -> Error {
            Error::malformed(NAME, at, reason)
        }

        fn take(&mut self, n: u64, what: &str) -> Result<std::ops::Range<usize>> {
            let left = self.buf.len() - self.pos;
            match usize::try_from(n) {
                Ok(n) if n <= left => {
                    let range = self.pos..self.pos + n;
                    self.pos += n;
                    Ok(range)
                }
                _ => Err(self.error(
                    self.pos,
                    format!("truncated: {what} needs {n} bytes, {left} left"),
                )),
            }
        }

        fn be(&mut self, n: u64) -> Result<u64> {
            let range = self.take(n, "a number")?;
            Ok(self.buf[range]
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
        }

        fn value(&mut self, depth: usize) -> Result<Value> {
            let at = self.pos;
            let initial = self.be(1)? as u8;
            let (major, info) = (initial >> 5, initial & 0x1f);
            if major == 7 {
                return match info {
                    20 => Ok(Value::Bool(false)),
                    21 => Ok(Value::Bool(true)),
                    22 => Ok(Value::Null),
                    25 => Ok(Value::Float(f16_to_f64(self.be(2)? as u16))),
                    26 => Ok(Value::Float(f64::from(f32::from_bits(self.be(4)? as u32)))),
                    27 => Ok(Value::Float(f64::from_bits(self.be(8)?))),
                    _ => Err(self.error(at, format!("simple value {info} is not a WAMP value"))),
                };
            }
            let n = match info {
                0..=23 => u64::from(info),
                24..=27 => self.be(1 << (info - 24))?,
                31 => return Err(self.error(at, "indefinite lengths are not supported")),
                _ => return Err(self.error(at, format!("reserved additional information {info}"))),
            };
            match major {
                0 => Ok(Value::UInt(n)),
                1 => i64::try_from(n)
                    .map(|n| Value::Int(-1 - n))
                    .map_err(|_| self.error(at, "negative integer below -2^63")),
                2 => {
                    let range = self.take(n, "a byte string")?;
                    Ok(Value::Bytes(self.buf.slice(range)))
                }
                3 => {
                    let range = self.take(n, "a text string")?;
                    std::str::from_utf8(&self.buf[range])
                        .map(|s| Value::Str(s.to_owned()))
                        .map_err(|_| self.error(at, "invalid UTF-8 in a text string"))
                }
                4 | 5 if depth >= MAX_DEPTH => Err(self.error(
                    at,
                    format!("arrays and maps nested deeper than {MAX_DEPTH}"),
                )),
                4 => {
                    // Every element takes at least one byte: never reserve more than is left.
                    let cap = n.min((self.buf.len() - self.pos) as u64) as usize;
                    let mut list = List::with_capacity(cap);
                    for _ in 0..n {
                        list.push(self.value(depth + 1)?);
                    }
                    Ok(Value::List(list))
                }
                5 => {
                    let cap = n.min((self.buf.len() - self.pos) as u64 / 2) as usize;
                    let mut dict = Dict::with_capacity(cap);
                    for _ in 0..n {
                        let key_at = self.pos;
                        let key = match self.value(depth + 1)? {
                            Value::Str(s) => s,
                            other => {
                                return Err(self.error(
                                    key_at,
                                    format!(
                                        "map keys must be strings, found {}",
                                        other.type_name()
                                    ),
                                ))
                            }
                        };
                        let value = self.value(depth + 1)?;
                        if dict.insert(key, value).is_some() {
                            return Err(self.error(key_at, "duplicate map key"));
                        }
                    }
                    Ok(Value::Dict(dict))
                }
                _ => Err(self.error(at, format!("tag {n} is not a WAMP value"))),
            }
        }
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

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_and_rejects() {
            let v = Value::List(vec![
                Value::UInt(u64::MAX),
                Value::Int(i64::MIN),
                Value::Float(-1.5),
                Value::Str("é".into()),
                Value::Bytes(Bytes::from_static(b"\x00\xff")),
                Value::Null,
                Value::Bool(true),
                Value::Dict([("k".to_owned(), Value::UInt(24))].into_iter().collect()),
            ]);
            let mut out = Vec::new();
            encode_value(&v, &mut out).unwrap();
            assert_eq!(decode_value(Bytes::from(out)).unwrap(), v);
            // half-precision 1.0, single 0.5
            assert_eq!(
                decode_value(Bytes::from_static(&[0xf9, 0x3c, 0x00])).unwrap(),
                Value::Float(1.0)
            );
            assert_eq!(
                decode_value(Bytes::from_static(&[0xfa, 0x3f, 0, 0, 0])).unwrap(),
                Value::Float(0.5)
            );
            for bad in [
                &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..], // huge array
                &[0x5a, 0xff, 0xff, 0xff, 0xff],                             // huge bytes
                &[0x9f, 0xff],                                               // indefinite
                &[0xa1, 0x01, 0x02],                                         // int key
                &[0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02],                 // duplicate
                &[0x62, 0xff, 0xfe],                                         // bad UTF-8
                &[0xc1, 0x00],                                               // tag
                &[0xf7],                                                     // undefined
                &[0x01, 0x02],                                               // trailing
                &[],
            ] {
                assert!(
                    decode_value(Bytes::copy_from_slice(bad)).is_err(),
                    "{bad:02x?}"
                );
            }
            let deep = [0x81u8; 200];
            assert!(decode_value(Bytes::copy_from_slice(&deep)).is_err());
        }
    }
}
