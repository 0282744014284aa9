//! `zw_client`: one WAMP session on a router, reconnected when the connection is lost.
//!
//! Thread-safe: any thread may call, publish, subscribe and register through one client at
//! once. Callbacks run on the client's I/O thread, or in `zw_client_dispatch` when the client is
//! caller-driven. `zw_client_free` ends everything the client started: it leaves, takes the
//! Rust handles away from the C handles still alive (which then report `ZW_ERR_CLOSED`), stops
//! the I/O thread, and frees every userdata before it returns.

use std::ffi::{c_char, c_int};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::args::{arg_ref, arg_str, Out};
use super::callback::in_callback_of;
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::scope::ClientScope;
use crate::client::{Client, ClientOptions, Credential, SendFull};
use crate::runtime::{Backoff, Mode};
use crate::transport::tls::TlsClientConfig;
use crate::wamp::auth::cryptosign::SigningKey;
use crate::wamp::Serializer;

/// Offer CBOR, MessagePack and JSON (WebSocket negotiates; RawSocket asks for CBOR).
pub const ZW_SERIALIZER_DEFAULT: u32 = 0;
/// JSON only.
pub const ZW_SERIALIZER_JSON: u32 = 1;
/// MessagePack only.
pub const ZW_SERIALIZER_MSGPACK: u32 = 2;
/// CBOR only.
pub const ZW_SERIALIZER_CBOR: u32 = 3;
/// FlatBuffers only.
pub const ZW_SERIALIZER_FLATBUFFERS: u32 = 4;

/// A client: a session on a router. Free it with `zw_client_free`.
pub struct zw_client {
    client: Client,
    pub(crate) scope: Arc<ClientScope>,
}

impl zw_client {
    /// The Rust client (for the other C objects built over it).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

/// How `zw_client_connect` connects. Fill it with `zw_client_options_init` first, then change
/// what you need; strings are read only during `zw_client_connect`.
#[repr(C)]
pub struct zw_client_options {
    /// One of `ZW_SERIALIZER_*` (default `ZW_SERIALIZER_DEFAULT`).
    pub serializer: u32,
    /// `HELLO.Details.authid`, or NULL (not sent).
    pub authid: *const c_char,
    /// `HELLO.Details.authrole`, or NULL (not sent).
    pub authrole: *const c_char,
    /// Ticket authentication: the ticket, or NULL.
    pub ticket: *const c_char,
    /// WAMP-CRA authentication: the secret, or NULL.
    pub wampcra_secret: *const c_char,
    /// Cryptosign authentication: the Ed25519 private seed as 64 hex digits, or NULL.
    pub cryptosign_seed_hex: *const c_char,
    /// A PEM file of the CA to trust for `wss://` and `rss://`; NULL: the Mozilla roots.
    pub tls_ca_file: *const c_char,
    /// The name to check the server certificate against; NULL: the URL's host.
    pub tls_server_name: *const c_char,
    /// Reconnect when the connection is lost after the session was joined (default true).
    pub reconnect: bool,
    /// The first reconnect delay in ms (0: the library default, 500).
    pub reconnect_initial_ms: u32,
    /// The longest reconnect delay in ms (0: the library default, 30000).
    pub reconnect_max_ms: u32,
    /// Attempts in a row before giving up and closing (0: never give up).
    pub reconnect_max_attempts: u32,
    /// How long `zw_client_connect` waits for the session, in ms (default 10000; 0: default).
    pub connect_timeout_ms: u32,
    /// The timeout of calls that set none themselves, in ms (default 30000; 0: none).
    pub call_timeout_ms: u32,
    /// How long other blocking requests wait for the router's answer, in ms (default 10000;
    /// 0: default).
    pub request_timeout_ms: u32,
    /// The most octets queued for sending (default 16 MiB; 0: default).
    pub send_queue_limit: usize,
    /// 0 (default): a request made while the send queue is full fails at once with
    /// `ZW_ERR_QUEUE_FULL`; else it waits up to this many ms for room first.
    pub send_block_ms: u32,
    /// The longest message sent or received, in octets (default 16 MiB; 0: default).
    pub max_message_size: usize,
    /// false (default): the client runs its own I/O thread, where callbacks run; true: callbacks
    /// run inside `zw_client_dispatch`, on the caller's thread (see `zw_client_fd`).
    pub caller_driven: bool,
}

/// What a client sent on its current connection, and what was copied doing it (for
/// `zw_client_stats`; named like `zw_envinfo`, as C has one namespace for types and functions).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct zw_clientstats {
    /// WAMP messages written out completely (current connection).
    pub messages_sent: u64,
    /// Their octets.
    pub octets_sent: u64,
    /// Message octets the transport copied into frame buffers (WebSocket client masking; 0 on
    /// RawSocket, which writes with `writev`).
    pub octets_copied_by_transport: u64,
    /// Message octets handed to TLS (encrypted into its records).
    pub octets_encrypted: u64,
    /// Octets of binaries ending a message (a record, or a binary last argument) that the
    /// serializer copied into messages, since the client started: 0 for MessagePack and CBOR
    /// with binaries of at least 1 KiB (sent as a buffer of their own); the whole binary for
    /// smaller ones and for JSON (base64) and FlatBuffers.
    pub payload_octets_copied_by_serializer: u64,
}

