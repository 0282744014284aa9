//! Key codecs: how a table's keys are laid out as bytes, so that LMDB's byte order is the order
//! the application means.
//!
//! # Encodings
//!
//! | codec       | alone (the whole key)          | inside a composite                          |
//! |-------------|--------------------------------|---------------------------------------------|
//! | `U64`       | 8 bytes, big-endian            | the same 8 bytes                            |
//! | `Uuid`      | the 16 bytes as given          | the same 16 bytes                           |
//! | `Str`       | the UTF-8 bytes, unchanged     | escaped and terminated (below)              |
//! | `Bytes`     | the bytes, unchanged           | escaped and terminated (below)              |
//! | `Composite` | its elements, concatenated     | its elements, concatenated (it flattens)    |
//!
//! Inside a composite, a variable-length element must end somewhere without breaking the order,
//! so every `0x00` byte in it is written as `0x00 0xFF` and the element ends with `0x00 0x01`
//! (the scheme of Google's "ordered code"; FoundationDB's tuple layer uses the same escape but
//! a type byte after its terminator, which a statically typed codec does not have). The
//! terminator sorts below every escaped zero and every other byte, so a string sorts before all
//! its extensions whatever element follows, and comparing two encoded composites byte by byte
//! gives the same answer as comparing their tuples element by element. Every element is
//! self-delimiting, so the encoding of the first *n* elements of a composite is a prefix of the
//! whole key: use it as a range bound to scan everything under that prefix.
//!
//! A single `Str` or `Bytes` key is stored unescaped: byte order already is its order.
//!
//! Every key is 1 to [`MAX_KEY_LEN`] bytes long (LMDB refuses empty keys and, in this build,
//! keys over 511 bytes).

use std::borrow::Cow;
use std::fmt;

use super::error::{Error, ErrorKind, Result};

/// The longest key LMDB accepts in this build (`mdb_env_get_maxkeysize`).
pub const MAX_KEY_LEN: usize = 511;

/// Escape byte and the two bytes that may follow it inside a composite's variable-length element.
const ESC: u8 = 0x00;
const ESC_ZERO: u8 = 0xFF;
const ESC_END: u8 = 0x01;

/// How a table's keys are encoded; see the module docs for the byte layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyCodec {
    /// An unsigned 64-bit integer, 8 bytes big-endian.
    U64,
    /// A UUID, 16 raw bytes.
    Uuid,
    /// A UTF-8 string.
    Str,
    /// Raw bytes.
    Bytes,
    /// A tuple of the given codecs (at least one), ordered element by element.
    Composite(Vec<KeyCodec>),
}

/// A key before encoding (or after decoding), matching a [`KeyCodec`] shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key<'a> {
    /// For [`KeyCodec::U64`].
    U64(u64),
    /// For [`KeyCodec::Uuid`].
    Uuid([u8; 16]),
    /// For [`KeyCodec::Str`]; owned only when decoding had to unescape.
    Str(Cow<'a, str>),
    /// For [`KeyCodec::Bytes`]; owned only when decoding had to unescape.
    Bytes(Cow<'a, [u8]>),
    /// For [`KeyCodec::Composite`], one key per element.
    Composite(Vec<Key<'a>>),
}

impl<'a> Key<'a> {
    /// A borrowed string key.
    pub fn str(s: &'a str) -> Key<'a> {
        Key::Str(Cow::Borrowed(s))
    }

    /// A borrowed bytes key.
    pub fn bytes(b: &'a [u8]) -> Key<'a> {
        Key::Bytes(Cow::Borrowed(b))
    }

    /// The codec name of this key's shape, for messages.
    fn shape(&self) -> &'static str {
        match self {
            Key::U64(_) => "u64",
            Key::Uuid(_) => "uuid",
            Key::Str(_) => "str",
            Key::Bytes(_) => "bytes",
            Key::Composite(_) => "composite",
        }
    }
}

impl fmt::Display for KeyCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyCodec::U64 => f.write_str("u64"),
            KeyCodec::Uuid => f.write_str("uuid"),
            KeyCodec::Str => f.write_str("str"),
            KeyCodec::Bytes => f.write_str("bytes"),
            KeyCodec::Composite(parts) => {
                f.write_str("(")?;
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                f.write_str(")")
            }
        }
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidKey, message)
}

