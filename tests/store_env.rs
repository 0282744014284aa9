//! Environments: options, stats, copies, map growth, transactions' life cycle, and the errors
//! for a full map or reader table, a missing path, a read-only env, a closed env, and LMDB files
//! this build cannot share or read.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use zerowamp::store::{Env, EnvOptions, ErrorKind, KeyCodec, PutFlags, Txn};

#[test]
fn handles_cross_threads_as_documented() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Env>();
    send_sync::<zerowamp::store::Table>();
    send_sync::<zerowamp::store::Error>();
    send::<zerowamp::store::ReadTxn>();
}

#[test]
fn options_stat_info_sync() {
    let opts = EnvOptions {
        map_size: 4 << 20,
        max_readers: 7,
        no_sync: true,
        ..EnvOptions::default()
    };
    let (_dir, env) = temp_env(&opts);
    let info = env.info().unwrap();
    assert_eq!(info.map_size, 4 << 20);
    assert_eq!(info.max_readers, 7);
    let before = info.last_txn_id;
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &record(1), PutFlags::default()).unwrap();
    w.commit().unwrap();
    let info = env.info().unwrap();
    assert!(info.last_txn_id > before);
    assert!(info.used_bytes > 0 && info.used_bytes <= info.map_size);
    let stat = env.stat().unwrap();
    assert!(stat.page_size.is_power_of_two() && stat.page_size >= 4096);
    // The main database holds the tables: "records" and the metadata table.
    assert_eq!(stat.entries, 2);
    env.sync(true).unwrap();
    assert_eq!(env.options(), &opts);
}

#[test]
fn no_subdir_uses_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.mdb");
    let env = Env::open(
        &file,
        &EnvOptions {
            no_subdir: true,
            ..small()
        },
    )
    .unwrap();
    let t = env.open_table("t", &raw_opts(KeyCodec::U64)).unwrap();
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), b"one", PutFlags::default()).unwrap();
    w.commit().unwrap();
    assert!(file.is_file());
    assert!(dir.path().join("db.mdb-lock").is_file());
}

#[test]
fn copy_with_compaction_keeps_every_record() {
    let (_dir, env) = temp_env(&EnvOptions {
        map_size: 64 << 20,
        ..EnvOptions::default()
    });
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    for id in 0..3000 {
        w.put(&t, &key(id), &record(id), PutFlags::default())
            .unwrap();
    }
    w.commit().unwrap();
    let mut w = env.begin_write().unwrap();
    for id in (0..3000).filter(|id| id % 3 != 0) {
        w.delete(&t, &key(id)).unwrap();
    }
    w.commit().unwrap();

    let plain = tempfile::tempdir().unwrap();
    let compact = tempfile::tempdir().unwrap();
    env.copy_to(plain.path(), false).unwrap();
    env.copy_to(compact.path(), true).unwrap();
    let size = |d: &tempfile::TempDir| std::fs::metadata(d.path().join("data.mdb")).unwrap().len();
    assert!(
        size(&compact) < size(&plain),
        "{} < {}",
        size(&compact),
        size(&plain)
    );

    let copy = Env::open(compact.path(), &small()).unwrap();
    // No schema registered here: the table's stored schema serves.
    let t = copy.open_table("records", &record_opts()).unwrap();
    let r = copy.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 1000);
    for id in (0..3000).step_by(3) {
        let v = r.get(&t, &key(id)).unwrap().unwrap();
        check_record(v, id);
        t.verify_value(v).unwrap();
    }
    // Copying into a directory that does not exist is a clear error.
    let e = env
        .copy_to(&compact.path().join("missing"), true)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PathNotFound, "{e}");
}

/// Writes records `from..` in transactions of `per_txn` until one fails; returns the first id
/// not committed and the error.
fn fill(
    env: &Env,
    t: &zerowamp::store::Table,
    from: u64,
    per_txn: u64,
) -> (u64, zerowamp::store::Error) {
    let mut next = from;
    loop {
        let mut w = match env.begin_write() {
            Ok(w) => w,
            Err(e) => return (next, e),
        };
        let mut failed = None;
        for id in next..next + per_txn {
            if let Err(e) = w.put(t, &key(id), &record(id), PutFlags::default()) {
                failed = Some(e);
                break;
            }
        }
        match failed {
            Some(e) => return (next, e),
            None => match w.commit() {
                Ok(()) => next += per_txn,
                Err(e) => return (next, e),
            },
        }
    }
}