fn ms(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Fills `opts` with the defaults.
#[no_mangle]
pub extern "C" fn zw_client_options_init(opts: *mut zw_client_options) -> zw_result {
    boundary_result(|| {
        let out = Out::new("zw_client_options_init", "opts", opts)?;
        let d = ClientOptions::default();
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        out.set(zw_client_options {
            serializer: ZW_SERIALIZER_DEFAULT,
            authid: std::ptr::null(),
            authrole: std::ptr::null(),
            ticket: std::ptr::null(),
            wampcra_secret: std::ptr::null(),
            cryptosign_seed_hex: std::ptr::null(),
            tls_ca_file: std::ptr::null(),
            tls_server_name: std::ptr::null(),
            reconnect: true,
            reconnect_initial_ms: 0,
            reconnect_max_ms: 0,
            reconnect_max_attempts: 0,
            connect_timeout_ms: millis(d.connect_timeout),
            call_timeout_ms: d.call_timeout.map_or(0, millis),
            request_timeout_ms: millis(d.request_timeout),
            send_queue_limit: d.send_queue_limit,
            send_block_ms: 0,
            max_message_size: d.max_message_size,
            caller_driven: false,
        });
        Ok(())
    })
}

/// An optional string field of the options.
fn opt_str<'a>(field: &str, ptr: *const c_char) -> Result<Option<&'a str>, zw_result> {
    match ptr.is_null() {
        true => Ok(None),
        false => arg_str("zw_client_connect", field, ptr).map(Some),
    }
}

fn invalid(message: String) -> zw_result {
    fail(zw_result::ZW_ERR_INVALID_ARGUMENT, message)
}

/// The Rust options for the C ones.
fn client_options(o: &zw_client_options) -> Result<ClientOptions, zw_result> {
    let mut options = ClientOptions::default();
    options.serializers = match o.serializer {
        ZW_SERIALIZER_DEFAULT => options.serializers,
        ZW_SERIALIZER_JSON => vec![Serializer::Json],
        ZW_SERIALIZER_MSGPACK => vec![Serializer::MsgPack],
        ZW_SERIALIZER_CBOR => vec![Serializer::Cbor],
        ZW_SERIALIZER_FLATBUFFERS => vec![Serializer::FlatBuffers],
        other => {
            return Err(invalid(format!(
                "zw_client_connect: `opts->serializer` is {other}, not one of ZW_SERIALIZER_*"
            )))
        }
    };
    options.authid = opt_str("opts->authid", o.authid)?.map(str::to_owned);
    options.authrole = opt_str("opts->authrole", o.authrole)?.map(str::to_owned);
    if let Some(ticket) = opt_str("opts->ticket", o.ticket)? {
        options.credentials.push(Credential::ticket(ticket));
    }
    if let Some(secret) = opt_str("opts->wampcra_secret", o.wampcra_secret)? {
        options.credentials.push(Credential::wampcra(secret));
    }
    if let Some(seed) = opt_str("opts->cryptosign_seed_hex", o.cryptosign_seed_hex)? {
        let key = SigningKey::from_hex(seed).map_err(|e| {
            invalid(format!(
                "zw_client_connect: `opts->cryptosign_seed_hex`: {e}"
            ))
        })?;
        options.credentials.push(Credential::cryptosign(key, None));
    }
    if let Some(ca) = opt_str("opts->tls_ca_file", o.tls_ca_file)? {
        let tls = TlsClientConfig::from_ca_file(ca)
            .map_err(|e| invalid(format!("zw_client_connect: `opts->tls_ca_file` {ca}: {e}")))?;
        options.tls = Some(tls);
    }
    options.tls_server_name =
        opt_str("opts->tls_server_name", o.tls_server_name)?.map(str::to_owned);
    options.reconnect = o.reconnect.then(|| {
        let d = Backoff::default();
        Backoff {
            initial: if o.reconnect_initial_ms > 0 {
                ms(o.reconnect_initial_ms)
            } else {
                d.initial
            },
            max: if o.reconnect_max_ms > 0 {
                ms(o.reconnect_max_ms)
            } else {
                d.max
            },
            max_attempts: (o.reconnect_max_attempts > 0).then_some(o.reconnect_max_attempts),
            ..d
        }
    });
    if o.connect_timeout_ms > 0 {
        options.connect_timeout = ms(o.connect_timeout_ms);
    }
    options.call_timeout = (o.call_timeout_ms > 0).then(|| ms(o.call_timeout_ms));
    if o.request_timeout_ms > 0 {
        options.request_timeout = ms(o.request_timeout_ms);
    }
    if o.send_queue_limit > 0 {
        options.send_queue_limit = o.send_queue_limit;
    }
    options.send_full = match o.send_block_ms {
        0 => SendFull::Fail,
        wait => SendFull::Block(ms(wait)),
    };
    if o.max_message_size > 0 {
        options.max_message_size = o.max_message_size;
    }
    options.mode = match o.caller_driven {
        true => Mode::CallerDriven,
        false => Mode::IoThread,
    };
    Ok(options)
}

/// Connects to `url` (`ws://`, `wss://`, `rs://`, `rss://`, `unix://`) and joins `realm`, waiting
/// until the session is established. `opts` NULL: the defaults. The first connection is not
/// retried: a wrong URL, a refused connection or credential fails at once (`ZW_ERR_CONNECT`, the
/// message says why; `ZW_ERR_TIMEOUT` after `connect_timeout_ms`).
///
/// On success `*out` is a new client the caller owns; free it with `zw_client_free`.
#[no_mangle]
pub extern "C" fn zw_client_connect(
    url: *const c_char,
    realm: *const c_char,
    opts: *const zw_client_options,
    out: *mut *mut zw_client,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_client_connect";
        let url = arg_str(F, "url", url)?;
        let realm = arg_str(F, "realm", realm)?;
        let out = Out::new(F, "out", out)?;
        let options = match opts.is_null() {
            true => ClientOptions::default(),
            false => client_options(arg_ref(F, "opts", opts)?)?,
        };
        let caller_driven = options.mode == Mode::CallerDriven;
        let client = Client::connect(url, realm, options)?;
        out.set(Box::into_raw(Box::new(zw_client {
            client,
            scope: ClientScope::new(caller_driven),
        })));
        Ok(())
    })
}

