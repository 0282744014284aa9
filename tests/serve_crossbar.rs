//! A table served by a zerowamp client through crossbar, called by autobahn-python: the caller
//! (`interop/serve_caller.py`) receives each record as bytes and reads it with the Python
//! `flatbuffers` package and the generated code of `schemas/record.fbs` — the same schema
//! describes the record in LMDB and on the wire, across implementations.
//!
//! One crossbar serves the whole binary (`interop/mod.rs`); it needs `make venv-interop`. The
//! test name starts with `crossbar_`, so `make test-rust` leaves it to `make test-interop`.

mod common;
mod interop;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use interop::{crossbar, venv, REALM};
use sha2::{Digest, Sha256};
use zerowamp::client::{Client, ClientOptions};
use zerowamp::serve::{serve_table, ServeOptions};
use zerowamp::store::PutFlags;
use zerowamp::wamp::Serializer;

/// The records the tests serve: ids 1..=3 in a fresh environment.
fn records() -> (
    tempfile::TempDir,
    zerowamp::store::Env,
    zerowamp::store::Table,
) {
    let (dir, env) = common::temp_env(&common::small());
    let table = common::record_table(&env, "records");
    let mut txn = env.begin_write().expect("write");
    for id in 1..=3 {
        txn.put(
            &table,
            &common::key(id),
            &common::record(id),
            PutFlags::default(),
        )
        .expect("put");
    }
    txn.commit().expect("commit");
    (dir, env, table)
}

/// The transports and serializers both sides speak, one session pair per row.
const ROWS: [(&str, Serializer); 3] = [
    ("rs", Serializer::MsgPack),
    ("rs", Serializer::Cbor),
    ("ws", Serializer::Json),
];

/// Runs the autobahn-python caller against `get` and `range` through crossbar and checks that it
/// read records 1..=3 byte for byte, the missing key's error, and the range.
fn check_autobahn_caller(
    crossbar: &interop::Crossbar,
    transport: &str,
    name: &str,
    get: &str,
    range: &str,
) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/serve_caller.py");
    // The caller speaks the same transport and serializer as the callee.
    let port = match transport {
        "ws" => crossbar.ws_port,
        _ => crossbar.rs_port,
    };
    let out = Command::new(venv().join("bin/python"))
        .arg(&script)
        .args(["--transport", transport, "--serializer", name])
        .args(["--port", &port.to_string()])
        .args([
            "--get",
            get,
            "--range",
            range,
            "--ids",
            "1,2,3",
            "--missing",
            "9",
        ])
        .output()
        .expect("run the autobahn caller");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{transport}/{name}: the caller failed: {stderr}\ncrossbar log:\n{}",
        crossbar.log()
    );
    let got: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the caller prints one JSON line");

    let records = got["records"].as_array().expect("records");
    assert_eq!(records.len(), 3, "{got}");
    for (id, seen) in (1..=3u64).zip(records) {
        let digest = hex::encode(Sha256::digest(common::record(id)));
        assert_eq!(seen["id"], id, "{transport}/{name}: {got}");
        assert_eq!(
            seen["sha256"].as_str(),
            Some(digest.as_str()),
            "{transport}/{name}: record {id} arrived byte for byte"
        );
    }
    assert_eq!(got["missing"]["error"], "zerowamp.error.not_found", "{got}");
    let message = got["missing"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("key 9"), "{got}");
    assert_eq!(got["range"]["ids"], serde_json::json!([1, 2, 3]), "{got}");
    assert_eq!(got["range"]["count"], 3, "{got}");
    assert_eq!(got["range"]["more"], false, "{got}");
}

#[test]
fn crossbar_serve_table_answers_autobahn_callers_with_records_they_read_with_flatbuffers() {
    let (_dir, env, table) = records();
    let crossbar = crossbar();
    for (transport, serializer) in ROWS {
        let name = serializer.name();
        let client = Client::connect(
            &crossbar.url(transport),
            REALM,
            ClientOptions::default().with_serializer(serializer),
        )
        .unwrap_or_else(|e| panic!("{transport}/{name}: connect: {e}"));
        let get = format!("zw.serve.{transport}.{name}.get");
        let range = format!("zw.serve.{transport}.{name}.range");
        let _get =
            serve_table(&client, &env, &table, &get, ServeOptions::default()).expect("serve get");
        let ranges = ServeOptions {
            range: true,
            ..ServeOptions::default()
        };
        let _range = serve_table(&client, &env, &table, &range, ranges).expect("serve range");
        check_autobahn_caller(crossbar, transport, name, &get, &range);
        client.leave().expect("leave");
    }
}

/// The same from C: `tests/c/serve_at.c` serves the table with `zw_serve_table` through crossbar
/// (built by `make test-interop`, which passes its path in `ZW_C_SERVE_AT`).
#[test]
fn crossbar_a_c_program_serves_the_table_to_autobahn_callers() {
    let program = std::env::var_os("ZW_C_SERVE_AT").unwrap_or_else(|| {
        panic!("ZW_C_SERVE_AT is not set: run this test with `make test-interop`, which builds tests/c/serve_at.c")
    });
    let (dir, _env, _table) = records();
    let crossbar = crossbar();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/bfbs/record.bfbs");
    for (transport, serializer) in ROWS {
        let name = serializer.name();
        let get = format!("zw.serve_c.{transport}.{name}.get");
        let range = format!("zw.serve_c.{transport}.{name}.range");
        let mut server = Command::new(&program)
            .arg(crossbar.url(transport))
            .arg(name)
            .arg(dir.path())
            .arg(&schema)
            .args([&get, &range])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start serve_at");
        let mut ready = String::new();
        let stdout = server.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut ready)
            .expect("read serve_at");
        assert_eq!(
            ready.trim(),
            "ready",
            "{transport}/{name}: serve_at did not start"
        );
        check_autobahn_caller(crossbar, transport, name, &get, &range);
        drop(server.stdin.take()); // end of input: serve_at leaves and exits
        let status = server.wait().expect("serve_at exits");
        assert!(
            status.success(),
            "{transport}/{name}: serve_at exited with {status}"
        );
    }
}
