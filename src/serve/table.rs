//! Serving a table: the callee that answers calls with records straight out of LMDB.

use crate::client::{
    record_passthru, Callee, Client, Invocation, Registration, Snapshot, YieldOptions,
    RECORD_SCHEME,
};
use crate::store::{Env, ErrorKind, RangeOptions, Table, ValueType};
use crate::wamp::session::Passthru;
use crate::wamp::{Dict, Payload, Value};

use super::error::Error;
use super::key;
use super::options::ServeOptions;

/// The error URI of a call for a key that has no record.
pub const NOT_FOUND: &str = "zerowamp.error.not_found";
/// The error URI of a call whose arguments do not fit (a key of the wrong type, ...).
pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
/// The error URI of a call the store failed (closed environment, dropped table, ...).
const RUNTIME_ERROR: &str = "wamp.error.runtime_error";

/// Registers `procedure` on `client` and answers its calls with the records of `table`, read
/// from `env` — no application code in the path. Returns the registration (dropping it does not
/// unregister; [`Registration::unregister`] does).
///
/// **Single keys** (the default): the key is `args[0]`, read by the table's key codec (see
/// [the module docs](super) for which WAMP values each codec takes). The result is the record,
/// in Payload Passthru Mode ([`record_passthru`] for FlatBuffers tables; scheme
/// [`RECORD_SCHEME`] without a serializer for raw tables), pinned in a read snapshot until it
/// is written: no copy on RawSocket with MessagePack or CBOR. A key without a record gets the
/// error [`NOT_FOUND`], args `[message naming the key]`; a key that does not fit gets
/// [`INVALID_ARGUMENT`].
///
/// **Ranges** ([`ServeOptions::range`]): args `[from, to]`, each a key or null (or missing) for
/// an open end, `from` included and `to` excluded (a composite key may be bounded by its first
/// elements); kwargs `limit` (a non-negative integer) and `reverse` (a boolean; from `to`
/// down). Each record is one progressive result (passthru), then the final result is args
/// `[count]`, kwargs `{"more": bool}` — `more` says whether the range holds further records
/// (beyond `limit`, or beyond [`ServeOptions::max_range`], which caps every call). All records
/// of a call come from one snapshot. A caller that did not ask for progressive results
/// (`receive_progress`) gets [`INVALID_ARGUMENT`]: the records cannot travel in one result.
///
/// Each call begins a new read snapshot, so it sees every write committed before it arrived
/// (also by other processes). That costs about 0.5 µs (release build), a few percent of a
/// call over loopback (about 13 µs each at 100 calls in flight); keeping one snapshot across
/// calls would save that, but a live snapshot keeps this process from growing the map and
/// LMDB from reusing pages. Invocations are answered on the client's callback thread (its I/O
/// thread by default).
pub fn serve_table(
    client: &Client,
    env: &Env,
    table: &Table,
    procedure: &str,
    options: ServeOptions,
) -> Result<Registration, Error> {
    check_same_env(env, table)?;
    let server = TableServer {
        env: env.clone(),
        table: table.clone(),
        passthru: passthru_of(table),
        range: options.range.then(|| options.range_cap()),
        key: Vec::new(),
    };
    Ok(client.register(procedure, options.register, server)?)
}

/// How the records of `table` travel: FlatBuffers records as such; raw values under our scheme
/// with no serializer named (nothing says they are FlatBuffers).
pub(crate) fn passthru_of(table: &Table) -> Passthru {
    match table.value_type() {
        ValueType::FlatBuffer { .. } => record_passthru(),
        ValueType::Raw => Passthru::new(RECORD_SCHEME),
    }
}

