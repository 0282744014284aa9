//! Every put verifies a FlatBuffers value against the table's root type before writing: an
//! invalid value is refused with the verifier's detail and the table stays as it was.

mod common;

use common::*;
use zerowamp::store::{ErrorKind, KeyCodec, PutFlags, Txn};

/// A valid FlatBuffer of another table type (`zerowamp.test.Other`: five ulongs), whose fifth
/// field sits where a Record keeps the offset of its `name` string.
fn other_type_buffer() -> Vec<u8> {
    let mut fbb = flatbuffers::FlatBufferBuilder::new();
    let start = fbb.start_table();
    for (i, v) in [1u64, 2, 3, 4, u64::MAX].into_iter().enumerate() {
        fbb.push_slot::<u64>(4 + 2 * i as u16, v, 0);
    }
    let root = fbb.end_table(start);
    fbb.finish_minimal(root);
    fbb.finished_data().to_vec()
}

#[test]
fn invalid_values_are_refused_and_the_table_is_unchanged() {
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &record(1), PutFlags::default()).unwrap();
    w.commit().unwrap();

    let good = record(2);
    let mut garbage = vec![0xA5u8; 200];
    garbage[0..4].copy_from_slice(&180u32.to_le_bytes());
    let mut bad_utf8 = record(3);
    let name_at = bad_utf8.windows(6).position(|w| w == b"user-3").unwrap();
    bad_utf8[name_at] = 0xFF;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        // The name string is built first, so it sits at the end: cut into its bytes.
        ("cut into the last string", good[..good.len() - 4].to_vec()),
        ("garbage", garbage),
        ("empty", Vec::new()),
        ("three bytes", vec![1, 2, 3]),
        ("another type", other_type_buffer()),
        ("bad utf-8 in a string", bad_utf8),
    ];
    let mut w = env.begin_write().unwrap();
    for (what, value) in &cases {
        let e = w
            .put(&t, &key(2), value, PutFlags::default())
            .expect_err(what);
        assert_eq!(e.kind(), ErrorKind::Verify, "{what}: {e}");
        assert!(e.message().contains("table 'records'"), "{what}: {e}");
        assert!(
            e.message().contains("zerowamp.sample.Record"),
            "{what}: {e}"
        );
        assert!(!e.message().contains('\n'), "{what}: one line: {e}");
        // The same key over an existing value: the old value stays.
        let e = w.put(&t, &key(1), value, PutFlags::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Verify, "{what}");
    }
    // The transaction is still good: valid puts work after refused ones.
    w.put(&t, &key(3), &record(3), PutFlags::default()).unwrap();
    w.commit().unwrap();

    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 2);
    check_record(r.get(&t, &key(1)).unwrap().unwrap(), 1);
    assert_eq!(r.get(&t, &key(2)).unwrap(), None);
    check_record(r.get(&t, &key(3)).unwrap().unwrap(), 3);
}

#[test]
fn the_verifier_detail_reaches_the_message() {
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let good = record(9);
    let e = t.verify_value(&good[..good.len() - 8]).unwrap_err();
    assert!(e.message().to_lowercase().contains("range"), "{e}");
    t.verify_value(&good).unwrap();
}

#[test]
fn values_verify_at_any_address_and_in_place() {
    // LMDB aligns values to 2 bytes only: verification must not depend on the address.
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let good = record(4);
    for shift in 0..8 {
        let mut shifted = vec![0u8; shift];
        shifted.extend_from_slice(&good);
        t.verify_value(&shifted[shift..]).unwrap();
    }
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(4), &good, PutFlags::default()).unwrap();
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    let stored = r.get(&t, &key(4)).unwrap().unwrap();
    assert_eq!(stored.as_ptr() as usize % 2, 0);
    t.verify_value(stored).unwrap();
}

#[test]
fn raw_tables_take_any_bytes() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("raw", &raw_opts(KeyCodec::U64)).unwrap();
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), b"not a flatbuffer", PutFlags::default())
        .unwrap();
    w.put(&t, &key(2), b"", PutFlags::default()).unwrap();
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    assert_eq!(r.get(&t, &key(2)).unwrap(), Some(&b""[..]));
}

#[test]
fn a_root_type_that_is_not_the_schema_root_verifies_too() {
    // The v1 fixture's root is Item; verify against its Inner table instead.
    let (_dir, env) = temp_env(&small());
    env.register_schema(&fixture("v1.bfbs")).unwrap();
    let opts = zerowamp::store::TableOptions {
        key: KeyCodec::U64,
        value: zerowamp::store::ValueType::FlatBuffer {
            root_type: "zerowamp.test.Inner".into(),
        },
        create: true,
    };
    let t = env.open_table("inner", &opts).unwrap();
    let mut fbb = flatbuffers::FlatBufferBuilder::new();
    let start = fbb.start_table();
    fbb.push_slot::<i32>(4, 42, 0);
    let root = fbb.end_table(start);
    fbb.finish_minimal(root);
    t.verify_value(fbb.finished_data()).unwrap();
    // A string where Inner has an int is fine for the verifier (scalars are not typed on the
    // wire), but a table whose vtable runs past the end is not.
    let data = fbb.finished_data();
    assert_eq!(
        t.verify_value(&data[..data.len() - 2]).unwrap_err().kind(),
        ErrorKind::Verify
    );
    let e = env.open_table(
        "point",
        &zerowamp::store::TableOptions {
            value: zerowamp::store::ValueType::FlatBuffer {
                root_type: "zerowamp.test.Point".into(),
            },
            ..opts
        },
    );
    assert_eq!(e.unwrap_err().kind(), ErrorKind::UnknownRootType);
}

#[test]
fn a_union_type_out_of_range_is_an_error_not_a_panic() {
    // zerowamp.test.Item (v1 fixture): field 5 is the type of union `any` (NONE or Inner),
    // field 6 its value. A type byte of 9 names no member.
    let (_dir, env) = temp_env(&small());
    env.register_schema(&fixture("v1.bfbs")).unwrap();
    let opts = zerowamp::store::TableOptions {
        key: KeyCodec::U64,
        value: zerowamp::store::ValueType::FlatBuffer {
            root_type: "zerowamp.test.Item".into(),
        },
        create: true,
    };
    let t = env.open_table("items", &opts).unwrap();
    let build = |type_byte: u8| {
        let mut fbb = flatbuffers::FlatBufferBuilder::new();
        let start = fbb.start_table();
        fbb.push_slot::<i32>(4, 7, 0);
        let inner = fbb.end_table(start);
        let start = fbb.start_table();
        fbb.push_slot_always(16, inner);
        fbb.push_slot::<u8>(14, type_byte, 0);
        let root = fbb.end_table(start);
        fbb.finish_minimal(root);
        fbb.finished_data().to_vec()
    };
    t.verify_value(&build(1)).unwrap();
    let e = t.verify_value(&build(9)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Verify);
    assert!(e.message().contains("union"), "{e}");
}
