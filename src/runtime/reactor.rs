//! The I/O thread: a mio poll loop over sockets, a waker for commands from other threads, and
//! timers. It never blocks on a socket and never runs user code except through the dispatcher
//! (inline only in [`Mode::IoThread`](super::Mode::IoThread)).

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::event::Source;
use mio::net::{TcpListener, UnixListener};
use mio::{Events, Interest, Poll, Token, Waker};
use rustc_hash::FxHashMap;

use super::connection::ConnShared;
use super::dispatch::{Dispatcher, Job};
use super::listener::ListenerShared;
use super::timer::{TimerId, TimerKind, Timers};
use super::{lock, CloseReason, Event};
use crate::transport::framed::{
    ClientSetup, FramedConnection, Incoming, Outgoing, ReadStatus, ServerSetup, TransportError,
};
use crate::transport::stream::{Socket, Stream};
use crate::transport::tls::{TlsClientConfig, TlsServerConfig};

const WAKER: Token = Token(usize::MAX);
/// Message octets read from one connection before others get their turn.
const READ_BUDGET: usize = 1024 * 1024;
/// Message octets handed to a connection's frame writer ahead of the socket.
const INFLIGHT_BUDGET: usize = 256 * 1024;

/// Work handed to the I/O thread.
pub(crate) enum Command {
    Connect(Box<PendingConnect>),
    Listen(Box<PendingListen>),
    /// Look at a connection's way out: queued messages, a close request. Its socket is read
    /// only when it becomes readable (and until it has opened).
    Kick(u64),
    /// Read a connection again: its receive queue has room after a pause.
    Resume(u64),
    CloseListener(u64),
    Timer(TimerId, Instant, Box<dyn FnOnce() + Send>),
    CancelTimer(TimerId),
    Shutdown,
}

pub(crate) struct PendingConnect {
    pub(crate) conn: Arc<ConnShared>,
    pub(crate) socket: Socket,
    pub(crate) setup: ClientSetup,
    pub(crate) tls: Option<(TlsClientConfig, String)>,
}

pub(crate) enum ListenSocket {
    Tcp(TcpListener),
    Unix(UnixListener),
}

pub(crate) struct PendingListen {
    pub(crate) listener: Arc<ListenerShared>,
    pub(crate) socket: ListenSocket,
    pub(crate) setup: ServerSetup,
    pub(crate) tls: Option<TlsServerConfig>,
    pub(crate) options: super::ConnectionOptions,
}

/// Commands waiting for the I/O thread, and whether it is (about to be) asleep in `poll`: only
/// then does a new command need the waker (one `write` to an eventfd, and a `poll` round).
#[derive(Default)]
struct Commands {
    queue: Vec<Command>,
    sleeping: bool,
}

/// What the I/O thread shares with every handle.
pub(crate) struct Shared {
    commands: Mutex<Commands>,
    waker: Waker,
    pub(crate) dispatcher: Dispatcher,
    io_thread: OnceLock<ThreadId>,
    next_id: AtomicU64,
    pub(crate) stopped: AtomicBool,
}

