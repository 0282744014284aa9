//! The listener handle and what a listener shares with the I/O thread.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::connection::ConnShared;
use super::reactor::{Command, Shared};
use super::{lock, Connection, Handler};

/// The accept callback: gives each newly opened connection its handler.
pub type AcceptFn = dyn FnMut(&Connection) -> Box<dyn Handler> + Send;

pub(crate) struct ListenerShared {
    pub(crate) id: u64,
    pub(crate) runtime: Arc<Shared>,
    on_accept: Mutex<Box<AcceptFn>>,
    pub(crate) local_addr: Option<SocketAddr>,
    pub(crate) unix_path: Option<PathBuf>,
    accepted: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl ListenerShared {
    pub(crate) fn new(
        runtime: Arc<Shared>,
        on_accept: Box<AcceptFn>,
        local_addr: Option<SocketAddr>,
        unix_path: Option<PathBuf>,
    ) -> Arc<ListenerShared> {
        Arc::new(ListenerShared {
            id: runtime.next_id(),
            runtime,
            on_accept: Mutex::new(on_accept),
            local_addr,
            unix_path,
            accepted: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// Runs the accept callback for `conn`, which just opened, and installs its handler.
    pub(crate) fn accept(&self, conn: &Arc<ConnShared>) {
        let connection = Connection {
            shared: conn.clone(),
        };
        let handler = (lock(&self.on_accept))(&connection);
        *lock(&conn.handler) = Some(handler);
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }
}

/// A listening socket. Accepted connections get their handler from the accept callback once
/// their transport handshake completes; those that fail before are only counted. Dropping the
/// handle (or [`close`](Self::close)) stops listening; connections already accepted go on.
pub struct Listener {
    pub(crate) shared: Arc<ListenerShared>,
}

impl Listener {
    /// The local address (TCP), with the port the system chose for port 0.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local_addr
    }

    /// The local port (TCP).
    pub fn port(&self) -> Option<u16> {
        self.shared.local_addr.map(|a| a.port())
    }

    /// How many connections opened and were handed to the accept callback.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// How many accepted sockets failed before their transport handshake completed (refused
    /// subprotocol, bad RawSocket handshake, TLS failure, timeout).
    pub fn failed_handshakes(&self) -> u64 {
        self.shared.failed.load(Ordering::Relaxed)
    }

    /// Stops listening (a Unix socket's file is removed).
    pub fn close(&self) {
        self.shared
            .runtime
            .post(Command::CloseListener(self.shared.id));
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("id", &self.shared.id)
            .field("local_addr", &self.shared.local_addr)
            .field("unix_path", &self.shared.unix_path)
            .finish()
    }
}
