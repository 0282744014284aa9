//! What a client sent and what it copied doing it.

use crate::runtime::CopyStats;

/// A client's copy accounting, for tests and benchmarks that check the zero-copy claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// The current connection's counters: messages and octets written, and message octets the
    /// transport copied (WebSocket client masking; nothing on RawSocket).
    pub transport: CopyStats,
    /// Octets of binaries ending a message — a passthru payload, or a binary last argument with
    /// no keyword arguments — that the serializer copied into the message, since the client
    /// started: 0 for MessagePack and CBOR with binaries of at least 1 KiB (sent as a buffer of
    /// their own), the whole binary for smaller ones and for JSON (base64) and FlatBuffers.
    pub payload_octets_copied_by_serializer: u64,
}