#[test]
fn a_full_map_grows_without_losing_data() {
    let opts = EnvOptions {
        map_size: 1 << 20,
        auto_grow: false,
        ..EnvOptions::default()
    };
    let (_dir, env) = temp_env(&opts);
    let t = record_table(&env, "records");
    let (committed, e) = fill(&env, &t, 0, 100);
    assert_eq!(e.kind(), ErrorKind::MapFull, "{e}");
    assert!(e.message().contains("set_map_size"), "{e}");
    assert!(committed > 0);

    // Growing needs this process's transactions to have ended.
    let r = env.begin_read().unwrap();
    assert_eq!(
        env.set_map_size(4 << 20).unwrap_err().kind(),
        ErrorKind::Busy
    );
    drop(r);
    // A reset read transaction does not hold it up.
    let mut parked = env.begin_read().unwrap();
    parked.reset();
    env.set_map_size(4 << 20).unwrap();
    assert_eq!(env.info().unwrap().map_size, 4 << 20);
    parked.renew().unwrap();
    assert_eq!(t.count(&parked).unwrap(), committed);
    drop(parked);

    // Redo: the failed transaction's records go in now, and nothing earlier was lost.
    let (more, e) = fill(&env, &t, committed, 100);
    assert_eq!(e.kind(), ErrorKind::MapFull);
    assert!(more > committed);
    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), more);
    for id in 0..more {
        check_record(r.get(&t, &key(id)).unwrap().unwrap(), id);
    }
}

#[test]
fn auto_grow_grows_the_map_as_it_fills() {
    let opts = EnvOptions {
        map_size: 512 << 10,
        auto_grow: true,
        ..EnvOptions::default()
    };
    let (_dir, env) = temp_env(&opts);
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    for id in 0..20 {
        w.put(&t, &key(id), &record(id), PutFlags::default())
            .unwrap();
    }
    w.commit().unwrap();
    let start = env.info().unwrap().map_size;
    // 20 transactions of 200 records each: each fits in the free quarter, so none fails.
    for batch in 0..20 {
        let mut w = env.begin_write().unwrap();
        for id in 0..200 {
            let id = 20 + batch * 200 + id;
            w.put(&t, &key(id), &record(id), PutFlags::default())
                .unwrap();
        }
        w.commit().unwrap();
    }
    let grown = env.info().unwrap().map_size;
    assert!(grown >= 4 * start, "{grown} vs {start}");

    // One transaction larger than the free room fails, and the next begin_write grows the map
    // so that redoing it succeeds.
    let big: Vec<u64> = (100_000..100_000 + grown / 200).collect();
    let mut w = env.begin_write().unwrap();
    let e = big
        .iter()
        .try_for_each(|&id| w.put(&t, &key(id), &record(id), PutFlags::default()));
    assert_eq!(e.unwrap_err().kind(), ErrorKind::MapFull);
    drop(w);
    let mut redo = 0;
    loop {
        let mut w = env.begin_write().unwrap();
        let ok = big.iter().all(|&id| {
            w.put(&t, &key(id), &record(id), PutFlags::default())
                .is_ok()
        });
        if ok && w.commit().is_ok() {
            break;
        }
        redo += 1;
        assert!(redo < 4, "auto_grow did not make room");
    }
    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 20 + 4000 + big.len() as u64);
    check_record(
        r.get(&t, &key(big[big.len() - 1])).unwrap().unwrap(),
        big[big.len() - 1],
    );
}

#[test]
fn readers_full_is_its_own_error() {
    let (_dir, env) = temp_env(&EnvOptions {
        max_readers: 2,
        ..small()
    });
    let a = env.begin_read().unwrap();
    let b = env.begin_read().unwrap();
    let e = env.begin_read().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReadersFull);
    assert!(e.message().contains("max_readers"), "{e}");
    drop(a);
    let _c = env.begin_read().unwrap();
    drop(b);
}

