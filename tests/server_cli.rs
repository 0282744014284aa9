//! `zerowamp` the program: help with examples, the default listener and realm, config and
//! argument errors, joins and leaves logged, and SIGTERM/SIGINT shutting down with GOODBYE.

mod server_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use server_support::process::RouterProcess;
use server_support::Peer;
use zerowamp::runtime::{Runtime, RuntimeOptions};
use zerowamp::wamp::message::Goodbye;
use zerowamp::wamp::{Dict, Message, Serializer};

const BINARY: &str = env!("CARGO_BIN_EXE_zerowamp");
const WAIT: Duration = Duration::from_secs(10);

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BINARY).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn goodbye() -> Message {
    Message::Goodbye(Goodbye {
        details: Dict::new(),
        reason: "wamp.close.goodbye_and_out".to_owned(),
    })
}

fn start(args: &[&str]) -> RouterProcess {
    RouterProcess::start(Path::new(BINARY), args, WAIT)
        .unwrap_or_else(|e| panic!("router exited: {e:?}"))
}

#[test]
fn every_command_has_help_with_examples() {
    for args in [&["--help"][..], &["router", "--help"], &["help", "router"]] {
        let (code, stdout, _) = run(args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Examples:"), "{args:?}: {stdout}");
    }
    let (_, stdout, _) = run(&["router", "--help"]);
    for option in ["--config", "--listen", "--realm", "[[realms.principals]]"] {
        assert!(stdout.contains(option), "{option} missing from:\n{stdout}");
    }
    let (code, _, stderr) = run(&["router", "--tls-cert", "a.pem"]);
    assert_eq!(
        code, 2,
        "clap refuses a certificate without a key: {stderr}"
    );
}

#[test]
fn no_arguments_serve_realm1_on_port_8080() {
    match RouterProcess::start(Path::new(BINARY), &[], WAIT) {
        Ok(mut router) => {
            assert_eq!(router.urls, ["ws://127.0.0.1:8080/ws"]);
            assert!(router.stderr().contains("ready: realms realm1"));
            let rt = Runtime::new(RuntimeOptions::default()).expect("runtime");
            let (mut peer, _) = Peer::join(&rt, "ws://127.0.0.1:8080/ws", Serializer::Json);
            router.wait_for_line("as anonymous", WAIT);
            router.signal(libc::SIGINT);
            match peer.recv() {
                Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
                other => panic!("expected GOODBYE, got {other:?}"),
            }
            peer.send(&goodbye());
            assert_eq!(router.wait_exit(WAIT).code(), Some(0));
            assert!(router.stderr().contains("SIGINT: shutting down"));
        }
        // Something else holds the port on this machine: the error names the default URL.
        Err(exited) => {
            assert_eq!(exited.status.code(), Some(1));
            assert!(
                exited
                    .stderr
                    .contains("cannot listen on ws://127.0.0.1:8080/ws"),
                "{}",
                exited.stderr
            );
        }
    }
}

#[test]
fn sigterm_sends_goodbye_and_joins_and_leaves_are_logged() {
    let mut router = start(&[
        "--listen",
        "ws://127.0.0.1:0/ws",
        "--listen",
        "rs://127.0.0.1:0",
        "--realm",
        "app",
        "--realm",
        "other",
    ]);
    assert_eq!(router.urls.len(), 2);
    assert!(router.urls[0].starts_with("ws://127.0.0.1:"));
    assert!(!router.urls[0].contains(":0/"), "{:?}", router.urls);
    let rt = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let mut ws = Peer::connect(&rt, &router.urls[0], Serializer::MsgPack);
    let ws_session = ws.hello("app", Dict::new());
    let mut rs = Peer::connect(&rt, &router.urls[1], Serializer::Cbor);
    let rs_session = rs.hello("other", Dict::new());
    let joined = router.wait_for_line(&format!("session {ws_session} joined realm app"), WAIT);
    assert!(joined.contains("over websocket"), "{joined}");
    router.wait_for_line(&format!("session {rs_session} joined realm other"), WAIT);
    rs.leave();
    router.wait_for_line(&format!("session {rs_session} left realm other"), WAIT);

    router.signal(libc::SIGTERM);
    match ws.recv() {
        Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    ws.send(&goodbye());
    ws.closed();
    assert_eq!(router.wait_exit(WAIT).code(), Some(0));
    let log = router.stderr();
    assert!(
        log.contains(&format!("session {ws_session} left realm app")),
        "{log}"
    );
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    assert!(log.contains("stopped (0 connections cut)"), "{log}");
}

#[test]
fn a_bad_config_file_is_named_with_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("router.toml");
    std::fs::write(
        &path,
        "[[realms]]\nname = \"r\"\n\n[limits]\nmax_sessions = -1\n",
    )
    .expect("write");
    let (code, _, stderr) = run(&["router", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    let expected = format!("zerowamp: {}:5:16: limits.max_sessions: ", path.display());
    assert!(stderr.starts_with(&expected), "{stderr}");
}

#[test]
fn a_config_file_and_the_command_line_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("router.toml");
    let config = "[[listeners]]\nurl = \"ws://127.0.0.1:0/ws\"\n\n\
                  [[realms]]\nname = \"closed\"\n";
    std::fs::write(&path, config).expect("write");
    let file = path.to_str().expect("utf-8");

    // The file's listener and realm; the realm refuses anonymous sessions.
    let router = start(&["--config", file]);
    assert_eq!(router.urls.len(), 1);
    let rt = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let mut peer = Peer::connect(&rt, &router.urls[0], Serializer::Json);
    peer.send(&Message::Hello(zerowamp::wamp::message::Hello {
        realm: "closed".to_owned(),
        details: server_support::full_details(),
    }));
    match peer.recv() {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.no_auth_method"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    drop(router);

    // --listen replaces the file's listeners; --realm adds an open realm.
    let router = start(&[
        "--config",
        file,
        "--listen",
        "rs://127.0.0.1:0",
        "--realm",
        "open",
    ]);
    assert_eq!(router.urls.len(), 1);
    assert!(router.urls[0].starts_with("rs://"));
    Peer::connect(&rt, &router.urls[0], Serializer::Cbor).hello("open", Dict::new());

    let (code, _, stderr) = run(&["router", "--config", file, "--realm", "closed"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--realm closed: the config file defines this realm already"),
        "{stderr}"
    );
}

#[test]
fn bad_listen_urls_name_the_option() {
    let (code, _, stderr) = run(&["router", "--listen", "http://127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--listen (for http://127.0.0.1:0): unknown scheme"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["router", "--listen", "wss://127.0.0.1:0/ws"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("needs a certificate"), "{stderr}");
    let (code, _, stderr) = run(&[
        "router",
        "--listen",
        "wss://127.0.0.1:0/ws",
        "--tls-cert",
        "/nonexistent/c.pem",
        "--tls-key",
        "/nonexistent/k.pem",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "--tls-cert (for wss://127.0.0.1:0/ws): cannot read TLS file '/nonexistent/c.pem'"
        ),
        "{stderr}"
    );
}