/// Fails unless `table` is a table of `env` (and both are usable).
pub(crate) fn check_same_env(env: &Env, table: &Table) -> Result<(), Error> {
    let txn = env.begin_read()?;
    match table.count(&txn) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::InvalidArgument => {
            Err(Error::InvalidArgument(e.message().to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The callee of a served table.
struct TableServer {
    env: Env,
    table: Table,
    passthru: Passthru,
    /// `Some(cap)`: serve ranges of at most `cap` records.
    range: Option<usize>,
    /// The encoded key, reused from call to call.
    key: Vec<u8>,
}

/// An answer: the final result.
type Answer = (Payload, YieldOptions);

/// A WAMP error for the caller: URI and message.
struct Refusal {
    uri: &'static str,
    message: String,
}

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal {
        uri: INVALID_ARGUMENT,
        message: message.into(),
    }
}

fn store_failed(e: crate::store::Error) -> Refusal {
    match e.kind() {
        ErrorKind::InvalidKey => invalid(e.message()),
        _ => Refusal {
            uri: RUNTIME_ERROR,
            message: e.to_string(),
        },
    }
}

impl Callee for TableServer {
    fn invoke(&mut self, inv: Invocation) {
        let outcome = match self.range {
            None => self.get(&inv),
            Some(cap) => self.range(&inv, cap),
        };
        let procedure = inv.procedure().to_owned();
        let sent = match outcome {
            Ok((payload, options)) => inv.yield_with(payload, options),
            Err(r) => inv.error(r.uri, Payload::args(vec![Value::from(r.message)])),
        };
        if let Err(e) = sent {
            log::debug!(target: "zerowamp::serve", "cannot answer a call of {procedure}: {e}");
        }
    }
}

impl TableServer {
    fn record_options(&self) -> YieldOptions {
        YieldOptions {
            passthru: Some(self.passthru.clone()),
            ..YieldOptions::default()
        }
    }

    /// One key: the record, or why not.
    fn get(&mut self, inv: &Invocation) -> Result<Answer, Refusal> {
        let Some(value) = inv.args().first() else {
            return Err(invalid(format!(
                "{} takes the key as its first argument (a {} key)",
                inv.procedure(),
                self.table.key_codec()
            )));
        };
        key::encode(self.table.key_codec(), value, &mut self.key).map_err(invalid)?;
        let snapshot = Snapshot::begin(&self.env).map_err(store_failed)?;
        match snapshot.get(&self.table, &self.key).map_err(store_failed)? {
            Some(record) => Ok((Payload::Transparent(record), self.record_options())),
            None => Err(Refusal {
                uri: NOT_FOUND,
                message: format!(
                    "no record under key {} in table '{}'",
                    key::describe(value),
                    self.table.name()
                ),
            }),
        }
    }

    /// A range: each record a progressive result, then the count.
    fn range(&mut self, inv: &Invocation, cap: usize) -> Result<Answer, Refusal> {
        if !inv.wants_progress() {
            return Err(invalid(format!(
                "{} sends each record as a progressive result: call it with receive_progress",
                inv.procedure()
            )));
        }
        let args = inv.args();
        if args.len() > 2 {
            return Err(invalid(format!(
                "{} takes at most two arguments, [from, to], not {}",
                inv.procedure(),
                args.len()
            )));
        }
        let codec = self.table.key_codec();
        let bound = |value: Option<&Value>| -> Result<Option<Vec<u8>>, Refusal> {
            match value {
                None | Some(Value::Null) => Ok(None),
                Some(v) => {
                    let mut out = Vec::new();
                    key::encode_bound(codec, v, &mut out).map_err(invalid)?;
                    Ok(Some(out))
                }
            }
        };
        let from = bound(args.first())?;
        let to = bound(args.get(1))?;
        let (limit, reverse) = range_kwargs(inv.kwargs())?;
        let wanted = limit.map_or(cap, |l| l.min(cap));
        let snapshot = Snapshot::begin(&self.env).map_err(store_failed)?;
        let opts = RangeOptions {
            from: from.as_deref(),
            to: to.as_deref(),
            to_inclusive: false,
            reverse,
            // One more than wanted tells whether there are more.
            limit: Some(wanted.saturating_add(1)),
        };
        let entries = snapshot.range(&self.table, &opts).map_err(store_failed)?;
        drop(snapshot);
        let more = entries.len() > wanted;
        let count = entries.len().min(wanted);
        for (_, record) in entries.into_iter().take(count) {
            inv.progress_with(Payload::Transparent(record), self.record_options())
                .map_err(|e| Refusal {
                    uri: RUNTIME_ERROR,
                    message: format!("cannot send a record: {e}"),
                })?;
        }
        let mut kwargs = Dict::new();
        kwargs.insert("more".to_owned(), Value::Bool(more));
        let total = Value::UInt(count as u64);
        Ok((Payload::new(vec![total], kwargs), YieldOptions::default()))
    }
}

/// `limit` and `reverse` from a range call's kwargs.
fn range_kwargs(kwargs: Option<&Dict>) -> Result<(Option<usize>, bool), Refusal> {
    let mut limit = None;
    let mut reverse = false;
    for (name, value) in kwargs.into_iter().flatten() {
        match (name.as_str(), value) {
            ("limit", Value::Null) => {}
            ("limit", v) => {
                let n = v.as_u64().ok_or_else(|| {
                    invalid(format!(
                        "limit must be a non-negative integer, not {}",
                        key::describe(v)
                    ))
                })?;
                limit = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            ("reverse", Value::Bool(b)) => reverse = *b,
            ("reverse", v) => {
                return Err(invalid(format!(
                    "reverse must be a boolean, not {}",
                    key::describe(v)
                )))
            }
            (other, _) => {
                return Err(invalid(format!(
                    "unknown keyword argument {other:?} (a range call takes limit and reverse)"
                )))
            }
        }
    }
    Ok((limit, reverse))
}
