//! The CBOR this codec needs: Arguments, ArgumentsKw and the `attributes` map travel inside the
//! FlatBuffers envelope as CBOR byte vectors (what autobahn-python writes with cbor2).
//!
//! They go through the shared CBOR codec, [`crate::wamp::codec::cbor`].

use crate::wamp::error::{Error, Result};
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;

use crate::wamp::codec::cbor;

/// Decodes `buf`, holding one CBOR array, into a list; byte strings are slices of `buf`.
pub(super) fn decode_list(buf: Bytes) -> Result<List> {
    match cbor::decode_value(buf)? {
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
    match cbor::decode_value(buf)? {
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
    cbor::encode_list(items, out)
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
        if let Err(e) = cbor::encode_value(value, out) {
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
