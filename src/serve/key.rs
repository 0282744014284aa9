//! Keys from WAMP arguments: a [`Value`] read as a key of a table's [`KeyCodec`], by the rules
//! of the table in the `serve` module docs (and, for range bounds, a composite key's first
//! elements as a prefix).

use std::fmt::Write as _;

use crate::store::{Key, KeyCodec};
use crate::wamp::Value;

/// A key that does not fit the codec: the message for `wamp.error.invalid_argument`.
pub(crate) type KeyError = String;

/// Encodes `value` as a whole key of `codec` into `out`.
pub(crate) fn encode(codec: &KeyCodec, value: &Value, out: &mut Vec<u8>) -> Result<(), KeyError> {
    let key = to_key(codec, value)?;
    codec
        .encode(&key, out)
        .map_err(|e| format!("key {}: {}", describe(value), e.message()))
}

/// Encodes `value` as a range bound of `codec` into `out`: a whole key, or for a composite codec
/// a list of its first elements.
pub(crate) fn encode_bound(
    codec: &KeyCodec,
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), KeyError> {
    let KeyCodec::Composite(codecs) = codec else {
        return encode(codec, value, out);
    };
    let parts = match value {
        Value::List(parts) if !parts.is_empty() && parts.len() <= codecs.len() => parts,
        _ => return Err(expected(codec, value, Some(codecs.len()))),
    };
    let prefix = codecs
        .iter()
        .zip(parts)
        .map(|(c, v)| to_key(c, v))
        .collect::<Result<Vec<Key>, KeyError>>()?;
    codec
        .encode_prefix(&prefix, out)
        .map_err(|e| format!("key {}: {}", describe(value), e.message()))
}

/// The key `value` stands for under `codec`.
fn to_key<'v>(codec: &KeyCodec, value: &'v Value) -> Result<Key<'v>, KeyError> {
    let key = match (codec, value) {
        (KeyCodec::U64, Value::UInt(n)) => Key::U64(*n),
        (KeyCodec::U64, Value::Int(n)) if *n >= 0 => Key::U64(n.unsigned_abs()),
        (KeyCodec::U64, Value::Bytes(b)) if b.len() == 8 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(b);
            Key::U64(u64::from_be_bytes(be))
        }
        (KeyCodec::Uuid, Value::Bytes(b)) if b.len() == 16 => {
            let mut uuid = [0u8; 16];
            uuid.copy_from_slice(b);
            Key::Uuid(uuid)
        }
        (KeyCodec::Uuid, Value::Str(s)) => {
            Key::Uuid(parse_uuid(s).ok_or_else(|| expected(codec, value, None))?)
        }
        (KeyCodec::Str, Value::Str(s)) => Key::str(s),
        (KeyCodec::Bytes, Value::Bytes(b)) => Key::bytes(b),
        (KeyCodec::Composite(codecs), Value::List(parts)) if parts.len() == codecs.len() => {
            Key::Composite(
                codecs
                    .iter()
                    .zip(parts)
                    .map(|(c, v)| to_key(c, v))
                    .collect::<Result<Vec<Key>, KeyError>>()?,
            )
        }
        (KeyCodec::Composite(codecs), _) => return Err(expected(codec, value, Some(codecs.len()))),
        _ => return Err(expected(codec, value, None)),
    };
    Ok(key)
}

