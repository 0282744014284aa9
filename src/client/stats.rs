//! What a client sent and what it copied doing it.

use crate::runtime::CopyStats;

/// A client's copy accounting, for tests and benchmarks that check the zero-copy claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// The current connection's counters: messages and octets written, and message octets the
    /// transport copied (WebSocket client masking; nothing on RawSocket).
    pub transport: CopyStats,
    /// Octets of passthru payloads (a binary ending the message) that the serializer copied
    /// into the message, since the client started: 0 for MessagePack and CBOR with payloads of
    /// at least 1 KiB (sent as a buffer of their own), the whole payload for JSON (base64) and
    /// FlatBuffers.
    pub payload_octets_copied_by_serializer: u64,
}
