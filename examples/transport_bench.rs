//! Raw transport throughput: messages/s and MB/s for 64 B, 64 KiB and 1 MiB messages over
//! WebSocket and RawSocket between two zerowamp endpoints (one runtime each, on 127.0.0.1),
//! next to a plain TCP socket moving the same octets (the floor). Prints each ratio to the
//! floor. Runs in well under 20 s: `cargo run --release --example transport_bench`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zerowamp::runtime::{
    ConnectOptions, Connection, ConnectionOptions, Event, ListenOptions, Runtime, RuntimeOptions,
    SendFullPolicy,
};
use zerowamp::transport::TransportUrl;

type BenchResult = Result<Duration, Box<dyn std::error::Error>>;

/// How many octets each case moves (fewer for small messages, whose cost is per message).
fn count_for(size: usize) -> usize {
    match size {
        s if s < 1024 => 200_000,
        s if s < 1 << 20 => 4_000,
        _ => 256,
    }
}

fn plain_tcp(size: usize, count: usize) -> BenchResult {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let total = size * count;
    let reader = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut socket, _) = listener.accept()?;
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0;
        while got < total {
            let n = socket.read(&mut buf)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        Ok(())
    });
    let mut socket = TcpStream::connect(addr)?;
    socket.set_nodelay(true)?;
    let message = vec![0xA5u8; size];
    let start = Instant::now();
    for _ in 0..count {
        socket.write_all(&message)?;
    }
    reader.join().map_err(|_| "reader panicked")??;
    Ok(start.elapsed())
}

fn zerowamp(listen: &str, connect: &str, size: usize, count: usize) -> BenchResult {
    let server_rt = Runtime::new(RuntimeOptions::default())?;
    let client_rt = Runtime::new(RuntimeOptions::default())?;
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let server = server_rt.listen(
        &TransportUrl::parse(listen)?,
        ListenOptions::default(),
        move |_| {
            let counter = counter.clone();
            Box::new(move |_: &Connection, event: Event| {
                if let Event::Frame(frame) = event {
                    counter.fetch_add(frame.len(), Ordering::Relaxed);
                }
            })
        },
    )?;
    let port = server.port().ok_or("no port")?;
    let options = ConnectOptions {
        connection: ConnectionOptions {
            send_full: SendFullPolicy::Block(Duration::from_secs(30)),
            ..ConnectionOptions::default()
        },
        ..ConnectOptions::default()
    };
    let (open_tx, open_rx) = std::sync::mpsc::channel();
    let conn = client_rt.connect(
        &TransportUrl::parse(&connect.replace("PORT", &port.to_string()))?,
        options,
        move |_: &Connection, event: Event| {
            if let Event::Opened(_) = event {
                let _ = open_tx.send(());
            }
        },
    )?;
    open_rx.recv_timeout(Duration::from_secs(10))?;
    let message = Bytes::from(vec![0xA5u8; size]);
    let total = size * count;
    let start = Instant::now();
    for _ in 0..count {
        conn.send(message.clone())?;
    }
    while received.load(Ordering::Relaxed) < total {
        if start.elapsed() > Duration::from_secs(30) {
            return Err("timed out".into());
        }
        std::thread::yield_now();
    }
    Ok(start.elapsed())
}

fn report(name: &str, size: usize, count: usize, elapsed: Duration, floor: Duration) {
    let secs = elapsed.as_secs_f64();
    println!(
        "  {name:<10} {:>12.0} msg/s {:>10.1} MB/s   {:>5.2}x of plain TCP",
        count as f64 / secs,
        (size * count) as f64 / secs / 1e6,
        floor.as_secs_f64() / secs,
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for size in [64usize, 64 * 1024, 1 << 20] {
        let count = count_for(size);
        println!("{size} B messages, {count} of them:");
        let floor = plain_tcp(size, count)?;
        report("plain TCP", size, count, floor, floor);
        let rs = zerowamp("rs://127.0.0.1:0", "rs://127.0.0.1:PORT", size, count)?;
        report("RawSocket", size, count, rs, floor);
        let ws = zerowamp("ws://127.0.0.1:0/", "ws://127.0.0.1:PORT/", size, count)?;
        report("WebSocket", size, count, ws, floor);
    }
    Ok(())
}