impl Shared {
    /// Hands a command to the I/O thread, waking it if it sleeps. A command posted while it
    /// runs (from another thread, or from a handler on the I/O thread itself) is taken before
    /// its next `poll`, which then does not wait.
    pub(crate) fn post(&self, command: Command) {
        let mut commands = lock(&self.commands);
        commands.queue.push(command);
        let wake = std::mem::take(&mut commands.sleeping);
        drop(commands);
        if wake {
            // A failed wake-up means the poller is gone: the runtime is stopping anyway.
            let _ = self.waker.wake();
        }
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn on_io_thread(&self) -> bool {
        self.io_thread.get() == Some(&std::thread::current().id())
    }
}

enum Phase {
    Connecting {
        socket: Option<Socket>,
        setup: ClientSetup,
        tls: Option<(TlsClientConfig, String)>,
    },
    Framed(Box<FramedConnection>),
}

struct ConnIo {
    shared: Arc<ConnShared>,
    phase: Phase,
    accepted_by: Option<Arc<ListenerShared>>,
    last_received: Instant,
    ping_sent: Option<Instant>,
    close_started: bool,
    /// Messages taken from the send queue on their way to the frame writer (kept for reuse).
    taken: Vec<Outgoing>,
}

struct ListenerIo {
    shared: Arc<ListenerShared>,
    socket: ListenSocket,
    setup: ServerSetup,
    tls: Option<TlsServerConfig>,
    options: super::ConnectionOptions,
}

pub(crate) struct Reactor {
    poll: Poll,
    shared: Arc<Shared>,
    // Connection, listener and timer ids are our own: a fast hasher.
    conns: FxHashMap<u64, ConnIo>,
    listeners: FxHashMap<u64, ListenerIo>,
    timers: Timers,
    callbacks: FxHashMap<TimerId, Box<dyn FnOnce() + Send>>,
    /// Connections with input left over after their read budget.
    again: Vec<u64>,
    /// What one read brought, reused from read to read (no allocation per read).
    incoming: Vec<Incoming>,
}

fn token(id: u64) -> Token {
    Token(id as usize)
}

impl Reactor {
    pub(crate) fn new(dispatcher: Dispatcher) -> io::Result<(Reactor, Arc<Shared>)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        let shared = Arc::new(Shared {
            commands: Mutex::new(Commands::default()),
            waker,
            dispatcher,
            io_thread: OnceLock::new(),
            next_id: AtomicU64::new(1),
            stopped: AtomicBool::new(false),
        });
        let reactor = Reactor {
            poll,
            shared: shared.clone(),
            conns: FxHashMap::default(),
            listeners: FxHashMap::default(),
            timers: Timers::default(),
            callbacks: FxHashMap::default(),
            again: Vec::new(),
            incoming: Vec::new(),
        };
        Ok((reactor, shared))
    }

