//! A table served by a zerowamp client through crossbar, called by autobahn-python: the caller
//! (`interop/serve_caller.py`) receives each record as bytes and reads it with the Python
//! `flatbuffers` package and the generated code of `schemas/record.fbs` — the same schema
//! describes the record in LMDB and on the wire, across implementations.
//!
//! One crossbar serves the whole binary (`interop/mod.rs`); it needs `make venv-interop`. The
//! test name starts with `crossbar_`, so `make test-rust` leaves it to `make test-interop`.

mod common;
mod interop;

use std::path::Path;
use std::process::Command;

use interop::{crossbar, venv, REALM};
use sha2::{Digest, Sha256};
use zerowamp::client::{Client, ClientOptions};
use zerowamp::serve::{serve_table, ServeOptions};
use zerowamp::store::PutFlags;
use zerowamp::wamp::Serializer;

#[test]
fn crossbar_serve_table_answers_autobahn_callers_with_records_they_read_with_flatbuffers() {
    let (_dir, env) = common::temp_env(&common::small());
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
    let crossbar = crossbar();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/serve_caller.py");

    for (transport, serializer) in [
        ("rs", Serializer::MsgPack),
        ("rs", Serializer::Cbor),
        ("ws", Serializer::Json),
    ] {
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
                &get,
                "--range",
                &range,
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
        client.leave().expect("leave");
    }
}
