//! Tables: put/get/delete, ranges, counts, truncate, drop, key codecs and their order, and the
//! errors for keys and tables that do not fit.

mod common;

use common::*;
use zerowamp::store::{
    ErrorKind, Key, KeyCodec, PutFlags, RangeOptions, TableOptions, Txn, ValueType,
};

#[test]
fn put_get_delete_and_count() {
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    for id in 0..100 {
        w.put(&t, &key(id), &record(id), PutFlags::default())
            .unwrap();
    }
    assert_eq!(t.count(&w).unwrap(), 100);
    // A write txn reads its own writes.
    check_record(w.get(&t, &key(7)).unwrap().unwrap(), 7);
    w.commit().unwrap();

    let r = env.begin_read().unwrap();
    for id in 0..100 {
        check_record(r.get(&t, &key(id)).unwrap().unwrap(), id);
    }
    assert_eq!(r.get(&t, &key(100)).unwrap(), None);
    assert_eq!(t.count(&r).unwrap(), 100);
    drop(r);

    let mut w = env.begin_write().unwrap();
    assert!(w.delete(&t, &key(5)).unwrap());
    assert!(!w.delete(&t, &key(5)).unwrap());
    let e = w
        .put(&t, &key(6), &record(60), PutFlags { no_overwrite: true })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeyExists);
    w.put(&t, &key(6), &record(60), PutFlags::default())
        .unwrap();
    w.commit().unwrap();

    let r = env.begin_read().unwrap();
    assert_eq!(r.get(&t, &key(5)).unwrap(), None);
    check_record(r.get(&t, &key(6)).unwrap().unwrap(), 60);
    assert_eq!(t.count(&r).unwrap(), 99);
}

#[test]
fn aborted_writes_leave_nothing() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("raw", &raw_opts(KeyCodec::Bytes)).unwrap();
    let mut w = env.begin_write().unwrap();
    w.put(&t, b"a", b"1", PutFlags::default()).unwrap();
    w.abort();
    let mut w = env.begin_write().unwrap();
    w.put(&t, b"b", b"2", PutFlags::default()).unwrap();
    drop(w);
    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 0);
}

#[test]
fn ranges_from_to_reverse_limit() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("nums", &raw_opts(KeyCodec::U64)).unwrap();
    let mut w = env.begin_write().unwrap();
    for id in (0..50).map(|i| i * 2) {
        w.put(&t, &key(id), &id.to_le_bytes(), PutFlags::default())
            .unwrap();
    }
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    let scan = |opts: RangeOptions| -> Vec<u64> {
        r.range(&t, &opts)
            .unwrap()
            .map(|e| u64::from_be_bytes(e.unwrap().0.try_into().unwrap()))
            .collect()
    };
    let (k10, k11, k20) = (key(10), key(11), key(20));
    assert_eq!(scan(RangeOptions::default()).len(), 50);
    assert_eq!(
        scan(RangeOptions {
            from: Some(&k10),
            to: Some(&k20),
            ..Default::default()
        }),
        [10, 12, 14, 16, 18]
    );
    assert_eq!(
        scan(RangeOptions {
            from: Some(&k11),
            to: Some(&k20),
            to_inclusive: true,
            ..Default::default()
        }),
        [12, 14, 16, 18, 20]
    );
    assert_eq!(
        scan(RangeOptions {
            from: Some(&k10),
            to: Some(&k20),
            reverse: true,
            ..Default::default()
        }),
        [18, 16, 14, 12, 10]
    );
    assert_eq!(
        scan(RangeOptions {
            from: Some(&k11),
            to: Some(&k20),
            to_inclusive: true,
            reverse: true,
            ..Default::default()
        }),
        [20, 18, 16, 14, 12]
    );
    // An upper bound between keys, and past the end.
    assert_eq!(
        scan(RangeOptions {
            to: Some(&k11),
            reverse: true,
            limit: Some(2),
            ..Default::default()
        }),
        [10, 8]
    );
    let past = key(1000);
    assert_eq!(
        scan(RangeOptions {
            to: Some(&past),
            reverse: true,
            limit: Some(1),
            ..Default::default()
        }),
        [98]
    );
    assert_eq!(
        scan(RangeOptions {
            limit: Some(3),
            ..Default::default()
        }),
        [0, 2, 4]
    );
    assert_eq!(
        scan(RangeOptions {
            from: Some(&past),
            ..Default::default()
        }),
        Vec::<u64>::new()
    );
    assert_eq!(
        scan(RangeOptions {
            from: Some(&k20),
            to: Some(&k10),
            ..Default::default()
        }),
        Vec::<u64>::new()
    );
    // Values come along with their keys.
    let (k, v) = r
        .range(
            &t,
            &RangeOptions {
                from: Some(&k20),
                ..Default::default()
            },
        )
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!((k, v), (&k20[..], &20u64.to_le_bytes()[..]));
}

