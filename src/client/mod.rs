//! The WAMP client: one session on a router (crossbar, or zerowamp's own), over WebSocket or
//! RawSocket, driven by the runtime, with reconnects and zero-copy sending from LMDB.
//!
//! ```no_run
//! use zerowamp::client::{Client, ClientOptions};
//! use zerowamp::wamp::session::{CallOptions, RegisterOptions, SubscribeOptions};
//! use zerowamp::wamp::{Payload, Value};
//!
//! let client = Client::connect("ws://127.0.0.1:8080/ws", "realm1", ClientOptions::default())?;
//! let _add = client.register("com.example.add", RegisterOptions::default(), |inv: zerowamp::client::Invocation| {
//!     let sum: i64 = inv.args().iter().filter_map(Value::as_i64).sum();
//!     let _ = inv.yield_(Payload::args(vec![sum.into()]));
//! })?;
//! let result = client.call("com.example.add", Payload::args(vec![1.into(), 2.into()]),
//!                          CallOptions::default())?;
//! assert_eq!(result.payload.arguments(), [Value::from(3)]);
//! let _sub = client.subscribe("com.example.news", SubscribeOptions::default(), |event| {
//!     println!("{:?}", event.payload);
//! })?;
//! client.leave()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Threads and callbacks
//!
//! [`Client`] is `Send + Sync` and cheap to clone. Its requests may be made from any thread.
//! Results of [`Client::call_async`], events, invocations and interrupts are callbacks; where
//! they run depends on [`ClientOptions::mode`]:
//!
//! - [`Mode::IoThread`](crate::runtime::Mode) (the default): on the client's own I/O thread, one
//!   at a time and in order. They must not block.
//! - [`Mode::CallerDriven`](crate::runtime::Mode): on the thread that calls
//!   [`Client::dispatch`], when [`Client::fd`] is readable (epoll, libuv, asyncio). The I/O
//!   thread never runs application code. Blocking methods called outside callbacks run due
//!   callbacks themselves while they wait, so a single-threaded program works without a loop.
//!
//! Blocking methods ([`Client::call`], [`Client::subscribe`], [`Client::register`],
//! acknowledged [`Client::publish`], [`Subscription::unsubscribe`], [`Client::leave`]) return
//! [`Error::BlockingInCallback`] when called from inside a callback, where the answer could
//! never arrive; use [`Client::call_async`] there. An [`Invocation`] may be answered from any
//! thread, at any time.
//!
//! # Reconnect
//!
//! When the connection (or the session) is lost after it had been joined, the client
//! reconnects after the delays of [`ClientOptions::reconnect`] (exponential backoff with
//! jitter, see [`Backoff`](crate::runtime::Backoff)), joins again, and subscribes and
//! registers again everything the application still holds: [`Subscription`] and
//! [`Registration`] handles stay valid across reconnects. Nothing waits on a lost connection:
//!
//! - calls in flight, and requests waiting for an answer, fail at once with
//!   [`Error::SessionLost`] (a call may or may not have run);
//! - new requests fail with [`Error::NotConnected`] until the session is back
//!   ([`Client::wait_joined`] waits for it);
//! - open invocations are marked interrupted; answering them gives [`Error::InvocationGone`].
//!
//! When the policy gives up, or without a policy, the client closes ([`Error::Closed`]).
//!
//! # Backpressure
//!
//! Every connection has a bounded send queue ([`ClientOptions::send_queue_limit`]). A new
//! request is admitted only when the queue has room: with [`SendFull::Fail`] (the default) a
//! request made while it is full fails at once with [`Error::QueueFull`] and nothing is sent;
//! with [`SendFull::Block`] it waits up to the given time for room. Messages the client must
//! send by itself (answers to invocations, cancels, GOODBYE) are never refused: they wait, in
//! order, until room frees. So memory stays bounded by the queue limit plus the messages of
//! requests admitted at the same moment, however slowly the router reads.
//!
//! # Zero-copy sending from LMDB
//!
//! A [`Snapshot`] shares a read transaction; [`Snapshot::get`] returns a value as `Bytes` that
//! point into the memory map and keep the snapshot alive. Sent as
//! [`Payload::Transparent`](crate::wamp::Payload) with [`record_passthru`] in the request's
//! options, the record is the WAMP payload, and:
//!
//! - with MessagePack or CBOR, the serializer writes only the envelope and leaves the record
//!   out ([`Codec::encode_split`](crate::wamp::codec::Codec::encode_split)): the message goes
//!   to the connection as two buffers, envelope then record
//!   ([`Connection::send_parts`](crate::runtime::Connection::send_parts));
//! - RawSocket writes frame header, envelope and record with one `writev`: no user-space copy;
//! - WebSocket (client frames must be masked) copies the message once while masking.
//!
//! The snapshot is released once the record has been written. [`Client::stats`] counts the
//! copies (the transport's and the serializer's). JSON (base64) and FlatBuffers (the payload
//! sits inside its table) copy the record into the message.

mod call;
mod core;
mod error;
mod handle;
mod invocation;
mod link;
mod options;
mod outbox;
mod record;
mod records;
mod registration;
mod shared;
mod snapshot;
mod stats;
mod subscription;
mod waiter;

pub use call::CallHandle;
pub use error::{CallError, Error, WampError};
pub use handle::Client;
pub use invocation::Invocation;
pub use options::{ClientOptions, SendFull};
pub use record::{record_passthru, RECORD_SCHEME};
pub use registration::{Callee, Registration};
pub use snapshot::Snapshot;
pub use stats::ClientStats;
pub use subscription::Subscription;

pub use crate::wamp::session::{
    CallOptions, CallResult, CancelMode, Credential, EventDelivery, InterruptRequest, Joined,
    PublishOptions, RegisterOptions, SubscribeOptions, YieldOptions,
};

// The handles promised to cross threads do.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<Client>();
    send_sync::<Subscription>();
    send_sync::<Registration>();
    send_sync::<CallHandle>();
    send_sync::<Snapshot>();
    send::<Invocation>();
};
