//! A root type: one table of a registered schema, and the verification of buffers against it.
//!
//! `flatbuffers_reflection`'s verifier (`verify_with_options`, run by `SafeBuffer`) verifies against the schema's own `root_table`.
//! To verify against any table of the schema, [`RootType`] keeps a copy of the schema with a new
//! root table prepended whose `objects`, `enums` and `root_table` fields point into the original
//! bytes (offsets are relative, so the original stays valid where it is placed). This is built
//! once per table, not per value.

use std::panic::{catch_unwind, AssertUnwindSafe};

use flatbuffers::VerifierOptions;
use flatbuffers_reflection::reflection::{self, Schema};

use super::bfbs::{one_line, Bfbs};
use crate::store::{Error, ErrorKind, Result};

/// Limits for verifying a stored value: deep enough and large enough for any sane record, small
/// enough that a hostile buffer cannot make verification run away.
fn verifier_options() -> VerifierOptions {
    VerifierOptions {
        max_depth: 64,
        max_tables: 1_000_000,
        max_apparent_size: 1 << 31,
        ignore_missing_null_terminator: false,
    }
}

/// A table type of a schema that values are verified against.
#[derive(Clone, Debug)]
pub struct RootType {
    name: String,
    schema: Bfbs,
    /// The schema with its root table replaced by this type (see the module docs).
    rerooted: Vec<u8>,
    /// The file identifier values must carry, when this type is the schema's declared root and
    /// the schema declares one.
    file_ident: Option<[u8; 4]>,
}

impl RootType {
    /// The table `name` (fully qualified) of `schema`; [`ErrorKind::UnknownRootType`] if the
    /// schema has no such table.
    pub fn new(schema: &Bfbs, name: &str) -> Result<RootType> {
        let s = schema.schema();
        let index = schema.object_index(name).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownRootType,
                format!("the schema defines no type {name}"),
            )
        })?;
        let object = s.objects().get(index);
        if object.is_struct() {
            return Err(Error::new(
                ErrorKind::UnknownRootType,
                format!("{name} is a struct; a root type must be a table"),
            ));
        }
        let file_ident = match (s.root_table(), s.file_ident()) {
            (Some(root), Some(ident)) if root.name() == name => ident.as_bytes().try_into().ok(),
            _ => None,
        };
        let rerooted = reroot(schema, index)?;
        Ok(RootType {
            name: name.to_owned(),
            schema: schema.clone(),
            rerooted,
            file_ident,
        })
    }

    /// The fully qualified type name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema that defines this type.
    pub fn schema(&self) -> &Bfbs {
        &self.schema
    }

    /// Verifies that `buf` is a valid FlatBuffer of this type; [`ErrorKind::Verify`] with the
    /// verifier's detail if not. Never panics, whatever the bytes.
    pub fn verify(&self, buf: &[u8]) -> Result<()> {
        let fail = |detail: String| {
            Error::new(
                ErrorKind::Verify,
                format!("value is not a valid {} FlatBuffer: {detail}", self.name),
            )
        };
        if let Some(ident) = self.file_ident {
            if buf.get(4..8) != Some(&ident[..]) {
                return Err(fail(format!(
                    "file identifier \"{}\" missing",
                    String::from_utf8_lossy(&ident)
                )));
            }
        }
        // SAFETY: built by `reroot` from a verified schema and checked there.
        let schema = unsafe { flatbuffers::root_unchecked::<Schema>(&self.rerooted) };
        // The reflection verifier (reached through SafeBuffer, which runs
        // `verify_with_options`) indexes a union's members by the type byte it reads from the
        // buffer and panics when that is out of range; catching it keeps bad input an error.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            flatbuffers_reflection::SafeBuffer::new_with_options(buf, &schema, &verifier_options())
                .map(|_| ())
        }));
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(fail(one_line(&e))),
            Err(_) => Err(fail("a union type byte is out of range".into())),
        }
    }
}