#[test]
fn cursor_moves() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("c", &raw_opts(KeyCodec::Str)).unwrap();
    let mut w = env.begin_write().unwrap();
    for k in ["b", "d", "f"] {
        w.put(
            &t,
            k.as_bytes(),
            k.to_uppercase().as_bytes(),
            PutFlags::default(),
        )
        .unwrap();
    }
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    let mut c = r.cursor(&t).unwrap();
    assert_eq!(c.first().unwrap(), Some((&b"b"[..], &b"B"[..])));
    assert_eq!(c.next().unwrap().map(|e| e.0), Some(&b"d"[..]));
    assert_eq!(c.last().unwrap().map(|e| e.0), Some(&b"f"[..]));
    assert_eq!(c.next().unwrap(), None);
    assert_eq!(c.seek(b"c").unwrap().map(|e| e.0), Some(&b"d"[..]));
    assert_eq!(c.prev().unwrap().map(|e| e.0), Some(&b"b"[..]));
    assert_eq!(c.prev().unwrap(), None);
    assert_eq!(c.seek(b"g").unwrap(), None);
}

#[test]
fn truncate_and_drop() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("t", &raw_opts(KeyCodec::U64)).unwrap();
    let mut w = env.begin_write().unwrap();
    for id in 0..10 {
        w.put(&t, &key(id), b"x", PutFlags::default()).unwrap();
    }
    w.commit().unwrap();
    let mut w = env.begin_write().unwrap();
    w.truncate(&t).unwrap();
    assert_eq!(t.count(&w).unwrap(), 0);
    w.commit().unwrap();
    assert_eq!(t.count(&env.begin_read().unwrap()).unwrap(), 0);
    assert_eq!(env.table_names().unwrap(), ["t"]);

    // Dropping needs this process to have no live transaction.
    let r = env.begin_read().unwrap();
    assert_eq!(env.drop_table("t").unwrap_err().kind(), ErrorKind::Busy);
    drop(r);
    env.drop_table("t").unwrap();
    assert!(env.table_names().unwrap().is_empty());
    let r = env.begin_read().unwrap();
    let e = r.get(&t, &key(1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownTable);
    assert!(e.message().contains("dropped"), "{e}");
    drop(r);
    assert_eq!(
        env.drop_table("t").unwrap_err().kind(),
        ErrorKind::UnknownTable
    );
    let no_create = TableOptions {
        create: false,
        ..raw_opts(KeyCodec::U64)
    };
    assert_eq!(
        env.open_table("t", &no_create).unwrap_err().kind(),
        ErrorKind::UnknownTable
    );
    // It can be made again, with another codec even.
    let t2 = env.open_table("t", &raw_opts(KeyCodec::Str)).unwrap();
    assert_eq!(t2.count(&env.begin_read().unwrap()).unwrap(), 0);
}

