//! The connection handle: `Send + Sync`, cheap to clone, and the bounded send queue behind it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::dispatch::Job;
use super::options::{ConnectionOptions, SendFullPolicy};
use super::reactor::{Command, Shared};
use super::{lock, Event, Handler};
use crate::transport::framed::{CopyCounters, CopyStats, OpenInfo, Outgoing};

/// What each queued message costs on top of its octets, so that a flood of empty messages is
/// bounded too.
pub(crate) const MESSAGE_CHARGE: usize = 64;

/// Why [`Connection::send`] refused a message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The send queue is full (policy [`SendFullPolicy::Fail`], or a blocking send made on the
    /// I/O thread itself).
    QueueFull {
        /// The queue limit, in octets.
        limit: usize,
    },
    /// The send queue stayed full for the whole wait of [`SendFullPolicy::Block`].
    Timeout {
        /// How long the send waited.
        waited: Duration,
    },
    /// The message is longer than the connection accepts.
    TooLarge {
        /// The message length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The connection is closed or closing.
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::QueueFull { limit } => write!(
                f,
                "send queue full ({limit} octets queued for a peer that reads too slowly)"
            ),
            SendError::Timeout { waited } => {
                write!(f, "send queue stayed full for {} ms", waited.as_millis())
            }
            SendError::TooLarge { length, max } => write!(
                f,
                "message of {length} octets is longer than the connection's limit of {max}"
            ),
            SendError::Closed => f.write_str("the connection is closed"),
        }
    }
}

impl std::error::Error for SendError {}

struct SendQueue {
    messages: VecDeque<Outgoing>,
    /// What is charged against the limit: queued messages and those handed to the transport
    /// and not yet written.
    charged: usize,
    closed: bool,
    close_request: Option<(u16, String)>,
    /// Senders blocked for room ([`SendFullPolicy::Block`]): only then is `space` notified
    /// (a notify is a futex syscall even with nobody waiting, and room frees on every write).
    waiting: usize,
}

/// The state a connection shares between its handles, the I/O thread and the dispatcher.
pub(crate) struct ConnShared {
    pub(crate) id: u64,
    pub(crate) runtime: Arc<Shared>,
    pub(crate) options: ConnectionOptions,
    queue: Mutex<SendQueue>,
    space: Condvar,
    pub(crate) handler: Mutex<Option<Box<dyn Handler>>>,
    info: OnceLock<OpenInfo>,
    /// Set when the I/O thread should look at the queue; cleared by it before it does.
    kicked: AtomicBool,
    pub(crate) counters: Arc<CopyCounters>,
    /// Received message octets handed to the dispatcher and not yet run.
    pub(crate) inbound_pending: AtomicUsize,
    pub(crate) read_paused: AtomicBool,
}

impl ConnShared {
    pub(crate) fn new(
        runtime: Arc<Shared>,
        options: ConnectionOptions,
        handler: Option<Box<dyn Handler>>,
    ) -> Arc<ConnShared> {
        Arc::new(ConnShared {
            id: runtime.next_id(),
            runtime,
            options,
            queue: Mutex::new(SendQueue {
                messages: VecDeque::new(),
                charged: 0,
                closed: false,
                close_request: None,
                waiting: 0,
            }),
            space: Condvar::new(),
            handler: Mutex::new(handler),
            info: OnceLock::new(),
            kicked: AtomicBool::new(false),
            counters: Arc::new(CopyCounters::default()),
            inbound_pending: AtomicUsize::new(0),
            read_paused: AtomicBool::new(false),
        })
    }

    /// Asks the I/O thread to look at this connection (once until it does).
    pub(crate) fn kick(&self) {
        if !self.kicked.swap(true, Ordering::AcqRel) {
            self.runtime.post(Command::Kick(self.id));
        }
    }

    pub(crate) fn clear_kick(&self) {
        self.kicked.store(false, Ordering::Release);
    }

    pub(crate) fn set_open(&self, info: OpenInfo) {
        let _ = self.info.set(info);
    }