    /// The I/O thread's loop; returns when the runtime shuts down.
    pub(crate) fn run(mut self) {
        let _ = self.shared.io_thread.set(std::thread::current().id());
        let mut events = Events::with_capacity(1024);
        loop {
            let mut timeout = if self.again.is_empty() {
                self.timers
                    .next_deadline()
                    .map(|at| at.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            {
                let mut commands = lock(&self.shared.commands);
                match commands.queue.is_empty() {
                    true => commands.sleeping = timeout != Some(Duration::ZERO),
                    false => timeout = Some(Duration::ZERO),
                }
            }
            let polled = self.poll.poll(&mut events, timeout);
            lock(&self.shared.commands).sleeping = false;
            if let Err(err) = polled {
                if err.kind() != io::ErrorKind::Interrupted {
                    break;
                }
            }
            for event in events.iter() {
                let id = event.token().0 as u64;
                if event.token() == WAKER {
                    continue;
                }
                if self.listeners.contains_key(&id) {
                    self.accept(id);
                } else {
                    self.drive(id);
                }
            }
            for id in std::mem::take(&mut self.again) {
                self.drive(id);
            }
            if !self.run_commands() {
                break;
            }
            self.run_timers();
        }
        self.stop();
    }

    fn run_commands(&mut self) -> bool {
        let commands = std::mem::take(&mut lock(&self.shared.commands).queue);
        for command in commands {
            match command {
                Command::Connect(pending) => self.start_connect(*pending),
                Command::Listen(pending) => self.start_listen(*pending),
                Command::Kick(id) => {
                    if let Some(conn) = self.conns.get(&id) {
                        conn.shared.clear_kick();
                    }
                    self.drive_as(id, Drive::Write);
                }
                Command::Resume(id) => self.drive(id),
                Command::CloseListener(id) => self.close_listener(id),
                Command::Timer(id, at, callback) => {
                    self.callbacks.insert(id, callback);
                    self.timers.add(at, TimerKind::User(id));
                }
                Command::CancelTimer(id) => {
                    if self.callbacks.remove(&id).is_some() {
                        self.timers.cancel(id);
                    }
                }
                Command::Shutdown => return false,
            }
        }
        true
    }

    fn run_timers(&mut self) {
        let now = Instant::now();
        while let Some(kind) = self.timers.pop_due(now) {
            match kind {
                TimerKind::User(id) => {
                    if let Some(callback) = self.callbacks.remove(&id) {
                        self.shared.dispatcher.submit(Job::Timer(callback));
                    }
                }
                TimerKind::OpenDeadline(id) => {
                    if let Some(conn) = self.conns.get(&id) {
                        let error = match &conn.phase {
                            Phase::Connecting { .. } => Some(TransportError::ConnectTimeout),
                            Phase::Framed(f) if !f.is_open() => {
                                Some(TransportError::HandshakeTimeout)
                            }
                            Phase::Framed(_) => None,
                        };
                        if let Some(error) = error {
                            self.finish(id, CloseReason::Error(error));
                        }
                    }
                }
                TimerKind::Keepalive(id) => self.keepalive(id, now),
                TimerKind::CloseDeadline(id) => {
                    if self.conns.contains_key(&id) {
                        self.finish(id, CloseReason::Error(TransportError::CloseTimeout));
                    }
                }
            }
        }
    }

    fn keepalive(&mut self, id: u64, now: Instant) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let Some(keepalive) = conn.shared.options.keepalive else {
            return;
        };
        let Phase::Framed(framed) = &mut conn.phase else {
            return;
        };
        if let Some(sent) = conn.ping_sent {
            if conn.last_received <= sent {
                if now.duration_since(sent) >= keepalive.timeout {
                    self.finish(id, CloseReason::Error(TransportError::KeepaliveTimeout));
                    return;
                }
                self.timers
                    .add(sent + keepalive.timeout, TimerKind::Keepalive(id));
                return;
            }
            conn.ping_sent = None;
        }
        let idle_until = conn.last_received + keepalive.interval;
        if now >= idle_until {
            if framed.ping(Bytes::from_static(b"zerowamp")).is_ok() {
                conn.ping_sent = Some(now);
                self.timers
                    .add(now + keepalive.timeout, TimerKind::Keepalive(id));
                self.drive(id);
            }
        } else {
            self.timers.add(idle_until, TimerKind::Keepalive(id));
        }
    }

    fn start_connect(&mut self, pending: PendingConnect) {
        let PendingConnect {
            conn,
            mut socket,
            setup,
            tls,
        } = pending;
        let id = conn.id;
        let registered = socket.register(
            self.poll.registry(),
            token(id),
            Interest::READABLE | Interest::WRITABLE,
        );
        let deadline = Instant::now() + conn.options.open_timeout;
        self.conns.insert(
            id,
            ConnIo {
                shared: conn,
                phase: Phase::Connecting {
                    socket: Some(socket),
                    setup,
                    tls,
                },
                accepted_by: None,
                last_received: Instant::now(),
                ping_sent: None,
                close_started: false,
                taken: Vec::new(),
            },
        );
        if let Err(err) = registered {
            self.finish(id, CloseReason::Error(TransportError::from_io(&err)));
            return;
        }
        self.timers.add(deadline, TimerKind::OpenDeadline(id));
    }

    fn start_listen(&mut self, pending: PendingListen) {
        let PendingListen {
            listener,
            mut socket,
            setup,
            tls,
            options,
        } = pending;
        let id = listener.id;
        let registry = self.poll.registry();
        let registered = match &mut socket {
            ListenSocket::Tcp(s) => s.register(registry, token(id), Interest::READABLE),
            ListenSocket::Unix(s) => s.register(registry, token(id), Interest::READABLE),
        };
        if registered.is_err() {
            return;
        }
        self.listeners.insert(
            id,
            ListenerIo {
                shared: listener,
                socket,
                setup,
                tls,
                options,
            },
        );
    }

    fn close_listener(&mut self, id: u64) {
        if let Some(mut listener) = self.listeners.remove(&id) {
            let registry = self.poll.registry();
            let _ = match &mut listener.socket {
                ListenSocket::Tcp(s) => s.deregister(registry),
                ListenSocket::Unix(s) => s.deregister(registry),
            };
            remove_socket_file(listener.shared.unix_path.as_ref());
        }
    }

    fn accept(&mut self, id: u64) {
        loop {
            let Some(listener) = self.listeners.get_mut(&id) else {
                return;
            };
            let accepted = match &listener.socket {
                ListenSocket::Tcp(s) => s.accept().map(|(s, _)| {
                    // Frames are written whole with writev: Nagle would only add latency.
                    let _ = s.set_nodelay(true);
                    Socket::Tcp(s)
                }),
                ListenSocket::Unix(s) => s.accept().map(|(s, _)| Socket::Unix(s)),
            };
            let mut socket = match accepted {
                Ok(socket) => socket,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors or a connection reset before accept: try again later.
                Err(_) => return,
            };
            let conn = ConnShared::new(self.shared.clone(), listener.options.clone(), None);
            let cid = conn.id;
            if socket
                .register(
                    self.poll.registry(),
                    token(cid),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .is_err()
            {
                continue;
            }
            let stream = match &listener.tls {
                Some(tls) => match Stream::tls_server(socket, tls) {
                    Ok(stream) => stream,
                    Err(_) => {
                        listener.shared.failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                },
                None => Stream::plain(socket),
            };
            let framed = FramedConnection::server(stream, &listener.setup, conn.counters.clone());
            let deadline = Instant::now() + conn.options.open_timeout;
            self.conns.insert(
                cid,
                ConnIo {
                    shared: conn,
                    phase: Phase::Framed(Box::new(framed)),
                    accepted_by: Some(listener.shared.clone()),
                    last_received: Instant::now(),
                    ping_sent: None,
                    close_started: false,
                    taken: Vec::new(),
                },
            );
            self.timers.add(deadline, TimerKind::OpenDeadline(cid));
            self.drive(cid);
        }
    }

    /// Does everything a connection is ready for: completes a connect, reads, moves queued
    /// messages to the socket, starts or completes a close.
    fn drive(&mut self, id: u64) {
        self.drive_as(id, Drive::All);
    }

    fn drive_as(&mut self, id: u64, what: Drive) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let mut again = false;
        let outcome = conn.drive(&mut self.timers, &mut self.incoming, &mut again, what);
        if again {
            self.again.push(id);
        }
        if let Some(reason) = outcome {
            self.finish(id, reason);
        }
    }

    /// Removes a connection and tells its handler why.
    fn finish(&mut self, id: u64, reason: CloseReason) {
        let Some(mut conn) = self.conns.remove(&id) else {
            return;
        };
        let registry = self.poll.registry();
        match &mut conn.phase {
            Phase::Connecting { socket, .. } => {
                if let Some(s) = socket.as_mut() {
                    let _ = s.deregister(registry);
                }
            }
            Phase::Framed(framed) => {
                // Best effort: a refusal, an HTTP 400 or a close frame may still be queued.
                let _ = framed.write();
                framed.shutdown();
            }
        }
        conn.shared.mark_closed();
        let opened = matches!(&conn.phase, Phase::Framed(f) if f.is_open());
        if let (Some(listener), false) = (&conn.accepted_by, opened) {
            // Never opened: no handler was ever installed; only count it.
            listener.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        conn.shared.submit(Event::Closed(reason));
    }

    fn stop(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        let ids: Vec<u64> = self.conns.keys().copied().collect();
        for id in ids {
            self.finish(id, CloseReason::Error(TransportError::RuntimeStopped));
        }
        let listeners: Vec<u64> = self.listeners.keys().copied().collect();
        for id in listeners {
            self.close_listener(id);
        }
        self.callbacks.clear();
    }
}

fn remove_socket_file(path: Option<&PathBuf>) {
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
}

/// What a round of work on a connection covers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// Everything: the socket is ready, or reading may resume.
    All,
    /// The way out only (a send or a close was asked for): reading a socket that has not
    /// become readable would only find it empty (a `recv` for nothing).
    Write,
}

impl ConnIo {
    /// One round of work; `Some` when the connection is finished.
    fn drive(
        &mut self,
        timers: &mut Timers,
        incoming: &mut Vec<Incoming>,
        again: &mut bool,
        what: Drive,
    ) -> Option<CloseReason> {
        if let Phase::Connecting { .. } = self.phase {
            match self.complete_connect() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(err) => return Some(CloseReason::Error(err)),
            }
        }
        let Phase::Framed(framed) = &mut self.phase else {
            return None;
        };
        // A close asked for before the connection opened needs no handshake.
        if !framed.is_open() && self.shared.close_request().is_some() {
            return Some(CloseReason::Local);
        }
        // Until it opens, the handshake may have left an event for the next read to report.
        let read = what == Drive::All || !self.shared.is_opened();
        if let Some(reason) = read.then(|| self.read(timers, incoming, again)).flatten() {
            return Some(reason);
        }
        self.write(timers).err().map(CloseReason::Error)
    }

    /// Checks a connect in progress; on success sets up TLS and the framing.
    fn complete_connect(&mut self) -> Result<bool, TransportError> {
        let Phase::Connecting { socket, setup, tls } = &mut self.phase else {
            return Ok(true);
        };
        let Some(s) = socket.as_ref() else {
            return Err(TransportError::NotOpen);
        };
        if let Some(err) = s.take_error()? {
            return Err(TransportError::from_io(&err));
        }
        if !s.is_connected() {
            return Ok(false);
        }
        let Some(s) = socket.take() else {
            return Err(TransportError::NotOpen);
        };
        if let Socket::Tcp(tcp) = &s {
            let _ = tcp.set_nodelay(true);
        }
        let stream = match tls {
            Some((config, name)) => Stream::tls_client(s, config, name)?,
            None => Stream::plain(s),
        };
        let framed = FramedConnection::client(stream, setup, self.shared.counters.clone())?;
        self.phase = Phase::Framed(Box::new(framed));
        Ok(true)
    }

    fn read(
        &mut self,
        timers: &mut Timers,
        incoming: &mut Vec<Incoming>,
        again: &mut bool,
    ) -> Option<CloseReason> {
        let Phase::Framed(framed) = &mut self.phase else {
            return None;
        };
        let shared = &self.shared;
        let limit = shared.options.receive_queue_limit;
        if shared.inbound_pending.load(Ordering::Acquire) > limit {
            // The caller is behind: stop reading; dispatch kicks us when it catches up. Checked
            // again after setting the flag, in case it caught up in between.
            shared.read_paused.store(true, Ordering::Release);
            if shared.inbound_pending.load(Ordering::Acquire) > limit {
                return None;
            }
            shared.read_paused.store(false, Ordering::Release);
        }
        incoming.clear();
        let status = framed.read(READ_BUDGET, incoming);
        if !incoming.is_empty() {
            self.last_received = Instant::now();
        }
        // Draining: what an early return leaves is dropped with the iterator.
        for item in incoming.drain(..) {
            match item {
                Incoming::Open(info) => {
                    shared.set_open(info.clone());
                    if let Some(listener) = &self.accepted_by {
                        shared
                            .runtime
                            .dispatcher
                            .submit(Job::Accept(listener.clone(), shared.clone()));
                    }
                    shared.submit(Event::Opened(info));
                    if let Some(keepalive) = shared.options.keepalive {
                        timers.add(
                            Instant::now() + keepalive.interval,
                            TimerKind::Keepalive(shared.id),
                        );
                    }
                }
                Incoming::Message(message) => {
                    // Counted until the handler has run (at once in I/O-thread mode).
                    shared
                        .inbound_pending
                        .fetch_add(message.len(), Ordering::AcqRel);
                    shared.submit(Event::Frame(message));
                }
                Incoming::Pong(_) => {}
                Incoming::CloseFrame { code, reason } => {
                    if self.close_started {
                        return Some(CloseReason::Local);
                    }
                    return Some(CloseReason::Remote { code, reason });
                }
            }
        }
        match status {
            Ok(ReadStatus::WouldBlock) => None,
            Ok(ReadStatus::More) => {
                *again = true;
                None
            }
            Ok(ReadStatus::Ended) if self.close_started => Some(CloseReason::Local),
            Ok(ReadStatus::Ended) => Some(CloseReason::Remote {
                code: None,
                reason: String::new(),
            }),
            Err(err) => Some(CloseReason::Error(err)),
        }
    }

    fn write(&mut self, timers: &mut Timers) -> Result<(), TransportError> {
        let Phase::Framed(framed) = &mut self.phase else {
            return Ok(());
        };
        let shared = &self.shared;
        loop {
            if framed.is_open() && !framed.is_closing() {
                let room = INFLIGHT_BUDGET.saturating_sub(framed.queued_bytes());
                if room > 0 {
                    // Framed outside the queue's lock (a WebSocket client masks: a copy).
                    shared.take_messages(room, &mut self.taken);
                    for message in self.taken.drain(..) {
                        framed.send(message)?;
                    }
                }
                if let Some((code, reason)) = shared.close_request() {
                    framed.close(code, &reason);
                    self.close_started = true;
                    timers.add(
                        Instant::now() + shared.options.close_timeout,
                        TimerKind::CloseDeadline(shared.id),
                    );
                }
            }
            let progress = framed.write()?;
            shared.release(progress.frames, progress.message_bytes);
            if progress.blocked || !framed.is_open() || framed.is_closing() || !shared.has_queued()
            {
                return Ok(());
            }
        }
    }
}
