//! Codec benchmark: encode and decode time per message for each serializer, for a small EVENT
//! and for an EVENT carrying a 64 KiB binary payload (one binary argument with `ppt_*` details,
//! as a record travels in Payload Passthru Mode) — and how often the payload's bytes are copied.
//!
//! `cargo bench --bench codecs` (or `make bench-codecs`), about a minute. Before timing, it
//! measures and prints, per codec:
//!
//! - encode: payload bytes written per payload byte (1.00 for a verbatim copy; JSON's base64 is a
//!   transform, 4/3 output bytes per input byte), plus the bytes moved by growing the output
//!   buffer (counted by a wrapping allocator: every `realloc` that returns a new address counts
//!   the old contents as copied — an upper bound, since glibc may move large blocks with
//!   `mremap` without copying) — into a reused buffer and into a fresh `Vec::new()`;
//! - decode: whether the decoded payload points into the frame (no copy), and the bytes
//!   allocated while decoding, per payload byte.
//!
//! It fails (panics) if an encode copies the payload more than once into a reused buffer, or if
//! a binary codec's decode does not hand out a slice of the frame.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zerowamp::wamp::message::Event;
use zerowamp::wamp::{Dict, Message, Payload, Serializer, Value};

/// Counts allocated bytes and bytes moved by reallocation.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static MOVED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(ptr, layout, new_size);
        ALLOCATED.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        if moved != ptr {
            MOVED.fetch_add(layout.size().min(new_size), Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f`, returning its result and the (allocated, moved) bytes during it.
fn counted<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (a, m) = (
        ALLOCATED.load(Ordering::Relaxed),
        MOVED.load(Ordering::Relaxed),
    );
    let out = f();
    (
        out,
        ALLOCATED.load(Ordering::Relaxed) - a,
        MOVED.load(Ordering::Relaxed) - m,
    )
}

const LARGE: usize = 64 * 1024;

fn small_event() -> Message {
    let mut details = Dict::new();
    details.insert("topic".into(), Value::from("com.example.news"));
    let mut kwargs = Dict::new();
    kwargs.insert("count".into(), Value::from(42u64));
    Message::Event(Event {
        subscription: 5_512_315_355,
        publication: 4_429_313_566,
        details,
        payload: Payload::new(vec![Value::from("Hello, event!")], kwargs),
    })
}

/// Deterministic, incompressible-looking bytes, so a search for them in a frame is unambiguous.
fn payload_bytes(len: usize) -> Bytes {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn large_event(payload: &Bytes) -> Message {
    let mut details = Dict::new();
    details.insert("ppt_scheme".into(), Value::from("x_zerowamp"));
    details.insert("ppt_serializer".into(), Value::from("flatbuffers"));
    Message::Event(Event {
        subscription: 5_512_315_355,
        publication: 4_429_313_566,
        details,
        payload: Payload::args(vec![Value::Bytes(payload.clone())]),
    })
}

/// The binary argument of an EVENT.
fn event_payload(msg: &Message) -> Option<&Bytes> {
    match msg {
        Message::Event(e) => e.payload.arguments().first()?.as_bytes(),
        _ => None,
    }
}

/// Where `needle` occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Measures and prints the copy accounting of one codec for the large EVENT; panics when a
/// zero-copy/one-copy promise does not hold.
fn copy_report(s: Serializer, payload: &Bytes) {
    let codec = s.codec();
    let msg = large_event(payload);
    let n = payload.len() as f64;

    // Encode into a fresh Vec (growth included) and into a buffer with room (steady state).
    let (fresh, _, moved_fresh) = counted(|| {
        let mut out = Vec::new();
        codec.encode(&msg, &mut out).map(|()| out)
    });
    let frame = match fresh {
        Ok(frame) => frame,
        Err(e) => panic!("{s}: encode failed: {e}"),
    };
    let mut reused = Vec::with_capacity(frame.len());
    let (result, _, moved_reused) = counted(|| codec.encode(&msg, &mut reused));
    if let Err(e) = result {
        panic!("{s}: encode failed: {e}");
    }
    // Payload bytes written: verbatim (binary codecs) or as base64 text (JSON).
    let written = if s.is_binary() {
        assert!(
            find(&frame, payload).is_some(),
            "{s}: the payload is not in the frame verbatim"
        );
        payload.len()
    } else {
        base64_len(payload.len())
    };
    let per_byte_reused = (written + moved_reused) as f64 / n;
    let per_byte_fresh = (written + moved_fresh) as f64 / n;
    if s.is_binary() {
        assert!(
            per_byte_reused <= 1.0,
            "{s}: encode copies the payload {per_byte_reused:.2} times"
        );
    }

    // Decode: is the payload a slice of the frame?
    let frame = Bytes::from(frame);
    let (decoded, allocated, _) = counted(|| codec.decode(frame.clone()));
    let decoded = decoded.unwrap_or_else(|e| panic!("{s}: decode failed: {e}"));
    let got = event_payload(&decoded).unwrap_or_else(|| panic!("{s}: no binary argument"));
    assert_eq!(got, payload, "{s}: the payload changed");
    let range = frame.as_ptr_range();
    let in_frame = range.contains(&got.as_ptr()) && got.as_ptr_range().end <= range.end;
    if s.is_binary() {
        assert!(in_frame, "{s}: decode copied the payload");
    }
    let (encode_kind, decode_kind) = if s.is_binary() {
        ("copy", "slice of frame, 0 copies")
    } else {
        ("base64 transform", "base64 transform into a new buffer")
    };
    println!(
        "{:8} frame {:6} B = payload + {:5} B | encode: {:.2} B/payload B ({encode_kind}) into a \
         reused buffer, {:.2} into a fresh Vec | decode: {decode_kind}, {:.2} B allocated/payload B",
        s.name(),
        frame.len(),
        frame.len() as i64 - payload.len() as i64,
        per_byte_reused,
        per_byte_fresh,
        allocated as f64 / n,
    );
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn codecs(c: &mut Criterion) {
    let payload = payload_bytes(LARGE);
    println!("Copies of a {LARGE}-byte EVENT payload (measured):");
    for s in Serializer::ALL {
        copy_report(s, &payload);
    }
    let cases = [
        ("small_event", small_event()),
        ("event_64KiB", large_event(&payload)),
    ];
    for s in Serializer::ALL {
        let codec = s.codec();
        let mut group = c.benchmark_group(s.name());
        for (name, msg) in &cases {
            let mut frame = Vec::new();
            if let Err(e) = codec.encode(msg, &mut frame) {
                panic!("{s}: encode failed: {e}");
            }
            group.throughput(Throughput::Bytes(frame.len() as u64));
            let mut out = Vec::with_capacity(frame.len());
            group.bench_function(format!("encode/{name}"), |b| {
                b.iter(|| {
                    out.clear();
                    codec.encode(std::hint::black_box(msg), &mut out)
                })
            });
            let frame = Bytes::from(frame);
            // A clone of the frame is a reference count; dropping the message is timed too.
            group.bench_function(format!("decode/{name}"), |b| {
                b.iter(|| codec.decode(std::hint::black_box(frame.clone())))
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // 12 benchmarks × (1 s warm-up + 2 s measurement): well under a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = codecs
}
criterion_main!(benches);
