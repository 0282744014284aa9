//! Commit hooks (`Table::on_commit`): what a committed transaction reports, what aborted ones do
//! not, which tables a hook hears about, the order of hooks across threads, and the rules (no
//! writes inside a hook, panics caught, drop stops).

mod common;

use std::sync::{Arc, Mutex};

use common::{raw_opts, small, temp_env};
use zerowamp::store::{Change, Changes, ErrorKind, KeyCodec, PutFlags, Table, Txn};

/// What a hook saw: per commit, its changes as owned values.
type Seen = Arc<Mutex<Vec<Vec<Owned>>>>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    Put(Vec<u8>),
    Delete(Vec<u8>),
    Truncate,
}

fn owned(changes: &Changes) -> Vec<Owned> {
    changes
        .iter()
        .map(|c| match c {
            Change::Put(k) => Owned::Put(k.to_vec()),
            Change::Delete(k) => Owned::Delete(k.to_vec()),
            Change::Truncate => Owned::Truncate,
        })
        .collect()
}

fn recorder(table: &Table) -> (Seen, zerowamp::store::CommitHook) {
    let seen: Seen = Arc::default();
    let into = seen.clone();
    let hook = table
        .on_commit(move |changes| into.lock().unwrap().push(owned(changes)))
        .expect("hook");
    (seen, hook)
}

fn put(k: &[u8]) -> Owned {
    Owned::Put(k.to_vec())
}

#[test]
fn committed_puts_deletes_and_truncates_are_reported_aborted_ones_are_not() {
    let (_dir, env) = temp_env(&small());
    let table = env.open_table("t", &raw_opts(KeyCodec::Bytes)).expect("t");
    let (seen, _hook) = recorder(&table);

    let mut txn = env.begin_write().expect("w");
    txn.put(&table, b"a", b"1", PutFlags::default())
        .expect("put");
    txn.put(&table, b"b", b"2", PutFlags::default())
        .expect("put");
    assert!(txn.delete(&table, b"a").expect("delete"));
    assert!(!txn.delete(&table, b"zz").expect("delete of nothing"));
    // A refused put changes nothing and is not reported.
    let refused = txn.put(&table, b"b", b"3", PutFlags { no_overwrite: true });
    assert_eq!(refused.expect_err("exists").kind(), ErrorKind::KeyExists);
    txn.commit().expect("commit");

    let mut aborted = env.begin_write().expect("w");
    aborted
        .put(&table, b"c", b"3", PutFlags::default())
        .expect("put");
    aborted.abort();
    let mut dropped = env.begin_write().expect("w");
    dropped
        .put(&table, b"d", b"4", PutFlags::default())
        .expect("put");
    drop(dropped);
    // A transaction that changed nothing reports nothing.
    env.begin_write()
        .expect("w")
        .commit()
        .expect("empty commit");

    let mut txn = env.begin_write().expect("w");
    txn.truncate(&table).expect("truncate");
    txn.put(&table, b"e", b"5", PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            vec![put(b"a"), put(b"b"), Owned::Delete(b"a".to_vec())],
            vec![Owned::Truncate, put(b"e")],
        ]
    );
}

