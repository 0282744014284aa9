//! Schema evolution: a table keeps its schema and fingerprint; reopening it with a changed
//! schema is accepted when fields were only appended (or deprecated), and refused with a
//! message naming the type and field otherwise.

mod common;

use common::*;
use zerowamp::schema::{check_evolution, Bfbs};
use zerowamp::store::{Env, ErrorKind, KeyCodec, PutFlags, TableOptions, Txn, ValueType};

const ITEM: &str = "zerowamp.test.Item";

fn item_opts() -> TableOptions {
    TableOptions {
        key: KeyCodec::U64,
        value: ValueType::FlatBuffer {
            root_type: ITEM.into(),
        },
        create: true,
    }
}

/// An Item with its id (field 0) and a string in field 1 (`name` in v1).
fn item(id: u64) -> Vec<u8> {
    let mut fbb = flatbuffers::FlatBufferBuilder::new();
    let name = fbb.create_string("an item");
    let start = fbb.start_table();
    fbb.push_slot::<u64>(4, id, 0);
    fbb.push_slot_always(6, name);
    let root = fbb.end_table(start);
    fbb.finish_minimal(root);
    fbb.finished_data().to_vec()
}

/// An env with table "items" created under the v1 schema and one value in it.
fn v1_env() -> (tempfile::TempDir, Env) {
    let (dir, env) = temp_env(&small());
    env.register_schema(&fixture("v1.bfbs")).unwrap();
    let t = env.open_table("items", &item_opts()).unwrap();
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &item(1), PutFlags::default()).unwrap();
    w.commit().unwrap();
    (dir, env)
}

#[test]
fn a_compatible_change_is_accepted_and_stored() {
    let (dir, env) = v1_env();
    env.register_schema(&fixture("v2_compatible.bfbs")).unwrap();
    let t = env.open_table("items", &item_opts()).unwrap();
    assert_eq!(
        t.root_type().unwrap().schema().fingerprint(),
        Bfbs::parse(&fixture("v2_compatible.bfbs"))
            .unwrap()
            .fingerprint()
    );
    let r = env.begin_read().unwrap();
    assert_eq!(r.get(&t, &key(1)).unwrap(), Some(&item(1)[..]));
    drop(r);
    // The stored schema is now v2: going back to v1 would remove the appended field.
    env.register_schema(&fixture("v1.bfbs")).unwrap();
    let e = env.open_table("items", &item_opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SchemaIncompatible);
    assert!(
        e.message()
            .contains("field zerowamp.test.Inner.b (id 1) was removed"),
        "{e}"
    );
    drop(t);
    env.close();
    drop(env);

    // A new process that registers nothing uses the stored (v2) schema.
    let env = Env::open(dir.path(), &small()).unwrap();
    let t = env.open_table("items", &item_opts()).unwrap();
    assert_eq!(
        t.root_type().unwrap().schema().fingerprint(),
        Bfbs::parse(&fixture("v2_compatible.bfbs"))
            .unwrap()
            .fingerprint()
    );
    assert_eq!(
        t.verify_value(b"junk").unwrap_err().kind(),
        ErrorKind::Verify
    );
    t.verify_value(&item(2)).unwrap();
}

#[test]
fn incompatible_changes_are_refused_naming_the_field() {
    let cases = [
        (
            "v3_removed.bfbs",
            "field zerowamp.test.Item.tags (id 7) was removed",
        ),
        (
            "v4_retyped.bfbs",
            "field zerowamp.test.Item.name (id 1): type changed from string to int",
        ),
        (
            "v5_nested_retyped.bfbs",
            "field zerowamp.test.Inner.a (id 0): type changed from int to long",
        ),
        (
            "v6_renamed.bfbs",
            "field zerowamp.test.Item.name (id 1) was renamed to title",
        ),
        (
            "v7_struct_changed.bfbs",
            "struct zerowamp.test.Point changed size",
        ),
        (
            "v8_default_changed.bfbs",
            "field zerowamp.test.Item.color (id 4): default value changed",
        ),
        (
            "v9_required_added.bfbs",
            "new field zerowamp.test.Item.owner (id 8) is required",
        ),
    ];
    let (_dir, env) = v1_env();
    for (file, expected) in cases {
        env.register_schema(&fixture(file)).unwrap();
        let e = env.open_table("items", &item_opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SchemaIncompatible, "{file}: {e}");
        assert!(e.message().contains(expected), "{file}: {e}");
        assert!(e.message().contains("table 'items'"), "{file}: {e}");
        // Refused: the stored schema stays v1, so v1 still opens and the data is there.
        env.register_schema(&fixture("v1.bfbs")).unwrap();
        let t = env.open_table("items", &item_opts()).unwrap();
        assert_eq!(t.count(&env.begin_read().unwrap()).unwrap(), 1, "{file}");
    }
}

#[test]
fn the_check_itself() {
    let v1 = Bfbs::parse(&fixture("v1.bfbs")).unwrap();
    let v2 = Bfbs::parse(&fixture("v2_compatible.bfbs")).unwrap();
    check_evolution(&v1, &v1, ITEM).unwrap();
    check_evolution(&v1, &v2, ITEM).unwrap();
    // Only what the root reaches counts: Inner alone did not lose anything from v2 to v5.
    let v5 = Bfbs::parse(&fixture("v5_nested_retyped.bfbs")).unwrap();
    check_evolution(&v1, &v5, "zerowamp.test.Point").unwrap();
    let e = check_evolution(&v1, &v5, ITEM).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SchemaIncompatible);
    // Another schema altogether does not have the type.
    let other = Bfbs::parse(&fixture("other.bfbs")).unwrap();
    let e = check_evolution(&v1, &other, ITEM).unwrap_err();
    assert!(
        e.message().contains("zerowamp.test.Item was removed"),
        "{e}"
    );
    // The record schema evolves into itself.
    let rec = Bfbs::parse(RECORD_BFBS).unwrap();
    check_evolution(&rec, &rec, RECORD).unwrap();
}

#[test]
fn a_read_only_env_uses_a_compatible_schema_without_storing_it() {
    let (dir, env) = v1_env();
    drop(env);
    let ro = Env::open(
        dir.path(),
        &zerowamp::store::EnvOptions {
            read_only: true,
            ..small()
        },
    )
    .unwrap();
    ro.register_schema(&fixture("v2_compatible.bfbs")).unwrap();
    let t = ro.open_table("items", &item_opts()).unwrap();
    let v2 = Bfbs::parse(&fixture("v2_compatible.bfbs")).unwrap();
    assert_eq!(
        t.root_type().unwrap().schema().fingerprint(),
        v2.fingerprint()
    );
    drop(t);
    drop(ro);
    // Still v1 on disk: v1 registered again opens without any evolution.
    let env = Env::open(dir.path(), &small()).unwrap();
    let t = env.open_table("items", &item_opts()).unwrap();
    let v1 = Bfbs::parse(&fixture("v1.bfbs")).unwrap();
    assert_eq!(
        t.root_type().unwrap().schema().fingerprint(),
        v1.fingerprint()
    );
}