impl KeyCodec {
    /// Checks the codec itself: composites must have at least one element.
    pub fn check(&self) -> Result<()> {
        if let KeyCodec::Composite(parts) = self {
            if parts.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "a composite key codec needs at least one element",
                ));
            }
            parts.iter().try_for_each(KeyCodec::check)?;
        }
        Ok(())
    }

    /// Encodes `key` into `out` (cleared first). Fails with [`ErrorKind::InvalidKey`] if the key
    /// does not have this codec's shape, or its encoding is empty or longer than [`MAX_KEY_LEN`].
    pub fn encode(&self, key: &Key, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        match (self, key) {
            (KeyCodec::Str, Key::Str(s)) => out.extend_from_slice(s.as_bytes()),
            (KeyCodec::Bytes, Key::Bytes(b)) => out.extend_from_slice(b),
            _ => self.encode_element(key, out)?,
        }
        check_len(out.len())
    }

    /// Appends `key` in its inside-a-composite form.
    fn encode_element(&self, key: &Key, out: &mut Vec<u8>) -> Result<()> {
        match (self, key) {
            (KeyCodec::U64, Key::U64(v)) => out.extend_from_slice(&v.to_be_bytes()),
            (KeyCodec::Uuid, Key::Uuid(u)) => out.extend_from_slice(u),
            (KeyCodec::Str, Key::Str(s)) => escape_into(s.as_bytes(), out),
            (KeyCodec::Bytes, Key::Bytes(b)) => escape_into(b, out),
            (KeyCodec::Composite(codecs), Key::Composite(keys)) => {
                if codecs.len() != keys.len() {
                    return Err(invalid(format!(
                        "composite key {self} has {} elements, the key given has {}",
                        codecs.len(),
                        keys.len()
                    )));
                }
                for (c, k) in codecs.iter().zip(keys) {
                    c.encode_element(k, out)?;
                }
            }
            _ => {
                return Err(invalid(format!(
                    "the table's key codec is {self}, the key given is a {}",
                    key.shape()
                )))
            }
        }
        Ok(())
    }

    /// Encodes the first `prefix.len()` elements of a composite key into `out` (cleared first):
    /// every key that starts with those elements starts with these bytes, so they bound a range
    /// scan over all of them. [`ErrorKind::InvalidKey`] for a non-composite codec, or more
    /// elements than it has.
    pub fn encode_prefix(&self, prefix: &[Key], out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let KeyCodec::Composite(codecs) = self else {
            return Err(invalid(format!(
                "a key prefix needs a composite codec, not {self}"
            )));
        };
        if prefix.len() > codecs.len() {
            return Err(invalid(format!(
                "a prefix of {} elements is longer than the composite key {self}",
                prefix.len()
            )));
        }
        for (c, k) in codecs.iter().zip(prefix) {
            c.encode_element(k, out)?;
        }
        if out.len() > MAX_KEY_LEN {
            return check_len(out.len());
        }
        Ok(())
    }

    /// Checks that `encoded` is a well-formed key of this codec, without allocating.
    pub fn validate(&self, encoded: &[u8]) -> Result<()> {
        check_len(encoded.len())?;
        match self {
            KeyCodec::Str => std::str::from_utf8(encoded)
                .map(|_| ())
                .map_err(|e| invalid(format!("a str key must be UTF-8: {e}"))),
            KeyCodec::Bytes => Ok(()),
            _ => {
                let rest = self.walk_element(encoded)?;
                finish(self, rest)
            }
        }
    }

    /// Decodes a key of this codec; strings and bytes borrow from `encoded` unless they had to
    /// be unescaped.
    pub fn decode<'a>(&self, encoded: &'a [u8]) -> Result<Key<'a>> {
        check_len(encoded.len())?;
        match self {
            KeyCodec::Str => std::str::from_utf8(encoded)
                .map(|s| Key::Str(Cow::Borrowed(s)))
                .map_err(|e| invalid(format!("a str key must be UTF-8: {e}"))),
            KeyCodec::Bytes => Ok(Key::Bytes(Cow::Borrowed(encoded))),
            _ => {
                let (key, rest) = self.decode_element(encoded)?;
                finish(self, rest)?;
                Ok(key)
            }
        }
    }

    /// Decodes one element in its inside-a-composite form, returning it and the rest.
    fn decode_element<'a>(&self, input: &'a [u8]) -> Result<(Key<'a>, &'a [u8])> {
        match self {
            KeyCodec::U64 => {
                let (head, rest) = split_fixed::<8>(self, input)?;
                Ok((Key::U64(u64::from_be_bytes(head)), rest))
            }
            KeyCodec::Uuid => {
                let (head, rest) = split_fixed::<16>(self, input)?;
                Ok((Key::Uuid(head), rest))
            }
            KeyCodec::Bytes => {
                let (bytes, rest) = unescape(input)?;
                Ok((Key::Bytes(bytes), rest))
            }
            KeyCodec::Str => {
                let (bytes, rest) = unescape(input)?;
                let s = match bytes {
                    Cow::Borrowed(b) => Cow::Borrowed(utf8(b)?),
                    Cow::Owned(b) => {
                        Cow::Owned(String::from_utf8(b).map_err(|e| utf8_error(e.utf8_error()))?)
                    }
                };
                Ok((Key::Str(s), rest))
            }
            KeyCodec::Composite(codecs) => {
                let mut keys = Vec::with_capacity(codecs.len());
                let mut rest = input;
                for c in codecs {
                    let (k, r) = c.decode_element(rest)?;
                    keys.push(k);
                    rest = r;
                }
                Ok((Key::Composite(keys), rest))
            }
        }
    }

    /// Walks one element without building it (for `validate`), returning the rest.
    fn walk_element<'a>(&self, input: &'a [u8]) -> Result<&'a [u8]> {
        match self {
            KeyCodec::U64 => Ok(split_fixed::<8>(self, input)?.1),
            KeyCodec::Uuid => Ok(split_fixed::<16>(self, input)?.1),
            KeyCodec::Bytes => Ok(escaped_end(input)?.1),
            KeyCodec::Str => {
                let (body, rest) = escaped_end(input)?;
                // An escape only stands for 0x00, which never occurs inside a multi-byte
                // character, so checking each run between escapes is enough. Every run after
                // the first starts with the escape's 0xFF (escaped_end checked that).
                let mut runs = body.split(|&b| b == ESC);
                if let Some(first) = runs.next() {
                    utf8(first)?;
                }
                for run in runs {
                    utf8(run.get(1..).unwrap_or_default())?;
                }
                Ok(rest)
            }
            KeyCodec::Composite(codecs) => {
                let mut rest = input;
                for c in codecs {
                    rest = c.walk_element(rest)?;
                }
                Ok(rest)
            }
        }
    }
}

