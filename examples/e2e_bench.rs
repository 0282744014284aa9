//! `make bench-e2e`, the zerowamp side: FlatBuffers records served out of LMDB per call, through
//! the embedded router ([`RouterServer`] on 127.0.0.1), to zerowamp clients, over WebSocket and
//! RawSocket. The callee reads each record in a read snapshot and yields it zero-copy (passthru,
//! pinned in the memory map); callers send the key and get the record.
//!
//! Two parts, in one run:
//!
//! - `sizes`: records of exactly 64 B, 4 KiB, 64 KiB and 1 MiB (`zerowamp.sample.Record`, its
//!   payload vector sized to fill the record), u64 keys, random keys; sequential and 100 calls
//!   in flight; MessagePack, and CBOR and JSON for 4 KiB. Next to each, a plain TCP socket moving
//!   the same bytes (an 8-octet request, a response of the record's size, as many in flight),
//!   with one write per message and, in flight, batched (one write for everything one read
//!   brought): the floors, and the ratios to them.
//! - `reference`: the work of the reference stack's e2e benchmark
//!   (`../shared/reference-stack/bench/e2e_*.py`): 100,000 records of about 216 B (96-octet
//!   payload) keyed by 16-octet UUIDs, random keys, procedure `com.example.record.raw`. The
//!   driver, `bench/e2e_bench.py`, runs the reference in the same run and prints
//!   zerowamp / reference.
//!
//! Every figure is the median of `--repeats` runs of `--seconds` each (after a short warm-up
//! run); the load average is printed first.
//!
//! `cargo run --release --example e2e_bench -- [--json] [--part sizes|reference|all]
//! [--seconds S] [--repeats N]` (`--json`: one JSON object per line, for the driver).

use std::collections::HashMap;
use std::error::Error as StdError;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::client::{CallError, CallOptions, Client, ClientOptions, ClientStats, Registration};
use zerowamp::router::server::{RouterServer, ServerConfig};
use zerowamp::serve::{serve_table, ServeOptions};
use zerowamp::store::{Env, EnvOptions, KeyCodec, PutFlags, Table, TableOptions, ValueType};
use zerowamp::wamp::{Payload, Serializer, Value};

#[rustfmt::skip]
#[allow(clippy::all, unsafe_op_in_unsafe_fn, mismatched_lifetime_syntaxes)]
#[path = "../schemas/generated/rust/record_generated.rs"]
mod record_generated;
use record_generated::zerowamp::sample::{Record, RecordArgs};

type BoxError = Box<dyn StdError + Send + Sync>;

const SCHEMA: &[u8] = include_bytes!("../schemas/bfbs/record.bfbs");
const ROOT_TYPE: &str = "zerowamp.sample.Record";
const REALM: &str = "realm1";
const IN_FLIGHT: usize = 100;
const WARM_UP: Duration = Duration::from_millis(150);
const WAIT: Duration = Duration::from_secs(60);
/// The reference's procedure, table size and record shape (`e2e_callee.py`, `zlmdb_records.py`).
const REFERENCE_PROCEDURE: &str = "com.example.record.raw";
const REFERENCE_RECORDS: usize = 100_000;
const REFERENCE_PAYLOAD: usize = 96;

/// Serves `table` as `procedure` with `zerowamp::serve::serve_table`: per call a read snapshot,
/// the record under the key (the call's first argument) pinned in the memory map, yielded as a
/// passthru payload with no copy until the transport writes it.
fn serve_records(
    client: &Client,
    env: &Env,
    table: &Table,
    procedure: &str,
) -> Result<Registration, BoxError> {
    Ok(serve_table(
        client,
        env,
        table,
        procedure,
        ServeOptions::default(),
    )?)
}

/// A small, fast, reproducible random number generator (splitmix64).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A served table: its procedure, its keys (as call arguments), and the record sizes it holds.
struct Target {
    procedure: String,
    keys: Vec<Bytes>,
    /// Smallest and largest record, to check every result against.
    sizes: (usize, usize),
    /// The nominal record size (the reference's records vary by a few octets).
    nominal: usize,
}

impl Target {
    fn payload(&self, draw: u64) -> Payload {
        let key = &self.keys[(mix(draw) % self.keys.len() as u64) as usize];
        Payload::args(vec![Value::Bytes(key.clone())])
    }

