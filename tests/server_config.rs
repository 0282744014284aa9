//! The router's TOML config file: a full file loads (TLS paths relative to it), defaults fill
//! what is left out, and every kind of mistake is reported with the file, line, column and field.

mod server_support;

use std::path::Path;

use server_support::tls_files;
use zerowamp::router::server::{load, parse, ConfigFileError, ServerConfig, TransportConfig};
use zerowamp::router::{Limits, UriMatch};

const FULL: &str = r#"
[[listeners]]
url = "ws://127.0.0.1:0/ws"

[[listeners]]
url = "rss://127.0.0.1:0"
serializers = ["cbor", "msgpack.batched"]
tls = { cert = "pki/server.crt", key = "pki/server.key" }

[transport]
max_message_size = 1048576
join_timeout_ms = 2500

[limits]
max_sessions = 100

[[realms]]
name = "realm1"
anonymous_role = "public"

[[realms.roles]]
name = "public"
permissions = [
    { uri = "com.example.", match = "prefix", call = true, subscribe = true },
    { uri = "com..get", match = "wildcard", call = true },
]

[[realms.roles]]
name = "admin"
permissions = [{ uri = "", match = "prefix", call = true, register = true, publish = true, subscribe = true }]

[[realms.principals]]
authid = "alice"
authrole = "admin"
ticket = "secret"

[[realms.principals]]
authid = "bob"
authrole = "public"
wampcra = { secret = "bob-secret" }
cryptosign = ["545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122"]
"#;

#[test]
fn a_full_file_loads_with_tls_paths_relative_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("pki")).expect("mkdir");
    let (files, _) = tls_files(&dir.path().join("pki"));
    let path = dir.path().join("router.toml");
    std::fs::write(&path, FULL).expect("write");
    let config = load(&path).expect("loads");
    assert_eq!(config.listeners.len(), 2);
    assert_eq!(
        config.listeners[1].tls.as_ref().map(|t| &t.cert),
        Some(&files.cert)
    );
    assert_eq!(
        config.listeners[1].tls.as_ref().map(|t| &t.key),
        Some(&files.key)
    );
    assert_eq!(config.transport.max_message_size, 1 << 20);
    assert_eq!(config.transport.join_timeout_ms, 2500);
    assert_eq!(
        config.transport.send_queue_limit,
        TransportConfig::default().send_queue_limit
    );
    assert_eq!(config.limits.max_sessions, 100);
    assert_eq!(
        config.limits.max_pending_calls,
        Limits::default().max_pending_calls
    );
    let realm = &config.realms[0];
    assert_eq!(realm.roles[0].permissions[1].match_, UriMatch::Wildcard);
    assert!(realm.roles[1].permissions[0].register);
    assert_eq!(realm.principals[1].cryptosign.len(), 1);
    assert!(realm.meta_api, "meta_api defaults to on");
}

#[test]
fn an_empty_file_is_an_empty_config() {
    let config = parse("", Path::new("empty.toml"), Path::new(".")).expect("parses");
    assert_eq!(config, ServerConfig::default());
}

/// Parses `text` as `bad.toml` and returns the error.
fn error_of(text: &str) -> ConfigFileError {
    match parse(text, Path::new("bad.toml"), Path::new("/nonexistent")) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(e) => e,
    }
}

const REALM: &str = "[[realms]]\nname = \"realm1\"\n";

