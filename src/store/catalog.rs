//! Opening and dropping tables: LMDB database handles, the per-table metadata record, and the
//! schema checks between what a table was created with and what it is opened with.
//!
//! Opening first tries a read transaction (the common case: the table exists and nothing
//! changed), and takes a write transaction only to create the table or to store an evolved
//! schema. Lock order: a write transaction (LMDB's writer lock) before the catalog mutex; the
//! catalog mutex before the exclusive section of `drop_table` (which fails at once rather than
//! wait, when a transaction of this process is live).

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use lmdb_master_sys as ffi;

use super::error::{check, Error, ErrorKind, Result};
use super::inner::{lock, EnvInner};
use super::key::KeyCodec;
use super::meta::{check_storable, TableMeta, META_TABLE, RESERVED_PREFIX};
use super::table::{Table, TableOptions, TableState, ValueType};
use super::txn::{slice, val, RawTxn};
use crate::schema::{check_evolution, hex, Registry, RootType};

/// Longest table name (LMDB keeps names as keys of its main database).
const MAX_NAME_LEN: usize = 255;

/// The schemas and the open tables of one environment.
#[derive(Default)]
pub(crate) struct Catalog {
    pub registry: Registry,
    tables: HashMap<String, Arc<TableState>>,
}

fn check_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        "must not be empty"
    } else if name.len() > MAX_NAME_LEN {
        "is longer than 255 bytes"
    } else if name.contains('\0') {
        "must not contain NUL"
    } else if name.starts_with(RESERVED_PREFIX) {
        "starts with the reserved prefix \"__zerowamp\""
    } else {
        return Ok(());
    };
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!("table name {name:?} {problem}"),
    ))
}

/// What an open asks for, with its root type resolved from the registry if registered there.
struct Wanted<'o> {
    key: &'o KeyCodec,
    root_name: Option<&'o str>,
    registered: Option<RootType>,
    /// Why `registered` is missing, for when the stored metadata cannot stand in.
    unknown: Option<Error>,
}

