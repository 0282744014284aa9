//! What the server sent, and what it copied doing it: the router's side of the zero-copy
//! claim (one published payload reaches every subscriber without a copy per subscriber).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::runtime::{lock, CopyStats};

/// The server's send accounting since it started, over every connection (open or closed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouterStats {
    /// WAMP messages handed to connections.
    pub messages_sent: u64,
    /// Octets of the binaries ending those messages (passthru payloads, a binary last
    /// argument): what would be copied if every message were encoded whole.
    pub payload_octets_sent: u64,
    /// Of those, the octets the serializer copied into a message: 0 for MessagePack and CBOR
    /// with payloads of at least 1 KiB (sent as a shared buffer of their own), all of them for
    /// JSON (base64) and FlatBuffers.
    pub payload_octets_copied_by_serializer: u64,
    /// The transports' counters summed: frames and octets written, octets copied into frame
    /// buffers (nothing on RawSocket or server WebSocket frames, which are unmasked) and
    /// octets encrypted by TLS.
    pub transport: CopyStats,
}

/// The counters behind [`RouterStats`], updated as messages are handed out.
#[derive(Default)]
pub(crate) struct SendCounters {
    messages: AtomicU64,
    payload_octets: AtomicU64,
    copied: AtomicU64,
    /// The transport counters of connections that have closed.
    closed: Mutex<CopyStats>,
}

impl SendCounters {
    /// One message handed out whose trailing binary has `payload` octets, `copied` of them
    /// copied by the serializer.
    pub(crate) fn add_message(&self, payload: u64, copied: u64) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.payload_octets.fetch_add(payload, Ordering::Relaxed);
        self.copied.fetch_add(copied, Ordering::Relaxed);
    }

    /// Keeps the counters of a connection that is closing.
    pub(crate) fn retire(&self, transport: CopyStats) {
        add_copy_stats(&mut lock(&self.closed), transport);
    }

    /// The totals, with `open` the counters of the connections still open.
    pub(crate) fn snapshot(&self, open: impl Iterator<Item = CopyStats>) -> RouterStats {
        let mut transport = *lock(&self.closed);
        open.for_each(|stats| add_copy_stats(&mut transport, stats));
        RouterStats {
            messages_sent: self.messages.load(Ordering::Relaxed),
            payload_octets_sent: self.payload_octets.load(Ordering::Relaxed),
            payload_octets_copied_by_serializer: self.copied.load(Ordering::Relaxed),
            transport,
        }
    }
}

fn add_copy_stats(sum: &mut CopyStats, more: CopyStats) {
    sum.frames_sent += more.frames_sent;
    sum.message_bytes_sent += more.message_bytes_sent;
    sum.message_bytes_copied += more.message_bytes_copied;
    sum.message_bytes_encrypted += more.message_bytes_encrypted;
}