/// Leaves the realm (GOODBYE, waiting for the router's answer up to the request timeout) and
/// stops reconnecting. Calls still waiting fail with `ZW_ERR_SESSION_LOST`; later requests give
/// `ZW_ERR_CLOSED`. The client must still be freed. Blocking: `ZW_ERR_IN_CALLBACK` inside a
/// callback.
#[no_mangle]
pub extern "C" fn zw_client_leave(c: *mut zw_client) -> zw_result {
    boundary_result(|| {
        let c = arg_ref("zw_client_leave", "c", c.cast_const())?;
        c.scope.check_may_block("zw_client_leave")?;
        c.client.leave()?;
        c.scope.left.store(true, Ordering::Release);
        Ok(())
    })
}

/// Frees the client. NULL is allowed. Call it exactly once, when no other thread uses `c`.
///
/// From any thread that is not running one of this client's callbacks: leaves if still joined,
/// stops the I/O thread (waiting for it), and frees the userdata of every subscription,
/// registration and call of this client before it returns (a callback running meanwhile on the
/// I/O thread is waited for; callbacks still queued do not run). Handles of the client still
/// alive then give `ZW_ERR_CLOSED` and must still be freed; an invocation the application still
/// holds keeps the (closed) client's thread until it is answered or freed.
///
/// Inside one of this client's callbacks the free is deferred: `c` is invalid at once, the
/// callback's own userdata is freed when it returns, the other userdata before this returns,
/// and the session ends (best effort GOODBYE) and the I/O thread stops once the callback has
/// returned.
#[no_mangle]
pub extern "C" fn zw_client_free(c: *mut zw_client) {
    boundary(|| {
        if c.is_null() {
            return;
        }
        // SAFETY: `c` came from zw_client_connect and is freed exactly once, here.
        let zw_client { client, scope } = *unsafe { Box::from_raw(c) };
        let deferred = in_callback_of(scope.id);
        if !deferred {
            // Errors do not matter here: the client is going, joined or not.
            let _ = client.leave();
        }
        scope.release_handles();
        drop(client);
        scope.release_userdata();
    })
}