/// Puts `keys` (already encoded) and checks that a scan returns them in `expected` order.
fn check_order(codec: KeyCodec, keys: &[Key], expected: &[usize]) {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("k", &raw_opts(codec.clone())).unwrap();
    let mut encoded = Vec::new();
    let mut w = env.begin_write().unwrap();
    for (i, k) in keys.iter().enumerate() {
        let mut buf = Vec::new();
        codec.encode(k, &mut buf).unwrap();
        w.put(&t, &buf, &[i as u8], PutFlags::default()).unwrap();
        assert_eq!(&codec.decode(&buf).unwrap(), k);
        encoded.push(buf);
    }
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    let order: Vec<usize> = r
        .range(&t, &RangeOptions::default())
        .unwrap()
        .map(|e| e.unwrap().1[0] as usize)
        .collect();
    assert_eq!(order, expected, "codec {codec}");
    for (i, k) in encoded.iter().enumerate() {
        assert_eq!(r.get(&t, k).unwrap(), Some(&[i as u8][..]));
    }
}

#[test]
fn every_codec_stores_in_its_order() {
    check_order(
        KeyCodec::U64,
        &[Key::U64(300), Key::U64(2), Key::U64(u64::MAX), Key::U64(0)],
        &[3, 1, 0, 2],
    );
    let (a, b) = ([2u8; 16], [1u8; 16]);
    check_order(KeyCodec::Uuid, &[Key::Uuid(a), Key::Uuid(b)], &[1, 0]);
    check_order(
        KeyCodec::Str,
        &[Key::str("b"), Key::str("ab"), Key::str("a")],
        &[2, 1, 0],
    );
    check_order(
        KeyCodec::Bytes,
        &[Key::bytes(&[1, 0]), Key::bytes(&[1]), Key::bytes(&[0, 9])],
        &[2, 1, 0],
    );
    let c = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64, KeyCodec::Bytes]);
    let k = |s: &'static str, n: u64, b: &'static [u8]| {
        Key::Composite(vec![Key::str(s), Key::U64(n), Key::bytes(b)])
    };
    check_order(
        c,
        &[
            k("a", 2, b""),
            k("a\0", 0, b""),
            k("a", u64::MAX, b"\0"),
            k("", 5, b"z"),
            k("a", 2, b"\0\0"),
        ],
        // ("",5) < ("a",2,"") < ("a",2,"\0\0") < ("a",MAX,"\0") < ("a\0",0)
        &[3, 0, 4, 2, 1],
    );
}

#[test]
fn composite_prefix_bounds_a_range() {
    let (_dir, env) = temp_env(&small());
    let codec = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
    let t = env.open_table("events", &raw_opts(codec.clone())).unwrap();
    let mut w = env.begin_write().unwrap();
    let mut buf = Vec::new();
    for user in ["ann", "bob", "bobby"] {
        for n in 0..3 {
            codec
                .encode(&Key::Composite(vec![Key::str(user), Key::U64(n)]), &mut buf)
                .unwrap();
            w.put(&t, &buf, user.as_bytes(), PutFlags::default())
                .unwrap();
        }
    }
    w.commit().unwrap();
    // The encoding of the first element alone is a prefix of all its keys.
    let mut from = Vec::new();
    codec.encode_prefix(&[Key::str("bob")], &mut from).unwrap();
    let mut to = from.clone();
    *to.last_mut().unwrap() += 1;
    let r = env.begin_read().unwrap();
    let hits: Vec<_> = r
        .range(
            &t,
            &RangeOptions {
                from: Some(&from),
                to: Some(&to),
                ..Default::default()
            },
        )
        .unwrap()
        .map(|e| codec.decode(e.unwrap().0).unwrap())
        .collect();
    assert_eq!(hits.len(), 3);
    assert!(hits
        .iter()
        .all(|k| matches!(k, Key::Composite(p) if p[0] == Key::str("bob"))));
}