    /// The record's length, if the result is a record of this table.
    fn check(
        &self,
        result: Result<zerowamp::client::CallResult, CallError>,
    ) -> Result<u64, String> {
        let result = result.map_err(|e| format!("{}: {e}", self.procedure))?;
        match result.payload {
            Payload::Transparent(record)
                if (self.sizes.0..=self.sizes.1).contains(&record.len()) =>
            {
                Ok(record.len() as u64)
            }
            other => Err(format!("{}: unexpected result {other:?}", self.procedure)),
        }
    }
}

fn record(builder: &mut flatbuffers::FlatBufferBuilder, args: &RecordArgs) -> Vec<u8> {
    let record = Record::create(builder, args);
    builder.finish(record, None);
    let out = builder.finished_data().to_vec();
    builder.reset();
    out
}

/// Record `id` of exactly `size` octets: its id and a payload vector that fills it up (found by
/// trying lengths: alignment padding makes the overhead depend on the length).
fn sized_record(
    builder: &mut flatbuffers::FlatBufferBuilder,
    id: u64,
    size: usize,
) -> Result<Vec<u8>, BoxError> {
    let with = |builder: &mut flatbuffers::FlatBufferBuilder, len: usize| {
        let payload = builder.create_vector(&vec![(id % 251) as u8; len]);
        record(
            builder,
            &RecordArgs {
                id,
                payload: Some(payload),
                ..RecordArgs::default()
            },
        )
    };
    let overhead = with(builder, 0).len();
    let start = size.checked_sub(overhead).ok_or("record size too small")?;
    (start.saturating_sub(16)..=start)
        .rev()
        .map(|len| with(builder, len))
        .find(|r| r.len() == size)
        .ok_or_else(|| format!("no Record is exactly {size} octets long").into())
}

/// Record `id` as the reference builds it (`zlmdb_records.make_record`).
fn reference_record(builder: &mut flatbuffers::FlatBufferBuilder, id: u64) -> Vec<u8> {
    let name = builder.create_string(&format!("user-{id:08}"));
    let email = builder.create_string(&format!("user-{id:08}@example.com"));
    let bytes: Vec<u8> = (0..REFERENCE_PAYLOAD as u64)
        .map(|i| mix(id << 8 | i) as u8)
        .collect();
    let payload = builder.create_vector(&bytes);
    record(
        builder,
        &RecordArgs {
            id,
            ts: 1_700_000_000_000_000_000 + id,
            score: (mix(id) >> 11) as f64 / (1u64 << 53) as f64,
            active: id & 1 == 1,
            name: Some(name),
            email: Some(email),
            payload: Some(payload),
        },
    )
}

fn open_table(env: &Env, name: &str, key: KeyCodec) -> Result<Table, BoxError> {
    Ok(env.open_table(
        name,
        &TableOptions {
            key,
            value: ValueType::FlatBuffer {
                root_type: ROOT_TYPE.into(),
            },
            create: true,
        },
    )?)
}

/// Writes `count` records made by `make` under keys made by `key`; returns the target.
fn fill(
    env: &Env,
    table: &Table,
    procedure: String,
    nominal: usize,
    count: usize,
    key: impl Fn(u64) -> Vec<u8>,
    mut make: impl FnMut(&mut flatbuffers::FlatBufferBuilder, u64) -> Result<Vec<u8>, BoxError>,
) -> Result<Target, BoxError> {
    let mut builder = flatbuffers::FlatBufferBuilder::new();
    let mut txn = env.begin_write()?;
    let (mut keys, mut sizes) = (Vec::with_capacity(count), (usize::MAX, 0));
    for id in 0..count as u64 {
        let value = make(&mut builder, id)?;
        sizes = (sizes.0.min(value.len()), sizes.1.max(value.len()));
        let key = key(id);
        txn.put(table, &key, &value, PutFlags::default())?;
        keys.push(Bytes::from(key));
    }
    txn.commit()?;
    Ok(Target {
        procedure,
        keys,
        sizes,
        nominal,
    })
}

/// How many records of `size` the table holds (about 64 MiB at most).
fn records_of(size: usize) -> usize {
    match size {
        s if s <= 4096 => 4_000,
        s if s <= 65536 => 1_000,
        _ => 64,
    }
}

/// One measurement: records per second and octets of records per second.
#[derive(Clone, Copy)]
struct Rate {
    calls: f64,
    bytes: f64,
}