#[test]
fn a_hook_hears_only_its_table_and_stops_when_dropped() {
    let (_dir, env) = temp_env(&small());
    let a = env.open_table("a", &raw_opts(KeyCodec::U64)).expect("a");
    let b = env.open_table("b", &raw_opts(KeyCodec::U64)).expect("b");
    let (seen_a, hook_a) = recorder(&a);
    let (seen_b, _hook_b) = recorder(&b);

    let mut txn = env.begin_write().expect("w");
    txn.put(&a, &1u64.to_be_bytes(), b"x", PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");
    let mut txn = env.begin_write().expect("w");
    txn.put(&a, &2u64.to_be_bytes(), b"x", PutFlags::default())
        .expect("put");
    txn.put(&b, &3u64.to_be_bytes(), b"y", PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");
    drop(hook_a);
    let mut txn = env.begin_write().expect("w");
    txn.put(&a, &4u64.to_be_bytes(), b"x", PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");

    assert_eq!(
        *seen_a.lock().unwrap(),
        vec![
            vec![put(&1u64.to_be_bytes())],
            vec![put(&2u64.to_be_bytes())]
        ]
    );
    assert_eq!(
        *seen_b.lock().unwrap(),
        vec![vec![put(&3u64.to_be_bytes())]]
    );
}

#[test]
fn hooks_may_read_but_not_write_and_a_panic_leaves_the_commit_standing() {
    let (_dir, env) = temp_env(&small());
    let table = env.open_table("t", &raw_opts(KeyCodec::Str)).expect("t");
    // Per hook run: the value read, and why a write was refused.
    type Runs = Arc<Mutex<Vec<(Option<Vec<u8>>, Option<ErrorKind>)>>>;
    let results: Runs = Arc::default();
    let into = results.clone();
    let reader_env = env.clone();
    let reader_table = table.clone();
    let _reads = table
        .on_commit(move |_| {
            let txn = reader_env.begin_read().expect("a hook may read");
            let value = txn
                .get(&reader_table, b"k")
                .expect("get")
                .map(<[u8]>::to_vec);
            drop(txn);
            let write = reader_env.begin_write().err().map(|e| e.kind());
            into.lock().unwrap().push((value, write));
        })
        .expect("hook");
    let _panics = table
        .on_commit(|_| panic!("a hook that panics"))
        .expect("hook");

    let mut txn = env.begin_write().expect("w");
    txn.put(&table, b"k", b"v1", PutFlags::default())
        .expect("put");
    txn.commit().expect("the commit stands despite the panic");
    assert_eq!(
        *results.lock().unwrap(),
        vec![(Some(b"v1".to_vec()), Some(ErrorKind::Busy))]
    );
    // Writing works again outside the hook.
    let mut txn = env.begin_write().expect("w");
    txn.put(&table, b"k", b"v2", PutFlags::default())
        .expect("put");
    txn.commit().expect("commit");
    let txn = env.begin_read().expect("r");
    assert_eq!(txn.get(&table, b"k").expect("get"), Some(&b"v2"[..]));
}

#[test]
fn hooks_run_in_commit_order_and_each_sees_its_own_commit() {
    let (_dir, env) = temp_env(&small());
    let table = env.open_table("t", &raw_opts(KeyCodec::Str)).expect("t");
    // Each hook run reads the value it reports: the last report is the final value.
    let reports: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let into = reports.clone();
    let (reader_env, reader_table) = (env.clone(), table.clone());
    let _hook = table
        .on_commit(move |_| {
            let txn = reader_env.begin_read().expect("r");
            let value = txn.get(&reader_table, b"k").expect("get").expect("there");
            into.lock().unwrap().push(value.to_vec());
        })
        .expect("hook");
    let writers: Vec<_> = (0..4u8)
        .map(|w| {
            let (env, table) = (env.clone(), table.clone());
            std::thread::spawn(move || {
                for i in 0..50u8 {
                    let mut txn = env.begin_write().expect("w");
                    txn.put(&table, b"k", &[w, i], PutFlags::default())
                        .expect("put");
                    txn.commit().expect("commit");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 200);
    let txn = env.begin_read().expect("r");
    let last = txn.get(&table, b"k").expect("get").expect("there");
    assert_eq!(reports.last().map(Vec::as_slice), Some(last));
    // Every commit was reported exactly once: no value seen twice, none skipped.
    let mut distinct = reports.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 200);
}

#[test]
fn a_hook_of_a_dropped_table_does_not_hear_a_new_table_with_its_handle() {
    let (_dir, env) = temp_env(&small());
    let old = env
        .open_table("old", &raw_opts(KeyCodec::Bytes))
        .expect("old");
    let (seen, _hook) = recorder(&old);
    env.drop_table("old").expect("drop");
    let new = env
        .open_table("new", &raw_opts(KeyCodec::Bytes))
        .expect("new");
    let mut txn = env.begin_write().expect("w");
    txn.put(&new, b"k", b"v", PutFlags::default()).expect("put");
    txn.commit().expect("commit");
    assert!(seen.lock().unwrap().is_empty());
    let err = old.on_commit(|_| {}).expect_err("dropped");
    assert_eq!(err.kind(), ErrorKind::UnknownTable);
}

#[test]
fn table_options_reopen_an_existing_table_as_it_was_created() {
    let (dir, env) = temp_env(&small());
    let record = common::record_table(&env, "records");
    let codec = KeyCodec::Composite(vec![KeyCodec::Str, KeyCodec::U64]);
    env.open_table("pairs", &raw_opts(codec.clone()))
        .expect("pairs");
    let mut txn = env.begin_write().expect("w");
    txn.put(
        &record,
        &common::key(1),
        &common::record(1),
        PutFlags::default(),
    )
    .expect("put");
    txn.commit().expect("commit");
    drop((record, env));

    // A fresh process would not have registered the schema: the stored one serves.
    let env = zerowamp::store::Env::open(dir.path(), &small()).expect("reopen");
    let opts = env.table_options("records").expect("stored options");
    assert_eq!(opts.key, KeyCodec::U64);
    assert!(!opts.create);
    let records = env.open_table("records", &opts).expect("open as stored");
    assert_eq!(records.root_type().map(|r| r.name()), Some(common::RECORD));
    let txn = env.begin_read().expect("r");
    let value = txn
        .get(&records, &common::key(1))
        .expect("get")
        .expect("there");
    common::check_record(value, 1);
    drop(txn);
    assert_eq!(env.table_options("pairs").expect("pairs").key, codec);
    let missing = env.table_options("nope").expect_err("no such table");
    assert_eq!(missing.kind(), ErrorKind::UnknownTable);
}
