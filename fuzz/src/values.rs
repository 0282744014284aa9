//! A compact byte grammar for [`Value`]s, so that a fuzzer can build message lists directly
//! (without going through a serializer) and the seed generator can write them.
//!
//! Every byte string reads as some value: a read past the end gives zero bytes, and a
//! collection stops at the end of the input, so the input length bounds the work. Reading
//! ([`Source`]) and writing ([`write_value`]) are inverses for the values the writer accepts.
//!
//! | tag (byte % 13) | value |
//! |---|---|
//! | 0 | null |
//! | 1, 2 | false, true |
//! | 3 | uint, one byte |
//! | 4 | uint, 8 bytes little-endian |
//! | 5 | int (any sign, kept as `Value::Int`), 8 bytes little-endian |
//! | 6 | float, 8 bytes little-endian bits |
//! | 7 | string: u16 length, UTF-8 bytes (invalid sequences replaced) |
//! | 8 | binary: u16 length, bytes |
//! | 9 | list: count byte, items |
//! | 10 | dict: count byte, (key, value) pairs; a key is a byte `k`: 0 = literal string follows, else `WORDS[k - 1]` |
//! | 11 | string `WORDS[byte]` |
//! | 12 | an id at a boundary: `EDGE_IDS[byte]` |

use bytes::Bytes;
use zerowamp::wamp::{Dict, List, Value, MAX_ID};

/// Strings that WAMP gives a meaning to: option and detail names, values, URIs. Indexing them
/// lets the fuzzer reach the branches behind them without guessing the spelling.
pub const WORDS: &[&str] = &[
    "match",
    "exact",
    "prefix",
    "wildcard",
    "receive_progress",
    "progress",
    "timeout",
    "mode",
    "skip",
    "kill",
    "killnowait",
    "ppt_scheme",
    "ppt_serializer",
    "ppt_cipher",
    "ppt_keyid",
    "enc_algo",
    "enc_serializer",
    "enc_key",
    "roles",
    "broker",
    "dealer",
    "features",
    "authid",
    "authrole",
    "authmethod",
    "authmethods",
    "authprovider",
    "authextra",
    "challenge",
    "salt",
    "iterations",
    "keylen",
    "channel_binding",
    "tls-unique",
    "pubkey",
    "ticket",
    "wampcra",
    "cryptosign",
    "anonymous",
    "message",
    "reason",
    "subscription",
    "registration",
    "publisher",
    "publisher_authid",
    "caller",
    "procedure",
    "topic",
    "retained",
    "acknowledge",
    "exclude_me",
    "exclude",
    "eligible",
    "invoke",
    "concurrency",
    "get_retained",
    "disclose_me",
    "call_canceling",
    "call_timeout",
    "progressive_call_results",
    "progressive_call_invocations",
    "payload_passthru_mode",
    "payload_transparency",
    "publisher_exclusion",
    "publisher_identification",
    "caller_identification",
    "subscriber_blackwhite_listing",
    "pattern_based_subscription",
    "pattern_based_registration",
    "shared_registration",
    "mqtt",
    "wamp",
    "native",
    "cbor",
    "flatbuffers",
    "realm1",
    "com.example.topic",
    "com.example.proc",
    "com.example.",
    "com..proc",
    "wamp.error.canceled",
    "wamp.error.protocol_violation",
    "wamp.error.not_authorized",
    "wamp.close.normal",
    "wamp.close.goodbye_and_out",
    "x_custom",
];

/// The index of `word` in [`WORDS`] (for writing inputs by hand).
pub fn word_index(word: &str) -> Option<u8> {
    WORDS.iter().position(|w| *w == word).map(|i| i as u8)
}

/// Integers around the edges of the WAMP id range.
pub const EDGE_IDS: &[u64] = &[0, 1, 2, MAX_ID - 1, MAX_ID, MAX_ID + 1, u64::MAX];

/// How deeply [`Source::value`] nests lists and dicts (deeper ones read as null).
const MAX_DEPTH: usize = 8;

const TAGS: u8 = 13;

/// A reader over fuzzer input that never fails: past the end it gives zeros.
pub struct Source<'a> {
    data: &'a [u8],
}

