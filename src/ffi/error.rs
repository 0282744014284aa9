//! Result codes and the per-thread detail message of the last failure.
//!
//! Codes live in their own range (7000 and up, grouped by area, never reused) so they cannot be
//! mistaken for errno or LMDB codes. `zw_strerror` gives static text for a code; the detail of the
//! failure (which field, which file, what to do) is kept per thread for `zw_last_error_message`.

use std::cell::RefCell;
use std::ffi::c_char;

use super::args::Out;
use super::message::zw_message;
use super::panic::boundary_result;
use crate::client::WampError;

/// The outcome of a fallible call: `ZW_OK` (0) or one of the codes below.
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum zw_result {
    /// Success.
    ZW_OK = 0,

    // 7000–7099: general.
    /// A required pointer argument was NULL.
    ZW_ERR_NULL_ARGUMENT = 7000,
    /// A bug in zerowamp: a Rust panic was caught at the C boundary.
    ZW_ERR_PANIC = 7001,
    /// An argument has a value the function cannot accept (the message says which).
    ZW_ERR_INVALID_ARGUMENT = 7002,
    /// An operating-system call failed (the message carries the errno text).
    ZW_ERR_IO = 7003,
    /// The object, or the environment it belongs to, was closed or has ended.
    ZW_ERR_CLOSED = 7004,

    // 7100–7199: the store.
    /// The key is not in the table (not a failure of the call itself).
    ZW_NOT_FOUND = 7100,
    /// `put` with `ZW_PUT_NO_OVERWRITE` found the key already there.
    ZW_ERR_KEY_EXISTS = 7101,
    /// The environment's map is full: abort, grow it with `zw_env_set_map_size`, and redo.
    ZW_ERR_MAP_FULL = 7102,
    /// Every reader slot of the environment is taken.
    ZW_ERR_READERS_FULL = 7103,
    /// A write was attempted on a read-only environment or in a read transaction.
    ZW_ERR_READ_ONLY = 7104,
    /// A key does not fit the table's key codec (length, UTF-8, size).
    ZW_ERR_INVALID_KEY = 7105,
    /// No table of that name exists in the environment.
    ZW_ERR_UNKNOWN_TABLE = 7106,
    /// No registered schema declares the named root type.
    ZW_ERR_UNKNOWN_ROOT_TYPE = 7107,
    /// A value is not a valid FlatBuffer of the table's root type; nothing was written.
    ZW_ERR_VERIFY = 7108,
    /// A table's schema changed in a way old records cannot be read with.
    ZW_ERR_SCHEMA_INCOMPATIBLE = 7109,
    /// The environment is held open by a process using another LMDB lock format.
    ZW_ERR_VERSION_MISMATCH = 7110,
    /// The file is not an LMDB environment this build can read.
    ZW_ERR_INVALID_FILE = 7111,
    /// The operation needs the environment idle, but a transaction of this process is live.
    ZW_ERR_BUSY = 7112,
    /// The read transaction was reset: renew it before reading.
    ZW_ERR_TXN_RESET = 7113,
    /// The environment's path does not exist.
    ZW_ERR_PATH_NOT_FOUND = 7114,
    /// LMDB returned an error with no more specific code (the message carries its text).
    ZW_ERR_LMDB = 7115,

    // 7200–7299: WAMP.
    /// The peer answered with a WAMP ERROR (the error message has the URI and arguments).
    ZW_ERR_WAMP = 7200,
    /// A blocking request or a call timed out.
    ZW_ERR_TIMEOUT = 7201,
    /// No session right now (connecting or reconnecting).
    ZW_ERR_NOT_CONNECTED = 7202,
    /// The session ended while the request was in flight (a call may or may not have run).
    ZW_ERR_SESSION_LOST = 7203,
    /// The send queue is full: the peer reads too slowly (backpressure). Nothing was sent.
    ZW_ERR_QUEUE_FULL = 7204,
    /// Connecting or joining failed (refused, TLS, ABORT from the router: the message says).
    ZW_ERR_CONNECT = 7205,
    /// A blocking function was called inside a callback, where its answer could never come.
    ZW_ERR_IN_CALLBACK = 7206,
    /// The call was canceled.
    ZW_ERR_CANCELED = 7207,
    /// The peer broke the protocol, or a message was too large or could not be encoded.
    ZW_ERR_PROTOCOL = 7208,
    /// The invocation cannot be answered: it was answered already, or its session ended.
    ZW_ERR_INVOCATION_GONE = 7209,
}