/// Reads a little-endian u32 at `pos` (in range: the schema was verified).
fn u32_at(buf: &[u8], pos: usize) -> Option<usize> {
    let b = buf.get(pos..pos + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// Where the vector in field `vt_offset` of the schema's root table starts.
fn vector_pos(schema: &Schema, vt_offset: u16) -> Option<usize> {
    let table = schema._tab;
    let slot = table.loc() + usize::from(table.vtable().get(vt_offset));
    u32_at(table.buf(), slot).map(|off| slot + off)
}

/// Layout of the prepended root table (all offsets from the start of the new buffer).
const VTABLE_AT: usize = 4;
const TABLE_AT: usize = 20;
const OBJECTS_SLOT: usize = 24;
const ENUMS_SLOT: usize = 28;
const ROOT_SLOT: usize = 32;
/// Where the original schema starts: a multiple of 8, so its internal alignment holds.
const ORIGINAL_AT: usize = 40;

/// A copy of `schema` whose root table is object `index`.
fn reroot(schema: &Bfbs, index: usize) -> Result<Vec<u8>> {
    let s = schema.schema();
    let broken = || {
        Error::new(
            ErrorKind::InvalidArgument,
            "binary schema layout not understood",
        )
    };
    let objects = vector_pos(&s, reflection::Schema::VT_OBJECTS).ok_or_else(broken)?;
    let enums = vector_pos(&s, reflection::Schema::VT_ENUMS).ok_or_else(broken)?;
    let object = s.objects().get(index)._tab.loc();

    let mut out = vec![0u8; ORIGINAL_AT];
    let mut put_u16 = |at: usize, v: u16| out[at..at + 2].copy_from_slice(&v.to_le_bytes());
    // vtable: its size, the table's size, then the slots of fields 0 (objects), 1 (enums),
    // 2 and 3 (absent) and 4 (root_table).
    for (i, v) in [14u16, 16, 4, 8, 0, 0, 12].into_iter().enumerate() {
        put_u16(VTABLE_AT + 2 * i, v);
    }
    let mut put_u32 = |at: usize, v: usize| -> Result<()> {
        let v = u32::try_from(v).map_err(|_| broken())?;
        out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        Ok(())
    };
    put_u32(0, TABLE_AT)?;
    put_u32(TABLE_AT, TABLE_AT - VTABLE_AT)?;
    put_u32(OBJECTS_SLOT, ORIGINAL_AT + objects - OBJECTS_SLOT)?;
    put_u32(ENUMS_SLOT, ORIGINAL_AT + enums - ENUMS_SLOT)?;
    put_u32(ROOT_SLOT, ORIGINAL_AT + object - ROOT_SLOT)?;
    out.extend_from_slice(schema.bytes());
    // Check once what `verify` later reads unchecked.
    let check = reflection::root_as_schema(&out).map_err(|_| broken())?;
    if check.root_table().map(|o| o._tab.loc()) != Some(ORIGINAL_AT + object) {
        return Err(broken());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[u8] = include_bytes!("../../tests/fixtures/schemas/v1.bfbs");

    fn empty_table() -> Vec<u8> {
        let mut fbb = flatbuffers::FlatBufferBuilder::new();
        let start = fbb.start_table();
        let root = fbb.end_table(start);
        fbb.finish_minimal(root);
        fbb.finished_data().to_vec()
    }

    #[test]
    fn every_table_of_a_schema_can_be_the_root() {
        let schema = Bfbs::parse(V1).unwrap();
        let names: Vec<String> = schema.table_names().map(str::to_owned).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        for name in &names {
            let root = RootType::new(&schema, name).unwrap();
            let rerooted = reflection::root_as_schema(&root.rerooted).unwrap();
            assert_eq!(rerooted.root_table().unwrap().name(), name);
            assert_eq!(rerooted.objects().len(), schema.schema().objects().len());
            root.verify(&empty_table()).unwrap();
            assert_eq!(
                root.verify(&[0xFF; 12]).unwrap_err().kind(),
                ErrorKind::Verify
            );
        }
    }

    #[test]
    fn structs_and_unknown_names_are_not_root_types() {
        let schema = Bfbs::parse(V1).unwrap();
        for name in ["zerowamp.test.Point", "zerowamp.test.Color", "Item", ""] {
            let e = RootType::new(&schema, name).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnknownRootType, "{name}");
        }
    }
}
