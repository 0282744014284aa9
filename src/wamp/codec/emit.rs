//! The one walk over a message's fields and values that every codec's encoder shares; each
//! codec supplies the bytes for each kind of value ([`Emit`]).

use super::cursor::MAX_DEPTH;
use crate::wamp::error::{Error, Result};
use crate::wamp::message::Field;
use crate::wamp::value::{Dict, Value};
use bytes::Bytes;

/// The byte-level writer of one serializer.
pub(crate) trait Emit {
    /// The serializer's name, for errors.
    const NAME: &'static str;

    fn null(&mut self);
    fn bool(&mut self, b: bool);
    fn uint(&mut self, u: u64);
    /// A negative integer.
    fn negative(&mut self, i: i64);
    fn float(&mut self, f: f64) -> Result<()>;
    fn str(&mut self, s: &str) -> Result<()>;
    fn bytes(&mut self, b: &[u8]) -> Result<()>;
    fn begin_list(&mut self, len: usize) -> Result<()>;
    /// Called before the element at `index` of a list.
    fn item(&mut self, _index: usize) {}
    fn end_list(&mut self) {}
    fn begin_dict(&mut self, len: usize) -> Result<()>;
    /// Writes the key of the entry at `index` of a dict.
    fn key(&mut self, index: usize, key: &str) -> Result<()>;
    fn end_dict(&mut self) {}

    /// A [`Error::Unencodable`] for this serializer.
    fn unencodable(reason: impl Into<String>) -> Error {
        Error::unencodable(Self::NAME, reason)
    }
}

/// Writes one value.
pub(crate) fn value<E: Emit>(e: &mut E, v: &Value) -> Result<()> {
    nested(e, v, 0)
}

fn nested<E: Emit>(e: &mut E, v: &Value, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(E::unencodable(format!(
            "nested deeper than {MAX_DEPTH} levels"
        )));
    }
    match v {
        Value::Null => e.null(),
        Value::Bool(b) => e.bool(*b),
        Value::UInt(u) => e.uint(*u),
        Value::Int(i) => match u64::try_from(*i) {
            Ok(u) => e.uint(u),
            Err(_) => e.negative(*i),
        },
        Value::Float(f) => e.float(*f)?,
        Value::Str(s) => e.str(s)?,
        Value::Bytes(b) => e.bytes(b)?,
        Value::List(l) => list(e, l, depth)?,
        Value::Dict(d) => dict(e, d, depth)?,
    }
    Ok(())
}

/// Writes a list given as a slice (no `Value::List` needed).
pub(crate) fn list_of<E: Emit>(e: &mut E, items: &[Value]) -> Result<()> {
    list(e, items, 0)
}

/// Writes a dict given by reference (no `Value::Dict` needed).
pub(crate) fn dict_of<E: Emit>(e: &mut E, d: &Dict) -> Result<()> {
    dict(e, d, 0)
}

fn list<E: Emit>(e: &mut E, items: &[Value], depth: usize) -> Result<()> {
    e.begin_list(items.len())?;
    for (i, v) in items.iter().enumerate() {
        e.item(i);
        nested(e, v, depth + 1)?;
    }
    e.end_list();
    Ok(())
}

fn dict<E: Emit>(e: &mut E, d: &Dict, depth: usize) -> Result<()> {
    e.begin_dict(d.len())?;
    for (i, (k, v)) in d.iter().enumerate() {
        e.key(i, k)?;
        nested(e, v, depth + 1)?;
    }
    e.end_dict();
    Ok(())
}

/// A writer whose binaries are a length-prefixed header followed by the octets as they are, and
/// whose lists end with nothing (MessagePack, CBOR): the octets of a binary that ends a message
/// can then be left out of the buffer and sent after it.
pub(crate) trait EmitSplit: Emit {
    /// Writes the header of a binary of `len` octets, without the octets.
    fn binary_head(&mut self, len: usize) -> Result<()>;
}

/// Writes a message, given as its fields in list form, as one list.
pub(crate) fn fields<E: Emit>(e: &mut E, fields: &[Field<'_>]) -> Result<()> {
    e.begin_list(fields.len())?;
    for (i, f) in fields.iter().enumerate() {
        e.item(i);
        field(e, *f)?;
    }
    e.end_list();
    Ok(())
}

fn field<E: Emit>(e: &mut E, f: Field<'_>) -> Result<()> {
    match f {
        Field::UInt(u) => e.uint(u),
        Field::Str(s) => e.str(s)?,
        Field::Dict(d) => dict(e, d, 1)?,
        Field::List(l) => list(e, l, 1)?,
        Field::Bytes(b) => e.bytes(b)?,
    }
    Ok(())
}

/// The binary that ends a message in list form: its last field, or the last element of its last
/// field when that is a list (Arguments in Payload Passthru Mode).
fn trailing_binary<'a>(fields: &[Field<'a>]) -> Option<&'a Bytes> {
    match fields.last() {
        Some(Field::Bytes(b)) => Some(b),
        Some(Field::List(l)) => match l.last() {
            Some(Value::Bytes(b)) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// Writes a message like [`fields`], except that a binary of at least `min` octets that ends it
/// is left out: only its header is written, and the binary is returned (shared, not copied), to
/// be sent right after the written octets. `None`: the whole message was written.
pub(crate) fn fields_split<E: EmitSplit>(
    e: &mut E,
    fields: &[Field<'_>],
    min: usize,
) -> Result<Option<Bytes>> {
    let (Some(body), Some((last, before))) = (
        trailing_binary(fields).filter(|b| b.len() >= min),
        fields.split_last(),
    ) else {
        self::fields(e, fields)?;
        return Ok(None);
    };
    e.begin_list(fields.len())?;
    for (i, f) in before.iter().enumerate() {
        e.item(i);
        field(e, *f)?;
    }
    e.item(before.len());
    if let Field::List(items) = *last {
        e.begin_list(items.len())?;
        for (i, v) in items.iter().take(items.len().saturating_sub(1)).enumerate() {
            e.item(i);
            nested(e, v, 2)?;
        }
        e.item(items.len().saturating_sub(1));
    }
    e.binary_head(body.len())?;
    Ok(Some(body.clone()))
}

/// Runs an encoder that appends to `out`; on failure `out` is left as it was.
pub(crate) fn appending(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    let start = out.len();
    let result = write(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}
