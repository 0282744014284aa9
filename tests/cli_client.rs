//! The client subcommands against `zerowamp router` on a free port: `register` answering
//! `call` (fixed reply and echo), a missing procedure, `subscribe --count` with `publish`,
//! `serve` answering with the records of an LMDB table another process writes, and bad JSON
//! on the command line.

mod common;
mod server_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use server_support::process::RouterProcess;

const BINARY: &str = env!("CARGO_BIN_EXE_zerowamp");
const WAIT: Duration = Duration::from_secs(10);

fn router() -> RouterProcess {
    RouterProcess::start(
        Path::new(BINARY),
        &["--listen", "ws://127.0.0.1:0/ws"],
        WAIT,
    )
    .unwrap_or_else(|e| panic!("router exited: {e:?}"))
}

/// Runs a client subcommand to its end: (exit code, stdout, stderr).
fn run(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BINARY)
        .args(args)
        .args(["--url", url])
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A long-running client subcommand; killed on drop, also when the test fails.
struct Background {
    child: Child,
    stderr: Receiver<String>,
}

impl Background {
    /// Starts it and waits for the stderr line containing `ready`.
    fn start(url: &str, args: &[&str], ready: &str) -> Background {
        let mut child = Command::new(BINARY)
            .args(args)
            .args(["--url", url])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(ready) => break,
                Ok(_) => {}
                Err(e) => panic!("{args:?}: no '{ready}' line on stderr ({e})"),
            }
        }
        Background {
            child,
            stderr: lines,
        }
    }

    /// Waits (bounded) for it to exit by itself; returns its exit code and stdout.
    fn wait_exit(mut self) -> (i32, String) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                let mut out = String::new();
                if let Some(mut stdout) = self.child.stdout.take() {
                    std::io::Read::read_to_string(&mut stdout, &mut out).expect("stdout");
                }
                return (status.code().unwrap_or(-1), out);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let rest: Vec<String> = self.stderr.try_iter().collect();
        panic!("did not exit within {WAIT:?}; stderr: {rest:?}");
    }

    fn terminate(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().expect("wait").code().unwrap_or(-1)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn register_with_reply_answers_call() {
    let router = router();
    let url = &router.urls[0];
    let mut callee = Background::start(
        url,
        &["register", "com.test.version", "--reply", r#"{"v":[1,2]}"#],
        "registered com.test.version",
    );
    let (code, stdout, stderr) = run(url, &["call", "com.test.version", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "{\"args\":[{\"v\":[1,2]}],\"kwargs\":{}}\n");
    assert_eq!(callee.terminate(), 0, "SIGTERM ends register cleanly");
}

#[test]
fn register_echo_round_trips_args_and_kwargs() {
    let router = router();
    let url = &router.urls[0];
    let _callee = Background::start(url, &["register", "com.test.echo"], "registered");
    for serializer in ["json", "msgpack", "cbor", "flatbuffers"] {
        let (code, stdout, stderr) = run(
            url,
            &[
                "call",
                "com.test.echo",
                "-3",
                r#""text""#,
                r#"[true,null,1.5]"#,
                "--kwargs",
                r#"{"k":{"n":1}}"#,
                "--serializer",
                serializer,
                "--timeout",
                "5000",
            ],
        );
        assert_eq!(code, 0, "{serializer}: {stderr}");
        assert_eq!(
            stdout, "{\"args\":[-3,\"text\",[true,null,1.5]],\"kwargs\":{\"k\":{\"n\":1}}}\n",
            "{serializer}"
        );
    }
}

#[test]
fn call_of_missing_procedure_fails_with_its_uri() {
    let router = router();
    let (code, stdout, stderr) = run(&router.urls[0], &["call", "com.test.nobody"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("wamp.error.no_such_procedure"),
        "stderr: {stderr}"
    );
}

#[test]
fn subscribe_prints_one_line_per_event_and_stops_at_count() {
    let router = router();
    let url = &router.urls[0];
    let subscriber = Background::start(
        url,
        &[
            "subscribe",
            "com.test.",
            "--match",
            "prefix",
            "--count",
            "2",
        ],
        "subscribed to com.test.",
    );
    let events: [&[&str]; 2] = [
        &["publish", "com.test.a", "1", "--acknowledge"],
        &[
            "publish",
            "com.test.b",
            r#""two""#,
            "--kwargs",
            r#"{"x":2}"#,
        ],
    ];
    for args in events {
        let (code, _, stderr) = run(url, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (code, stdout) = subscriber.wait_exit();
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "{\"topic\":\"com.test.a\",\"args\":[1],\"kwargs\":{}}\n\
         {\"topic\":\"com.test.b\",\"args\":[\"two\"],\"kwargs\":{\"x\":2}}\n"
    );
}

#[test]
fn bad_json_is_refused_before_connecting() {
    // No router at this URL: the argument error must come first.
    let url = "ws://127.0.0.1:9/ws";
    let cases: [(&[&str], &str); 4] = [
        (&["call", "p", "1", "{bad"], "argument 2 is not JSON"),
        (
            &["publish", "t", "--kwargs", "[1]"],
            "--kwargs must be a JSON object",
        ),
        (&["call", "p", "--kwargs", "{"], "--kwargs is not JSON"),
        (&["register", "p", "--reply", "nope"], "--reply is not JSON"),
    ];
    for (args, message) in cases {
        let (code, stdout, stderr) = run(url, args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn every_client_command_has_help_with_examples() {
    for command in ["call", "publish", "subscribe", "register", "serve"] {
        let out = Command::new(BINARY)
            .args([command, "--help"])
            .output()
            .expect("runs");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}");
        for text in [
            "Examples:",
            "--url",
            "--realm",
            "--serializer",
            "--ticket",
            "--private-key",
        ] {
            assert!(
                help.contains(text),
                "{command} --help lacks {text}:\n{help}"
            );
        }
    }
}

/// A router that refuses anonymous sessions: alice has a ticket, bob a WAMP-CRA secret, carol
/// an Ed25519 key.
const AUTH_CONFIG: &str = r#"
[[realms]]
name = "realm1"

[[realms.roles]]
name = "user"
permissions = [{ uri = "", match = "prefix", call = true, register = true, publish = true, subscribe = true }]

[[realms.principals]]
authid = "alice"
authrole = "user"
ticket = "alice-ticket"

[[realms.principals]]
authid = "bob"
authrole = "user"
wampcra = { secret = "bob-secret" }

[[realms.principals]]
authid = "carol"
authrole = "user"
cryptosign = ["CAROL_PUBLIC_KEY"]
"#;

#[test]
fn auth_options_authenticate_with_ticket_wampcra_and_cryptosign() {
    let carol_seed = "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122";
    let carol_public = zerowamp::wamp::auth::cryptosign::SigningKey::from_hex(carol_seed)
        .expect("seed")
        .public_key()
        .to_hex();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("router.toml");
    std::fs::write(
        &config,
        AUTH_CONFIG.replace("CAROL_PUBLIC_KEY", &carol_public),
    )
    .expect("write config");
    let config = config.to_string_lossy().into_owned();
    let router = RouterProcess::start(
        Path::new(BINARY),
        &["--config", &config, "--listen", "ws://127.0.0.1:0/ws"],
        WAIT,
    )
    .unwrap_or_else(|e| panic!("router exited: {e:?}"));
    let url = &router.urls[0];
    let _callee = Background::start(
        url,
        &[
            "register",
            "com.test.who",
            "--reply",
            "1",
            "--authid",
            "alice",
            "--ticket",
            "alice-ticket",
        ],
        "registered",
    );
    let credentials: [&[&str]; 2] = [
        &["--authid", "bob", "--secret", "bob-secret"],
        &["--authid", "carol", "--private-key", carol_seed],
    ];
    for credential in credentials {
        let mut args = vec!["call", "com.test.who"];
        args.extend_from_slice(credential);
        let (code, stdout, stderr) = run(url, &args);
        assert_eq!(code, 0, "{credential:?}: {stderr}");
        assert_eq!(stdout, "{\"args\":[1],\"kwargs\":{}}\n");
    }
    let (code, _, stderr) = run(
        url,
        &[
            "call",
            "com.test.who",
            "--authid",
            "bob",
            "--secret",
            "wrong",
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot join realm 'realm1'"), "{stderr}");
    let (code, _, stderr) = run(
        url,
        &["call", "com.test.who", "--ticket", "t", "--secret", "s"],
    );
    assert_eq!(code, 2, "clap refuses two credentials: {stderr}");
}

/// The record bytes in `zerowamp call`'s output: one binary argument, which JSON writes as a
/// string of NUL + base64.
fn record_in(stdout: &str) -> Vec<u8> {
    use base64::Engine as _;
    let json: serde_json::Value = serde_json::from_str(stdout).expect("one JSON line");
    let text = json["args"][0].as_str().expect("args[0] is a string");
    let encoded = text
        .strip_prefix('\0')
        .expect("the binary convention: NUL + base64");
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64")
}

#[test]
fn serve_answers_calls_with_the_records_of_a_table_another_process_writes() {
    use zerowamp::store::PutFlags;
    let (dir, env) = common::temp_env(&common::small());
    let table = common::record_table(&env, "records");
    let put = |id: u64| {
        let mut txn = env.begin_write().expect("write");
        txn.put(
            &table,
            &common::key(id),
            &common::record(id),
            PutFlags::default(),
        )
        .expect("put");
        txn.commit().expect("commit");
    };
    for id in 1..=3 {
        put(id);
    }
    let router = router();
    let url = &router.urls[0];
    let db = dir.path().to_string_lossy().into_owned();
    let mut server = Background::start(
        url,
        &[
            "serve",
            "--db",
            &db,
            "--table",
            "records",
            "--procedure",
            "com.test.records.get",
            "--range-procedure",
            "com.test.records.range",
            "--serializer",
            "cbor",
        ],
        "serving table 'records'",
    );
    for serializer in ["json", "msgpack", "cbor"] {
        let (code, stdout, stderr) = run(
            url,
            &[
                "call",
                "com.test.records.get",
                "2",
                "--serializer",
                serializer,
            ],
        );
        assert_eq!(code, 0, "{serializer}: {stderr}");
        assert_eq!(record_in(&stdout), common::record(2), "{serializer}");
    }
    // Written by this process after the server opened the table: served at once.
    put(4);
    let (code, stdout, stderr) = run(url, &["call", "com.test.records.get", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(record_in(&stdout), common::record(4));

    let (code, _, stderr) = run(url, &["call", "com.test.records.get", "9"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("zerowamp.error.not_found") && stderr.contains("key 9"),
        "{stderr}"
    );
    let (code, _, stderr) = run(url, &["call", "com.test.records.get", r#""nine""#]);
    assert_eq!(code, 1);
    assert!(stderr.contains("wamp.error.invalid_argument"), "{stderr}");
    // `call` does not ask for progressive results, which a range needs: the range procedure
    // is there and says so.
    let (code, _, stderr) = run(url, &["call", "com.test.records.range", "1", "3"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("receive_progress"), "{stderr}");
    assert_eq!(server.terminate(), 0, "SIGTERM ends serve cleanly");

    // A table that is not there, named in the error.
    let (code, _, stderr) = run(
        url,
        &[
            "serve",
            "--db",
            &db,
            "--table",
            "nope",
            "--procedure",
            "com.test.nope",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--table nope") && stderr.contains("no table 'nope'"),
        "{stderr}"
    );
}
