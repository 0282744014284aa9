//! SIGINT and SIGTERM, taken synchronously: blocked in every thread (before any is started, so
//! all inherit the mask) and waited for with `sigwait` on the main thread. No handler runs in
//! signal context, so nothing here needs to be async-signal-safe.

use std::io;

/// The blocked termination signals.
pub struct Termination {
    set: libc::sigset_t,
}

impl Termination {
    /// Blocks SIGINT and SIGTERM in this thread and in every thread it starts afterwards. Call
    /// it before starting any thread.
    pub fn block() -> io::Result<Termination> {
        // SAFETY: a zeroed sigset_t is a valid argument for sigemptyset, which initializes it.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid, initialized sigset_t; the old mask is not asked for.
        let rc = unsafe {
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(Termination { set })
    }

    /// Waits for SIGINT or SIGTERM and returns its name.
    pub fn wait(&self) -> io::Result<&'static str> {
        let mut signal = 0;
        // SAFETY: `set` is initialized and `signal` is a valid out-pointer.
        let rc = unsafe { libc::sigwait(&self.set, &mut signal) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(match signal {
            libc::SIGINT => "SIGINT",
            _ => "SIGTERM",
        })
    }
}
