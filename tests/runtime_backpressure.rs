//! A peer that stops reading: the send queue stays bounded, and full-queue sends fail or time
//! out as configured, then recover once the peer reads again.

mod runtime_support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime_support::*;
use zerowamp::runtime::{ConnectOptions, ConnectionOptions, SendError, SendFullPolicy};

const LIMIT: usize = 1024 * 1024;
const MESSAGE: usize = 64 * 1024;

/// A RawSocket router that completes the handshake, then reads nothing until `resume` is set,
/// then reads and discards everything. Returns its port.
fn stalled_peer(resume: Arc<AtomicBool>) -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 4];
        socket.read_exact(&mut request).unwrap();
        // Accept with the requested serializer and a 16 MiB maximum.
        socket
            .write_all(&[0x7F, 0xF0 | (request[1] & 0x0F), 0, 0])
            .unwrap();
        while !resume.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(5));
        }
        socket
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut total = 0;
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = socket.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    (port, thread)
}

fn options(policy: SendFullPolicy) -> ConnectOptions {
    ConnectOptions {
        connection: ConnectionOptions {
            send_queue_limit: LIMIT,
            send_full: policy,
            ..ConnectionOptions::default()
        },
        ..ConnectOptions::default()
    }
}

#[test]
fn a_peer_that_stops_reading_fills_the_queue_and_no_more() {
    let resume = Arc::new(AtomicBool::new(false));
    let (port, peer) = stalled_peer(resume.clone());
    let rt = runtime();
    let (handler, rx) = channel_handler();
    let conn = rt
        .connect(
            &url(&format!("rs://127.0.0.1:{port}")),
            options(SendFullPolicy::Fail),
            handler,
        )
        .unwrap();
    expect_opened(&rx);
    let message = vec![0x5Au8; MESSAGE];
    let mut accepted = 0usize;
    let mut refused = 0;
    let started = Instant::now();
    // Far more than the queue and the socket buffers can hold: most sends must be refused.
    for _ in 0..4096 {
        match conn.send(message.clone()) {
            Ok(()) => accepted += MESSAGE,
            Err(SendError::QueueFull { limit }) => {
                assert_eq!(limit, LIMIT);
                refused += 1;
                // Give the I/O thread a moment to fill the socket buffers.
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(other) => panic!("unexpected {other}"),
        }
        assert!(
            conn.queued_bytes() <= LIMIT,
            "queue grew to {}",
            conn.queued_bytes()
        );
    }
    assert!(
        refused > 3000,
        "only {refused} refused; {accepted} accepted"
    );
    // What was accepted is the queue plus what the kernel buffers hold: bounded, not 256 MiB.
    assert!(accepted < 64 * LIMIT, "{accepted} octets accepted");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The peer reads again: the queue drains and sends succeed.
    resume.store(true, Ordering::Release);
    wait_until("the queue to drain", || conn.queued_bytes() == 0);
    conn.send(message.clone()).unwrap();
    wait_until("the last message to go out", || conn.queued_bytes() == 0);
    conn.close();
    let received = peer.join().unwrap();
    assert_eq!(received, accepted + MESSAGE + 4 * (accepted / MESSAGE + 1));
}

#[test]
fn a_blocking_send_waits_then_times_out() {
    let resume = Arc::new(AtomicBool::new(false));
    let (port, peer) = stalled_peer(resume.clone());
    let rt = runtime();
    let (handler, rx) = channel_handler();
    let wait = Duration::from_millis(150);
    let conn = rt
        .connect(
            &url(&format!("rs://127.0.0.1:{port}")),
            options(SendFullPolicy::Block(wait)),
            handler,
        )
        .unwrap();
    expect_opened(&rx);
    let message = vec![1u8; MESSAGE];
    let timed_out = loop {
        let before = Instant::now();
        match conn.send(message.clone()) {
            Ok(()) => assert!(conn.queued_bytes() <= LIMIT),
            Err(SendError::Timeout { waited }) => break (waited, before.elapsed()),
            Err(other) => panic!("unexpected {other}"),
        }
    };
    assert!(timed_out.0 >= wait && timed_out.1 >= wait, "{timed_out:?}");
    // A send blocked on a full queue goes through once the peer reads.
    let sender = {
        let conn = conn.clone();
        let message = message.clone();
        std::thread::spawn(move || {
            let conn = conn;
            let mut sent = 0;
            let deadline = Instant::now() + WAIT;
            while sent < 32 && Instant::now() < deadline {
                if conn.send(message.clone()).is_ok() {
                    sent += 1;
                }
            }
            sent
        })
    };
    resume.store(true, Ordering::Release);
    assert_eq!(sender.join().unwrap(), 32);
    wait_until("the queue to drain", || conn.queued_bytes() == 0);
    conn.close();
    peer.join().unwrap();
}
