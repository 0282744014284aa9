//! Details, Options and Extra in FlatBuffers: some attributes have typed fields, the others
//! travel in the appended `attributes` field, one CBOR map.
//!
//! The one rule both directions follow: a typed field holds an attribute only when reading the
//! field back gives exactly the same value. A scalar field at its default value reads as "no
//! attribute" (as autobahn-python reads it), so an attribute whose value is the default, or of
//! another type, or out of the field's range, or a name outside the field's enum, goes into
//! `attributes` instead. Hence every dict survives a round trip, and what autobahn writes reads
//! as autobahn means it.
//!
//! [`Collect`] reads (typed fields first, then the `attributes` map; a key in both is an error),
//! [`Split`] writes.

use super::cbor_bridge;
use super::generated as fb;
use super::names::{self, Names};
use crate::wamp::error::{Error, Result};
use crate::wamp::message::MessageType;
use crate::wamp::value::{Dict, Value};
use bytes::Bytes;
use flatbuffers::{ForwardsUOffset, Vector};

/// The attributes of Payload Passthru Mode that have typed fields, ready to be written.
#[derive(Clone, Copy, Default)]
pub(super) struct Ppt<'a> {
    pub(super) scheme: Option<fb::PPTScheme>,
    pub(super) serializer: Option<fb::PPTSerializer>,
    pub(super) cipher: Option<fb::PPTCipher>,
    pub(super) keyid: Option<&'a str>,
}

/// Builds a dict from typed fields and the `attributes` map of a received message.
pub(super) struct Collect<'f> {
    frame: &'f Bytes,
    ty: MessageType,
    dict: Dict,
}

impl<'f> Collect<'f> {
    pub(super) fn new(frame: &'f Bytes, ty: MessageType) -> Collect<'f> {
        Collect {
            frame,
            ty,
            dict: Dict::new(),
        }
    }

    /// Any attribute.
    pub(super) fn value(&mut self, key: &str, value: Value) {
        self.dict.insert(key.to_owned(), value);
    }

    pub(super) fn flag(&mut self, key: &str, value: bool, default: bool) {
        if value != default {
            self.value(key, Value::Bool(value));
        }
    }

    pub(super) fn uint(&mut self, key: &str, value: impl Into<u64>) {
        let value = value.into();
        if value != 0 {
            self.value(key, Value::UInt(value));
        }
    }

    pub(super) fn string(&mut self, key: &str, value: Option<&str>) {
        if let Some(s) = value {
            self.value(key, Value::from(s));
        }
    }

    pub(super) fn strings(&mut self, key: &str, value: Option<Vector<'_, ForwardsUOffset<&str>>>) {
        if let Some(v) = value {
            self.value(key, Value::List(v.iter().map(Value::from).collect()));
        }
    }

    pub(super) fn uints(&mut self, key: &str, value: Option<Vector<'_, u64>>) {
        if let Some(v) = value {
            self.value(key, Value::List(v.iter().map(Value::UInt).collect()));
        }
    }

    /// An enum field: its name, unless the field holds its default.
    pub(super) fn named(&mut self, key: &str, raw: u8, default: u8, names: &Names) -> Result<()> {
        if raw != default {
            let name = self.name(raw, names)?;
            self.value(key, Value::from(name));
        }
        Ok(())
    }

    fn name(&self, raw: u8, names: &Names) -> Result<&'static str> {
        names.name(raw).ok_or_else(|| {
            Error::invalid(
                self.ty.name(),
                format!("{} has the unknown value {raw}", names.field),
            )
        })
    }

    pub(super) fn auth_methods(
        &mut self,
        key: &str,
        value: Option<Vector<'_, fb::AuthMethod>>,
    ) -> Result<()> {
        if let Some(v) = value {
            let list = v
                .iter()
                .map(|m| self.name(m.0, &names::AUTH_METHOD).map(Value::from))
                .collect::<Result<_>>()?;
            self.value(key, Value::List(list));
        }
        Ok(())
    }