fn check_len(len: usize) -> Result<()> {
    if len == 0 {
        Err(invalid("a key must not be empty".into()))
    } else if len > MAX_KEY_LEN {
        Err(invalid(format!(
            "a key may be at most {MAX_KEY_LEN} bytes, this one is {len}"
        )))
    } else {
        Ok(())
    }
}

fn finish(codec: &KeyCodec, rest: &[u8]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} bytes left over after a complete {codec} key",
            rest.len()
        )))
    }
}

fn split_fixed<'a, const N: usize>(
    codec: &KeyCodec,
    input: &'a [u8],
) -> Result<([u8; N], &'a [u8])> {
    match input.split_first_chunk::<N>() {
        Some((head, rest)) => Ok((*head, rest)),
        None => Err(invalid(format!(
            "a {codec} key (or key element) is {N} bytes, only {} are there",
            input.len()
        ))),
    }
}

fn utf8_error(e: std::str::Utf8Error) -> Error {
    invalid(format!("a str key must be UTF-8: {e}"))
}

fn utf8(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(utf8_error)
}

fn escape_into(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == ESC {
            out.push(ESC_ZERO);
        }
    }
    out.extend_from_slice(&[ESC, ESC_END]);
}

/// Splits an escaped element into its escaped body and the input after its terminator.
fn escaped_end(input: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut i = 0;
    while let Some(off) = input[i..].iter().position(|&b| b == ESC) {
        let at = i + off;
        match input.get(at + 1) {
            Some(&ESC_END) => return Ok((&input[..at], &input[at + 2..])),
            Some(&ESC_ZERO) => i = at + 2,
            _ => {
                return Err(invalid(format!(
                    "bad escape at byte {at} of a composite key element (0x00 must be followed \
                     by 0xFF or 0x01)"
                )))
            }
        }
    }
    Err(invalid(
        "a string or bytes element of a composite key has no terminator".into(),
    ))
}

