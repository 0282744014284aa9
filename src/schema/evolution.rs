//! The schema evolution check: may values written under the old schema be read with the new
//! one, and new values with old readers?
//!
//! Starting at the table's root type and following every table, struct, enum and union it
//! references (recursively, by fully qualified name), the new schema must:
//!
//! - keep every field of a table, matched by its id, with the same name, type and default
//!   (a field that is no longer wanted stays, marked `deprecated`); fields are only appended
//!   (new ids), and an appended field must not be `required` (old values lack it), nor may an
//!   existing field become `required`;
//! - keep every struct byte for byte (structs are fixed layouts and cannot evolve);
//! - keep every enum and union value with its name (and, for unions, its member type), with
//!   the same underlying type; values may be appended;
//! - keep every referenced type under its name.
//!
//! Renames are refused, as `flatc --conform` refuses them: the binary layout would survive a
//! rename, but JSON, reflection-based tools and code generated from the old schema address
//! fields by name, and a rename is indistinguishable from removing one field and adding
//! another in its slot.
//!
//! A refusal is a [`ErrorKind::SchemaIncompatible`] error naming the type and the field.

use std::collections::HashSet;

use flatbuffers_reflection::reflection::{BaseType, Enum, Field, Object, Schema, Type};

use super::bfbs::Bfbs;
use crate::store::{Error, ErrorKind, Result};

/// Checks that `new` may replace `old` for values of the table type `root` (fully qualified).
pub fn check_evolution(old: &Bfbs, new: &Bfbs, root: &str) -> Result<()> {
    if old.fingerprint() == new.fingerprint() {
        return Ok(());
    }
    let mut checker = Checker {
        old: old.schema(),
        new: new.schema(),
        seen: HashSet::new(),
    };
    checker
        .object(root)
        .map_err(|m| Error::new(ErrorKind::SchemaIncompatible, m))
}

struct Checker<'s> {
    old: Schema<'s>,
    new: Schema<'s>,
    /// Types already checked (or being checked: recursion through cycles stops here).
    seen: HashSet<String>,
}

type Verdict = std::result::Result<(), String>;

fn find_object<'s>(s: &Schema<'s>, name: &str) -> Option<Object<'s>> {
    s.objects().iter().find(|o| o.name() == name)
}

fn find_enum<'s>(s: &Schema<'s>, name: &str) -> Option<Enum<'s>> {
    s.enums().iter().find(|e| e.name() == name)
}

fn field_by_id<'s>(o: &Object<'s>, id: u16) -> Option<Field<'s>> {
    o.fields().iter().find(|f| f.id() == id)
}

/// The name of the object or enum a type refers to, if any. Indices were range-checked when
/// the schema was parsed.
fn referenced(s: &Schema, ty: &Type) -> Option<(bool, String)> {
    let index = usize::try_from(ty.index()).ok()?;
    let inner = if matches!(ty.base_type(), BaseType::Vector | BaseType::Array) {
        ty.element()
    } else {
        ty.base_type()
    };
    if inner == BaseType::Obj {
        Some((true, s.objects().get(index).name().to_owned()))
    } else {
        Some((false, s.enums().get(index).name().to_owned()))
    }
}

fn scalar_name(t: BaseType) -> String {
    match t {
        BaseType::UType => "utype".into(),
        BaseType::Bool => "bool".into(),
        BaseType::Byte => "byte".into(),
        BaseType::UByte => "ubyte".into(),
        BaseType::Short => "short".into(),
        BaseType::UShort => "ushort".into(),
        BaseType::Int => "int".into(),
        BaseType::UInt => "uint".into(),
        BaseType::Long => "long".into(),
        BaseType::ULong => "ulong".into(),
        BaseType::Float => "float".into(),
        BaseType::Double => "double".into(),
        BaseType::String => "string".into(),
        other => other.variant_name().unwrap_or("unknown").to_lowercase(),
    }
}

/// A type as the schema language writes it, for messages.
fn type_name(s: &Schema, ty: &Type) -> String {
    let named = referenced(s, ty).map(|(_, n)| n);
    let inner = |t: BaseType| match (&named, t) {
        (Some(n), _) => n.clone(),
        (None, t) => scalar_name(t),
    };
    match ty.base_type() {
        BaseType::Vector | BaseType::Vector64 => format!("[{}]", inner(ty.element())),
        BaseType::Array => format!("[{}:{}]", inner(ty.element()), ty.fixed_length()),
        t => inner(t),
    }
}