/// Runs `measure` once to warm up, then `repeats` times; the median of each figure, and the
/// calls/s of every run.
fn median_of(
    repeats: usize,
    mut measure: impl FnMut(Duration) -> Result<Rate, BoxError>,
    seconds: Duration,
) -> Result<(Rate, Vec<f64>), BoxError> {
    measure(WARM_UP)?;
    let runs = (0..repeats)
        .map(|_| measure(seconds))
        .collect::<Result<Vec<Rate>, BoxError>>()?;
    let median = |f: fn(&Rate) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((
        Rate {
            calls: median(|r| r.calls),
            bytes: median(|r| r.bytes),
        },
        runs.iter().map(|r| r.calls).collect(),
    ))
}

/// One call at a time, for `seconds`.
fn sequential(client: &Client, target: &Target, seconds: Duration) -> Result<Rate, BoxError> {
    let (start, mut calls, mut bytes) = (Instant::now(), 0u64, 0u64);
    while start.elapsed() < seconds {
        let result = client.call(
            &target.procedure,
            target.payload(calls),
            CallOptions::default(),
        );
        bytes += target.check(result)?;
        calls += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Rate {
        calls: calls as f64 / secs,
        bytes: bytes as f64 / secs,
    })
}

/// Calls kept in flight: each result (on the client's I/O thread) sends the next call.
struct Flight {
    client: Client,
    target: Arc<Target>,
    draws: AtomicU64,
    calls: AtomicU64,
    bytes: AtomicU64,
    open: AtomicUsize,
    stop: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Flight {
    fn launch(self: &Arc<Self>) {
        let payload = self
            .target
            .payload(self.draws.fetch_add(1, Ordering::Relaxed));
        let flight = self.clone();
        let sent = self.client.call_async(
            &self.target.procedure,
            payload,
            CallOptions::default(),
            move |result| flight.landed(result),
        );
        if let Err(e) = sent {
            self.fail(e.to_string());
        }
    }

    fn landed(self: &Arc<Self>, result: Result<zerowamp::client::CallResult, CallError>) {
        match self.target.check(result) {
            Ok(len) => {
                self.calls.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(len, Ordering::Relaxed);
                if !self.stop.load(Ordering::Relaxed) {
                    return self.launch();
                }
                self.open.fetch_sub(1, Ordering::Release);
            }
            Err(why) => self.fail(why),
        }
    }

    fn fail(&self, why: String) {
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert(why);
        }
        self.stop.store(true, Ordering::Relaxed);
        self.open.fetch_sub(1, Ordering::Release);
    }
}

