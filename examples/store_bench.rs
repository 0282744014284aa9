//! `make bench-store`, the Rust side: random point reads of 100,000 sample records (~220 bytes)
//! with one field read through the Rust API, next to a bare `mdb_get` loop on the same LMDB build
//! (the floor), in one run; then a full scan against a bare `MDB_cursor` walk.
//!
//! Usage: store_bench SCHEMA.bfbs SCRATCH_DIR

use std::time::Instant;

use lmdb_master_sys as ffi;
use zerowamp::store::{
    Env, EnvOptions, KeyCodec, PutFlags, RangeOptions, TableOptions, Txn, ValueType,
};

#[rustfmt::skip]
#[allow(clippy::all, unsafe_op_in_unsafe_fn, mismatched_lifetime_syntaxes)]
#[path = "../schemas/generated/rust/record_generated.rs"]
mod record_generated;
use record_generated::zerowamp::sample::{root_as_record_unchecked, Record, RecordArgs};

const RECORDS: u64 = 100_000;
const READS: usize = 2_000_000;
const ROUNDS: usize = 7;

fn median(mut rounds: Vec<f64>) -> f64 {
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

/// Reads the `id` field: the records were verified on put, so no verification on read.
fn id_of(value: &[u8]) -> u64 {
    // SAFETY: every value in the table was verified as a Record when it was written.
    unsafe { root_as_record_unchecked(value) }.id()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, schema, dir] = args.as_slice() else {
        return Err("usage: store_bench SCHEMA.bfbs SCRATCH_DIR".into());
    };
    std::fs::create_dir_all(dir)?;
    let env = Env::open(
        dir.as_ref(),
        &EnvOptions {
            map_size: 1 << 30,
            no_sync: true,
            ..EnvOptions::default()
        },
    )?;
    env.register_schema(&std::fs::read(schema)?)?;
    let table = env.open_table(
        "records",
        &TableOptions {
            key: KeyCodec::U64,
            value: ValueType::FlatBuffer {
                root_type: "zerowamp.sample.Record".into(),
            },
            create: true,
        },
    )?;
    let mut builder = flatbuffers::FlatBufferBuilder::new();
    let mut txn = env.begin_write()?;
    for id in 0..RECORDS {
        builder.reset();
        let name = builder.create_string(&format!("user-{id:08}"));
        let email = builder.create_string(&format!("user-{id:08}@example.com"));
        let payload = builder.create_vector(&[id as u8; 96]);
        let record = Record::create(
            &mut builder,
            &RecordArgs {
                id,
                ts: 1_700_000_000_000_000_000 + id,
                score: id as f64,
                active: id & 1 == 1,
                name: Some(name),
                email: Some(email),
                payload: Some(payload),
            },
        );
        builder.finish(record, None);
        txn.put(
            &table,
            &id.to_be_bytes(),
            builder.finished_data(),
            PutFlags::default(),
        )?;
    }
    txn.commit()?;

    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let keys: Vec<[u8; 8]> = (0..READS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % RECORDS).to_be_bytes()
        })
        .collect();

    let txn = env.begin_read()?;
    let time_rounds = |per: usize, mut work: Box<dyn FnMut() -> u64 + '_>| {
        median(
            (0..ROUNDS)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(work());
                    start.elapsed().as_nanos() as f64 / per as f64
                })
                .collect(),
        )
    };
    let bare_get = || {
        let (raw, dbi) = (txn.as_raw(), table.dbi());
        keys.iter()
            .map(|key| {
                let mut k = ffi::MDB_val {
                    mv_size: 8,
                    mv_data: key.as_ptr() as *mut _,
                };
                let mut v = ffi::MDB_val {
                    mv_size: 0,
                    mv_data: std::ptr::null_mut(),
                };
                // SAFETY: a live read txn and an open dbi; LMDB fills v with a pointer into the map.
                let rc = unsafe { ffi::mdb_get(raw, dbi, &mut k, &mut v) };
                assert_eq!(rc, 0);
                id_of(unsafe { std::slice::from_raw_parts(v.mv_data as *const u8, v.mv_size) })
            })
            .sum::<u64>()
    };
    let floor = time_rounds(READS, Box::new(bare_get));
    let api = time_rounds(
        READS,
        Box::new(|| {
            keys.iter()
                .map(|key| id_of(txn.get(&table, key).unwrap().unwrap()))
                .sum::<u64>()
        }),
    );
    let floor = floor.min(time_rounds(READS, Box::new(bare_get)));
    let bare_scan = || {
        let mut cursor = std::ptr::null_mut();
        // SAFETY: a live read txn and an open dbi; the cursor is closed below.
        unsafe { ffi::mdb_cursor_open(txn.as_raw(), table.dbi(), &mut cursor) };
        let mut k = ffi::MDB_val {
            mv_size: 0,
            mv_data: std::ptr::null_mut(),
        };
        let mut v = ffi::MDB_val {
            mv_size: 0,
            mv_data: std::ptr::null_mut(),
        };
        let mut sum = 0;
        while unsafe { ffi::mdb_cursor_get(cursor, &mut k, &mut v, ffi::MDB_NEXT) } == 0 {
            sum += id_of(unsafe { std::slice::from_raw_parts(v.mv_data as *const u8, v.mv_size) });
        }
        unsafe { ffi::mdb_cursor_close(cursor) };
        sum
    };
    let scan_floor = time_rounds(RECORDS as usize, Box::new(bare_scan));
    let scan = time_rounds(
        RECORDS as usize,
        Box::new(|| {
            txn.range(&table, &RangeOptions::default())
                .unwrap()
                .map(|entry| id_of(entry.unwrap().1))
                .sum::<u64>()
        }),
    );

    println!("store, Rust: {RECORDS} records, {READS} random point reads + one field, median of {ROUNDS} rounds");
    println!("  {:<34} {floor:8.1} ns/read", "bare mdb_get loop (floor)");
    println!(
        "  {:<34} {api:8.1} ns/read   {:.3}x the floor",
        "Rust API Txn::get",
        api / floor
    );
    println!(
        "  {:<34} {scan_floor:8.1} ns/record",
        "bare MDB_cursor scan (floor)"
    );
    println!(
        "  {:<34} {scan:8.1} ns/record {:.3}x the floor",
        "Rust API Txn::range",
        scan / scan_floor
    );
    Ok(())
}
