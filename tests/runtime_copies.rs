//! Copy counting: a pinned buffer goes out on RawSocket with no user-space copy, and on
//! WebSocket with at most one (client masking); server frames are not copied.

mod runtime_support;

use std::sync::Arc;

use runtime_support::*;
use zerowamp::runtime::{pinned, ConnectOptions, Connection, Event, ListenOptions};

const LEN: usize = 1 << 20;

/// An owner whose lifetime we can watch: the buffer must be released once written.
struct Snapshot(Arc<Vec<u8>>);

impl AsRef<[u8]> for Snapshot {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Sends a pinned 1 MiB buffer from the client, checks the echo, and returns the client's and
/// the server connection's stats.
fn send_pinned(
    scheme_url: &str,
    listen_url: &str,
) -> (zerowamp::runtime::CopyStats, zerowamp::runtime::CopyStats) {
    let rt = runtime();
    let (accepted_tx, accepted_rx) = std::sync::mpsc::channel();
    let server = rt
        .listen(&url(listen_url), ListenOptions::default(), move |conn| {
            let _ = accepted_tx.send(conn.clone());
            Box::new(|conn: &Connection, event: Event| {
                if let Event::Frame(frame) = event {
                    let _ = conn.send(frame);
                }
            })
        })
        .unwrap();
    let target = scheme_url.replace("PORT", &server.port().unwrap_or(0).to_string());
    let (handler, rx) = channel_handler();
    let conn = rt
        .connect(&url(&target), ConnectOptions::default(), handler)
        .unwrap();
    expect_opened(&rx);
    let data: Arc<Vec<u8>> = Arc::new((0..LEN).map(|i| (i % 251) as u8).collect());
    conn.send(pinned(Snapshot(data.clone()))).unwrap();
    let echoed = expect_frame(&rx);
    assert_eq!(&echoed[..], &data[..]);
    // Written out: the pin is released (only our reference is left).
    wait_until("the pinned buffer to be released", || {
        Arc::strong_count(&data) == 1
    });
    // The write is counted just after the buffers it wrote are let go.
    wait_until("the write to be counted", || {
        conn.stats().message_bytes_sent >= LEN as u64
    });
    let accepted: Connection = accepted_rx.recv_timeout(WAIT).unwrap();
    (conn.stats(), accepted.stats())
}

#[test]
fn rawsocket_sends_a_pinned_buffer_without_copying() {
    let (client, server) = send_pinned("rs://127.0.0.1:PORT", "rs://127.0.0.1:0");
    assert_eq!(client.frames_sent, 1);
    assert_eq!(client.message_bytes_sent, LEN as u64);
    assert_eq!(client.message_bytes_copied, 0);
    assert_eq!(client.message_bytes_encrypted, 0);
    // The echo goes back as the received frame itself: no copy either.
    assert_eq!(server.message_bytes_sent, LEN as u64);
    assert_eq!(server.message_bytes_copied, 0);
}

#[test]
fn rawsocket_over_unix_sockets_copies_nothing_either() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copies.sock");
    let target = format!("unix://{}", path.display());
    let (client, server) = send_pinned(&target, &target);
    assert_eq!(client.message_bytes_copied, 0);
    assert_eq!(server.message_bytes_copied, 0);
    assert_eq!(client.message_bytes_sent, LEN as u64);
}

#[test]
fn websocket_copies_at_most_once() {
    let (client, server) = send_pinned("ws://127.0.0.1:PORT/", "ws://127.0.0.1:0/");
    assert_eq!(client.message_bytes_sent, LEN as u64);
    // The client masks: exactly one copy per payload octet.
    assert_eq!(client.message_bytes_copied, LEN as u64);
    // The server's frames are not masked: written straight from the buffer.
    assert_eq!(server.message_bytes_sent, LEN as u64);
    assert_eq!(server.message_bytes_copied, 0);
}
