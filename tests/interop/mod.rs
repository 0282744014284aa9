//! The real peers for the interop tests: one crossbar router per test binary, started on
//! 127.0.0.1 with free ports and a config written here, and autobahn-python peers
//! (`peer.py`), all from the repository's virtualenv (`make venv-interop`).
//!
//! Nothing is left running: crossbar runs in its own process group, which is terminated when
//! the test binary exits (also after failed tests: an `atexit` handler), and which gets SIGTERM
//! from the kernel if the test binary dies without exiting (`PR_SET_PDEATHSIG`, armed from a
//! thread that lives as long as the process). Each peer is killed when its handle drops and
//! exits by itself when its stdin closes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The realm every test joins.
pub const REALM: &str = "realm1";
/// The ticket principal.
pub const TICKET_AUTHID: &str = "alice";
pub const TICKET: &str = "alice-ticket-1234";
/// The WAMP-CRA user (plain secret) and the salted one.
pub const CRA_AUTHID: &str = "bob";
pub const CRA_SECRET: &str = "bob-secret-5678";
pub const CRA_SALTED_AUTHID: &str = "carol";
pub const CRA_SALTED_SECRET: &str = "carol-secret-9012";
/// The cryptosign principal and its key seed.
pub const CRYPTOSIGN_AUTHID: &str = "dave";
pub const CRYPTOSIGN_SEED: [u8; 32] = [42; 32];

/// How long crossbar may take to boot (it takes about 10 s on two busy cores).
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a peer may take to join and register everything.
const PEER_TIMEOUT: Duration = Duration::from_secs(60);

/// The virtualenv holding crossbar and autobahn: `ZW_INTEROP_VENV`, else the repository's
/// `.venv`. A missing one fails the test, saying how to make it.
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("ZW_INTEROP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    for tool in ["bin/python", "bin/crossbar"] {
        assert!(
            dir.join(tool).exists(),
            "{} is missing: run `make venv-interop` (installs requirements-interop.txt into \
             .venv) or point ZW_INTEROP_VENV at a virtualenv with crossbar and autobahn",
            dir.join(tool).display()
        );
    }
    dir
}

/// A port that was free a moment ago (bound to :0, read, closed).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// The running crossbar.
pub struct Crossbar {
    pub ws_port: u16,
    pub rs_port: u16,
    /// WebSocket and RawSocket over TLS, with a certificate from a CA made for this run.
    pub wss_port: u16,
    pub rss_port: u16,
    /// That CA, in PEM.
    pub ca_pem: String,
    /// How long it took to boot.
    pub boot: Duration,
    dir: PathBuf,
}

impl Crossbar {
    /// `ws://127.0.0.1:PORT/ws`
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.ws_port)
    }

    /// `rs://127.0.0.1:PORT`
    pub fn rs_url(&self) -> String {
        format!("rs://127.0.0.1:{}", self.rs_port)
    }

    /// The URL for a transport name (`ws`, `rs`, `wss`, `rss`).
    pub fn url(&self, transport: &str) -> String {
        match transport {
            "ws" => self.ws_url(),
            "wss" => format!("wss://localhost:{}/ws", self.wss_port),
            "rss" => format!("rss://localhost:{}", self.rss_port),
            _ => self.rs_url(),
        }
    }

    /// A client TLS config trusting the run's CA.
    pub fn tls(&self) -> zerowamp::transport::tls::TlsClientConfig {
        zerowamp::transport::tls::TlsClientConfig::from_ca_pem(self.ca_pem.as_bytes())
            .expect("the CA parses")
    }

    /// Crossbar's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("crossbar.log")).unwrap_or_default()
    }
}

static CROSSBAR: OnceLock<Result<Crossbar, String>> = OnceLock::new();
/// The process group to end at exit (0: none).
static CROSSBAR_PGID: AtomicI32 = AtomicI32::new(0);
/// The crossbar process itself, reaped at exit.
static CROSSBAR_CHILD: Mutex<Option<Child>> = Mutex::new(None);
/// Its directory (config, node state, log), removed at exit.
static CROSSBAR_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The crossbar of this test binary, started on first use.
pub fn crossbar() -> &'static Crossbar {
    match CROSSBAR.get_or_init(start_crossbar) {
        Ok(crossbar) => crossbar,
        Err(e) => panic!("crossbar did not start: {e}"),
    }
}