impl<'o> Wanted<'o> {
    fn new(registry: &Registry, opts: &'o TableOptions) -> Result<Wanted<'o>> {
        let root_name = match &opts.value {
            ValueType::Raw => None,
            ValueType::FlatBuffer { root_type } => Some(root_type.as_str()),
        };
        let (registered, unknown) = match root_name.map(|n| registry.root_type(n)) {
            None => (None, None),
            Some(Ok(root)) => (Some(root), None),
            Some(Err(e)) if e.kind() == ErrorKind::UnknownRootType => (None, Some(e)),
            Some(Err(e)) => return Err(e),
        };
        Ok(Wanted {
            key: &opts.key,
            root_name,
            registered,
            unknown,
        })
    }

    /// Whether an open table's state is exactly what is asked for.
    fn matches(&self, state: &TableState) -> bool {
        if state.meta.key != *self.key {
            return false;
        }
        match (&state.root, self.root_name) {
            (None, None) => true,
            (Some(have), Some(name)) => {
                have.name() == name
                    && self
                        .registered
                        .as_ref()
                        .is_none_or(|r| r.schema().fingerprint() == have.schema().fingerprint())
            }
            _ => false,
        }
    }
}

/// The outcome of comparing stored metadata with what is asked for.
struct Decision {
    meta: TableMeta,
    root: Option<RootType>,
    /// The metadata record must be (re)written.
    write: bool,
}

fn describe(meta: &TableMeta) -> String {
    match &meta.flatbuffer {
        None => "raw values".into(),
        Some((root, _)) => format!("{root} values"),
    }
}

fn decide(name: &str, stored: Option<TableMeta>, wanted: Wanted) -> Result<Decision> {
    let fresh = |wanted: Wanted| -> Result<Decision> {
        if let Some(e) = wanted.unknown {
            return Err(e);
        }
        let flatbuffer = wanted
            .registered
            .as_ref()
            .map(|r| (r.name().to_owned(), r.schema().clone()));
        Ok(Decision {
            meta: TableMeta {
                key: wanted.key.clone(),
                flatbuffer,
            },
            root: wanted.registered,
            write: true,
        })
    };
    let Some(stored) = stored else {
        return fresh(wanted);
    };
    let refuse = |what: String| {
        Err(Error::new(
            ErrorKind::SchemaIncompatible,
            format!("table '{name}' was created with {what}; open it as it was created"),
        ))
    };
    if stored.key != *wanted.key {
        return refuse(format!("key codec {}, not {}", stored.key, wanted.key));
    }
    let (stored_root, stored_schema) = match (&stored.flatbuffer, wanted.root_name) {
        (None, None) => {
            return Ok(Decision {
                meta: stored,
                root: None,
                write: false,
            })
        }
        (Some((root, schema)), Some(name)) if root == name => (root.clone(), schema.clone()),
        (_, want) => {
            let want = want.map_or("raw values".into(), |n| format!("{n} values"));
            return refuse(format!("{}, not {want}", describe(&stored)));
        }
    };
    let Some(registered) = wanted.registered else {
        // Not registered in this process: the stored schema serves.
        let root = RootType::new(&stored_schema, &stored_root)?;
        return Ok(Decision {
            meta: stored,
            root: Some(root),
            write: false,
        });
    };
    if registered.schema().fingerprint() == stored_schema.fingerprint() {
        return Ok(Decision {
            meta: stored,
            root: Some(registered),
            write: false,
        });
    }
    check_evolution(&stored_schema, registered.schema(), &stored_root).map_err(|e| {
        Error::new(
            e.kind(),
            format!(
                "table '{name}': the registered schema (sha256 {}) is not a compatible evolution \
                 of the stored one (sha256 {}): {}",
                short(registered.schema().fingerprint()),
                short(stored_schema.fingerprint()),
                e.message()
            ),
        )
    })?;
    let meta = TableMeta {
        key: stored.key,
        flatbuffer: Some((stored_root, registered.schema().clone())),
    };
    Ok(Decision {
        meta,
        root: Some(registered),
        write: true,
    })
}

fn short(fp: &[u8; 32]) -> String {
    hex(&fp[..6])
}

/// Opens (or creates) a table; see `Env::open_table`.
pub(crate) fn open_table(env: &Arc<EnvInner>, name: &str, opts: &TableOptions) -> Result<Table> {
    env.check_open()?;
    check_name(name)?;
    opts.key.check()?;
    check_storable(&opts.key)?;

    // Pass 1, read-only: enough when the table exists as asked for.
    {
        let mut cat = lock(&env.catalog);
        let wanted = Wanted::new(&cat.registry, opts)?;
        if let Some(state) = cat.tables.get(name) {
            if wanted.matches(state) {
                return Ok(Table::new(Arc::clone(env), name, Arc::clone(state)));
            }
        }
        let txn = RawTxn::begin(env, false)?;
        let dbi = open_dbi(&txn, name, false)?;
        let stored = match open_dbi(&txn, META_TABLE, false)? {
            Some(meta_dbi) => read_meta(&txn, meta_dbi, name)?,
            None => None,
        };
        let Some(dbi) = dbi else {
            if !opts.create {
                return Err(unknown_table(name));
            }
            if env.opts.read_only {
                return Err(read_only(env, &format!("create table '{name}'")));
            }
            drop(txn);
            drop(cat);
            return open_for_write(env, name, opts);
        };
        let decision = decide(name, stored, wanted)?;
        if decision.write && !env.opts.read_only {
            drop(txn);
            drop(cat);
            return open_for_write(env, name, opts);
        }
        // Read-only envs use an evolved schema without storing it.
        txn.commit()?;
        let state = register(&mut cat, name, dbi, decision);
        Ok(Table::new(Arc::clone(env), name, state))
    }
}

/// How an existing table was created; see `Env::table_options`.
pub(crate) fn stored_options(env: &Arc<EnvInner>, name: &str) -> Result<TableOptions> {
    env.check_open()?;
    check_name(name)?;
    let _cat = lock(&env.catalog);
    let txn = RawTxn::begin(env, false)?;
    let meta = match open_dbi(&txn, META_TABLE, false)? {
        Some(meta_dbi) => read_meta(&txn, meta_dbi, name)?,
        None => None,
    };
    let exists = meta.is_some() || open_dbi(&txn, name, false)?.is_some();
    // Commit: keeps the handles opened in it valid for the process.
    txn.commit()?;
    let Some(meta) = meta else {
        if exists {
            return Err(Error::new(
                ErrorKind::UnknownTable,
                format!(
                    "table '{name}' has no zerowamp metadata (it was not created through                      zerowamp): open it with its key codec and value type"
                ),
            ));
        }
        return Err(unknown_table(name));
    };
    let value = match meta.flatbuffer {
        None => ValueType::Raw,
        Some((root_type, _)) => ValueType::FlatBuffer { root_type },
    };
    Ok(TableOptions {
        key: meta.key,
        value,
        create: false,
    })
}

/// Pass 2: create the table or store its metadata, in a write transaction.
fn open_for_write(env: &Arc<EnvInner>, name: &str, opts: &TableOptions) -> Result<Table> {
    let txn = RawTxn::begin(env, true)?;
    let mut cat = lock(&env.catalog);
    let wanted = Wanted::new(&cat.registry, opts)?;
    let meta_dbi = open_dbi(&txn, META_TABLE, true)?
        .ok_or_else(|| Error::new(ErrorKind::Lmdb(ffi::MDB_NOTFOUND), "metadata table missing"))?;
    let stored = read_meta(&txn, meta_dbi, name)?;
    if open_dbi(&txn, name, false)?.is_none() && !opts.create {
        return Err(unknown_table(name));
    }
    let decision = decide(name, stored, wanted)?;
    let dbi = open_dbi(&txn, name, true)?
        .ok_or_else(|| Error::new(ErrorKind::Lmdb(ffi::MDB_NOTFOUND), "table not created"))?;
    if decision.write {
        let bytes = decision.meta.encode();
        let (mut k, mut v) = (val(name.as_bytes()), val(&bytes));
        // SAFETY: live write txn and dbi; LMDB copies key and value.
        let rc = unsafe { ffi::mdb_put(txn.txn, meta_dbi, &mut k, &mut v, 0) };
        check(rc, &format!("store the metadata of table '{name}'"))?;
    }
    txn.commit()?;
    let state = register(&mut cat, name, dbi, decision);
    Ok(Table::new(Arc::clone(env), name, state))
}

/// Records an opened table; a new state for a dbi already open shares its dropped flag.
fn register(cat: &mut Catalog, name: &str, dbi: ffi::MDB_dbi, d: Decision) -> Arc<TableState> {
    let dropped = match cat.tables.get(name) {
        Some(old) if old.dbi == dbi => Arc::clone(&old.dropped),
        _ => Arc::new(AtomicBool::new(false)),
    };
    let state = Arc::new(TableState {
        dbi,
        dropped,
        meta: d.meta,
        root: d.root.map(Arc::new),
    });
    cat.tables.insert(name.to_owned(), Arc::clone(&state));
    state
}

/// Drops a table and its metadata; see `Env::drop_table`.
pub(crate) fn drop_table(env: &Arc<EnvInner>, name: &str) -> Result<()> {
    env.check_open()?;
    check_name(name)?;
    if env.opts.read_only {
        return Err(read_only(env, &format!("drop table '{name}'")));
    }
    // The catalog before the exclusive section: a thread in open_table holds the catalog while
    // it waits for a transaction to begin, which waits for the exclusive section to end.
    let mut cat = lock(&env.catalog);
    env.exclusive("dropping a table", || {
        let txn = RawTxn::begin_uncounted(env, true)?;
        let dbi = open_dbi(&txn, name, false)?.ok_or_else(|| unknown_table(name))?;
        // SAFETY: live write txn; no other txn of this process is live (exclusive), so none
        // uses the handle that del=1 closes.
        check(
            unsafe { ffi::mdb_drop(txn.txn, dbi, 1) },
            &format!("drop table '{name}'"),
        )?;
        if let Some(meta_dbi) = open_dbi(&txn, META_TABLE, false)? {
            let mut k = val(name.as_bytes());
            // SAFETY: live write txn and dbi.
            let rc = unsafe { ffi::mdb_del(txn.txn, meta_dbi, &mut k, std::ptr::null_mut()) };
            if rc != ffi::MDB_NOTFOUND {
                check(rc, &format!("remove the metadata of table '{name}'"))?;
            }
        }
        txn.commit()?;
        if let Some(state) = cat.tables.remove(name) {
            state.dropped.store(true, Ordering::Release);
        }
        Ok(())
    })
}

/// The names of the tables that have zerowamp metadata, sorted.
pub(crate) fn table_names(env: &Arc<EnvInner>) -> Result<Vec<String>> {
    env.check_open()?;
    let _cat = lock(&env.catalog);
    let txn = RawTxn::begin(env, false)?;
    let Some(meta_dbi) = open_dbi(&txn, META_TABLE, false)? else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    let mut cursor = std::ptr::null_mut();
    // SAFETY: live txn and dbi; the cursor is closed before the txn ends.
    unsafe {
        check(
            ffi::mdb_cursor_open(txn.txn, meta_dbi, &mut cursor),
            "list tables",
        )?;
        let (mut k, mut v) = (val(&[]), val(&[]));
        let mut op = ffi::MDB_FIRST;
        let rc = loop {
            let rc = ffi::mdb_cursor_get(cursor, &mut k, &mut v, op);
            if rc != 0 {
                break rc;
            }
            names.push(String::from_utf8_lossy(slice(&k)).into_owned());
            op = ffi::MDB_NEXT;
        };
        ffi::mdb_cursor_close(cursor);
        if rc != ffi::MDB_NOTFOUND {
            check(rc, "list tables")?;
        }
    }
    txn.commit()?;
    Ok(names)
}

fn unknown_table(name: &str) -> Error {
    Error::new(
        ErrorKind::UnknownTable,
        format!("no table '{name}' in this environment (open it with create to make it)"),
    )
}

fn read_only(env: &EnvInner, what: &str) -> Error {
    Error::new(
        ErrorKind::ReadOnly,
        format!(
            "cannot {what}: the environment at {} was opened read-only",
            env.path.display()
        ),
    )
}

/// Opens the named LMDB database in `txn`; `None` if it does not exist (and `create` is off).
/// The caller holds the catalog mutex: LMDB allows one `mdb_dbi_open` at a time per process.
fn open_dbi(txn: &RawTxn, name: &str, create: bool) -> Result<Option<ffi::MDB_dbi>> {
    let c_name = CString::new(name)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, "table name contains NUL"))?;
    let mut dbi = 0;
    let flags = if create { ffi::MDB_CREATE } else { 0 };
    // SAFETY: live txn; the catalog mutex serializes dbi opens in this process.
    match unsafe { ffi::mdb_dbi_open(txn.txn, c_name.as_ptr(), flags, &mut dbi) } {
        0 => Ok(Some(dbi)),
        ffi::MDB_NOTFOUND => Ok(None),
        ffi::MDB_DBS_FULL => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "cannot open table '{name}': the environment already has max_tables tables \
                 open; reopen it with a larger max_tables"
            ),
        )),
        ffi::MDB_INCOMPATIBLE => Err(Error::new(
            ErrorKind::InvalidFile,
            format!("'{name}' exists in this environment but is not a table (database)"),
        )),
        rc => Err(Error::from_lmdb(rc, &format!("open table '{name}'"))),
    }
}

/// Reads and decodes `name`'s metadata record.
fn read_meta(txn: &RawTxn, meta_dbi: ffi::MDB_dbi, name: &str) -> Result<Option<TableMeta>> {
    let mut k = val(name.as_bytes());
    let mut v = val(&[]);
    // SAFETY: live txn and dbi; the value is decoded (copied) before the txn ends.
    match unsafe { ffi::mdb_get(txn.txn, meta_dbi, &mut k, &mut v) } {
        0 => TableMeta::decode(name, unsafe { slice(&v) }).map(Some),
        ffi::MDB_NOTFOUND => Ok(None),
        rc => Err(Error::from_lmdb(
            rc,
            &format!("read the metadata of table '{name}'"),
        )),
    }
}