#[test]
fn keys_that_do_not_fit_the_codec_are_refused() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("u", &raw_opts(KeyCodec::U64)).unwrap();
    let s = env.open_table("s", &raw_opts(KeyCodec::Str)).unwrap();
    let mut w = env.begin_write().unwrap();
    let e = w
        .put(&t, &[1, 2, 3], b"v", PutFlags::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert!(
        e.message().contains("table 'u'") && e.message().contains("8 bytes"),
        "{e}"
    );
    assert_eq!(
        w.get(&t, &[0; 9]).unwrap_err().kind(),
        ErrorKind::InvalidKey
    );
    assert_eq!(w.delete(&t, &[]).unwrap_err().kind(), ErrorKind::InvalidKey);
    assert_eq!(
        w.put(&s, &[0xFF], b"v", PutFlags::default())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
    let long = vec![b'a'; 512];
    assert_eq!(
        w.put(&s, &long, b"v", PutFlags::default())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
    w.put(&s, &long[..511], b"v", PutFlags::default()).unwrap();
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 0);
    assert_eq!(s.count(&r).unwrap(), 1);
}

#[test]
fn table_names_and_options_are_checked() {
    let (_dir, env) = temp_env(&small());
    for bad in ["", "__zerowamp__", "__zerowamp_x", "a\0b"] {
        let e = env.open_table(bad, &raw_opts(KeyCodec::U64)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad:?}");
    }
    let e = env
        .open_table("c", &raw_opts(KeyCodec::Composite(vec![])))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let missing = TableOptions {
        create: false,
        ..raw_opts(KeyCodec::U64)
    };
    let e = env.open_table("nope", &missing).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownTable);
    assert!(e.message().contains("'nope'"), "{e}");
    // The reserved metadata table is not listed.
    env.open_table("visible", &raw_opts(KeyCodec::U64)).unwrap();
    assert_eq!(env.table_names().unwrap(), ["visible"]);
}

#[test]
fn reopening_with_another_codec_or_value_type_is_refused() {
    let (_dir, env) = temp_env(&small());
    record_table(&env, "r");
    let e = env
        .open_table(
            "r",
            &TableOptions {
                key: KeyCodec::Str,
                ..record_opts()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SchemaIncompatible);
    assert!(e.message().contains("key codec u64, not str"), "{e}");
    let e = env.open_table("r", &raw_opts(KeyCodec::U64)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SchemaIncompatible);
    assert!(
        e.message()
            .contains("zerowamp.sample.Record values, not raw values"),
        "{e}"
    );
    env.open_table("raw", &raw_opts(KeyCodec::U64)).unwrap();
    let e = env.open_table("raw", &record_opts()).unwrap_err();
    assert!(
        e.message()
            .contains("raw values, not zerowamp.sample.Record values"),
        "{e}"
    );
    // The same options again are fine, and give the same table.
    let a = env.open_table("r", &record_opts()).unwrap();
    let b = env.open_table("r", &record_opts()).unwrap();
    assert_eq!(a.dbi(), b.dbi());
    assert_eq!(
        a.value_type(),
        &ValueType::FlatBuffer {
            root_type: RECORD.into()
        }
    );
}

#[test]
fn unknown_root_type_and_bad_schemas() {
    let (_dir, env) = temp_env(&small());
    let e = env.open_table("r", &record_opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownRootType);
    assert!(e.message().contains(RECORD), "{e}");
    env.register_schema(RECORD_BFBS).unwrap();
    let opts = TableOptions {
        value: ValueType::FlatBuffer {
            root_type: "zerowamp.sample.Nope".into(),
        },
        ..record_opts()
    };
    let e = env.open_table("r", &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownRootType);
    assert!(
        e.message().contains("known types: zerowamp.sample.Record"),
        "{e}"
    );
    for bad in [&b""[..], b"garbage!", &RECORD_BFBS[..RECORD_BFBS.len() / 2]] {
        assert_eq!(
            env.register_schema(bad).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
    let mut not_bfbs = RECORD_BFBS.to_vec();
    not_bfbs[4..8].copy_from_slice(b"XXXX");
    assert!(env
        .register_schema(&not_bfbs)
        .unwrap_err()
        .message()
        .contains("BFBS"));
}

#[test]
fn tables_of_one_env_cannot_be_used_with_another() {
    let (_d1, env1) = temp_env(&small());
    let (_d2, env2) = temp_env(&small());
    let t1 = env1.open_table("t", &raw_opts(KeyCodec::U64)).unwrap();
    let r2 = env2.begin_read().unwrap();
    assert_eq!(
        r2.get(&t1, &key(1)).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}