#[test]
fn mistakes_name_the_file_line_column_and_field() {
    // (text, line, column, field, words the message must contain)
    let cases: Vec<(String, usize, usize, Option<&str>, &str)> = vec![
        // TOML syntax.
        ("[[listeners]\nurl = 1".into(), 1, 13, None, "expected `]`"),
        ("a = \"unterminated\n".into(), 1, 18, None, "invalid basic string"),
        // Serde: unknown fields and wrong types, at any depth.
        ("listner = []\n".into(), 1, 1, Some("listner"), "unknown field `listner`"),
        (
            "[limits]\nmax_sessions = \"many\"\n".into(),
            2,
            16,
            Some("limits.max_sessions"),
            "invalid type: string \"many\"",
        ),
        (
            format!("{REALM}[[realms.roles]]\nname = \"r\"\npermissions = [{{ uri = \"a\", call = true, subscrbe = true }}]\n"),
            5,
            42,
            Some("realms[0].roles[0].permissions[0].subscrbe"),
            "unknown field `subscrbe`",
        ),
        (
            format!("{REALM}[[realms.roles]]\nname = \"r\"\npermissions = [{{ uri = \"a\", match = \"regex\" }}]\n"),
            5,
            37,
            Some("realms[0].roles[0].permissions[0].match"),
            "unknown variant `regex`",
        ),
        // Found by the checks after deserializing.
        (
            "[[listeners]]\nurl = \"http://x\"\n".into(),
            2,
            1,
            Some("listeners[0].url"),
            "http",
        ),
        (
            "[[listeners]]\nurl = \"ws://127.0.0.1:0\"\nserializers = [\"json\", \"xml\"]\n".into(),
            3,
            24,
            Some("listeners[0].serializers[1]"),
            "unknown serializer \"xml\"",
        ),
        (
            "[[listeners]]\nurl = \"ws://127.0.0.1:0\"\nserializers = [\"json\", \"json\"]\n".into(),
            3,
            24,
            Some("listeners[0].serializers[1]"),
            "listed twice",
        ),
        (
            "[[listeners]]\nurl = \"wss://127.0.0.1:0\"\n".into(),
            1,
            1,
            Some("listeners[0].tls"),
            "needs a certificate",
        ),
        (
            "[[listeners]]\nurl = \"ws://127.0.0.1:0\"\ntls = { cert = \"a\", key = \"b\" }\n".into(),
            3,
            1,
            Some("listeners[0].tls"),
            "does not use TLS",
        ),
        (
            "[[listeners]]\nurl = \"wss://127.0.0.1:0\"\ntls = { cert = \"a.crt\", key = \"b.key\" }\n".into(),
            3,
            9,
            Some("listeners[0].tls.cert"),
            "/nonexistent/a.crt",
        ),
        (
            "[transport]\nmax_message_size = 10\n".into(),
            2,
            1,
            Some("transport.max_message_size"),
            "at least 512",
        ),
        (
            "[transport]\njoin_timeout_ms = 0\n".into(),
            2,
            1,
            Some("transport.join_timeout_ms"),
            "more than 0",
        ),
        (
            format!("{REALM}anonymous_role = \"ghost\"\n"),
            1,
            1,
            Some("realms[0]"),
            "\"ghost\"",
        ),
        (
            format!("{REALM}{REALM}"),
            4,
            1,
            Some("realms[1].name"),
            "defined twice",
        ),
        (
            format!("{REALM}[[realms.roles]]\nname = \"r\"\npermissions = [{{ uri = \"a..b\", match = \"exact\", call = true }}]\n"),
            5,
            18,
            Some("realms[0].roles[0].permissions[0].uri"),
            "component 1 is empty",
        ),
    ];
    for (text, line, column, field, words) in cases {
        let e = error_of(&text);
        let shown = e.to_string();
        assert_eq!(e.file, Path::new("bad.toml"), "{shown}");
        assert_eq!((e.line, e.column), (line, column), "{text}\n=> {shown}");
        assert_eq!(e.field.as_deref(), field, "{text}\n=> {shown}");
        assert!(e.message.contains(words), "{text}\n=> {shown}");
        let place = format!("bad.toml:{line}:{column}: ");
        assert!(shown.starts_with(&place), "{shown}");
    }
}

#[test]
fn an_unreadable_file_says_so() {
    let e = load(Path::new("/nonexistent/router.toml")).expect_err("no such file");
    assert_eq!(e.line, 0);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/router.toml: cannot read the config file"),
        "{e}"
    );
}
