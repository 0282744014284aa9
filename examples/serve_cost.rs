//! The CPU cost of one served call: 64 B records served by `serve_table` through the embedded
//! router, 100 calls in flight, MessagePack, caller, router and callee in this one process.
//! Prints, per run, calls/s, the process's CPU time per call (user + system, and user alone,
//! from getrusage around the run) and the allocations per call (counted by the global
//! allocator: a figure a loaded machine cannot blur). Compare builds back to back.
//!
//! `cargo run --release --example serve_cost -- [rs|ws] [seconds] [repeats]`

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::client::{CallOptions, Client, ClientOptions};
use zerowamp::router::server::{RouterServer, ServerConfig};
use zerowamp::serve::{serve_table, ServeOptions};
use zerowamp::store::{Env, EnvOptions, KeyCodec, PutFlags, TableOptions, ValueType};
use zerowamp::wamp::{Payload, Serializer, Value};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Counts allocations (malloc and realloc calls), for a figure the machine's load cannot blur.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const IN_FLIGHT: usize = 100;
const RECORDS: u64 = 4000;

/// (user + system, user) CPU seconds of the process so far.
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    (tv(usage.ru_utime) + tv(usage.ru_stime), tv(usage.ru_utime))
}

struct Flight {
    client: Client,
    keys: Vec<Bytes>,
    draws: AtomicU64,
    calls: AtomicU64,
    open: AtomicUsize,
    stop: AtomicBool,
}

impl Flight {
    fn launch(self: &Arc<Self>) {
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        let key = self.keys
            [(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize % self.keys.len()]
        .clone();
        let flight = self.clone();
        let sent = self.client.call_async(
            "probe.record",
            Payload::args(vec![Value::Bytes(key)]),
            CallOptions::default(),
            move |result| {
                if let Ok(r) = result {
                    if let Payload::Transparent(_) = r.payload {
                        flight.calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if !flight.stop.load(Ordering::Relaxed) {
                    flight.launch();
                } else {
                    flight.open.fetch_sub(1, Ordering::Release);
                }
            },
        );
        if sent.is_err() {
            self.open.fetch_sub(1, Ordering::Release);
        }
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let transport = args.get(1).map_or("rs", String::as_str).to_owned();
    let seconds: f64 = args.get(2).map_or(Ok(2.0), |s| s.parse())?;
    let repeats: usize = args.get(3).map_or(Ok(3), |s| s.parse())?;

    let dir = tempfile::tempdir()?;
    let env = Env::open(
        dir.path(),
        &EnvOptions {
            map_size: 1 << 28,
            no_sync: true,
            max_readers: 1024,
            ..EnvOptions::default()
        },
    )?;
    let table = env.open_table(
        "records",
        &TableOptions {
            key: KeyCodec::U64,
            value: ValueType::Raw,
            create: true,
        },
    )?;
    let mut txn = env.begin_write()?;
    let mut keys = Vec::new();
    for id in 0..RECORDS {
        let key = id.to_be_bytes();
        txn.put(&table, &key, &[(id % 251) as u8; 64], PutFlags::default())?;
        keys.push(Bytes::copy_from_slice(&key));
    }
    txn.commit()?;

    let config = ServerConfig::open("realm1", &["ws://127.0.0.1:0/ws", "rs://127.0.0.1:0"]);
    let server = RouterServer::start(&config)?;
    let [ws, rs] = server.listeners() else {
        return Err("expected two listeners".into());
    };
    let url = if transport == "ws" {
        ws.url()
    } else {
        rs.url()
    };
    let options = || {
        ClientOptions::default()
            .with_serializer(Serializer::MsgPack)
            .with_reconnect(None)
    };
    let callee = Client::connect(url, "realm1", options())?;
    let registration = serve_table(
        &callee,
        &env,
        &table,
        "probe.record",
        ServeOptions::default(),
    )?;
    let caller = Client::connect(url, "realm1", options())?;

    for run in 0..=repeats {
        let secs = if run == 0 { 0.3 } else { seconds };
        let flight = Arc::new(Flight {
            client: caller.clone(),
            keys: keys.clone(),
            draws: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            open: AtomicUsize::new(IN_FLIGHT),
            stop: AtomicBool::new(false),
        });
        let (start, cpu0, allocs0) = (
            Instant::now(),
            cpu_seconds(),
            ALLOCS.load(Ordering::Relaxed),
        );
        for _ in 0..IN_FLIGHT {
            flight.launch();
        }
        std::thread::sleep(Duration::from_secs_f64(secs));
        flight.stop.store(true, Ordering::Relaxed);
        let calls = flight.calls.load(Ordering::Relaxed);
        let (wall, cpu1) = (start.elapsed().as_secs_f64(), cpu_seconds());
        let (cpu, user) = (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1);
        let allocs = ALLOCS.load(Ordering::Relaxed) - allocs0;
        while flight.open.load(Ordering::Acquire) > 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        if run > 0 {
            println!(
                "{transport} 64 B msgpack {IN_FLIGHT} in flight: {:>8.0} calls/s  {:>6.2} us CPU/call {:>6.2} us user/call {:>6.2} allocs/call",
                calls as f64 / wall,
                cpu * 1e6 / calls as f64,
                user * 1e6 / calls as f64,
                allocs as f64 / calls as f64
            );
        }
    }
    caller.leave()?;
    registration.unregister()?;
    callee.leave()?;
    server.shutdown(Duration::from_secs(2));
    Ok(())
}
