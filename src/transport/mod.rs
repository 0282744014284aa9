//! Transports, sans-IO: WAMP-over-RawSocket framing and the URLs that name an endpoint.
//!
//! The sockets themselves (TCP, TLS, Unix, and WebSocket through tungstenite) are driven by the
//! runtime; this layer only turns octets into frames and back, and strings into endpoints.

pub mod framed;
pub mod rawsocket;
pub mod stream;
pub mod tls;
pub mod url;
pub mod websocket;

pub use rawsocket::is_rawsocket_preamble;
pub use url::{Address, Host, Scheme, TransportUrl, UrlError};