    /// Whether the transport handshake has completed (and been reported).
    pub(crate) fn is_opened(&self) -> bool {
        self.info.get().is_some()
    }

    /// Moves queued messages adding up to about `budget` octets (at least one if any) to
    /// `taken` (the caller's buffer, reused: no allocation per round).
    pub(crate) fn take_messages(&self, budget: usize, taken: &mut Vec<Outgoing>) {
        let mut queue = lock(&self.queue);
        let mut size = 0;
        while size < budget {
            let Some(message) = queue.messages.pop_front() else {
                break;
            };
            size += message.len();
            taken.push(message);
        }
    }

    pub(crate) fn has_queued(&self) -> bool {
        !lock(&self.queue).messages.is_empty()
    }

    /// The close asked for, once nothing is left in the queue.
    pub(crate) fn close_request(&self) -> Option<(u16, String)> {
        let queue = lock(&self.queue);
        match queue.messages.is_empty() {
            true => queue.close_request.clone(),
            false => None,
        }
    }

    /// Frees queue space for messages written out.
    pub(crate) fn release(&self, messages: usize, octets: usize) {
        if messages == 0 && octets == 0 {
            return;
        }
        let mut queue = lock(&self.queue);
        queue.charged = queue
            .charged
            .saturating_sub(octets + messages * MESSAGE_CHARGE);
        let waiting = queue.waiting > 0;
        drop(queue);
        if waiting {
            self.space.notify_all();
        }
    }

    /// The connection is gone: refuse further sends, drop what is queued, wake waiters.
    pub(crate) fn mark_closed(&self) {
        let mut queue = lock(&self.queue);
        queue.closed = true;
        queue.messages.clear();
        queue.charged = 0;
        let waiting = queue.waiting > 0;
        drop(queue);
        if waiting {
            self.space.notify_all();
        }
    }

    /// Runs the handler for `event` (on the dispatching thread).
    pub(crate) fn deliver(self: &Arc<Self>, event: Event) {
        let frame_len = match &event {
            Event::Frame(frame) => Some(frame.len()),
            _ => None,
        };
        let closed = matches!(event, Event::Closed(_));
        let connection = Connection {
            shared: self.clone(),
        };
        let mut handler = lock(&self.handler);
        if let Some(h) = handler.as_mut() {
            h.on_event(&connection, event);
        }
        // After Closed the handler goes (it may hold handles to this connection).
        let finished = if closed { handler.take() } else { None };
        drop(handler);
        drop(finished);
        if let Some(len) = frame_len {
            self.frame_dispatched(len);
        }
    }

    fn frame_dispatched(&self, len: usize) {
        let before = self.inbound_pending.fetch_sub(len, Ordering::AcqRel);
        let now = before.saturating_sub(len);
        if now <= self.options.receive_queue_limit && self.read_paused.swap(false, Ordering::AcqRel)
        {
            self.runtime.post(Command::Resume(self.id));
        }
    }

    pub(crate) fn submit(self: &Arc<Self>, event: Event) {
        self.runtime
            .dispatcher
            .submit(Job::Event(self.clone(), event));
    }
}

/// A handle to one connection, client or accepted: `Send + Sync`, cheap to clone (an `Arc`).
///
/// A connection lives until it is closed by either side, fails, or the runtime stops, whether
/// or not handles to it remain.
#[derive(Clone)]
pub struct Connection {
    pub(crate) shared: Arc<ConnShared>,
}

impl Connection {
    /// A number identifying the connection within its runtime.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Queues one WAMP message for sending. `Bytes` pins its buffer until the message is
    /// written: wrap a buffer owned elsewhere (an LMDB read snapshot) with [`pinned`] and it is
    /// sent without being copied (RawSocket, WebSocket server side) or copied once (WebSocket
    /// client side, for masking).
    ///
    /// Messages may be queued before the connection opens. When the queue is full the
    /// connection's [`SendFullPolicy`] applies.
    pub fn send(&self, message: impl Into<Bytes>) -> Result<(), SendError> {
        self.send_parts(message.into(), Bytes::new())
    }

