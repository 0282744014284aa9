//! `zerowamp serve`: answers calls with the records of an LMDB table, until SIGINT or SIGTERM.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use log::info;
use zerowamp::serve::{serve_table, ServeOptions, DEFAULT_MAX_RANGE};
use zerowamp::store::{Env, EnvOptions};

use crate::connect::ConnectArgs;
use crate::signals::Termination;
use crate::Outcome;

const EXAMPLES: &str = "\
Examples:
  zerowamp serve --db ./data --table users --procedure com.example.users.get
      zerowamp call com.example.users.get 42   answers with the record under key 42
  zerowamp serve --db ./data --table users --procedure com.example.users.get \\
                 --range-procedure com.example.users.range --max-range 500 \\
                 --url rs://127.0.0.1:8081 --serializer cbor
      a range call, args [from, to] (null: open), kwargs {\"limit\": n, \"reverse\": true},
      gets one progressive result per record, then [count] with {\"more\": bool}

The table is opened as it was created (key codec, value type and schema come from the
environment), read-only: other processes may write to it meanwhile, and every call sees every
write committed before it arrived. The key is the call's first argument: an integer (or 8
bytes) for u64 keys, 16 bytes or a UUID string for uuid keys, a string, bytes, or a list of
these for composite keys. A key without a record gets zerowamp.error.not_found; a key that
does not fit gets wamp.error.invalid_argument.

Records go out as they are stored, in Payload Passthru Mode (ppt_scheme x_zerowamp,
ppt_serializer flatbuffers): msgpack or cbor over rs:// sends them without copying them.
Callers that do not know passthru (autobahn-python) see the record as one binary argument.

Change feeds (every committed put and delete published as an event) run inside the process
that writes: they hook its commits, and cannot see another process's writes. Use
zerowamp::serve::publish_changes (Rust) or zw_table_publish_changes (C) in the writer.

Logs 'serving table NAME' on stderr once every procedure is registered.
SIGINT or SIGTERM: leaves and exits 0.";

/// Serves the records of an LMDB table: key -> record, and optionally [from, to] -> records.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
#[command(group(
    ArgGroup::new("procedures")
        .required(true)
        .multiple(true)
        .args(["procedure", "range_procedure"])
))]
pub struct ServeArgs {
    /// The LMDB environment: its directory (or its data file).
    #[arg(long, value_name = "PATH")]
    db: PathBuf,

    /// The table to serve (created through zerowamp: its metadata says how keys are encoded).
    #[arg(long, value_name = "NAME")]
    table: String,

    /// Answer calls of URI with the record under the key in args[0].
    #[arg(long, value_name = "URI")]
    procedure: Option<String>,

    /// Answer calls of URI with the records from args[0] to args[1], as progressive results.
    #[arg(long, value_name = "URI")]
    range_procedure: Option<String>,

    /// The most records one range call returns.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RANGE,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_range: u32,

    #[command(flatten)]
    connect: ConnectArgs,
}

/// Opens the table, registers, then waits for a termination signal; the client's thread
/// answers the calls.
pub fn run(args: ServeArgs) -> Outcome {
    // Before the client starts its thread, which must inherit the blocked signals.
    let termination = Termination::block()?;
    let options = EnvOptions {
        read_only: true,
        no_subdir: args.db.is_file(),
        ..EnvOptions::default()
    };
    let env =
        Env::open(&args.db, &options).map_err(|e| format!("--db {}: {e}", args.db.display()))?;
    let table = env
        .table_options(&args.table)
        .and_then(|opts| env.open_table(&args.table, &opts))
        .map_err(|e| format!("--table {}: {e}", args.table))?;
    let client = args.connect.connect()?;
    let mut registrations = Vec::new();
    let procedures = [
        (args.procedure.as_deref(), false),
        (args.range_procedure.as_deref(), true),
    ];
    for (procedure, range) in procedures {
        let Some(procedure) = procedure else { continue };
        let options = ServeOptions {
            range,
            max_range: args.max_range,
            ..ServeOptions::default()
        };
        let registration = serve_table(&client, &env, &table, procedure, options)
            .map_err(|e| format!("cannot serve {procedure}: {e}"))?;
        info!(
            "{procedure}: {} of table '{}' (key {})",
            if range { "ranges" } else { "records" },
            args.table,
            table.key_codec()
        );
        registrations.push(registration);
    }
    info!("serving table '{}'", args.table);
    let signal = termination.wait()?;
    info!("{signal}: leaving");
    drop(registrations);
    client.leave()?;
    Ok(())
}
