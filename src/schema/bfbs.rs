//! One binary schema (`.bfbs`, the reflection `Schema` that `flatc --binary --schema` writes):
//! checked once when it comes in, then read without further checks.

use std::collections::HashSet;
use std::sync::Arc;

use flatbuffers_reflection::reflection::{self, BaseType};
use sha2::{Digest, Sha256};

use crate::store::{Error, ErrorKind, Result};

/// A SHA-256 over the schema's bytes: two schemas with the same fingerprint are the same schema.
pub type Fingerprint = [u8; 32];

/// A verified binary schema, cheap to clone.
#[derive(Clone)]
pub struct Bfbs {
    bytes: Arc<[u8]>,
    fingerprint: Fingerprint,
}

impl std::fmt::Debug for Bfbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bfbs")
            .field("len", &self.bytes.len())
            .field("fingerprint", &hex(&self.fingerprint))
            .finish()
    }
}

fn invalid(detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!("not a usable binary schema (.bfbs from `flatc --binary --schema`): {detail}"),
    )
}

impl Bfbs {
    /// Checks that `bytes` is a reflection schema whose type references all resolve, and keeps a
    /// copy. Everything later reads it unchecked, so this check is what makes that sound.
    pub fn parse(bytes: &[u8]) -> Result<Bfbs> {
        // (has_identifier asserts on buffers shorter than its 8 bytes.)
        if bytes.len() < 8 || !reflection::schema_buffer_has_identifier(bytes) {
            return Err(invalid("the file identifier \"BFBS\" is missing"));
        }
        let schema = reflection::root_as_schema(bytes).map_err(|e| invalid(one_line(&e)))?;
        check_references(&schema)?;
        let fingerprint: Fingerprint = Sha256::digest(bytes).into();
        Ok(Bfbs {
            bytes: bytes.into(),
            fingerprint,
        })
    }

    /// The schema's bytes, as registered.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-256 of [`Self::bytes`].
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The reflection view of the schema.
    pub fn schema(&self) -> reflection::Schema<'_> {
        // SAFETY: `parse` verified these bytes as a reflection Schema and they never change.
        unsafe { flatbuffers::root_unchecked::<reflection::Schema>(&self.bytes) }
    }

    /// The index of the object (table or struct) with this fully qualified name.
    pub fn object_index(&self, name: &str) -> Option<usize> {
        self.schema()
            .objects()
            .iter()
            .position(|o| o.name() == name)
    }

    /// The fully qualified names of the tables (not structs) this schema defines.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.schema()
            .objects()
            .iter()
            .filter(|o| !o.is_struct())
            .map(|o| o.name())
    }
}

/// Lower-case hex of `bytes`, for messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A verifier error on one line (flatbuffers puts its error trace on following lines).
pub(crate) fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split('\n')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks what the reflection verifier and the evolution check index without bounds checks:
/// object and enum indices, struct sizes, union slots and union member types.
fn check_references(schema: &reflection::Schema) -> Result<()> {
    let objects = schema.objects();
    let enums = schema.enums();
    let mut names = HashSet::new();
    for object in objects.iter() {
        if !names.insert(object.name()) {
            return Err(invalid(format!(
                "object {} is defined twice",
                object.name()
            )));
        }
        if object.is_struct() && object.bytesize() <= 0 {
            return Err(invalid(format!(
                "struct {} has size {}",
                object.name(),
                object.bytesize()
            )));
        }
        for field in object.fields().iter() {
            let ty = field.type_();
            let what = || format!("{}.{}", object.name(), field.name());
            let refers_to_object = ty.base_type() == BaseType::Obj
                || (ty.base_type() == BaseType::Vector && ty.element() == BaseType::Obj)
                || (ty.base_type() == BaseType::Array && ty.element() == BaseType::Obj);
            let refers_to_enum = ty.base_type() == BaseType::Union
                || ty.base_type() == BaseType::UType
                || (ty.base_type() == BaseType::Vector
                    && matches!(ty.element(), BaseType::Union | BaseType::UType));
            if refers_to_object && !in_range(ty.index(), objects.len()) {
                return Err(invalid(format!(
                    "{} refers to object #{}",
                    what(),
                    ty.index()
                )));
            }
            if refers_to_enum && !in_range(ty.index(), enums.len()) {
                return Err(invalid(format!(
                    "{} refers to enum #{}",
                    what(),
                    ty.index()
                )));
            }
            if ty.base_type() == BaseType::Union && field.offset() < 6 {
                return Err(invalid(format!(
                    "union field {} has no room for its type",
                    what()
                )));
            }
        }
    }
    for e in enums.iter() {
        for v in e.values().iter() {
            if let Some(ty) = v.union_type() {
                if ty.base_type() == BaseType::Obj && !in_range(ty.index(), objects.len()) {
                    return Err(invalid(format!(
                        "union {} refers to object #{}",
                        e.name(),
                        ty.index()
                    )));
                }
            }
        }
        if e.is_union() && e.values().is_empty() {
            return Err(invalid(format!("union {} has no members", e.name())));
        }
    }
    Ok(())
}

fn in_range(index: i32, len: usize) -> bool {
    usize::try_from(index).is_ok_and(|i| i < len)
}
