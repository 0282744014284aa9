//! Reading a binary frame (msgpack, CBOR): bounds-checked reads, binary values handed out as
//! slices of the frame, and the limits that keep hostile input from exhausting stack or memory.

use crate::wamp::error::{Error, Result};
use crate::wamp::value::{Dict, List, Value};
use bytes::Bytes;

/// How deeply lists and dicts may nest in one message (the code's recursion stays well inside
/// any thread's stack).
pub(crate) const MAX_DEPTH: usize = 100;

/// A read position in a received frame.
pub(crate) struct Cursor {
    serializer: &'static str,
    frame: Bytes,
    pos: usize,
}

impl Cursor {
    pub(crate) fn new(serializer: &'static str, frame: Bytes) -> Cursor {
        Cursor {
            serializer,
            frame,
            pos: 0,
        }
    }

    /// The offset of the next byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.frame.len() - self.pos
    }

    /// A [`Error::Malformed`] at `offset`.
    pub(crate) fn error_at(&self, offset: usize, reason: impl Into<String>) -> Error {
        Error::malformed(self.serializer, offset, reason)
    }

    fn truncated(&self, what: &str, needed: usize) -> Error {
        self.error_at(
            self.pos,
            format!(
                "truncated: {what} needs {needed} bytes, {} left",
                self.remaining()
            ),
        )
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Result<u8> {
        self.frame
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.truncated("a value", 1))
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = *self
            .frame
            .get(self.pos)
            .ok_or_else(|| self.truncated("a value", 1))?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `N` bytes.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes: [u8; N] = self
            .frame
            .get(self.pos..self.pos + N)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| self.truncated("a number", N))?;
        self.pos += N;
        Ok(bytes)
    }

    /// A big-endian unsigned integer of 1, 2, 4 or 8 bytes.
    pub(crate) fn be_uint(&mut self, width: usize) -> Result<u64> {
        Ok(match width {
            1 => u64::from(self.u8()?),
            2 => u64::from(u16::from_be_bytes(self.array()?)),
            4 => u64::from(u32::from_be_bytes(self.array()?)),
            _ => u64::from_be_bytes(self.array()?),
        })
    }

    /// A declared length, checked against what is left in the frame before anything is
    /// allocated or sliced.
    pub(crate) fn length(&self, declared: u64, what: &str) -> Result<usize> {
        match usize::try_from(declared) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(self.error_at(
                self.pos,
                format!(
                    "{what} of {declared} bytes, but only {} left in the frame",
                    self.remaining()
                ),
            )),
        }
    }

    /// The next `len` bytes as a slice of the frame: shares the frame's buffer, no copy.
    pub(crate) fn slice(&mut self, len: u64, what: &str) -> Result<Bytes> {
        let n = self.length(len, what)?;
        let s = self.frame.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(s)
    }

    /// The next `len` bytes as a UTF-8 string.
    pub(crate) fn string(&mut self, len: u64) -> Result<String> {
        let start = self.pos;
        let n = self.length(len, "a string")?;
        let bytes = &self.frame[start..start + n];
        let s = std::str::from_utf8(bytes)
            .map_err(|e| self.error_at(start + e.valid_up_to(), "invalid UTF-8 in a string"))?;
        let s = s.to_owned();
        self.pos += n;
        Ok(s)
    }

    /// Capacity for a collection of `declared` elements: never more than the bytes left (each
    /// element takes at least one), so a huge declared count cannot allocate a huge buffer.
    pub(crate) fn capacity(&self, declared: u64) -> usize {
        usize::try_from(declared).map_or(self.remaining(), |n| n.min(self.remaining()))
    }

    /// Fails unless the whole frame was read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.error_at(
                self.pos,
                format!("{} trailing bytes after the message", self.remaining()),
            ));
        }
        Ok(())
    }

    /// Fails when nesting deeper than [`MAX_DEPTH`].
    pub(crate) fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(self.pos, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// Adds a dict entry; a key given twice is an error (which value would count?).
    pub(crate) fn insert(
        &self,
        dict: &mut Dict,
        key: String,
        value: Value,
        at: usize,
    ) -> Result<()> {
        // One hash of the key, not two (a lookup, then an insert).
        match dict.entry(key) {
            indexmap::map::Entry::Occupied(entry) => Err(self.error_at(
                at,
                format!("duplicate dict key \"{}\"", entry.key().escape_debug()),
            )),
            indexmap::map::Entry::Vacant(entry) => {
                entry.insert(value);
                Ok(())
            }
        }
    }
}

/// The top-level value of a frame as a message list.
pub(crate) fn into_list(value: Value) -> Result<List> {
    match value {
        Value::List(l) => Ok(l),
        other => Err(Error::invalid(
            "message",
            format!("a message must be a list, found {}", other.type_name()),
        )),
    }
}