/// Unescapes one element, borrowing when it contains no escaped zero.
fn unescape(input: &[u8]) -> Result<(Cow<'_, [u8]>, &[u8])> {
    let (body, rest) = escaped_end(input)?;
    if !body.contains(&ESC) {
        return Ok((Cow::Borrowed(body), rest));
    }
    let mut out = Vec::with_capacity(body.len());
    let mut iter = body.iter();
    while let Some(&b) = iter.next() {
        out.push(b);
        if b == ESC {
            // escaped_end has checked that an 0xFF follows every 0x00 in the body.
            iter.next();
        }
    }
    Ok((Cow::Owned(out), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(codec: &KeyCodec, key: &Key) -> Vec<u8> {
        let mut out = Vec::new();
        codec.encode(key, &mut out).unwrap();
        out
    }

    #[test]
    fn scalars_encode_as_documented() {
        assert_eq!(
            enc(&KeyCodec::U64, &Key::U64(0x0102)),
            [0, 0, 0, 0, 0, 0, 1, 2]
        );
        assert_eq!(enc(&KeyCodec::Uuid, &Key::Uuid([7; 16])), [7; 16]);
        assert_eq!(enc(&KeyCodec::Str, &Key::str("a\0b")), b"a\0b");
        assert_eq!(enc(&KeyCodec::Bytes, &Key::bytes(&[0, 1])), [0, 1]);
        let c = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
        let key = Key::Composite(vec![Key::str("a\0"), Key::U64(1)]);
        assert_eq!(enc(&c, &key), [b'a', 0, 0xFF, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn composite_round_trips_and_borrows_when_it_can() {
        let c = KeyCodec::Composite(vec![
            KeyCodec::Str,
            KeyCodec::Bytes,
            KeyCodec::Composite(vec![KeyCodec::Uuid, KeyCodec::U64]),
        ]);
        let key = Key::Composite(vec![
            Key::str("plain"),
            Key::bytes(&[0, 0xFF, 0, 1]),
            Key::Composite(vec![Key::Uuid([9; 16]), Key::U64(u64::MAX)]),
        ]);
        let bytes = enc(&c, &key);
        c.validate(&bytes).unwrap();
        let back = c.decode(&bytes).unwrap();
        assert_eq!(back, key);
        let Key::Composite(parts) = back else {
            panic!("not a composite")
        };
        assert!(matches!(parts[0], Key::Str(Cow::Borrowed(_))));
        assert!(matches!(parts[1], Key::Bytes(Cow::Owned(_))));
    }

    #[test]
    fn byte_order_is_tuple_order() {
        let c = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
        let strings = [
            "", "\0", "\0\0", "\u{1}", "a", "a\0", "a\0\u{1}", "a\u{1}", "aa", "b", "\u{ff}",
        ];
        let numbers = [0u64, 1, 0xFF, 0xFF00, u64::MAX];
        let mut tuples = Vec::new();
        for s in strings {
            for n in numbers {
                tuples.push((s, n));
            }
        }
        for a in &tuples {
            for b in &tuples {
                let ea = enc(&c, &Key::Composite(vec![Key::str(a.0), Key::U64(a.1)]));
                let eb = enc(&c, &Key::Composite(vec![Key::str(b.0), Key::U64(b.1)]));
                assert_eq!(ea.cmp(&eb), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn prefixes_are_prefixes_of_full_keys() {
        let c = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64, KeyCodec::Bytes]);
        let full = enc(
            &c,
            &Key::Composite(vec![Key::str("a\0b"), Key::U64(9), Key::bytes(b"x")]),
        );
        let mut p = Vec::new();
        for n in 0..=3 {
            let parts = [Key::str("a\0b"), Key::U64(9), Key::bytes(b"x")];
            c.encode_prefix(&parts[..n], &mut p).unwrap();
            assert!(full.starts_with(&p), "{n}");
        }
        assert_eq!(p, full);
        // "a" is a prefix of "ab" as a string, but not as a first element.
        c.encode_prefix(&[Key::str("a")], &mut p).unwrap();
        assert!(!full.starts_with(&p));
        assert!(KeyCodec::U64.encode_prefix(&[], &mut p).is_err());
        let too_many = [Key::str("a"), Key::U64(1), Key::bytes(b""), Key::U64(2)];
        assert!(c.encode_prefix(&too_many, &mut p).is_err());
        assert!(c.encode_prefix(&[Key::U64(1)], &mut p).is_err());
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        let err = |c: &KeyCodec, b: &[u8]| c.validate(b).unwrap_err();
        assert_eq!(
            err(&KeyCodec::U64, &[1, 2, 3]).kind(),
            ErrorKind::InvalidKey
        );
        assert!(err(&KeyCodec::U64, &[0; 9]).message().contains("left over"));
        assert!(err(&KeyCodec::Uuid, &[0; 15])
            .message()
            .contains("16 bytes"));
        assert!(err(&KeyCodec::Str, &[0xC3]).message().contains("UTF-8"));
        assert!(err(&KeyCodec::Bytes, &[]).message().contains("empty"));
        assert!(err(&KeyCodec::Bytes, &[1; MAX_KEY_LEN + 1])
            .message()
            .contains("at most"));
        let c = KeyCodec::Composite(vec![KeyCodec::Str]);
        assert!(err(&c, b"abc").message().contains("terminator"));
        assert!(err(&c, &[b'a', 0, 7, 0, 1])
            .message()
            .contains("bad escape"));
        assert!(err(&c, &[0xC3, 0, 1]).message().contains("UTF-8"));
        assert!(c.decode(&[0xC3, 0, 0xFF, 0, 1]).is_err());
        assert!(err(&c, &[0xFF, b'a', 0, 1]).message().contains("UTF-8"));
        c.validate(&[b'a', 0, 0xFF, 0xC3, 0xA9, 0, 1]).unwrap();
        let mut out = Vec::new();
        let wrong = KeyCodec::U64.encode(&Key::str("x"), &mut out).unwrap_err();
        assert_eq!(
            wrong.message(),
            "the table's key codec is u64, the key given is a str"
        );
        let short = Key::Composite(vec![]);
        assert!(c
            .encode(&short, &mut out)
            .unwrap_err()
            .message()
            .contains("1 elements"));
        assert!(KeyCodec::Composite(vec![]).check().is_err());
    }
}