/// `IN_FLIGHT` calls outstanding at any time, for `seconds`; counted up to the stop.
fn in_flight(client: &Client, target: &Arc<Target>, seconds: Duration) -> Result<Rate, BoxError> {
    let flight = Arc::new(Flight {
        client: client.clone(),
        target: target.clone(),
        draws: AtomicU64::new(0),
        calls: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        open: AtomicUsize::new(IN_FLIGHT),
        stop: AtomicBool::new(false),
        failure: Mutex::new(None),
    });
    let start = Instant::now();
    for _ in 0..IN_FLIGHT {
        flight.launch();
    }
    std::thread::sleep(seconds);
    flight.stop.store(true, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    let (calls, bytes) = (
        flight.calls.load(Ordering::Relaxed),
        flight.bytes.load(Ordering::Relaxed),
    );
    // The calls still out land before the next measurement starts.
    while flight.open.load(Ordering::Acquire) > 0 {
        if start.elapsed() > seconds + WAIT {
            return Err(
                format!("{}: calls still in flight after {WAIT:?}", target.procedure).into(),
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if let Some(why) = flight.failure.lock().map_err(|_| "poisoned")?.take() {
        return Err(why.into());
    }
    Ok(Rate {
        calls: calls as f64 / secs,
        bytes: bytes as f64 / secs,
    })
}

/// `count` copies of `unit`, at most `limit` octets (but at least one copy): what one `write`
/// of a batch of requests or responses sends.
fn batch(unit: &[u8], count: usize, limit: usize) -> Vec<u8> {
    unit.repeat(count.min(limit / unit.len()).max(1))
}

/// Writes `count` units from `batch` (copies of one unit of `unit` octets), as few writes as
/// the batch allows.
fn write_units(
    socket: &mut TcpStream,
    batch: &[u8],
    unit: usize,
    mut count: usize,
) -> std::io::Result<()> {
    while count > 0 {
        let now = count.min(batch.len() / unit);
        socket.write_all(&batch[..now * unit])?;
        count -= now;
    }
    Ok(())
}

/// The floor: a plain TCP socket, `key`-octet requests answered with `size` octets, `window` of
/// them outstanding at any time, for `seconds`. Reads take whatever has arrived. `batched`: both
/// ends answer (or follow up) everything one read brought with one write, as a pipelined
/// protocol can; otherwise one write per message, as a simple request/response server does.
fn plain_tcp(
    key: usize,
    size: usize,
    window: usize,
    batched: bool,
    seconds: Duration,
) -> Result<Rate, BoxError> {
    const BATCH: usize = 256 * 1024;
    let limit = if batched { BATCH } else { 0 };
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut socket, _) = listener.accept()?;
        socket.set_nodelay(true)?;
        let responses = batch(&vec![0xA5u8; size], window, limit);
        let (mut buf, mut partial) = (vec![0u8; BATCH], 0);
        loop {
            let n = socket.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            partial += n;
            write_units(&mut socket, &responses, size, partial / key)?;
            partial %= key;
        }
    });
    let mut socket = TcpStream::connect(addr)?;
    socket.set_nodelay(true)?;
    let requests = batch(&vec![7u8; key], window, limit);
    let mut buf = vec![0u8; BATCH.max(size)];
    let start = Instant::now();
    write_units(&mut socket, &requests, key, window)?;
    let (mut open, mut calls, mut partial, mut stopped) = (window, 0u64, 0, None);
    while open > 0 {
        let n = socket.read(&mut buf)?;
        if n == 0 {
            return Err("the TCP server closed the connection".into());
        }
        partial += n;
        let answered = partial / size;
        partial %= size;
        open -= answered;
        if stopped.is_none() {
            calls += answered as u64;
            if start.elapsed() >= seconds {
                stopped = Some((calls, start.elapsed()));
            } else {
                write_units(&mut socket, &requests, key, answered)?;
                open += answered;
            }
        }
    }
    drop(socket);
    server.join().map_err(|_| "the TCP server panicked")??;
    let (calls, elapsed) = stopped.ok_or("no response")?;
    let secs = elapsed.as_secs_f64();
    Ok(Rate {
        calls: calls as f64 / secs,
        bytes: (calls * size as u64) as f64 / secs,
    })
}

/// What one row measured.
struct Row<'a> {
    part: &'a str,
    stack: &'a str,
    transport: &'a str,
    serializer: &'a str,
    size: usize,
    window: usize,
    /// The callee's copies of each record, in records: what its transport (WebSocket masking)
    /// and its serializer (JSON's base64, small payloads) copied, per octet of record yielded.
    copies: Option<f64>,
}

/// How the results are printed: a table for people, or JSON lines for the driver.
struct Report {
    json: bool,
}

impl Report {
    fn row(&self, row: &Row, (rate, runs): &(Rate, Vec<f64>), floors: &[(&str, Rate)]) {
        let Row {
            part,
            stack,
            transport,
            serializer,
            size,
            window,
            copies,
        } = row;
        if self.json {
            let line = serde_json::json!({
                "part": part, "stack": stack, "transport": transport, "serializer": serializer,
                "size": size, "window": window, "calls_per_s": rate.calls.round(),
                "MB_per_s": (rate.bytes / 1e4).round() / 100.0,
                "runs_calls_per_s": runs.iter().map(|r| r.round()).collect::<Vec<f64>>(),
                "callee_copies_per_record": copies.map(|c| (c * 100.0).round() / 100.0),
            });
            println!("{line}");
            return;
        }
        let copies = copies.map_or(String::new(), |c| format!("  {c:.2} copies"));
        let ratio: String = floors
            .iter()
            .map(|(name, f)| format!("  {:>5.2}x of {name}", rate.calls / f.calls))
            .collect();
        println!(
            "  {part:<9} {stack:<11} {transport:<4} {serializer:<8} {size:>8} B  {window:>3} in flight \
             {:>10.0} rec/s {:>8.1} MB/s{copies}{ratio}",
            rate.calls,
            rate.bytes / 1e6
        );
    }
}