impl Checker<'_> {
    /// Compares two field types; on success, checks the types they refer to.
    fn same_type(&mut self, what: &str, old: &Type, new: &Type) -> Verdict {
        let (o, n) = (type_name(&self.old, old), type_name(&self.new, new));
        if old.base_type() != new.base_type()
            || old.element() != new.element()
            || old.fixed_length() != new.fixed_length()
            || o != n
        {
            return Err(format!("{what}: type changed from {o} to {n}"));
        }
        match referenced(&self.old, old) {
            Some((true, name)) => self.object(&name),
            Some((false, name)) => self.enumeration(&name),
            None => Ok(()),
        }
    }

    fn object(&mut self, name: &str) -> Verdict {
        if !self.seen.insert(name.to_owned()) {
            return Ok(());
        }
        let old = find_object(&self.old, name)
            .ok_or_else(|| format!("type {name} is not in the stored schema"))?;
        let new = find_object(&self.new, name)
            .ok_or_else(|| format!("type {name} was removed (or renamed)"))?;
        match (old.is_struct(), new.is_struct()) {
            (true, true) => self.structure(name, &old, &new),
            (false, false) => self.table(name, &old, &new),
            (true, false) => Err(format!("{name} changed from a struct to a table")),
            (false, true) => Err(format!("{name} changed from a table to a struct")),
        }
    }

    fn table(&mut self, name: &str, old: &Object, new: &Object) -> Verdict {
        for of in old.fields().iter() {
            let what = format!("field {name}.{} (id {})", of.name(), of.id());
            let Some(nf) = field_by_id(new, of.id()) else {
                return Err(format!(
                    "{what} was removed; keep it and mark it (deprecated) instead"
                ));
            };
            if nf.name() != of.name() {
                return Err(format!(
                    "{what} was renamed to {}; renames are refused",
                    nf.name()
                ));
            }
            if nf.required() && !of.required() {
                return Err(format!("{what} became required; stored values may lack it"));
            }
            if nf.default_integer() != of.default_integer()
                || nf.default_real().to_bits() != of.default_real().to_bits()
            {
                return Err(format!("{what}: default value changed"));
            }
            self.same_type(&what, &of.type_(), &nf.type_())?;
        }
        let old_ids: HashSet<u16> = old.fields().iter().map(|f| f.id()).collect();
        let max_old = old_ids.iter().copied().max();
        for nf in new.fields().iter().filter(|f| !old_ids.contains(&f.id())) {
            let what = format!("field {name}.{} (id {})", nf.name(), nf.id());
            if max_old.is_some_and(|m| nf.id() < m) {
                return Err(format!(
                    "{what} was inserted before existing fields; append it"
                ));
            }
            if nf.required() {
                return Err(format!("new {what} is required; stored values lack it"));
            }
        }
        Ok(())
    }

    fn structure(&mut self, name: &str, old: &Object, new: &Object) -> Verdict {
        if old.bytesize() != new.bytesize() || old.minalign() != new.minalign() {
            return Err(format!(
                "struct {name} changed size or alignment; structs cannot evolve"
            ));
        }
        if old.fields().len() != new.fields().len() {
            return Err(format!(
                "struct {name} changed its fields; structs cannot evolve"
            ));
        }
        for of in old.fields().iter() {
            let what = format!("struct field {name}.{} (id {})", of.name(), of.id());
            let nf = field_by_id(new, of.id())
                .ok_or_else(|| format!("{what} was removed; structs cannot evolve"))?;
            if nf.name() != of.name() || nf.offset() != of.offset() {
                return Err(format!(
                    "{what} was renamed or moved; structs cannot evolve"
                ));
            }
            self.same_type(&what, &of.type_(), &nf.type_())?;
        }
        Ok(())
    }

    fn enumeration(&mut self, name: &str) -> Verdict {
        if !self.seen.insert(name.to_owned()) {
            return Ok(());
        }
        let old = find_enum(&self.old, name)
            .ok_or_else(|| format!("enum {name} is not in the stored schema"))?;
        let new = find_enum(&self.new, name)
            .ok_or_else(|| format!("enum {name} was removed (or renamed)"))?;
        let kind = if old.is_union() { "union" } else { "enum" };
        if old.is_union() != new.is_union()
            || old.underlying_type().base_type() != new.underlying_type().base_type()
        {
            return Err(format!("{kind} {name} changed its kind or underlying type"));
        }
        for ov in old.values().iter() {
            let what = format!("{kind} {name} value {} (= {})", ov.name(), ov.value());
            let nv = new
                .values()
                .iter()
                .find(|v| v.value() == ov.value())
                .ok_or_else(|| format!("{what} was removed"))?;
            if nv.name() != ov.name() {
                return Err(format!(
                    "{what} was renamed to {}; renames are refused",
                    nv.name()
                ));
            }
            match (ov.union_type(), nv.union_type()) {
                (Some(ot), Some(nt)) => self.same_type(&what, &ot, &nt)?,
                (None, None) => {}
                _ => return Err(format!("{what} changed its member type")),
            }
        }
        Ok(())
    }
}