impl zw_result {
    /// Static, NUL-terminated text for the code.
    fn text(self) -> &'static str {
        use zw_result::*;
        match self {
            ZW_OK => "success\0",
            ZW_ERR_NULL_ARGUMENT => "a required argument was NULL\0",
            ZW_ERR_PANIC => "internal error (a bug in zerowamp)\0",
            ZW_ERR_INVALID_ARGUMENT => "invalid argument\0",
            ZW_ERR_IO => "input/output error\0",
            ZW_ERR_CLOSED => "the object or its environment was closed\0",
            ZW_NOT_FOUND => "key not found\0",
            ZW_ERR_KEY_EXISTS => "key already exists\0",
            ZW_ERR_MAP_FULL => "the environment's map is full\0",
            ZW_ERR_READERS_FULL => "every reader slot is taken\0",
            ZW_ERR_READ_ONLY => "write attempted on a read-only environment or transaction\0",
            ZW_ERR_INVALID_KEY => "the key does not fit the table's key codec\0",
            ZW_ERR_UNKNOWN_TABLE => "no such table\0",
            ZW_ERR_UNKNOWN_ROOT_TYPE => "no registered schema declares that root type\0",
            ZW_ERR_VERIFY => "the value is not a valid FlatBuffer of the table's root type\0",
            ZW_ERR_SCHEMA_INCOMPATIBLE => "incompatible schema change\0",
            ZW_ERR_VERSION_MISMATCH => {
                "the environment is open in a process with another LMDB version\0"
            }
            ZW_ERR_INVALID_FILE => "not an LMDB environment this build can read\0",
            ZW_ERR_BUSY => "a transaction of this process is still live\0",
            ZW_ERR_TXN_RESET => "the read transaction was reset\0",
            ZW_ERR_PATH_NOT_FOUND => "no such file or directory\0",
            ZW_ERR_LMDB => "LMDB error\0",
            ZW_ERR_WAMP => "the peer answered with a WAMP error\0",
            ZW_ERR_TIMEOUT => "timed out\0",
            ZW_ERR_NOT_CONNECTED => "not connected (connecting or reconnecting)\0",
            ZW_ERR_SESSION_LOST => "the session ended before the answer came\0",
            ZW_ERR_QUEUE_FULL => "the send queue is full\0",
            ZW_ERR_CONNECT => "cannot connect or join\0",
            ZW_ERR_IN_CALLBACK => "a blocking function was called inside a callback\0",
            ZW_ERR_CANCELED => "the call was canceled\0",
            ZW_ERR_PROTOCOL => "protocol error, message too large, or cannot encode\0",
            ZW_ERR_INVOCATION_GONE => "the invocation was answered already or its session ended\0",
        }
    }

    /// Every code, to map a raw value from C back to the enum.
    pub(crate) const ALL: [zw_result; 32] = {
        use zw_result::*;
        [
            ZW_OK,
            ZW_ERR_NULL_ARGUMENT,
            ZW_ERR_PANIC,
            ZW_ERR_INVALID_ARGUMENT,
            ZW_ERR_IO,
            ZW_ERR_CLOSED,
            ZW_NOT_FOUND,
            ZW_ERR_KEY_EXISTS,
            ZW_ERR_MAP_FULL,
            ZW_ERR_READERS_FULL,
            ZW_ERR_READ_ONLY,
            ZW_ERR_INVALID_KEY,
            ZW_ERR_UNKNOWN_TABLE,
            ZW_ERR_UNKNOWN_ROOT_TYPE,
            ZW_ERR_VERIFY,
            ZW_ERR_SCHEMA_INCOMPATIBLE,
            ZW_ERR_VERSION_MISMATCH,
            ZW_ERR_INVALID_FILE,
            ZW_ERR_BUSY,
            ZW_ERR_TXN_RESET,
            ZW_ERR_PATH_NOT_FOUND,
            ZW_ERR_LMDB,
            ZW_ERR_WAMP,
            ZW_ERR_TIMEOUT,
            ZW_ERR_NOT_CONNECTED,
            ZW_ERR_SESSION_LOST,
            ZW_ERR_QUEUE_FULL,
            ZW_ERR_CONNECT,
            ZW_ERR_IN_CALLBACK,
            ZW_ERR_CANCELED,
            ZW_ERR_PROTOCOL,
            ZW_ERR_INVOCATION_GONE,
        ]
    };
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    /// The WAMP ERROR behind this thread's last failure, when it was one (`zw_last_wamp_error`).
    static LAST_WAMP_ERROR: RefCell<Option<Box<WampError>>> = const { RefCell::new(None) };
}