struct Settings {
    json: bool,
    sizes: bool,
    reference: bool,
    seconds: Duration,
    repeats: usize,
}

fn settings() -> Result<Settings, BoxError> {
    let mut s = Settings {
        json: false,
        sizes: true,
        reference: true,
        seconds: Duration::from_millis(600),
        repeats: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--json" => s.json = true,
            "--part" => match value()?.as_str() {
                "sizes" => s.reference = false,
                "reference" => s.sizes = false,
                "all" => {}
                other => return Err(format!("--part {other}: sizes, reference or all").into()),
            },
            "--seconds" => s.seconds = Duration::from_secs_f64(value()?.parse()?),
            "--repeats" => s.repeats = value()?.parse::<usize>()?.max(1),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(s)
}

/// A table served by the callee, with what the caller needs, and the part it belongs to.
struct Served {
    part: &'static str,
    table: Table,
    target: Arc<Target>,
}

const SIZES: [usize; 4] = [64, 4096, 65536, 1 << 20];

/// Writes the tables of the parts asked for into `env`.
fn tables(env: &Env, settings: &Settings) -> Result<Vec<Served>, BoxError> {
    let mut served = Vec::new();
    for size in SIZES.into_iter().filter(|_| settings.sizes) {
        let table = open_table(env, &format!("records_{size}"), KeyCodec::U64)?;
        let target = fill(
            env,
            &table,
            format!("com.example.record.size{size}"),
            size,
            records_of(size),
            |id| id.to_be_bytes().to_vec(),
            |b, id| sized_record(b, id, size),
        )?;
        served.push(Served {
            part: "sizes",
            table,
            target: Arc::new(target),
        });
    }
    if settings.reference {
        let table = open_table(env, "users", KeyCodec::Uuid)?;
        let uuid = |id: u64| {
            let mut key = [mix(id ^ 0x5EED).to_be_bytes(), mix(!id).to_be_bytes()].concat();
            key[6] = (key[6] & 0x0F) | 0x40; // a version 4 UUID, as the reference's keys
            key[8] = (key[8] & 0x3F) | 0x80;
            key
        };
        let target = fill(
            env,
            &table,
            REFERENCE_PROCEDURE.to_owned(),
            0,
            REFERENCE_RECORDS,
            uuid,
            |b, id| Ok(reference_record(b, id)),
        )?;
        let nominal = (target.sizes.0 + target.sizes.1) / 2;
        served.push(Served {
            part: "reference",
            table,
            target: Arc::new(Target { nominal, ..target }),
        });
    }
    Ok(served)
}

/// The plain TCP floors of every record size and window, by (size, window): one write per
/// message and, in flight, batched (one at a time, batching changes nothing).
type Floors = HashMap<(usize, usize), Vec<(&'static str, Rate)>>;

fn floors(served: &[Served], settings: &Settings, report: &Report) -> Result<Floors, BoxError> {
    let mut floors = Floors::new();
    for target in served
        .iter()
        .filter(|s| s.part == "sizes")
        .map(|s| &s.target)
    {
        for window in [1, IN_FLIGHT] {
            for (stack, batched) in [("tcp", false), ("tcp-batched", true)] {
                if batched && window == 1 {
                    continue;
                }
                let rate = median_of(
                    settings.repeats,
                    |s| plain_tcp(8, target.nominal, window, batched, s),
                    settings.seconds,
                )?;
                let row = Row {
                    part: "sizes",
                    stack,
                    transport: "tcp",
                    serializer: "-",
                    size: target.nominal,
                    window,
                    copies: None,
                };
                report.row(&row, &rate, &[]);
                let entry = floors.entry((target.nominal, window)).or_default();
                entry.push((stack, rate.0));
            }
        }
    }
    Ok(floors)
}

/// Which tables are measured over `transport` with `serializer`: every size with MessagePack,
/// 4 KiB with the others; the reference's work where the reference runs it too (MessagePack
/// over both transports, JSON and CBOR over WebSocket).
fn cases<'a>(served: &'a [Served], transport: &str, serializer: Serializer) -> Vec<&'a Served> {
    served
        .iter()
        .filter(|s| match s.part {
            "sizes" => serializer == Serializer::MsgPack || s.target.nominal == 4096,
            _ => transport == "ws" || serializer == Serializer::MsgPack,
        })
        .collect()
}