#[test]
fn a_missing_path_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let e = Env::open(&missing, &small()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PathNotFound);
    assert!(
        e.message().contains("nope") && e.message().contains("create it first"),
        "{e}"
    );
    let e = Env::open(
        &missing.join("db"),
        &EnvOptions {
            no_subdir: true,
            ..small()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PathNotFound);
    let e = Env::open(
        dir.path(),
        &EnvOptions {
            map_size: 0,
            ..small()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn read_only_envs_refuse_writes() {
    let (dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &record(1), PutFlags::default()).unwrap();
    w.commit().unwrap();
    drop((t, env));

    let ro = Env::open(
        dir.path(),
        &EnvOptions {
            read_only: true,
            ..small()
        },
    )
    .unwrap();
    let e = ro.begin_write().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReadOnly);
    assert!(e.message().contains("read-only"), "{e}");
    assert_eq!(
        ro.open_table("new", &raw_opts(KeyCodec::U64))
            .unwrap_err()
            .kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(
        ro.drop_table("records").unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    let t = ro.open_table("records", &record_opts()).unwrap();
    check_record(
        ro.begin_read().unwrap().get(&t, &key(1)).unwrap().unwrap(),
        1,
    );
}

#[test]
fn use_after_close_is_an_error() {
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &record(1), PutFlags::default()).unwrap();
    w.commit().unwrap();
    let r = env.begin_read().unwrap();
    let other = env.clone();
    env.close();
    let closed = |e: zerowamp::store::Error| assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
    closed(r.get(&t, &key(1)).unwrap_err());
    closed(r.cursor(&t).err().unwrap());
    closed(t.count(&r).unwrap_err());
    closed(other.begin_read().err().unwrap());
    closed(other.begin_write().err().unwrap());
    closed(other.open_table("x", &raw_opts(KeyCodec::U64)).unwrap_err());
    closed(other.register_schema(RECORD_BFBS).unwrap_err());
    closed(other.stat().unwrap_err());
    closed(other.set_map_size(1 << 30).unwrap_err());
    drop(r);
}

#[test]
fn read_txns_reset_renew_and_move_between_threads() {
    let (_dir, env) = temp_env(&small());
    let t = record_table(&env, "records");
    let mut r = env.begin_read().unwrap();
    assert_eq!(r.get(&t, &key(1)).unwrap(), None);
    let mut w = env.begin_write().unwrap();
    w.put(&t, &key(1), &record(1), PutFlags::default()).unwrap();
    w.commit().unwrap();
    // A snapshot does not see later commits; a renewed one does.
    assert_eq!(r.get(&t, &key(1)).unwrap(), None);
    r.reset();
    assert!(r.is_reset());
    assert_eq!(r.get(&t, &key(1)).unwrap_err().kind(), ErrorKind::TxnReset);
    r.renew().unwrap();
    check_record(r.get(&t, &key(1)).unwrap().unwrap(), 1);
    assert!(!r.as_raw().is_null());
    // MDB_NOTLS: the transaction may be used and ended on another thread.
    let t2 = t.clone();
    std::thread::spawn(move || {
        check_record(r.get(&t2, &key(1)).unwrap().unwrap(), 1);
        drop(r);
    })
    .join()
    .unwrap();
}

#[test]
fn one_writer_at_a_time() {
    let (_dir, env) = temp_env(&small());
    let t = env.open_table("t", &raw_opts(KeyCodec::U64)).unwrap();
    let mut w = env.begin_write().unwrap();
    // The same thread again would deadlock on LMDB's writer lock: refused instead.
    let e = env.begin_write().err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Busy);
    let e = env.open_table("new", &raw_opts(KeyCodec::U64)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy);
    // Another thread waits for this one's commit.
    let (env2, t2) = (env.clone(), t.clone());
    let other = std::thread::spawn(move || {
        let mut w = env2.begin_write().unwrap();
        let seen = w.get(&t2, &key(1)).unwrap().map(<[u8]>::to_vec);
        w.put(&t2, &key(2), b"two", PutFlags::default()).unwrap();
        w.commit().unwrap();
        seen
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    w.put(&t, &key(1), b"one", PutFlags::default()).unwrap();
    w.commit().unwrap();
    assert_eq!(other.join().unwrap(), Some(b"one".to_vec()));
    assert_eq!(t.count(&env.begin_read().unwrap()).unwrap(), 2);
}

#[test]
fn max_tables_is_enforced_with_advice() {
    let (_dir, env) = temp_env(&EnvOptions {
        max_tables: 2,
        ..small()
    });
    env.open_table("a", &raw_opts(KeyCodec::U64)).unwrap();
    env.open_table("b", &raw_opts(KeyCodec::U64)).unwrap();
    let e = env.open_table("c", &raw_opts(KeyCodec::U64)).unwrap_err();
    assert!(e.message().contains("max_tables"), "{e}");
}

#[test]
fn a_file_that_is_not_lmdb_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.mdb"), vec![0x42u8; 16384]).unwrap();
    let e = Env::open(dir.path(), &small()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidFile, "{e}");
    assert!(
        e.message().contains("0.9 data format") && e.message().contains("1.0"),
        "{e}"
    );
}

/// The child side of the lock-format test: hold a shared lock on the lock file, as a reader on
/// another LMDB build would, until stdin closes.
fn hold_lock_file(path: &str) {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    // SAFETY: a plain fcntl record lock on a file we opened.
    let rc = unsafe {
        let mut lock: libc::flock = std::mem::zeroed();
        lock.l_type = libc::F_RDLCK as i16;
        lock.l_whence = libc::SEEK_SET as i16;
        lock.l_start = 0;
        lock.l_len = 1;
        libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock)
    };
    assert_eq!(rc, 0, "lock {path}");
    println!("locked");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

#[test]
fn another_lmdb_lock_format_holding_the_env_is_refused_clearly() {
    if let Ok(path) = std::env::var("ZW_TEST_HOLD_LOCK") {
        hold_lock_file(&path);
        return;
    }
    let (dir, env) = temp_env(&small());
    drop(env);
    // Make the lock file say another lock format (bytes 4..8 hold it), then let a child hold
    // it open as a process on that LMDB would.
    let lock_path = dir.path().join("lock.mdb");
    let mut bytes = std::fs::read(&lock_path).unwrap();
    bytes[4] ^= 0x01;
    std::fs::write(&lock_path, &bytes).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "another_lmdb_lock_format_holding_the_env_is_refused_clearly",
            "--nocapture",
        ])
        .env("ZW_TEST_HOLD_LOCK", &lock_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("locked") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "child ended before locking"
        );
    }
    let e = Env::open(dir.path(), &small()).unwrap_err();
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{e}");
    assert!(
        e.message().contains("py-lmdb") && e.message().contains("lock format"),
        "{e}"
    );
    // Once the other process is gone, the env opens again (and the lock file is rebuilt).
    Env::open(dir.path(), &small()).unwrap();
}

