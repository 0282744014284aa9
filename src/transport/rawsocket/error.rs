//! Everything that can go wrong on a RawSocket connection.

use std::fmt;

use super::{Refusal, Serializer};

/// A RawSocket error.
///
/// Most errors are *fatal*: the connection has failed, every later call reports the same error,
/// and the caller should write out [`pending_output`](super::RawSocket::pending_output) (it may
/// hold a refusal reply for the peer) and then close the socket. [`Error::is_fatal`] tells the
/// few that are not: a message that was too long to send, or a call made in the wrong state,
/// leave the connection as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---- router side: reading a client's handshake request ----
    /// The first octet a client sent is not the RawSocket magic 0x7F: not a RawSocket client
    /// (perhaps an HTTP request). No reply is sent.
    NotRawSocket {
        /// The octet received.
        first_octet: u8,
    },
    /// The client set the reserved third or fourth handshake octet. The reply "use of reserved
    /// bits" has been queued.
    ReservedBitsInRequest {
        /// The third and fourth octets received.
        octets: [u8; 2],
    },
    /// The client asked for a serializer this router does not speak (or for id 0, which is
    /// illegal). The reply "serializer unsupported" has been queued.
    UnsupportedSerializer {
        /// The serializer id the client asked for.
        id: u8,
    },
    /// The client would only receive messages shorter than this router's configured minimum. The
    /// reply "maximum message length unacceptable" has been queued.
    PeerMaxLengthTooSmall {
        /// The length the client announced, in octets.
        announced: usize,
        /// The least this router accepts, in octets.
        required: usize,
    },
    /// This router refused the connection through [`RawSocket::refuse`](super::RawSocket::refuse).
    /// The reply carrying the reason has been queued.
    Refused(Refusal),

    // ---- client side: reading the router's handshake reply ----
    /// The first octet of the router's reply is not the RawSocket magic 0x7F.
    BadReplyMagic {
        /// The octet received.
        first_octet: u8,
    },
    /// The router refused the handshake with a defined reason.
    RouterRefused(Refusal),
    /// The router refused the handshake with code 0 (illegal) or a reserved code (5–15).
    RouterRefusedUnknown {
        /// The error code received.
        code: u8,
    },
    /// The router accepted, but with a different serializer than the one requested.
    SerializerMismatch {
        /// The serializer this client asked for.
        requested: Serializer,
        /// The serializer id in the router's reply.
        replied: u8,
    },
    /// The router's reply has non-zero reserved octets.
    ReservedBitsInReply {
        /// The third and fourth octets received.
        octets: [u8; 2],
    },

    // ---- both sides: reading frames ----
    /// A frame header has one of its four reserved high bits set.
    ReservedFrameBits {
        /// The first header octet received.
        first_octet: u8,
    },
    /// A frame header names a reserved frame type (3–7).
    UnknownFrameType {
        /// The 3-bit type received.
        frame_type: u8,
    },
    /// A frame header sets the 25th length bit with other length bits set: the spec allows the
    /// 25th bit only for a length of exactly 2^24.
    BadLengthEncoding {
        /// The four header octets received.
        header: [u8; 4],
    },
    /// The peer sent a frame longer than the maximum this side announced in the handshake.
    FrameTooLarge {
        /// The length in the frame header, in octets.
        length: usize,
        /// The maximum this side announced, in octets.
        max: usize,
    },
    /// The peer sent a PING whose payload is longer than the peer itself accepts, so the PONG
    /// that must echo it cannot be sent.
    PingTooLargeToEcho {
        /// The PING payload length, in octets.
        length: usize,
        /// The maximum the peer announced, in octets.
        max: usize,
    },

    // ---- both sides: end of stream ----
    /// The peer closed the connection before the handshake completed. crossbar closes this way,
    /// without an error reply, when it does not offer the requested serializer.
    ClosedDuringHandshake,
    /// The peer closed the connection in the middle of a frame.
    ClosedMidFrame {
        /// The octets of the frame (header included) that had arrived.
        received: usize,
    },

    // ---- caller errors: not fatal ----
    /// A message or PING is longer than the peer accepts; nothing was queued. Not fatal.
    MessageTooLarge {
        /// The payload length, in octets.
        length: usize,
        /// The maximum the peer announced, in octets.
        max: usize,
    },
    /// Frames can be sent only after the handshake has completed. Not fatal.
    NotOpen,
    /// Only a router (server role) can refuse, and only before the handshake has completed.
    /// Not fatal.
    CannotRefuse,
}