extern "C" fn stop_crossbar() {
    let pgid = CROSSBAR_PGID.swap(0, Ordering::AcqRel);
    if pgid > 0 {
        end_group(pgid);
    }
    if let Some(dir) = CROSSBAR_DIR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Ends crossbar's process group: SIGTERM, up to 5 s to go, then SIGKILL.
fn end_group(pgid: i32) {
    // SAFETY: signals to the process group we created.
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    let mut child = CROSSBAR_CHILD.lock().unwrap_or_else(|p| p.into_inner());
    let mut gone = || {
        if let Some(c) = child.as_mut() {
            let _ = c.try_wait();
        }
        // SAFETY: signal 0 only checks whether the group still has members.
        unsafe { libc::kill(-pgid, 0) != 0 }
    };
    let until = Instant::now() + Duration::from_secs(5);
    while !gone() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    if let Some(c) = child.as_mut() {
        let _ = c.wait();
    }
}

/// The ports crossbar listens on.
struct Ports {
    ws: u16,
    rs: u16,
    wss: u16,
    rss: u16,
}

/// A CA and a certificate for `localhost` signed by it: (CA PEM, certificate PEM, key PEM).
fn test_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
    let leaf_params = CertificateParams::new(vec!["localhost".to_string()]).expect("leaf params");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca)
        .expect("leaf certificate");
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

fn config(ports: &Ports) -> String {
    let serializers = r#"["json", "msgpack", "cbor"]"#;
    let pubkey = ed25519_pubkey_hex(&CRYPTOSIGN_SEED);
    let salted = salted_cra_config();
    let auth = format!(
        r#"{{
          "anonymous": {{"type": "static", "role": "anonymous"}},
          "ticket": {{"type": "static", "principals": {{
              "{TICKET_AUTHID}": {{"ticket": "{TICKET}", "role": "ticket_role"}}}}}},
          "wampcra": {{"type": "static", "users": {{
              "{CRA_AUTHID}": {{"secret": "{CRA_SECRET}", "role": "cra_role"}},
              "{CRA_SALTED_AUTHID}": {salted}}}}},
          "cryptosign": {{"type": "static", "principals": {{
              "{CRYPTOSIGN_AUTHID}": {{"authorized_keys": ["{pubkey}"], "role": "cryptosign_role"}}}}}}
        }}"#
    );
    let permission = r#"{"uri": "", "match": "prefix",
        "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
        "disclose": {"caller": true, "publisher": true}, "cache": true}"#;
    let roles: Vec<String> = ["anonymous", "ticket_role", "cra_role", "cryptosign_role"]
        .iter()
        .map(|r| format!(r#"{{"name": "{r}", "permissions": [{permission}]}}"#))
        .collect();
    let endpoint = |port: u16, tls: bool| {
        let tls = match tls {
            true => r#", "tls": {"key": "server_key.pem", "certificate": "server_cert.pem"}"#,
            false => "",
        };
        format!(r#"{{"type": "tcp", "interface": "127.0.0.1", "port": {port}{tls}}}"#)
    };
    let websocket = |port: u16, tls: bool| {
        format!(
            r#"{{"type": "websocket", "endpoint": {}, "serializers": {serializers},
                "auth": {auth},
                "options": {{"max_message_size": 16777216, "auto_fragment_size": 0}}}}"#,
            endpoint(port, tls)
        )
    };
    let rawsocket = |port: u16, tls: bool| {
        format!(
            r#"{{"type": "rawsocket", "endpoint": {}, "serializers": {serializers},
                "auth": {auth}, "options": {{"max_message_size": 16777216}}}}"#,
            endpoint(port, tls)
        )
    };
    format!(
        r#"{{
      "version": 2,
      "controller": {{}},
      "workers": [{{
        "type": "router",
        "realms": [{{"name": "{REALM}", "roles": [{roles}]}}],
        "transports": [{}, {}, {}, {}]
      }}]
    }}"#,
        websocket(ports.ws, false),
        rawsocket(ports.rs, false),
        websocket(ports.wss, true),
        rawsocket(ports.rss, true),
        roles = roles.join(", ")
    )
}

/// The salted WAMP-CRA user: crossbar is given the password and the PBKDF2 parameters, derives
/// the key itself, and sends salt, iterations and key length in its challenge.
fn salted_cra_config() -> String {
    format!(
        r#"{{"secret": "{CRA_SALTED_SECRET}", "role": "cra_role", "salt": "salt123",
            "iterations": 1000, "keylen": 32}}"#
    )
}

