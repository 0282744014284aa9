//! `zw_env`: an LMDB environment.

use std::ffi::c_char;
use std::path::Path;

use super::args::{arg_bytes, arg_ref, arg_str, Out};
use super::error::zw_result;
use super::panic::{boundary, boundary_result};
use super::slice::zw_slice;
use crate::store::{Env, EnvOptions};

/// An open LMDB environment. Thread-safe: one `zw_env` may be used from many threads at once.
pub struct zw_env {
    pub(crate) env: Env,
}

/// Open the environment read-only: writes fail with `ZW_ERR_READ_ONLY`.
pub const ZW_ENV_READ_ONLY: u32 = 1;
/// Do not fsync on commit: faster, and a system crash may lose the last transactions (never
/// corrupts the file).
pub const ZW_ENV_NO_SYNC: u32 = 1 << 1;
/// The path names the data file itself (and `PATH-lock` beside it), not a directory.
pub const ZW_ENV_NO_SUBDIR: u32 = 1 << 2;
/// Grow the map by itself: when a write transaction begins while no other transaction of this
/// process is live, and the map is 3/4 used or the last write found it full, the map doubles. A
/// process that keeps read transactions open can still get `ZW_ERR_MAP_FULL`; see
/// `zw_env_set_map_size` for growing by hand.
pub const ZW_ENV_AUTO_GROW: u32 = 1 << 3;

/// Options for `zw_env_open`. Fill it with `zw_env_options_init` first, then change fields, so
/// that a field added in a later version keeps its default.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zw_env_options {
    /// The size of the memory map in bytes: the most the data file may hold. A multiple of the
    /// page size is best.
    pub map_size: usize,
    /// The most tables (named LMDB databases) the environment may hold.
    pub max_tables: u32,
    /// The most read transactions live at once, across all processes.
    pub max_readers: u32,
    /// `ZW_ENV_*` flags, or 0.
    pub flags: u32,
}

/// Counters from the B-tree of the environment's main table (`mdb_env_stat`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct zw_stat {
    /// The size of a database page in bytes.
    pub page_size: u32,
    /// The depth of the B-tree.
    pub depth: u32,
    /// Branch (internal) pages.
    pub branch_pages: u64,
    /// Leaf pages.
    pub leaf_pages: u64,
    /// Overflow pages (for large values).
    pub overflow_pages: u64,
    /// Entries in the main table (one per named table).
    pub entries: u64,
}

/// Facts about the environment (`mdb_env_info`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct zw_envinfo {
    /// The size of the memory map in bytes.
    pub map_size: u64,
    /// The number of the last page used.
    pub last_page: u64,
    /// The id of the last committed transaction.
    pub last_txn_id: u64,
    /// The most readers the environment allows.
    pub max_readers: u32,
    /// Reader slots in use now.
    pub num_readers: u32,
}

fn options_from_c(opts: &zw_env_options) -> EnvOptions {
    EnvOptions {
        map_size: opts.map_size,
        max_tables: opts.max_tables,
        max_readers: opts.max_readers,
        read_only: opts.flags & ZW_ENV_READ_ONLY != 0,
        no_sync: opts.flags & ZW_ENV_NO_SYNC != 0,
        no_subdir: opts.flags & ZW_ENV_NO_SUBDIR != 0,
        auto_grow: opts.flags & ZW_ENV_AUTO_GROW != 0,
    }
}

fn env_arg<'a>(function: &str, env: *const zw_env) -> Result<&'a Env, zw_result> {
    Ok(&arg_ref(function, "env", env)?.env)
}

/// Fills `*opts` with the defaults: a 1 GiB map, 64 tables, 126 readers, `ZW_ENV_AUTO_GROW`.
#[no_mangle]
pub extern "C" fn zw_env_options_init(opts: *mut zw_env_options) -> zw_result {
    boundary_result(|| {
        let defaults = EnvOptions::default();
        Out::new("zw_env_options_init", "opts", opts)?.set(zw_env_options {
            map_size: defaults.map_size,
            max_tables: defaults.max_tables,
            max_readers: defaults.max_readers,
            flags: if defaults.auto_grow {
                ZW_ENV_AUTO_GROW
            } else {
                0
            },
        });
        Ok(())
    })
}

/// Opens (creating if needed, unless read-only) the environment at `path`.
///
/// `opts` may be NULL for the defaults. On success `*out` is a new handle the caller owns and
/// frees with `zw_env_close`. A missing path gives `ZW_ERR_PATH_NOT_FOUND`; an environment held
/// open by a process on LMDB 0.9.x gives `ZW_ERR_VERSION_MISMATCH`; a file this build cannot read
/// (such as LMDB 1.0's format) gives `ZW_ERR_INVALID_FILE` — the message says what to do.
#[no_mangle]
pub extern "C" fn zw_env_open(
    path: *const c_char,
    opts: *const zw_env_options,
    out: *mut *mut zw_env,
) -> zw_result {
    boundary_result(|| {
        let path = arg_str("zw_env_open", "path", path)?;
        let out = Out::new("zw_env_open", "out", out)?;
        // SAFETY: NULL or a valid options struct, read only during the call.
        let options = unsafe { opts.as_ref() }.map_or_else(EnvOptions::default, options_from_c);
        let env = Env::open(Path::new(path), &options)?;
        out.set(Box::into_raw(Box::new(zw_env { env })));
        Ok(())
    })
}

