//! What each side of a RawSocket connection asks for in the handshake.

use super::{MaxLength, Serializer};

/// The client side's settings: the serializer it asks for, and the longest message it accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The serializer to request; the router either confirms it or refuses the connection.
    pub serializer: Serializer,
    /// The longest message this client accepts. Also bounds how much one connection buffers.
    pub max_receive: MaxLength,
}

impl ClientConfig {
    /// Asks for `serializer` and accepts messages up to 16 MiB.
    pub fn new(serializer: Serializer) -> ClientConfig {
        ClientConfig {
            serializer,
            max_receive: MaxLength::MAX,
        }
    }
}

/// The router side's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// The serializers this router speaks; a client asking for another one is refused with
    /// "serializer unsupported".
    pub serializers: Vec<Serializer>,
    /// The longest message this router accepts from the client. Also bounds how much one
    /// connection buffers: a router with many connections may want less than the 16 MiB default.
    pub max_receive: MaxLength,
    /// The least maximum length a client may announce; a client announcing less is refused with
    /// "maximum message length unacceptable". The default, 512 octets, accepts every client.
    pub min_peer_max_length: MaxLength,
}

impl ServerConfig {
    /// Speaks `serializers`, accepts messages up to 16 MiB and accepts every client's maximum.
    pub fn new(serializers: &[Serializer]) -> ServerConfig {
        ServerConfig {
            serializers: serializers.to_vec(),
            max_receive: MaxLength::MAX,
            min_peer_max_length: MaxLength::MIN,
        }
    }
}
