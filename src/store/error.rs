//! The store's error type: a kind the caller can match on, and a message for a human.
//!
//! Every message says what went wrong and, where there is one, what to do about it; the C ABI
//! maps [`ErrorKind`] to `zw_result` codes and hands the message out via `zw_last_error_message`.

use std::ffi::CStr;
use std::fmt;

use lmdb_master_sys as ffi;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The environment's directory (or file, with `no_subdir`) does not exist.
    PathNotFound,
    /// The memory map is full (`MDB_MAP_FULL`): abort, grow the map, redo the transaction.
    MapFull,
    /// Every reader slot is taken (`MDB_READERS_FULL`).
    ReadersFull,
    /// A write was attempted on an environment opened read-only.
    ReadOnly,
    /// A key does not fit its table's key codec (wrong length, bad UTF-8, empty, too long).
    InvalidKey,
    /// No table of that name exists (and `create` was not asked for), or it was dropped.
    UnknownTable,
    /// A table names a FlatBuffers root type that no registered schema defines.
    UnknownRootType,
    /// A value failed FlatBuffers verification against its table's root type.
    Verify,
    /// A schema change is not a compatible evolution of the stored schema.
    SchemaIncompatible,
    /// Another process holds the environment open with an incompatible LMDB lock format.
    VersionMismatch,
    /// The file is not an LMDB environment this build can read (e.g. LMDB 1.0 format).
    InvalidFile,
    /// `no_overwrite` was asked for and the key exists.
    KeyExists,
    /// The operation needs this process to have no live transaction (or no writer in this thread).
    Busy,
    /// The environment was closed.
    Closed,
    /// The read transaction was reset; renew it before use.
    TxnReset,
    /// An argument is invalid (reserved table name, option out of range, mixed environments).
    InvalidArgument,
    /// Any other LMDB error code.
    Lmdb(i32),
    /// An operating-system error (errno).
    Io(i32),
}

/// A store error: its [`ErrorKind`] and a message that says what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// Result type of the store and schema layers.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message (also what `Display` prints).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Translates an LMDB return code (or errno) into an error, with `context` saying which
    /// operation failed. Codes with their own kind get a message that says what to do.
    pub(crate) fn from_lmdb(rc: i32, context: &str) -> Error {
        let (kind, advice) = match rc {
            ffi::MDB_MAP_FULL => (
                ErrorKind::MapFull,
                "the memory map is full: abort this transaction, grow the map with \
                 Env::set_map_size (or open with auto_grow) and redo it",
            ),
            ffi::MDB_READERS_FULL => (
                ErrorKind::ReadersFull,
                "all reader slots are taken: end idle read transactions, or reopen the \
                 environment with a larger max_readers",
            ),
            ffi::MDB_KEYEXIST => (ErrorKind::KeyExists, "the key already exists"),
            ffi::MDB_VERSION_MISMATCH => (
                ErrorKind::VersionMismatch,
                "the environment is in a format this LMDB build does not use. Most likely \
                 another process on LMDB 0.9.x (py-lmdb, zlmdb, the mdb_* tools) holds it open: \
                 zerowamp's LMDB uses lock format 2, and two lock formats cannot share an \
                 environment at the same time. Close that process, or have every process that \
                 shares this environment use zerowamp (C, C++, Python). If no other process has \
                 it open, the data file was written by another LMDB data version: rewrite it \
                 with that version's mdb_dump and load it with zerowamp",
            ),
            ffi::MDB_INVALID => (
                ErrorKind::InvalidFile,
                "this is not an LMDB environment in the LMDB 0.9 data format this build reads \
                 (an LMDB 1.0-format file, as zlmdb 26.x writes by default, is refused). \
                 Rewrite it in the 0.9 format (zlmdb with lib_version=\"0.9\", or dump and \
                 load it), or check the path",
            ),
            libc::ENOENT => (ErrorKind::PathNotFound, ""),
            ffi::MDB_BAD_TXN => (
                ErrorKind::Lmdb(rc),
                "an earlier error (such as a full map) left this transaction unusable: abort it \
                 and redo it",
            ),
            rc if rc > 0 => (ErrorKind::Io(rc), ""),
            rc => (ErrorKind::Lmdb(rc), ""),
        };
        let message = if advice.is_empty() {
            format!("{context}: {}", strerror(rc))
        } else {
            format!("{context}: {advice} ({})", strerror(rc))
        };
        Error { kind, message }
    }
}

/// LMDB's text for a code (it also covers errno values).
pub(crate) fn strerror(rc: i32) -> String {
    // SAFETY: mdb_strerror returns a pointer to static text (or to strerror's buffer for errno
    // values), NUL-terminated; we copy it out at once.
    unsafe {
        let p = ffi::mdb_strerror(rc);
        if p.is_null() {
            format!("error {rc}")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

/// Turns an LMDB return code into `Ok(())` or an error with `context`.
pub(crate) fn check(rc: i32, context: &str) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::from_lmdb(rc, context))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lmdb_codes_get_their_kind_and_advice() {
        let e = Error::from_lmdb(ffi::MDB_MAP_FULL, "put into 't'");
        assert_eq!(e.kind(), ErrorKind::MapFull);
        assert!(e.to_string().starts_with("put into 't': "), "{e}");
        assert!(e.to_string().contains("set_map_size"), "{e}");
        let e = Error::from_lmdb(ffi::MDB_VERSION_MISMATCH, "open");
        assert_eq!(e.kind(), ErrorKind::VersionMismatch);
        assert!(e.to_string().contains("lock format"), "{e}");
        assert_eq!(
            Error::from_lmdb(ffi::MDB_INVALID, "open").kind(),
            ErrorKind::InvalidFile
        );
        assert_eq!(
            Error::from_lmdb(libc::ENOENT, "open").kind(),
            ErrorKind::PathNotFound
        );
        assert_eq!(
            Error::from_lmdb(libc::EIO, "sync").kind(),
            ErrorKind::Io(libc::EIO)
        );
        assert_eq!(
            Error::from_lmdb(ffi::MDB_CORRUPTED, "get").kind(),
            ErrorKind::Lmdb(ffi::MDB_CORRUPTED)
        );
    }
}