/// Records `message` as this thread's last error detail (a failure that is not a WAMP ERROR).
pub(crate) fn set_last_error(message: String) {
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
    LAST_WAMP_ERROR.with(|last| *last.borrow_mut() = None);
}

/// Records a WAMP ERROR as this thread's last failure: its text as the detail, the error itself
/// for `zw_last_wamp_error`.
fn set_last_wamp_error(message: String, error: Box<WampError>) {
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
    LAST_WAMP_ERROR.with(|last| *last.borrow_mut() = Some(error));
}

/// When this thread's last failure was a WAMP ERROR (`ZW_ERR_WAMP` from `zw_publish`,
/// `zw_subscribe`, `zw_register`, `zw_serve_table`, ...; or a call's `ZW_ERR_TIMEOUT` /
/// `ZW_ERR_CANCELED`, which are ERRORs too), sets `*out` to a copy of that ERROR as a message
/// the caller owns (free it with `zw_message_free`): `zw_message_error_uri`, the args, kwargs
/// and details JSON. `ZW_NOT_FOUND` when the last failure was of another kind (or there was
/// none); `*out` is then untouched.
#[no_mangle]
pub extern "C" fn zw_last_wamp_error(out: *mut *mut zw_message) -> zw_result {
    boundary_result(|| {
        let out = Out::new("zw_last_wamp_error", "out", out)?;
        // Cloned, not taken: the detail text stays too, until the next failure.
        let error = LAST_WAMP_ERROR.with(|last| last.borrow().clone());
        match error {
            Some(error) => {
                out.set(zw_message::error(error, 0).into_owned_raw());
                Ok(())
            }
            None => Err(zw_result::ZW_NOT_FOUND),
        }
    })
}

/// Records `message` and returns `code`, for `return fail(…)` in exported functions.
pub(crate) fn fail(code: zw_result, message: impl Into<String>) -> zw_result {
    set_last_error(message.into());
    code
}

/// The NULL-argument failure, naming the argument.
pub(crate) fn null_argument(function: &str, argument: &str) -> zw_result {
    fail(
        zw_result::ZW_ERR_NULL_ARGUMENT,
        format!("{function}: `{argument}` is NULL"),
    )
}

#[cfg(test)]
pub(crate) fn last_error_string() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Static text describing `code`. Unknown codes get a generic text. The string is owned by the
/// library and valid for the life of the process; never free it.
#[no_mangle]
pub extern "C" fn zw_strerror(code: i32) -> *const c_char {
    // A C caller may pass any int, so the parameter is the raw value, not the Rust enum.
    let known = zw_result_from_raw(code);
    known
        .map_or("unknown zerowamp result code\0", zw_result::text)
        .as_ptr()
        .cast()
}

fn zw_result_from_raw(raw: i32) -> Option<zw_result> {
    zw_result::ALL
        .iter()
        .copied()
        .find(|code| *code as i32 == raw)
}