/// What a key of `codec` must be, and what `value` is.
fn expected(codec: &KeyCodec, value: &Value, parts: Option<usize>) -> KeyError {
    let want = match codec {
        KeyCodec::U64 => "a non-negative integer or 8 bytes".to_owned(),
        KeyCodec::Uuid => "16 bytes or a canonical UUID string".to_owned(),
        KeyCodec::Str => "a string".to_owned(),
        KeyCodec::Bytes => "bytes".to_owned(),
        KeyCodec::Composite(_) => format!("a list of {} values", parts.unwrap_or_default()),
    };
    format!(
        "a key of this table ({codec}) is {want}, not {}",
        describe(value)
    )
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` as 16 bytes.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let digits: Vec<u8> = b.iter().copied().filter(|c| *c != b'-').collect();
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// A short rendering of a WAMP value for messages: integers and strings as such, bytes in
/// hex, lists in brackets.
pub(crate) fn describe(value: &Value) -> String {
    let mut out = String::new();
    describe_into(value, &mut out);
    out
}

fn describe_into(value: &Value, out: &mut String) {
    // Writing to a String cannot fail.
    let _ = match value {
        Value::Null => write!(out, "null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(n) => write!(out, "{n}"),
        Value::UInt(n) => write!(out, "{n}"),
        Value::Float(x) => write!(out, "{x}"),
        Value::Str(s) => write!(out, "{s:?}"),
        Value::Bytes(b) => write!(out, "0x{}", hex::encode(b)),
        Value::Dict(_) => write!(out, "a dict"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                describe_into(item, out);
            }
            out.push(']');
            Ok(())
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn enc(codec: &KeyCodec, value: Value) -> Result<Vec<u8>, KeyError> {
        let mut out = Vec::new();
        encode(codec, &value, &mut out).map(|()| out)
    }

    #[test]
    fn every_codec_takes_its_values() {
        assert_eq!(
            enc(&KeyCodec::U64, Value::UInt(7)),
            Ok(7u64.to_be_bytes().to_vec())
        );
        assert_eq!(
            enc(&KeyCodec::U64, Value::Int(7)),
            Ok(7u64.to_be_bytes().to_vec())
        );
        let be = Bytes::copy_from_slice(&9u64.to_be_bytes());
        assert_eq!(
            enc(&KeyCodec::U64, Value::Bytes(be)),
            Ok(9u64.to_be_bytes().to_vec())
        );
        let uuid: Vec<u8> = (0..16).collect();
        let text = "00010203-0405-0607-0809-0A0b0c0d0e0f";
        assert_eq!(enc(&KeyCodec::Uuid, Value::from(text)), Ok(uuid.clone()));
        assert_eq!(
            enc(&KeyCodec::Uuid, Value::Bytes(Bytes::from(uuid.clone()))),
            Ok(uuid)
        );
        assert_eq!(enc(&KeyCodec::Str, Value::from("ab")), Ok(b"ab".to_vec()));
        assert_eq!(
            enc(&KeyCodec::Bytes, Value::Bytes(Bytes::from_static(b"\0x"))),
            Ok(b"\0x".to_vec())
        );
        let pair = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
        let mut want = b"a\0\x01".to_vec();
        want.extend_from_slice(&2u64.to_be_bytes());
        assert_eq!(
            enc(&pair, Value::List(vec!["a".into(), 2.into()])),
            Ok(want)
        );
    }

    #[test]
    fn values_that_do_not_fit_are_refused_with_a_reason() {
        let cases = [
            (KeyCodec::U64, Value::Int(-1), "non-negative integer"),
            (
                KeyCodec::U64,
                Value::Bytes(Bytes::from_static(b"1234567")),
                "0x31323334353637",
            ),
            (KeyCodec::U64, Value::Float(1.5), "not 1.5"),
            (KeyCodec::Uuid, Value::from("not-a-uuid"), "canonical UUID"),
            (
                KeyCodec::Uuid,
                Value::from("0001020g-0405-0607-0809-0a0b0c0d0e0f"),
                "canonical UUID",
            ),
            (KeyCodec::Str, Value::UInt(1), "a string, not 1"),
            (KeyCodec::Str, Value::from(""), "must not be empty"),
            (KeyCodec::Bytes, Value::from("x"), "bytes, not \"x\""),
            (
                KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]),
                Value::List(vec!["a".into()]),
                "a list of 2 values",
            ),
        ];
        for (codec, value, reason) in cases {
            let err = enc(&codec, value.clone()).expect_err("refused");
            assert!(err.contains(reason), "{codec} {value:?}: {err}");
        }
        let long = Value::from("x".repeat(600));
        assert!(enc(&KeyCodec::Str, long).is_err());
    }

    #[test]
    fn composite_bounds_may_be_prefixes() {
        let pair = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
        let mut out = Vec::new();
        encode_bound(&pair, &Value::List(vec!["a".into()]), &mut out).expect("prefix");
        assert_eq!(out, b"a\0\x01");
        assert!(encode_bound(&pair, &Value::List(vec![]), &mut out).is_err());
        encode_bound(&KeyCodec::U64, &Value::UInt(3), &mut out).expect("whole key");
        assert_eq!(out, 3u64.to_be_bytes());
    }

    #[test]
    fn values_are_described_briefly() {
        let v = Value::List(vec![
            "a".into(),
            Value::Bytes(Bytes::from_static(&[1, 255])),
            Value::Int(-2),
        ]);
        assert_eq!(describe(&v), "[\"a\", 0x01ff, -2]");
    }
}