/// The records' worth of octets the callee copied per record it yielded between `before` and
/// `after` (it sends nothing but YIELDs meanwhile).
fn copies(before: &ClientStats, after: &ClientStats, size: usize) -> Option<f64> {
    let yields = after
        .transport
        .frames_sent
        .checked_sub(before.transport.frames_sent)?;
    let copied = (after.transport.message_bytes_copied - before.transport.message_bytes_copied)
        + (after.payload_octets_copied_by_serializer - before.payload_octets_copied_by_serializer);
    (yields > 0).then(|| copied as f64 / (yields as f64 * size as f64))
}

fn connect(url: &str, serializer: Serializer) -> Result<Client, BoxError> {
    let options = ClientOptions::default()
        .with_serializer(serializer)
        .with_reconnect(None);
    Ok(Client::connect(url, REALM, options)?)
}

/// Measures `cases` over one transport and serializer: a callee serving every table and a
/// caller, each a zerowamp client of its own on `url`.
#[allow(clippy::too_many_arguments)]
fn measure(
    env: &Env,
    served: &[Served],
    cases: &[&Served],
    (transport, url): (&str, &str),
    serializer: Serializer,
    settings: &Settings,
    floors: &Floors,
    report: &Report,
) -> Result<(), BoxError> {
    let callee = connect(url, serializer)?;
    let registrations = served
        .iter()
        .map(|s| serve_records(&callee, env, &s.table, &s.target.procedure))
        .collect::<Result<Vec<Registration>, _>>()?;
    let caller = connect(url, serializer)?;
    for case in cases {
        let target = &case.target;
        for window in [1, IN_FLIGHT] {
            let before = callee.stats();
            let rate = if window == 1 {
                median_of(
                    settings.repeats,
                    |s| sequential(&caller, target, s),
                    settings.seconds,
                )?
            } else {
                median_of(
                    settings.repeats,
                    |s| in_flight(&caller, target, s),
                    settings.seconds,
                )?
            };
            let floor = floors.get(&(target.nominal, window));
            let row = Row {
                part: case.part,
                stack: "zerowamp",
                transport,
                serializer: serializer.name(),
                size: target.nominal,
                window,
                copies: copies(&before, &callee.stats(), target.nominal),
            };
            report.row(&row, &rate, floor.map_or(&[][..], Vec::as_slice));
        }
    }
    caller.leave()?;
    for registration in registrations {
        registration.unregister()?;
    }
    callee.leave()?;
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let settings = settings()?;
    let report = Report {
        json: settings.json,
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if settings.json {
        println!(
            "{}",
            serde_json::json!({"part": "load", "loadavg": load.trim()})
        );
    } else {
        println!(
            "zerowamp e2e: records from LMDB through the embedded router; median of {} runs of \
             {:.1} s; load average at start: {}",
            settings.repeats,
            settings.seconds.as_secs_f64(),
            load.trim()
        );
    }

    let dir = tempfile::tempdir()?;
    let env = Env::open(
        dir.path(),
        &EnvOptions {
            map_size: 1 << 30,
            no_sync: true,
            // Every invocation in flight holds a read snapshot until its record is written.
            max_readers: 1024,
            ..EnvOptions::default()
        },
    )?;
    env.register_schema(SCHEMA)?;
    let served = tables(&env, &settings)?;
    let floors = floors(&served, &settings, &report)?;

    let mut config = ServerConfig::open(REALM, &["ws://127.0.0.1:0/ws", "rs://127.0.0.1:0"]);
    // With 100 calls in flight the router may hold 100 results for the caller at once: 100 MiB
    // of 1 MiB records. At the default limit (16 MiB) it drops the caller as a slow reader.
    config.transport.send_queue_limit = 256 << 20;
    let server = RouterServer::start(&config)?;
    let [ws, rs] = server.listeners() else {
        return Err("expected two listeners".into());
    };
    for (transport, url) in [("ws", ws.url()), ("rs", rs.url())] {
        for serializer in [Serializer::MsgPack, Serializer::Cbor, Serializer::Json] {
            let cases = cases(&served, transport, serializer);
            if !cases.is_empty() {
                let at = (transport, url);
                measure(
                    &env, &served, &cases, at, serializer, &settings, &floors, &report,
                )?;
            }
        }
    }
    server.shutdown(Duration::from_secs(2));
    Ok(())
}
