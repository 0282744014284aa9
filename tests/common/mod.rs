//! Helpers shared by the store tests: temporary environments, the sample Record schema and
//! records built with the generated code.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use tempfile::TempDir;
use zerowamp::store::{Env, EnvOptions, KeyCodec, Table, TableOptions, ValueType};

#[path = "../../schemas/generated/rust/record_generated.rs"]
#[allow(clippy::all, clippy::pedantic, unused_imports, dead_code, non_snake_case)]
mod record_generated;

pub use record_generated::zerowamp::sample::{root_as_record, Record, RecordArgs};

/// The sample schema as `flatc` generated it.
pub const RECORD_BFBS: &[u8] = include_bytes!("../../schemas/bfbs/record.bfbs");
/// Its root type.
pub const RECORD: &str = "zerowamp.sample.Record";

/// A fixture binary schema from `tests/fixtures/schemas/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "schemas", name].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A fresh environment in a temporary directory (kept alive by the returned `TempDir`).
pub fn temp_env(opts: &EnvOptions) -> (TempDir, Env) {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::open(dir.path(), opts).expect("open env");
    (dir, env)
}

/// Options for a small test environment.
pub fn small() -> EnvOptions {
    EnvOptions { map_size: 8 << 20, ..EnvOptions::default() }
}

/// Registers the Record schema and opens (creating) a u64-keyed Record table.
pub fn record_table(env: &Env, name: &str) -> Table {
    env.register_schema(RECORD_BFBS).expect("register record schema");
    env.open_table(name, &record_opts()).expect("open record table")
}

/// Table options of a u64-keyed Record table.
pub fn record_opts() -> TableOptions {
    TableOptions {
        key: KeyCodec::U64,
        value: ValueType::FlatBuffer { root_type: RECORD.into() },
        create: true,
    }
}

/// A raw table with the given key codec.
pub fn raw_opts(key: KeyCodec) -> TableOptions {
    TableOptions { key, value: ValueType::Raw, create: true }
}

/// The 8-byte key of `id`.
pub fn key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The sample record `id`: about 200 bytes, a 96-byte payload, every field derived from `id`.
pub fn record(id: u64) -> Vec<u8> {
    let mut fbb = flatbuffers::FlatBufferBuilder::with_capacity(256);
    let name = fbb.create_string(&format!("user-{id}"));
    let email = fbb.create_string(&format!("user-{id}@example.com"));
    let payload: Vec<u8> = (0..96u64).map(|i| (id.wrapping_mul(31).wrapping_add(i)) as u8).collect();
    let payload = fbb.create_vector(&payload);
    let rec = Record::create(
        &mut fbb,
        &RecordArgs {
            id,
            ts: 1_700_000_000_000_000_000 + id,
            score: id as f64 / 2.0,
            active: id % 2 == 0,
            name: Some(name),
            email: Some(email),
            payload: Some(payload),
        },
    );
    fbb.finish(rec, None);
    fbb.finished_data().to_vec()
}

/// Checks that `bytes` verifies as a Record and is record `id`.
pub fn check_record(bytes: &[u8], id: u64) {
    let rec = root_as_record(bytes).expect("stored record verifies");
    assert_eq!(rec.id(), id);
    assert_eq!(rec.name(), Some(format!("user-{id}").as_str()));
    assert_eq!(rec.payload().map(|p| p.len()), Some(96));
    assert_eq!(rec.score(), id as f64 / 2.0);
}
