//! The metadata zerowamp keeps for each table, in the reserved LMDB table [`META_TABLE`]:
//! key codec, value type, and for FlatBuffers tables the root type, the schema and its
//! fingerprint.
//!
//! Record layout (integers little-endian), keyed by the table name:
//!
//! ```text
//! "ZWT" version(=1)
//! key codec:   tag u8 (1 u64, 2 uuid, 3 str, 4 bytes, 5 composite + count u8 + elements)
//! value type:  0 raw | 1 flatbuffer, then root type (u16 length + UTF-8),
//!              SHA-256 fingerprint (32 bytes), schema (u32 length + .bfbs bytes)
//! ```

use super::error::{Error, ErrorKind, Result};
use super::key::KeyCodec;
use crate::schema::Bfbs;

/// The reserved LMDB table holding every table's metadata; hidden from users, and names that
/// start with [`RESERVED_PREFIX`] are refused for user tables.
pub const META_TABLE: &str = "__zerowamp__";
/// Table names starting with this are reserved.
pub const RESERVED_PREFIX: &str = "__zerowamp";

const MAGIC: &[u8; 3] = b"ZWT";
const VERSION: u8 = 1;

/// What a table's metadata record says.
#[derive(Debug, Clone)]
pub struct TableMeta {
    pub key: KeyCodec,
    /// `None` for raw values; the root type name and its schema for FlatBuffers values.
    pub flatbuffer: Option<(String, Bfbs)>,
}

impl TableMeta {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        encode_codec(&self.key, &mut out);
        match &self.flatbuffer {
            None => out.push(0),
            Some((root, schema)) => {
                out.push(1);
                // Root type names come from a schema and fit; the decoder checks lengths anyway.
                out.extend_from_slice(&(root.len() as u16).to_le_bytes());
                out.extend_from_slice(root.as_bytes());
                out.extend_from_slice(schema.fingerprint());
                out.extend_from_slice(&(schema.bytes().len() as u32).to_le_bytes());
                out.extend_from_slice(schema.bytes());
            }
        }
        out
    }

    /// Decodes a record of table `table`; a damaged record is an [`ErrorKind::InvalidFile`].
    pub fn decode(table: &str, bytes: &[u8]) -> Result<TableMeta> {
        let bad = |what: &str| {
            Error::new(
                ErrorKind::InvalidFile,
                format!("the metadata record of table '{table}' is damaged: {what}"),
            )
        };
        let mut r = Reader { bytes, pos: 0 };
        if r.take(3) != Some(MAGIC) {
            return Err(bad("bad magic"));
        }
        match r.u8() {
            Some(VERSION) => {}
            Some(v) => {
                return Err(bad(&format!(
                    "version {v}, this build reads version {VERSION}"
                )))
            }
            None => return Err(bad("truncated")),
        }
        let key = decode_codec(&mut r, 0).ok_or_else(|| bad("bad key codec"))?;
        let flatbuffer = match r.u8() {
            Some(0) => None,
            Some(1) => {
                let len = r.u16().ok_or_else(|| bad("truncated"))?;
                let root = r.take(len.into()).ok_or_else(|| bad("truncated"))?;
                let root = String::from_utf8(root.to_vec()).map_err(|_| bad("root type"))?;
                let fingerprint = r.take(32).ok_or_else(|| bad("truncated"))?;
                let len = r.u32().ok_or_else(|| bad("truncated"))?;
                let schema = r.take(len as usize).ok_or_else(|| bad("truncated"))?;
                let schema = Bfbs::parse(schema).map_err(|e| bad(e.message()))?;
                if schema.fingerprint()[..] != *fingerprint {
                    return Err(bad("the schema does not match its fingerprint"));
                }
                Some((root, schema))
            }
            _ => return Err(bad("bad value type")),
        };
        if r.pos != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(TableMeta { key, flatbuffer })
    }
}

fn encode_codec(codec: &KeyCodec, out: &mut Vec<u8>) {
    match codec {
        KeyCodec::U64 => out.push(1),
        KeyCodec::Uuid => out.push(2),
        KeyCodec::Str => out.push(3),
        KeyCodec::Bytes => out.push(4),
        KeyCodec::Composite(parts) => {
            out.push(5);
            // Composites are checked to have 1..=255 elements at table open.
            out.push(parts.len() as u8);
            for p in parts {
                encode_codec(p, out);
            }
        }
    }
}

/// Nesting limit, so a damaged record cannot recurse without end.
const MAX_CODEC_DEPTH: usize = 16;

fn decode_codec(r: &mut Reader, depth: usize) -> Option<KeyCodec> {
    Some(match r.u8()? {
        1 => KeyCodec::U64,
        2 => KeyCodec::Uuid,
        3 => KeyCodec::Str,
        4 => KeyCodec::Bytes,
        5 if depth < MAX_CODEC_DEPTH => {
            let n = r.u8()?;
            let parts = (0..n)
                .map(|_| decode_codec(r, depth + 1))
                .collect::<Option<Vec<_>>>()?;
            if parts.is_empty() {
                return None;
            }
            KeyCodec::Composite(parts)
        }
        _ => return None,
    })
}

/// Checks that a codec can be stored: at most 255 elements per composite and bounded nesting.
pub fn check_storable(codec: &KeyCodec) -> Result<()> {
    fn walk(c: &KeyCodec, depth: usize) -> bool {
        match c {
            KeyCodec::Composite(parts) => {
                depth < MAX_CODEC_DEPTH
                    && parts.len() <= usize::from(u8::MAX)
                    && parts.iter().all(|p| walk(p, depth + 1))
            }
            _ => true,
        }
    }
    if walk(codec, 0) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "composite key codecs may have at most 255 elements and {MAX_CODEC_DEPTH} levels"
            ),
        ))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_meta_round_trips_and_damage_is_reported() {
        let meta = TableMeta {
            key: KeyCodec::Composite(vec![
                KeyCodec::Str,
                KeyCodec::Composite(vec![KeyCodec::U64]),
            ]),
            flatbuffer: None,
        };
        let bytes = meta.encode();
        let back = TableMeta::decode("t", &bytes).unwrap();
        assert_eq!(back.key, meta.key);
        assert!(back.flatbuffer.is_none());
        for cut in 0..bytes.len() {
            let e = TableMeta::decode("t", &bytes[..cut]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidFile);
            assert!(e.message().contains("table 't'"), "{e}");
        }
        let mut deep = vec![b'Z', b'W', b'T', 1];
        deep.extend(std::iter::repeat_n([5u8, 1], 40).flatten());
        assert!(TableMeta::decode("t", &deep).is_err());
    }
}