    /// Queues one WAMP message made of two buffers, `head` then `body`, written back to back
    /// with `writev` (never joined by a copy on RawSocket or on a WebSocket server; masked into
    /// one copy on a WebSocket client). For a serializer's envelope followed by a record pinned
    /// elsewhere ([`pinned`]). Otherwise as [`send`](Self::send).
    pub fn send_parts(&self, head: Bytes, body: Bytes) -> Result<(), SendError> {
        self.try_send(Outgoing::new(head, body))
            .map_err(|(error, _)| error)
    }

    /// Like [`send_parts`](Self::send_parts), but a message that is not queued comes back with
    /// the error, so that a caller can keep it for later without cloning it first.
    pub(crate) fn try_send(&self, message: Outgoing) -> Result<(), (SendError, Outgoing)> {
        let shared = &self.shared;
        let max = shared
            .info
            .get()
            .map_or(shared.options.max_message_size, |info| info.max_send);
        if message.len() > max {
            let length = message.len();
            return Err((SendError::TooLarge { length, max }, message));
        }
        let charge = message.len() + MESSAGE_CHARGE;
        let limit = shared.options.send_queue_limit;
        let mut queue = lock(&shared.queue);
        // Only a send that has to wait needs the time.
        let mut started = None;
        loop {
            if queue.closed || queue.close_request.is_some() {
                return Err((SendError::Closed, message));
            }
            if queue.charged == 0 || queue.charged + charge <= limit {
                break;
            }
            let wait = match shared.options.send_full {
                SendFullPolicy::Block(wait) if !shared.runtime.on_io_thread() => wait,
                _ => return Err((SendError::QueueFull { limit }, message)),
            };
            let waited = started.get_or_insert_with(Instant::now).elapsed();
            let Some(left) = wait.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err((SendError::Timeout { waited }, message));
            };
            queue.waiting += 1;
            queue = shared
                .space
                .wait_timeout(queue, left)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
            queue.waiting -= 1;
        }
        queue.messages.push_back(message);
        queue.charged += charge;
        drop(queue);
        shared.kick();
        Ok(())
    }

    /// Closes cleanly with WebSocket close code 1000 (normal closure).
    pub fn close(&self) {
        self.close_with(1000, "");
    }

    /// Closes cleanly: messages already queued are sent first, then a WebSocket close frame with
    /// `code` and `reason` (RawSocket, which has no close message, ends the stream). Later sends
    /// fail with [`SendError::Closed`]. The handler gets [`Event::Closed`] when it is done.
    pub fn close_with(&self, code: u16, reason: &str) {
        let mut queue = lock(&self.shared.queue);
        if queue.closed || queue.close_request.is_some() {
            return;
        }
        queue.close_request = Some((code, reason.to_string()));
        drop(queue);
        self.shared.kick();
    }

    /// Whether the transport handshake has completed (and the connection is not closed).
    pub fn is_open(&self) -> bool {
        self.shared.info.get().is_some() && !lock(&self.shared.queue).closed
    }

    /// What was agreed in the transport handshake, once open.
    pub fn info(&self) -> Option<OpenInfo> {
        self.shared.info.get().cloned()
    }

    /// The octets charged against the send queue limit now (queued, or handed to the
    /// transport and not yet written).
    pub fn queued_bytes(&self) -> usize {
        lock(&self.shared.queue).charged
    }

    /// What was sent so far, and how many payload octets were copied doing it.
    pub fn stats(&self) -> CopyStats {
        self.shared.counters.snapshot()
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.shared.id)
            .field("info", &self.shared.info.get())
            .finish_non_exhaustive()
    }
}

/// Wraps a buffer owned elsewhere (a read snapshot, a memory map, an `Arc<[u8]>`) as `Bytes`
/// without copying it: the owner is kept alive until every frame holding it has been written.
/// The owner's `as_ref` must return the same octets for as long as it lives.
pub fn pinned<T>(owner: T) -> Bytes
where
    T: AsRef<[u8]> + Send + 'static,
{
    Bytes::from_owner(owner)
}