/// Copies the detail message of this thread's last failed call into `buf` (at most `len` bytes,
/// always NUL-terminated when `len > 0`, truncated if needed) and returns the length of the whole
/// message without its NUL — as `snprintf` does, so a return value `>= len` means it was cut.
///
/// `buf` may be NULL when `len` is 0, to ask for the length. The message stays until the next
/// failing call on this thread; successful calls do not clear it.
#[no_mangle]
pub extern "C" fn zw_last_error_message(buf: *mut c_char, len: usize) -> usize {
    super::panic::boundary(|| {
        LAST_ERROR.with(|last| {
            let message = last.borrow();
            let bytes = message.as_bytes();
            if !buf.is_null() && len > 0 {
                let n = bytes.len().min(len - 1);
                // SAFETY: the caller gives `len` writable bytes at `buf`; we write n + 1 <= len.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
            bytes.len()
        })
    })
}

/// A store failure as a result code; its message becomes this thread's last error detail (so
/// that `?` in an exported function both records the detail and returns the code).
impl From<crate::store::Error> for zw_result {
    fn from(err: crate::store::Error) -> Self {
        use crate::store::ErrorKind as K;
        use zw_result::*;
        let code = match err.kind() {
            K::PathNotFound => ZW_ERR_PATH_NOT_FOUND,
            K::MapFull => ZW_ERR_MAP_FULL,
            K::ReadersFull => ZW_ERR_READERS_FULL,
            K::ReadOnly => ZW_ERR_READ_ONLY,
            K::InvalidKey => ZW_ERR_INVALID_KEY,
            K::UnknownTable => ZW_ERR_UNKNOWN_TABLE,
            K::UnknownRootType => ZW_ERR_UNKNOWN_ROOT_TYPE,
            K::Verify => ZW_ERR_VERIFY,
            K::SchemaIncompatible => ZW_ERR_SCHEMA_INCOMPATIBLE,
            K::VersionMismatch => ZW_ERR_VERSION_MISMATCH,
            K::InvalidFile => ZW_ERR_INVALID_FILE,
            K::KeyExists => ZW_ERR_KEY_EXISTS,
            K::Busy => ZW_ERR_BUSY,
            K::Closed => ZW_ERR_CLOSED,
            K::TxnReset => ZW_ERR_TXN_RESET,
            K::InvalidArgument => ZW_ERR_INVALID_ARGUMENT,
            K::Lmdb(_) => ZW_ERR_LMDB,
            K::Io(_) => ZW_ERR_IO,
        };
        set_last_error(err.to_string());
        code
    }
}

/// A client failure as a result code; its message becomes this thread's last error detail.
impl From<crate::client::Error> for zw_result {
    fn from(err: crate::client::Error) -> Self {
        use crate::client::Error as E;
        use crate::runtime::SendError;
        use zw_result::*;
        let code = match &err {
            E::Url(_) | E::Session(_) => ZW_ERR_INVALID_ARGUMENT,
            E::Transport(_) | E::JoinRefused { .. } => ZW_ERR_CONNECT,
            E::NotConnected => ZW_ERR_NOT_CONNECTED,
            E::Closed => ZW_ERR_CLOSED,
            E::SessionLost { .. } | E::Send(SendError::Closed) => ZW_ERR_SESSION_LOST,
            E::QueueFull { .. }
            | E::Send(SendError::QueueFull { .. } | SendError::Timeout { .. }) => ZW_ERR_QUEUE_FULL,
            E::Send(_) | E::Encode(_) => ZW_ERR_PROTOCOL,
            E::Timeout(_) => ZW_ERR_TIMEOUT,
            E::Wamp(error) => {
                set_last_wamp_error(err.to_string(), error.clone());
                return ZW_ERR_WAMP;
            }
            E::BlockingInCallback => ZW_ERR_IN_CALLBACK,
            E::InvocationGone => ZW_ERR_INVOCATION_GONE,
            E::Runtime(_) => ZW_ERR_IO,
        };
        set_last_error(err.to_string());
        code
    }
}

/// The URI of a call that timed out (the session's own timeout, or the dealer's).
pub(crate) const TIMEOUT_URI: &str = "wamp.error.timeout";
/// The URI of a call that was canceled.
pub(crate) const CANCELED_URI: &str = "wamp.error.canceled";

/// A call failure as a result code, with its message as this thread's last error detail: a
/// WAMP ERROR is `ZW_ERR_WAMP`, except the two the library itself gives a code of its own:
/// `wamp.error.timeout` (`ZW_ERR_TIMEOUT`) and `wamp.error.canceled` (`ZW_ERR_CANCELED`).
impl From<&crate::client::CallError> for zw_result {
    fn from(err: &crate::client::CallError) -> Self {
        use crate::client::CallError;
        match err {
            CallError::Wamp(e) => {
                set_last_wamp_error(err.to_string(), e.clone());
                match e.uri.as_str() {
                    TIMEOUT_URI => zw_result::ZW_ERR_TIMEOUT,
                    CANCELED_URI => zw_result::ZW_ERR_CANCELED,
                    _ => zw_result::ZW_ERR_WAMP,
                }
            }
            CallError::Client(e) => e.clone().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_its_own_text_and_round_trips() {
        let mut seen = std::collections::HashSet::new();
        for code in zw_result::ALL {
            assert_eq!(zw_result_from_raw(code as i32), Some(code));
            let text = unsafe { CStr::from_ptr(zw_strerror(code as i32)) }
                .to_str()
                .unwrap();
            assert!(seen.insert(text), "two codes share the text {text:?}");
        }
    }

    #[test]
    fn last_error_message_truncates_like_snprintf() {
        set_last_error("0123456789".into());
        let mut buf = [0x55 as c_char; 4];
        assert_eq!(zw_last_error_message(buf.as_mut_ptr(), buf.len()), 10);
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"012");
        assert_eq!(zw_last_error_message(std::ptr::null_mut(), 0), 10);
    }
}