impl<'a> Source<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Source<'a> {
        Source { data }
    }

    /// `true` when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// Up to `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// A string: u16 length, then bytes.
    pub fn string(&mut self) -> String {
        let len = usize::from(self.u16());
        String::from_utf8_lossy(self.take(len)).into_owned()
    }

    /// One of `WORDS`.
    pub fn word(&mut self) -> &'static str {
        WORDS[usize::from(self.byte()) % WORDS.len()]
    }

    /// One value.
    pub fn value(&mut self) -> Value {
        self.nested(0)
    }

    /// A list (a value read as a list; anything else is wrapped).
    pub fn list(&mut self) -> List {
        match self.value() {
            Value::List(l) => l,
            other => vec![other],
        }
    }

    /// A dict (a value read as a dict; anything else gives an empty one).
    pub fn dict(&mut self) -> Dict {
        match self.value() {
            Value::Dict(d) => d,
            _ => Dict::new(),
        }
    }

    fn nested(&mut self, depth: usize) -> Value {
        match self.byte() % TAGS {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::UInt(u64::from(self.byte())),
            4 => Value::UInt(self.u64()),
            5 => Value::Int(self.u64() as i64),
            6 => Value::Float(f64::from_bits(self.u64())),
            7 => Value::Str(self.string()),
            8 => {
                let len = usize::from(self.u16());
                Value::Bytes(Bytes::copy_from_slice(self.take(len)))
            }
            9 => {
                let count = self.byte();
                let mut list = List::new();
                if depth < MAX_DEPTH {
                    for _ in 0..count {
                        if self.is_empty() {
                            break;
                        }
                        list.push(self.nested(depth + 1));
                    }
                }
                Value::List(list)
            }
            10 => {
                let count = self.byte();
                let mut dict = Dict::new();
                if depth < MAX_DEPTH {
                    for _ in 0..count {
                        if self.is_empty() {
                            break;
                        }
                        let key = match self.byte() {
                            0 => self.string(),
                            k => WORDS[usize::from(k - 1) % WORDS.len()].to_owned(),
                        };
                        let value = self.nested(depth + 1);
                        dict.insert(key, value);
                    }
                }
                Value::Dict(dict)
            }
            11 => Value::Str(self.word().to_owned()),
            _ => Value::UInt(EDGE_IDS[usize::from(self.byte()) % EDGE_IDS.len()]),
        }
    }
}

/// Writes `value` in the grammar [`Source::value`] reads. Strings and binaries are cut at
/// 65535 bytes, lists and dicts at 255 entries, nesting at the reader's depth limit (seeds
/// need not be exact, only close).
pub fn write_value(value: &Value, out: &mut Vec<u8>) {
    write_nested(value, 0, out);
}

fn write_nested(value: &Value, depth: usize, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + u8::from(*b)),
        Value::UInt(u) => match u8::try_from(*u) {
            Ok(small) => out.extend_from_slice(&[3, small]),
            Err(_) => {
                out.push(4);
                out.extend_from_slice(&u.to_le_bytes());
            }
        },
        Value::Int(i) => {
            out.push(5);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float(f) => {
            out.push(6);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Str(s) => match WORDS.iter().position(|w| w == s) {
            Some(i) => out.extend_from_slice(&[11, i as u8]),
            None => {
                out.push(7);
                write_str(s, out);
            }
        },
        Value::Bytes(b) => {
            out.push(8);
            write_len_prefixed(b, out);
        }
        Value::List(l) if depth < MAX_DEPTH => {
            let n = l.len().min(255);
            out.extend_from_slice(&[9, n as u8]);
            for item in &l[..n] {
                write_nested(item, depth + 1, out);
            }
        }
        Value::Dict(d) if depth < MAX_DEPTH => {
            let n = d.len().min(255);
            out.extend_from_slice(&[10, n as u8]);
            for (key, item) in d.iter().take(n) {
                match WORDS.iter().position(|w| w == key) {
                    Some(i) => out.push(i as u8 + 1),
                    None => {
                        out.push(0);
                        write_str(key, out);
                    }
                }
                write_nested(item, depth + 1, out);
            }
        }
        Value::List(_) | Value::Dict(_) => out.push(0),
    }
}

/// A string as the reader's literal form (u16 length, bytes).
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    write_len_prefixed(s.as_bytes(), out);
}

fn write_len_prefixed(b: &[u8], out: &mut Vec<u8>) {
    let n = b.len().min(usize::from(u16::MAX));
    out.extend_from_slice(&(n as u16).to_le_bytes());
    out.extend_from_slice(&b[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_gives_the_value() {
        let mut dict = Dict::new();
        dict.insert("receive_progress".into(), Value::Bool(true));
        dict.insert("not a word".into(), Value::Float(1.5));
        let value = Value::List(vec![
            Value::UInt(48),
            Value::UInt(MAX_ID),
            Value::Int(-7),
            Value::Dict(dict),
            Value::from("com.example.proc"),
            Value::from("any string"),
            Value::Bytes(Bytes::from_static(b"\x00\x01")),
            Value::Null,
        ]);
        let mut bytes = Vec::new();
        write_value(&value, &mut bytes);
        assert_eq!(Source::new(&bytes).value(), value);
    }

    #[test]
    fn every_input_reads_as_a_value() {
        // Counts that promise more than the input holds stop at its end.
        assert_eq!(
            Source::new(&[9, 200, 3, 7]).value(),
            Value::List(vec![Value::UInt(7)])
        );
        assert_eq!(Source::new(&[]).value(), Value::Null);
    }
}
