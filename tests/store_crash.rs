//! Crash safety: a writer process killed with SIGKILL at random moments, again and again, loses
//! no committed transaction and leaves nothing that does not verify.
//!
//! The test re-executes its own binary as the writer (`ZW_CRASH_DIR` set): it commits numbered
//! transactions of a few records each and prints each number once its commit returned.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use zerowamp::store::{Env, EnvOptions, KeyCodec, PutFlags, RangeOptions, Txn};

const RECORDS_PER_TXN: u64 = 5;
const ROUNDS: usize = 20;
const PROGRESS_KEY: [u8; 8] = [0; 8];

fn opts() -> EnvOptions {
    EnvOptions {
        map_size: 64 << 20,
        ..EnvOptions::default()
    }
}

/// The writer: continue after the last transaction the store has, forever (until killed).
fn writer(dir: &str) {
    let env = Env::open(dir.as_ref(), &opts()).unwrap();
    let records = record_table(&env, "records");
    let progress = env
        .open_table("progress", &raw_opts(KeyCodec::U64))
        .unwrap();
    let mut n = match env
        .begin_read()
        .unwrap()
        .get(&progress, &PROGRESS_KEY)
        .unwrap()
    {
        Some(v) => u64::from_le_bytes(v.try_into().unwrap()) + 1,
        None => 0,
    };
    let stdout = std::io::stdout();
    loop {
        let mut w = env.begin_write().unwrap();
        for i in 0..RECORDS_PER_TXN {
            let id = n * RECORDS_PER_TXN + i;
            w.put(&records, &key(id), &record(id), PutFlags::default())
                .unwrap();
        }
        w.put(
            &progress,
            &PROGRESS_KEY,
            &n.to_le_bytes(),
            PutFlags::default(),
        )
        .unwrap();
        w.commit().unwrap();
        let mut out = stdout.lock();
        writeln!(out, "committed {n}").unwrap();
        out.flush().unwrap();
        n += 1;
    }
}

/// A small xorshift generator: random kill moments without a dependency; the seed is printed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn killed_writers_lose_no_committed_transaction() {
    if let Ok(dir) = std::env::var("ZW_CRASH_DIR") {
        writer(&dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill schedule seed: {seed}");
    let mut rng = Rng(seed);
    let mut committed: Vec<u64> = Vec::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "killed_writers_lose_no_committed_transaction",
                "--nocapture",
            ])
            .env("ZW_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("committed ") {
                    tx.send(n.parse::<u64>().unwrap()).unwrap();
                }
            }
        });
        // Wait for the writer to be in its loop, then kill it at a random moment.
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("writer started committing");
        committed.push(first);
        std::thread::sleep(Duration::from_micros(rng.below(30_000)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was not killed"
        );
        reader.join().unwrap();
        committed.extend(rx.try_iter());
    }
    println!(
        "{} transactions committed over {ROUNDS} kills in {:?}",
        committed.len(),
        started.elapsed()
    );

    // Every printed number appears once, in order, across rounds.
    assert!(
        committed.windows(2).all(|w| w[0] < w[1]),
        "txn numbers not increasing"
    );

    let env = Env::open(dir.path(), &opts()).unwrap();
    let records = record_table(&env, "records");
    let progress = env
        .open_table("progress", &raw_opts(KeyCodec::U64))
        .unwrap();
    let r = env.begin_read().unwrap();
    let last = u64::from_le_bytes(
        r.get(&progress, &PROGRESS_KEY)
            .unwrap()
            .unwrap()
            .try_into()
            .unwrap(),
    );
    assert!(last >= *committed.last().unwrap());
    for &n in &committed {
        for i in 0..RECORDS_PER_TXN {
            let id = n * RECORDS_PER_TXN + i;
            let v = r
                .get(&records, &key(id))
                .unwrap()
                .unwrap_or_else(|| panic!("txn {n} lost record {id}"));
            check_record(v, id);
        }
    }
    // Nothing half-written: every stored record verifies, and only whole transactions exist.
    let mut count = 0;
    for entry in r.range(&records, &RangeOptions::default()).unwrap() {
        let (k, v) = entry.unwrap();
        let id = u64::from_be_bytes(k.try_into().unwrap());
        records.verify_value(v).unwrap();
        check_record(v, id);
        count += 1;
    }
    assert_eq!(count, (last + 1) * RECORDS_PER_TXN);
    assert_eq!(records.count(&r).unwrap(), count);
}
