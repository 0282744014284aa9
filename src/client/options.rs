//! How a client connects, authenticates, reconnects, and behaves when the peer reads slowly.

use std::time::Duration;

use crate::runtime::{Backoff, Mode};
use crate::transport::tls::TlsClientConfig;
use crate::wamp::session::Credential;
use crate::wamp::{Dict, Serializer};

/// What a request does when the connection's send queue is full (the peer reads more slowly
/// than the application sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendFull {
    /// Refuse the request at once with [`Error::QueueFull`](super::Error::QueueFull); nothing
    /// is sent. The default: a request never blocks the caller.
    Fail,
    /// Wait for room up to this long, then refuse with `Error::QueueFull`. Inside a client
    /// callback on the I/O thread waiting could never end, so there the request fails at once.
    Block(Duration),
}

/// Settings for [`Client::connect`](super::Client::connect). `ClientOptions::default()` is an
/// anonymous client with its own I/O thread that offers CBOR, MessagePack and JSON, and
/// reconnects with the default [`Backoff`].
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The serializers to offer, most preferred first (WebSocket negotiates one of them;
    /// RawSocket asks for the first).
    pub serializers: Vec<Serializer>,
    /// `HELLO.Details.authid`.
    pub authid: Option<String>,
    /// `HELLO.Details.authrole`.
    pub authrole: Option<String>,
    /// `HELLO.Details.authextra`.
    pub authextra: Dict,
    /// The credentials, in order of preference (ticket, WAMP-CRA, cryptosign); empty means
    /// anonymous.
    pub credentials: Vec<Credential>,
    /// The CA to trust for `wss://` and `rss://` (default: the Mozilla roots).
    pub tls: Option<TlsClientConfig>,
    /// The name to check the server certificate against (default: the URL's host).
    pub tls_server_name: Option<String>,
    /// Reconnecting after the connection is lost, once the session had been joined: the delays
    /// between attempts. `None`: never reconnect (the client closes when the connection goes).
    pub reconnect: Option<Backoff>,
    /// How long [`Client::connect`](super::Client::connect) waits for the session to be joined
    /// (default 10 s). The first connection is not retried: a wrong URL or credential fails at
    /// once.
    pub connect_timeout: Duration,
    /// The timeout of calls that set none themselves (default 30 s; `None`: wait forever).
    pub call_timeout: Option<Duration>,
    /// How long blocking requests other than calls (subscribe, register, acknowledged publish,
    /// leave, ...) wait for the router's answer (default 10 s).
    pub request_timeout: Duration,
    /// The most octets queued for sending on the connection (default 16 MiB).
    pub send_queue_limit: usize,
    /// What a request does when the send queue is full (default [`SendFull::Fail`]).
    pub send_full: SendFull,
    /// The longest message sent or received, in octets (default 16 MiB).
    pub max_message_size: usize,
    /// Where callbacks run: on the client's own I/O thread (the default), or on the caller's
    /// thread inside [`Client::dispatch`](super::Client::dispatch).
    pub mode: Mode,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            serializers: vec![Serializer::Cbor, Serializer::MsgPack, Serializer::Json],
            authid: None,
            authrole: None,
            authextra: Dict::new(),
            credentials: Vec::new(),
            tls: None,
            tls_server_name: None,
            reconnect: Some(Backoff::default()),
            connect_timeout: Duration::from_secs(10),
            call_timeout: Some(Duration::from_secs(30)),
            request_timeout: Duration::from_secs(10),
            send_queue_limit: 16 * 1024 * 1024,
            send_full: SendFull::Fail,
            max_message_size: 16 * 1024 * 1024,
            mode: Mode::IoThread,
        }
    }
}

impl ClientOptions {
    /// Offers only `serializer`.
    pub fn with_serializer(mut self, serializer: Serializer) -> ClientOptions {
        self.serializers = vec![serializer];
        self
    }

    /// Sets the authid.
    pub fn with_authid(mut self, authid: impl Into<String>) -> ClientOptions {
        self.authid = Some(authid.into());
        self
    }

    /// Sets the requested authrole.
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> ClientOptions {
        self.authrole = Some(authrole.into());
        self
    }

    /// Adds a credential.
    pub fn with_credential(mut self, credential: Credential) -> ClientOptions {
        self.credentials.push(credential);
        self
    }

    /// Trusts `tls` for `wss://` and `rss://`.
    pub fn with_tls(mut self, tls: TlsClientConfig) -> ClientOptions {
        self.tls = Some(tls);
        self
    }

    /// Sets the reconnect policy (`None`: never reconnect).
    pub fn with_reconnect(mut self, reconnect: Option<Backoff>) -> ClientOptions {
        self.reconnect = reconnect;
        self
    }

    /// Sets where callbacks run.
    pub fn with_mode(mut self, mode: Mode) -> ClientOptions {
        self.mode = mode;
        self
    }

    /// Sets the send queue limit and what happens when it is reached.
    pub fn with_send_queue(mut self, limit: usize, full: SendFull) -> ClientOptions {
        self.send_queue_limit = limit;
        self.send_full = full;
        self
    }

    /// Sets the default call timeout.
    pub fn with_call_timeout(mut self, timeout: Option<Duration>) -> ClientOptions {
        self.call_timeout = timeout;
        self
    }
}
