//! `zerowamp router` as a child process: started with arguments, its stderr log collected, its
//! listeners' URLs read from the log (`--listen ...:0` picks free ports, so no port races), and
//! killed when the guard is dropped — also when the test fails.

// Each user (tests, the benchmark) takes part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `zerowamp router`; killed on drop.
pub struct RouterProcess {
    child: Child,
    lines: Receiver<String>,
    /// Every stderr line so far (also those taken by the waits).
    log: Arc<Mutex<Vec<String>>>,
    /// The listeners' URLs, in order.
    pub urls: Vec<String>,
}

/// How `start` ended when the router did not become ready.
#[derive(Debug)]
pub struct Exited {
    /// The exit status.
    pub status: ExitStatus,
    /// Its stderr.
    pub stderr: String,
}

impl RouterProcess {
    /// Starts `binary router <args>` and waits (up to `wait`) for its `ready:` line.
    pub fn start(binary: &Path, args: &[&str], wait: Duration) -> Result<RouterProcess, Exited> {
        let mut child = Command::new(binary)
            .arg("router")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().map(|mut l| l.push(line.clone())).ok();
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = RouterProcess {
            child,
            lines,
            log,
            urls: Vec::new(),
        };
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match process.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split(" listening on ").nth(1) {
                        let url = rest.split_whitespace().next().unwrap_or_default();
                        process.urls.push(url.to_owned());
                    }
                    if line.contains(" ready: ") {
                        return Ok(process);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = process.child.wait().expect("wait");
                    return Err(Exited {
                        status,
                        stderr: process.stderr(),
                    });
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("router not ready within {wait:?}:\n{}", process.stderr())
                }
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`).
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with our own child's pid; no memory is involved.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// Waits up to `wait` for a stderr line containing `text`, and returns it.
    pub fn wait_for_line(&self, text: &str, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {text:?} within {wait:?}:\n{}", self.stderr()),
            }
        }
    }

    /// Waits up to `wait` for the process to exit.
    pub fn wait_exit(&mut self, wait: Duration) -> ExitStatus {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "router still running after {wait:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything it logged so far.
    pub fn stderr(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// Resident memory (VmRSS) in KiB, from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for RouterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