    /// `forward_for`: a list of `{session, authid, authrole}` (a missing string reads as null,
    /// which the message layer then rejects, as it rejects it from any serializer).
    pub(super) fn forward_for(
        &mut self,
        value: Option<Vector<'_, ForwardsUOffset<fb::Principal<'_>>>>,
    ) {
        if let Some(v) = value {
            let hops = v.iter().map(|p| {
                let mut hop = Dict::with_capacity(3);
                hop.insert("session".into(), Value::UInt(p.session()));
                hop.insert("authid".into(), p.authid().map_or(Value::Null, Value::from));
                hop.insert(
                    "authrole".into(),
                    p.authrole().map_or(Value::Null, Value::from),
                );
                Value::Dict(hop)
            });
            self.value("forward_for", Value::List(hops.collect()));
        }
    }

    /// A `KeyValue` (`authextra`): a dict of its one pair. zerowamp never writes these.
    pub(super) fn key_value(&mut self, key: &str, value: Option<fb::KeyValue<'_>>) {
        if let Some(kv) = value {
            self.value(key, Value::Dict(pair(kv)));
        }
    }

    /// The typed fields of Payload Passthru Mode, named as autobahn names them (`ppt_cipher`,
    /// which autobahn does not read, as the spec names it).
    pub(super) fn ppt(
        &mut self,
        scheme: fb::PPTScheme,
        serializer: fb::PPTSerializer,
        cipher: fb::PPTCipher,
        keyid: Option<&str>,
    ) -> Result<()> {
        self.named("enc_algo", scheme.0, 0, &names::PPT_SCHEME)?;
        self.named("enc_serializer", serializer.0, 0, &names::PPT_SERIALIZER)?;
        self.named("ppt_cipher", cipher.0, 0, &names::PPT_CIPHER)?;
        self.string("enc_key", keyid);
        Ok(())
    }

    /// The dict: the typed attributes collected so far, then those of `attributes`.
    pub(super) fn finish(mut self, attributes: Option<Vector<'_, u8>>) -> Result<Dict> {
        let Some(v) = attributes else {
            return Ok(self.dict);
        };
        let rest = cbor_bridge::decode_dict(slice_of(self.frame, v.bytes()))
            .map_err(|e| in_field(e, self.ty, "attributes", self.frame, v.bytes()))?;
        for (key, value) in rest {
            if self.dict.contains_key(&key) {
                return Err(Error::invalid(
                    self.ty.name(),
                    format!("attribute {key:?} is given both in a typed field and in attributes"),
                ));
            }
            self.dict.insert(key, value);
        }
        Ok(self.dict)
    }
}

/// The one pair of a `KeyValue` as a dict (a missing value reads as null).
pub(super) fn pair(kv: fb::KeyValue<'_>) -> Dict {
    let mut d = Dict::with_capacity(1);
    d.insert(
        kv.key().unwrap_or_default().to_owned(),
        kv.value().map_or(Value::Null, Value::from),
    );
    d
}

/// `part`, a slice of `frame`, as a [`Bytes`] sharing the frame's buffer: no copy.
pub(super) fn slice_of(frame: &Bytes, part: &[u8]) -> Bytes {
    // Every slice handed out by the verified FlatBuffers reader lies inside the frame.
    frame.slice_ref(part)
}

/// A CBOR error inside the byte vector `field` (lying at `part` in `frame`), restated as a
/// FlatBuffers error at its offset in the frame.
pub(super) fn in_field(
    e: Error,
    ty: MessageType,
    field: &str,
    frame: &Bytes,
    part: &[u8],
) -> Error {
    let base = part.as_ptr() as usize - frame.as_ptr() as usize;
    match e {
        Error::Malformed { offset, reason, .. } => Error::malformed(
            "flatbuffers",
            base + offset,
            format!("{} {field}: CBOR {reason}", ty.name()),
        ),
        other => other,
    }
}

/// Splits a dict to be sent into attributes for typed fields and the rest (`attributes`).
pub(super) struct Split<'a> {
    dict: &'a Dict,
    /// `typed[i]`: entry `i` of the dict went into a typed field.
    typed: Vec<bool>,
}