fn ed25519_pubkey_hex(seed: &[u8; 32]) -> String {
    zerowamp::wamp::auth::cryptosign::SigningKey::from_seed(seed)
        .public_key()
        .to_hex()
}

fn start_crossbar() -> Result<Crossbar, String> {
    let venv = venv();
    let dir = std::env::temp_dir().join(format!("zerowamp-crossbar-{}", std::process::id()));
    let cbdir = dir.join(".crossbar");
    std::fs::create_dir_all(&cbdir).map_err(|e| e.to_string())?;
    *CROSSBAR_DIR.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir.clone());
    let ports = Ports {
        ws: free_port(),
        rs: free_port(),
        wss: free_port(),
        rss: free_port(),
    };
    std::fs::write(cbdir.join("config.json"), config(&ports)).map_err(|e| e.to_string())?;
    let (ca_pem, cert_pem, key_pem) = test_pki();
    std::fs::write(cbdir.join("server_cert.pem"), cert_pem).map_err(|e| e.to_string())?;
    std::fs::write(cbdir.join("server_key.pem"), key_pem).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("crossbar.log")).map_err(|e| e.to_string())?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    // SAFETY: registering a plain extern "C" function.
    unsafe { libc::atexit(stop_crossbar) };
    let mut command = Command::new(venv.join("bin/crossbar"));
    command
        .arg("start")
        .arg("--cbdir")
        .arg(&cbdir)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .process_group(0);
    // SAFETY: prctl is async-signal-safe; it only arms the parent-death signal.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    // PR_SET_PDEATHSIG fires when the spawning *thread* ends: spawn from a thread that lives
    // as long as the process.
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("crossbar-keeper".into())
        .spawn(move || {
            let _ = tx.send(command.spawn());
            loop {
                std::thread::park();
            }
        })
        .map_err(|e| e.to_string())?;
    let child = rx
        .recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot run crossbar: {e}"))?;
    CROSSBAR_PGID.store(child.id() as i32, Ordering::Release);
    *CROSSBAR_CHILD.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
    let crossbar = Crossbar {
        ws_port: ports.ws,
        rs_port: ports.rs,
        wss_port: ports.wss,
        rss_port: ports.rss,
        ca_pem,
        boot: Duration::ZERO,
        dir,
    };
    let started = Instant::now();
    loop {
        let log = crossbar.log();
        if log.contains("NODE_BOOT_COMPLETE") || log.contains("local node configuration ran") {
            break;
        }
        let exited = CROSSBAR_CHILD
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            return Err(format!("crossbar exited ({status}):\n{log}"));
        }
        if started.elapsed() > BOOT_TIMEOUT {
            return Err(format!("crossbar did not boot in {BOOT_TIMEOUT:?}:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Crossbar {
        boot: started.elapsed(),
        ..crossbar
    })
}

/// A running autobahn-python peer (`peer.py`); killed when dropped.
pub struct Peer {
    child: Child,
    _stdin: ChildStdin,
    /// The URI prefix of everything it offers.
    pub prefix: String,
}

impl Peer {
    /// Starts a peer on `transport` (`ws` or `rs`) with `serializer` and waits until it is
    /// ready.
    pub fn start(transport: &str, serializer: &str, prefix: &str) -> Peer {
        let crossbar = crossbar();
        let port = match transport {
            "ws" => crossbar.ws_port,
            _ => crossbar.rs_port,
        };
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peer.py");
        let mut child = Command::new(venv().join("bin/python"))
            .arg(script)
            .args(["--transport", transport, "--serializer", serializer])
            .args(["--port", &port.to_string(), "--prefix", prefix])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the autobahn peer");
        let stdin = child.stdin.take().expect("peer stdin");
        let stdout = child.stdout.take().expect("peer stdout");
        let mut stderr = child.stderr.take().expect("peer stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        let mut peer = Peer {
            child,
            _stdin: stdin,
            prefix: prefix.to_owned(),
        };
        match rx.recv_timeout(PEER_TIMEOUT) {
            Ok(line) if line == "READY" => peer,
            other => {
                let _ = peer.child.kill();
                let stderr = err_rx
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                panic!(
                    "autobahn peer {prefix} ({transport}, {serializer}) not ready: {other:?}\n\
                     {stderr}\ncrossbar log:\n{}",
                    crossbar.log()
                );
            }
        }
    }

    /// `PREFIX.name`
    pub fn uri(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