/// Closes the environment and frees the handle. NULL is allowed. Call it exactly once.
///
/// Tables and transactions of this environment that are still open stop working: their calls
/// give `ZW_ERR_CLOSED`. They must still be freed. LMDB's files are closed when the last of
/// them is gone.
#[no_mangle]
pub extern "C" fn zw_env_close(env: *mut zw_env) {
    boundary(|| {
        if !env.is_null() {
            // SAFETY: `env` came from zw_env_open and is freed exactly once, here.
            let env = unsafe { Box::from_raw(env) };
            env.env.close();
        }
    })
}

/// Writes the environment's B-tree counters into `*out`.
#[no_mangle]
pub extern "C" fn zw_env_stat(env: *const zw_env, out: *mut zw_stat) -> zw_result {
    boundary_result(|| {
        let env = env_arg("zw_env_stat", env)?;
        let out = Out::new("zw_env_stat", "out", out)?;
        let stat = env.stat()?;
        out.set(zw_stat {
            page_size: stat.page_size,
            depth: stat.depth,
            branch_pages: stat.branch_pages,
            leaf_pages: stat.leaf_pages,
            overflow_pages: stat.overflow_pages,
            entries: stat.entries,
        });
        Ok(())
    })
}

/// Writes facts about the environment (map size, last page, last transaction, readers) into `*out`.
#[no_mangle]
pub extern "C" fn zw_env_info(env: *const zw_env, out: *mut zw_envinfo) -> zw_result {
    boundary_result(|| {
        let env = env_arg("zw_env_info", env)?;
        let out = Out::new("zw_env_info", "out", out)?;
        let info = env.info()?;
        out.set(zw_envinfo {
            map_size: info.map_size,
            last_page: info.last_page,
            last_txn_id: info.last_txn_id,
            max_readers: info.max_readers,
            num_readers: info.num_readers,
        });
        Ok(())
    })
}

/// Flushes the data to disk; with `force` even when opened with `ZW_ENV_NO_SYNC`.
#[no_mangle]
pub extern "C" fn zw_env_sync(env: *const zw_env, force: bool) -> zw_result {
    boundary_result(|| Ok(env_arg("zw_env_sync", env)?.sync(force)?))
}

/// Writes a consistent copy (a backup) of the environment into the directory `path`, which must
/// exist and be empty (with `ZW_ENV_NO_SUBDIR`: to the new file `path`). With `compact`, free
/// pages are left out and the copy is renumbered: smaller, and slower to make. It runs in a read
/// transaction, so writers go on meanwhile.
#[no_mangle]
pub extern "C" fn zw_env_copy(env: *const zw_env, path: *const c_char, compact: bool) -> zw_result {
    boundary_result(|| {
        let env = env_arg("zw_env_copy", env)?;
        let path = arg_str("zw_env_copy", "path", path)?;
        Ok(env.copy_to(Path::new(path), compact)?)
    })
}

/// Sets the map size to `bytes`. This is how a full map grows without losing data: when a write
/// fails with `ZW_ERR_MAP_FULL`, abort that transaction, end every other transaction of this
/// process, call this with a larger size, and redo the write. Gives `ZW_ERR_BUSY` while any
/// transaction of this process is live. Other processes pick the new size up by themselves.
#[no_mangle]
pub extern "C" fn zw_env_set_map_size(env: *const zw_env, bytes: usize) -> zw_result {
    boundary_result(|| Ok(env_arg("zw_env_set_map_size", env)?.set_map_size(bytes)?))
}

/// Registers a binary FlatBuffers schema (`.bfbs`, from `flatc --binary --schema`) so that tables
/// can name its types as their root type. The bytes are copied; the caller keeps its buffer.
#[no_mangle]
pub extern "C" fn zw_env_register_schema(env: *const zw_env, bfbs: zw_slice) -> zw_result {
    boundary_result(|| {
        let env = env_arg("zw_env_register_schema", env)?;
        let bytes = arg_bytes("zw_env_register_schema", "bfbs", bfbs)?;
        Ok(env.register_schema(bytes)?)
    })
}

/// Deletes the table `name` and all its records, in a write transaction of its own. Open
/// `zw_table` handles of it stop working.
#[no_mangle]
pub extern "C" fn zw_env_drop_table(env: *const zw_env, name: *const c_char) -> zw_result {
    boundary_result(|| {
        let env = env_arg("zw_env_drop_table", env)?;
        let name = arg_str("zw_env_drop_table", "name", name)?;
        Ok(env.drop_table(name)?)
    })
}