/// The session id while joined; `ZW_ERR_NOT_CONNECTED` while connecting or reconnecting,
/// `ZW_ERR_CLOSED` after `zw_client_leave`.
#[no_mangle]
pub extern "C" fn zw_client_session_id(c: *const zw_client, out: *mut u64) -> zw_result {
    boundary_result(|| {
        let c = arg_ref("zw_client_session_id", "c", c)?;
        let out = Out::new("zw_client_session_id", "out", out)?;
        if c.scope.left.load(Ordering::Acquire) {
            return Err(fail(
                zw_result::ZW_ERR_CLOSED,
                "zw_client_session_id: the client left",
            ));
        }
        let id = c.client.session_id().ok_or_else(|| {
            fail(
                zw_result::ZW_ERR_NOT_CONNECTED,
                "zw_client_session_id: no session now (connecting or reconnecting)",
            )
        })?;
        out.set(id);
        Ok(())
    })
}

/// Caller-driven clients only: the file descriptor that is readable while callbacks are due. Add
/// it to your event loop (epoll, libuv, asyncio) and call `zw_client_dispatch` when it is; do not
/// read it or close it. `ZW_ERR_INVALID_ARGUMENT` for a client with its own I/O thread.
#[no_mangle]
pub extern "C" fn zw_client_fd(c: *const zw_client, out: *mut c_int) -> zw_result {
    boundary_result(|| {
        let c = arg_ref("zw_client_fd", "c", c)?;
        let out = Out::new("zw_client_fd", "out", out)?;
        let fd = c.client.fd().ok_or_else(|| {
            invalid(
                "zw_client_fd: the client runs its own I/O thread (caller_driven is false)".into(),
            )
        })?;
        out.set(fd);
        Ok(())
    })
}

/// Caller-driven clients: runs up to `max` due callbacks on this thread and writes how many ran
/// to `*ran` (if not NULL). With its own I/O thread a client runs none here (0). Not from inside
/// a callback (`ZW_ERR_IN_CALLBACK`); one thread at a time dispatches (others wait).
#[no_mangle]
pub extern "C" fn zw_client_dispatch(c: *mut zw_client, max: usize, ran: *mut usize) -> zw_result {
    boundary_result(|| {
        let c = arg_ref("zw_client_dispatch", "c", c.cast_const())?;
        let count = c.client.dispatch(max)?;
        if !ran.is_null() {
            Out::new("zw_client_dispatch", "ran", ran)?.set(count);
        }
        Ok(())
    })
}

/// What the client sent on its current connection, and the octets copied doing it (see
/// `zw_clientstats`): the zero-copy claim, measured.
#[no_mangle]
pub extern "C" fn zw_client_stats(c: *const zw_client, out: *mut zw_clientstats) -> zw_result {
    boundary_result(|| {
        let c = arg_ref("zw_client_stats", "c", c)?;
        let out = Out::new("zw_client_stats", "out", out)?;
        let stats = c.client.stats();
        out.set(zw_clientstats {
            messages_sent: stats.transport.frames_sent,
            octets_sent: stats.transport.message_bytes_sent,
            octets_copied_by_transport: stats.transport.message_bytes_copied,
            octets_encrypted: stats.transport.message_bytes_encrypted,
            payload_octets_copied_by_serializer: stats.payload_octets_copied_by_serializer,
        });
        Ok(())
    })
}