impl Error {
    /// Whether the connection has failed (true) or the call was merely refused (false).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Error::MessageTooLarge { .. } | Error::NotOpen | Error::CannotRefuse
        )
    }

    /// The handshake error reply a router sends for this error, if any.
    pub(crate) fn refusal_reply(&self) -> Option<Refusal> {
        match self {
            Error::ReservedBitsInRequest { .. } => Some(Refusal::ReservedBitsUsed),
            Error::UnsupportedSerializer { .. } => Some(Refusal::SerializerUnsupported),
            Error::PeerMaxLengthTooSmall { .. } => Some(Refusal::MaxLengthUnacceptable),
            Error::Refused(reason) => Some(*reason),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotRawSocket { first_octet } => write!(
                f,
                "not a RawSocket client: first octet is 0x{first_octet:02x}, expected the magic 0x7f"
            ),
            Error::ReservedBitsInRequest { octets } => write!(
                f,
                "RawSocket handshake request sets reserved octets 0x{:02x} 0x{:02x} (must be zero); refused",
                octets[0], octets[1]
            ),
            Error::UnsupportedSerializer { id } => match Serializer::from_id(*id) {
                Some(ser) => write!(f, "RawSocket client asked for serializer {ser}, which this router does not offer; refused"),
                None if *id == 0 => write!(f, "RawSocket client asked for serializer id 0, which is illegal; refused"),
                None => write!(f, "RawSocket client asked for reserved serializer id {id}; refused"),
            },
            Error::PeerMaxLengthTooSmall { announced, required } => write!(
                f,
                "RawSocket client accepts messages of at most {announced} octets, this router requires at least {required}; refused"
            ),
            Error::Refused(reason) => write!(f, "RawSocket connection refused by this router: {reason}"),
            Error::BadReplyMagic { first_octet } => write!(
                f,
                "not a RawSocket router: reply starts with 0x{first_octet:02x}, expected the magic 0x7f"
            ),
            Error::RouterRefused(reason) => write!(f, "RawSocket router refused the connection: {reason}"),
            Error::RouterRefusedUnknown { code } => write!(
                f,
                "RawSocket router refused the connection with {} error code {code}",
                if *code == 0 { "the illegal" } else { "the reserved" }
            ),
            Error::SerializerMismatch { requested, replied } => write!(
                f,
                "RawSocket router replied with serializer id {replied}, but {requested} was requested"
            ),
            Error::ReservedBitsInReply { octets } => write!(
                f,
                "RawSocket handshake reply sets reserved octets 0x{:02x} 0x{:02x} (must be zero)",
                octets[0], octets[1]
            ),
            Error::ReservedFrameBits { first_octet } => write!(
                f,
                "RawSocket frame header sets reserved bits (first octet 0x{first_octet:02x})"
            ),
            Error::UnknownFrameType { frame_type } => write!(
                f,
                "RawSocket frame has reserved type {frame_type} (0 message, 1 PING, 2 PONG)"
            ),
            Error::BadLengthEncoding { header } => write!(
                f,
                "RawSocket frame header {:02x}{:02x}{:02x}{:02x} sets the 25th length bit with a non-zero 24-bit length",
                header[0], header[1], header[2], header[3]
            ),
            Error::FrameTooLarge { length, max } => write!(
                f,
                "RawSocket peer sent a frame of {length} octets, more than the {max} announced; closing"
            ),
            Error::PingTooLargeToEcho { length, max } => write!(
                f,
                "RawSocket peer sent a PING of {length} octets but accepts at most {max}, so it cannot be answered; closing"
            ),
            Error::ClosedDuringHandshake => f.write_str(
                "RawSocket peer closed the connection during the handshake (a router does this when it refuses without a reply, e.g. for an unsupported serializer)",
            ),
            Error::ClosedMidFrame { received } => write!(
                f,
                "RawSocket peer closed the connection in the middle of a frame ({received} octets of it received)"
            ),
            Error::MessageTooLarge { length, max } => write!(
                f,
                "RawSocket message of {length} octets exceeds the peer's maximum of {max}; not sent"
            ),
            Error::NotOpen => f.write_str("RawSocket handshake has not completed; nothing can be sent yet"),
            Error::CannotRefuse => f.write_str(
                "only a RawSocket router can refuse a connection, and only before the handshake has completed",
            ),
        }
    }
}

impl std::error::Error for Error {}