#[test]
fn tables_opened_after_a_txn_began_are_a_clear_error() {
    let (_dir, env) = temp_env(&small());
    env.open_table("first", &raw_opts(KeyCodec::U64)).unwrap();
    let mut r = env.begin_read().unwrap();
    let late = env.open_table("late", &raw_opts(KeyCodec::U64)).unwrap();
    // A transaction's list of tables is fixed when it begins.
    let e = r.get(&late, &key(1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message().contains("opened after this transaction began"),
        "{e}"
    );
    r.reset();
    r.renew().unwrap();
    assert_eq!(r.get(&late, &key(1)).unwrap(), None);
}

#[test]
fn readers_writers_resizes_and_table_opens_run_together() {
    let (_dir, env) = temp_env(&EnvOptions {
        map_size: 32 << 20,
        no_sync: true,
        ..EnvOptions::default()
    });
    let t = record_table(&env, "records");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    for reader in 0..3 {
        let (env, t, stop) = (env.clone(), t.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut r = env.begin_read().unwrap();
            let mut seen = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Records only ever get added, so a later snapshot never has fewer.
                let n = t.count(&r).unwrap();
                assert!(n >= seen, "reader {reader}: {n} < {seen}");
                seen = n;
                if let Some(v) = r.get(&t, &key(n.saturating_sub(1))).unwrap() {
                    check_record(v, n - 1);
                }
                r.reset();
                assert_eq!(env.table_names().unwrap(), ["records"]);
                std::thread::yield_now();
                r.renew().unwrap();
            }
        }));
    }
    let (env2, stop2) = (env.clone(), stop.clone());
    let resizer = std::thread::spawn(move || {
        let mut grown = 0;
        let mut size = 32 << 20;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            // Between 32 and 64 MiB: always room for the 2000 records (~1 MiB).
            size = if size == 32 << 20 { 64 << 20 } else { 32 << 20 };
            match env2.set_map_size(size) {
                Ok(()) => grown += 1,
                Err(e) => assert_eq!(e.kind(), ErrorKind::Busy, "{e}"),
            }
            std::thread::yield_now();
        }
        grown
    });
    for id in 0..2000 {
        let mut w = env.begin_write().unwrap();
        w.put(&t, &key(id), &record(id), PutFlags::default())
            .unwrap();
        w.commit().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for th in threads {
        th.join().unwrap();
    }
    // Whether a resize found a moment with no live transaction is up to the scheduler; each
    // attempt either succeeded or said Busy, and nothing was lost either way.
    println!("{} resizes succeeded", resizer.join().unwrap());
    let r = env.begin_read().unwrap();
    assert_eq!(t.count(&r).unwrap(), 2000);
    for id in 0..2000 {
        check_record(r.get(&t, &key(id)).unwrap().unwrap(), id);
    }
}
