//! Where user code runs: inline on the I/O thread, or queued for the caller's
//! [`Runtime::dispatch`](super::RuntimeHandle::dispatch), announced through a file descriptor.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use super::connection::ConnShared;
use super::listener::ListenerShared;
use super::options::Mode;
use super::{lock, Event};

/// A piece of user code to run.
pub(crate) enum Job {
    /// Tell a connection's handler.
    Event(Arc<ConnShared>, Event),
    /// Ask a listener's accept callback for the handler of a newly opened connection.
    Accept(Arc<ListenerShared>, Arc<ConnShared>),
    /// A timer callback.
    Timer(Box<dyn FnOnce() + Send>),
}

impl Job {
    fn run(self) {
        // A panicking callback must not take the I/O thread (or the caller's loop) down with it.
        let _ = catch_unwind(AssertUnwindSafe(|| match self {
            Job::Event(conn, event) => conn.deliver(event),
            Job::Accept(listener, conn) => listener.accept(&conn),
            Job::Timer(callback) => callback(),
        }));
    }
}

/// Why [`Runtime::dispatch`](super::RuntimeHandle::dispatch) refused to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DispatchError {
    /// Called from inside a callback it is running: callbacks must not re-enter dispatch.
    Reentrant,
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::Reentrant => f.write_str("dispatch called from inside a callback"),
        }
    }
}

impl std::error::Error for DispatchError {}

thread_local! {
    static DISPATCHING: Cell<bool> = const { Cell::new(false) };
}

struct Queue {
    jobs: VecDeque<Job>,
    /// Whether a wake-up octet sits in the signal socket.
    signaled: bool,
}

/// The caller-driven queue and its signal: a socket pair whose read end is readable exactly
/// while jobs are queued.
struct Signal {
    queue: Mutex<Queue>,
    read_end: UnixStream,
    write_end: UnixStream,
    /// Serializes dispatch, so a connection's events run in order even if several threads
    /// dispatch.
    running: Mutex<()>,
}

pub(crate) struct Dispatcher {
    signal: Option<Signal>,
}

impl Dispatcher {
    pub(crate) fn new(mode: Mode) -> io::Result<Dispatcher> {
        let signal = match mode {
            Mode::IoThread => None,
            Mode::CallerDriven => {
                let (read_end, write_end) = UnixStream::pair()?;
                read_end.set_nonblocking(true)?;
                write_end.set_nonblocking(true)?;
                Some(Signal {
                    queue: Mutex::new(Queue {
                        jobs: VecDeque::new(),
                        signaled: false,
                    }),
                    read_end,
                    write_end,
                    running: Mutex::new(()),
                })
            }
        };
        Ok(Dispatcher { signal })
    }

    /// Runs `job` now (I/O thread mode) or queues it for the caller.
    pub(crate) fn submit(&self, job: Job) {
        let Some(signal) = &self.signal else {
            job.run();
            return;
        };
        let mut queue = lock(&signal.queue);
        queue.jobs.push_back(job);
        if !queue.signaled {
            // One octet marks "jobs queued"; the pair never fills up with a single octet in it.
            queue.signaled = (&signal.write_end).write(&[1]).is_ok();
        }
    }

    /// The descriptor that is readable while jobs are queued (caller-driven mode only).
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.signal.as_ref().map(|s| s.read_end.as_raw_fd())
    }

    /// Runs up to `max` queued jobs on this thread, returning how many ran.
    pub(crate) fn dispatch(&self, max: usize) -> Result<usize, DispatchError> {
        let Some(signal) = &self.signal else {
            return Ok(0);
        };
        if DISPATCHING.with(Cell::get) {
            return Err(DispatchError::Reentrant);
        }
        let _running = lock(&signal.running);
        DISPATCHING.with(|d| d.set(true));
        let mut ran = 0;
        while ran < max {
            let job = {
                let mut queue = lock(&signal.queue);
                let job = queue.jobs.pop_front();
                if queue.jobs.is_empty() && queue.signaled {
                    let mut drain = [0u8; 64];
                    while matches!((&signal.read_end).read(&mut drain), Ok(n) if n > 0) {}
                    queue.signaled = false;
                }
                job
            };
            let Some(job) = job else { break };
            job.run();
            ran += 1;
        }
        DISPATCHING.with(|d| d.set(false));
        Ok(ran)
    }

    /// Drops every queued job (when the runtime stops: handlers may hold connections).
    pub(crate) fn clear(&self) {
        if let Some(signal) = &self.signal {
            let jobs = std::mem::take(&mut lock(&signal.queue).jobs);
            drop(jobs);
        }
    }
}