impl<'a> Split<'a> {
    pub(super) fn new(dict: &'a Dict) -> Split<'a> {
        Split {
            dict,
            typed: vec![false; dict.len()],
        }
    }

    /// The value of `key` converted by `typed`, if it converts; the entry is then marked as
    /// written in a typed field.
    fn take<T>(&mut self, key: &str, typed: impl FnOnce(&'a Value) -> Option<T>) -> Option<T> {
        let (i, _, value) = self.dict.get_full(key)?;
        let t = typed(value)?;
        self.typed[i] = true;
        Some(t)
    }

    pub(super) fn flag(&mut self, key: &str, default: bool) -> Option<bool> {
        self.take(key, |v| v.as_bool().filter(|b| *b != default))
    }

    /// A non-zero integer that fits `T` (u64, u32, u16).
    pub(super) fn uint<T: TryFrom<u64>>(&mut self, key: &str) -> Option<T> {
        self.take(key, |v| {
            v.as_u64()
                .filter(|u| *u != 0)
                .and_then(|u| T::try_from(u).ok())
        })
    }

    pub(super) fn string(&mut self, key: &str) -> Option<&'a str> {
        self.take(key, Value::as_str)
    }

    /// A non-empty list of strings.
    pub(super) fn strings(&mut self, key: &str) -> Option<&'a [Value]> {
        self.take(key, |v| {
            v.as_list()
                .filter(|l| !l.is_empty() && l.iter().all(|e| e.as_str().is_some()))
                .map(Vec::as_slice)
        })
    }

    /// A non-empty list of non-negative integers.
    pub(super) fn uints(&mut self, key: &str) -> Option<&'a [Value]> {
        self.take(key, |v| {
            v.as_list()
                .filter(|l| !l.is_empty() && l.iter().all(|e| e.as_u64().is_some()))
                .map(Vec::as_slice)
        })
    }

    /// A name of `names` other than the field's default.
    pub(super) fn named(&mut self, key: &str, default: u8, names: &Names) -> Option<u8> {
        self.take(key, |v| {
            v.as_str()
                .and_then(|s| names.value(s))
                .filter(|n| *n != default)
        })
    }

    /// A non-empty list of authentication method names, all of them in the enum.
    pub(super) fn auth_methods(&mut self, key: &str) -> Option<Vec<fb::AuthMethod>> {
        self.take(key, |v| {
            let l = v.as_list().filter(|l| !l.is_empty())?;
            l.iter()
                .map(|m| {
                    m.as_str()
                        .and_then(|s| names::AUTH_METHOD.value(s))
                        .map(fb::AuthMethod)
                })
                .collect()
        })
    }

    /// `forward_for`, when every hop is exactly `{session: integer, authid: string, authrole:
    /// string}` and there is at least one.
    pub(super) fn forward_for(&mut self) -> Option<&'a [Value]> {
        self.take("forward_for", |v| {
            v.as_list()
                .filter(|l| !l.is_empty() && l.iter().all(is_exact_hop))
                .map(Vec::as_slice)
        })
    }

    pub(super) fn ppt(&mut self) -> Ppt<'a> {
        Ppt {
            scheme: self
                .named("enc_algo", 0, &names::PPT_SCHEME)
                .map(fb::PPTScheme),
            serializer: self
                .named("enc_serializer", 0, &names::PPT_SERIALIZER)
                .map(fb::PPTSerializer),
            cipher: self
                .named("ppt_cipher", 0, &names::PPT_CIPHER)
                .map(fb::PPTCipher),
            keyid: self.string("enc_key"),
        }
    }

    /// The entries not written in typed fields, as one CBOR map; `None` when there are none.
    pub(super) fn rest(self) -> Result<Option<Vec<u8>>> {
        let count = self.typed.iter().filter(|t| !**t).count();
        if count == 0 {
            return Ok(None);
        }
        let entries = self
            .dict
            .iter()
            .zip(&self.typed)
            .filter(|(_, typed)| !**typed)
            .map(|((k, v), _)| (k.as_str(), v));
        let mut out = Vec::new();
        cbor_bridge::encode_entries(Exact(entries, count), &mut out)?;
        Ok(Some(out))
    }
}

fn is_exact_hop(hop: &Value) -> bool {
    hop.as_dict().is_some_and(|d| {
        d.len() == 3
            && d.get("session").and_then(Value::as_u64).is_some()
            && d.get("authid").and_then(Value::as_str).is_some()
            && d.get("authrole").and_then(Value::as_str).is_some()
    })
}

/// An iterator with a known length (a filter's length is not known to the type system).
struct Exact<I>(I, usize);

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.0.next()?;
        self.1 = self.1.saturating_sub(1);
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}
