//! Caller-driven mode (callbacks run in `dispatch` on the caller's thread, announced by the
//! descriptor) and timers.

mod runtime_support;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use runtime_support::*;
use zerowamp::runtime::{
    CloseReason, ConnectOptions, Connection, ConnectionOptions, Event, ListenOptions, Mode,
    Runtime, RuntimeOptions,
};

fn fd_readable(rt: &Runtime) -> bool {
    rt.wait(Some(Duration::ZERO)).unwrap()
}

/// Dispatches until `done` holds, waiting on the descriptor in between.
fn pump(rt: &Runtime, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out dispatching");
        if rt.wait(Some(Duration::from_millis(100))).unwrap() {
            rt.dispatch(64).unwrap();
        }
    }
}

#[test]
fn caller_driven_callbacks_run_only_in_dispatch_on_the_callers_thread() {
    let rt = Runtime::new(RuntimeOptions {
        mode: Mode::CallerDriven,
        ..RuntimeOptions::default()
    })
    .unwrap();
    assert!(rt.fd().is_some());
    let threads: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
    let server_threads = threads.clone();
    let server = rt
        .listen(
            &url("ws://127.0.0.1:0/"),
            ListenOptions::default(),
            move |_| {
                server_threads
                    .lock()
                    .unwrap()
                    .push(std::thread::current().id());
                let threads = server_threads.clone();
                Box::new(move |conn: &Connection, event: Event| {
                    threads.lock().unwrap().push(std::thread::current().id());
                    if let Event::Frame(frame) = event {
                        conn.send(frame).unwrap();
                    }
                })
            },
        )
        .unwrap();
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let (client_threads, client_events) = (threads.clone(), events.clone());
    let conn = rt
        .connect(
            &url(&format!("ws://127.0.0.1:{}/", server.port().unwrap())),
            ConnectOptions::default(),
            move |_: &Connection, event: Event| {
                client_threads
                    .lock()
                    .unwrap()
                    .push(std::thread::current().id());
                client_events.lock().unwrap().push(event);
            },
        )
        .unwrap();
    conn.send(b"hello".to_vec()).unwrap();
    // Nothing runs without dispatch: the handshake and echo complete, but stay queued.
    let start = Instant::now();
    while !fd_readable(&rt) {
        assert!(start.elapsed() < WAIT);
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(events.lock().unwrap().is_empty());
    assert!(threads.lock().unwrap().is_empty());

    pump(&rt, || events.lock().unwrap().len() >= 2);
    {
        let events = events.lock().unwrap();
        assert!(matches!(events[0], Event::Opened(_)), "{events:?}");
        assert_eq!(events[1], Event::Frame(bytes::Bytes::from_static(b"hello")));
    }
    let me = std::thread::current().id();
    assert!(threads.lock().unwrap().iter().all(|t| *t == me));
    // Everything due has run: the descriptor is quiet again.
    while rt.dispatch(64).unwrap() > 0 {}
    assert!(!fd_readable(&rt));

    conn.close();
    pump(&rt, || events.lock().unwrap().len() >= 3);
    assert_eq!(events.lock().unwrap()[2], Event::Closed(CloseReason::Local));
}

#[test]
fn dispatch_refuses_to_reenter() {
    let rt = Arc::new(
        Runtime::new(RuntimeOptions {
            mode: Mode::CallerDriven,
            ..RuntimeOptions::default()
        })
        .unwrap(),
    );
    let (tx, rx) = channel();
    let handle = rt.handle();
    rt.timer(Duration::ZERO, move || {
        let _ = tx.send(handle.dispatch(1));
    });
    pump(&rt, || rx.try_recv().map(|r| assert!(r.is_err())).is_ok());
}

#[test]
fn reading_pauses_behind_a_slow_dispatcher_and_resumes() {
    let rt = Runtime::new(RuntimeOptions {
        mode: Mode::CallerDriven,
        ..RuntimeOptions::default()
    })
    .unwrap();
    let server_rt = runtime();
    let server = echo_server(
        &server_rt,
        &url("rs://127.0.0.1:0"),
        ListenOptions::default(),
    );
    let received = Arc::new(Mutex::new(0usize));
    let counter = received.clone();
    let limit = 256 * 1024;
    let options = ConnectOptions {
        connection: ConnectionOptions {
            receive_queue_limit: limit,
            ..ConnectionOptions::default()
        },
        ..ConnectOptions::default()
    };
    let conn = rt
        .connect(
            &url(&format!("rs://127.0.0.1:{}", server.port().unwrap())),
            options,
            move |_: &Connection, event: Event| {
                if let Event::Frame(frame) = event {
                    *counter.lock().unwrap() += frame.len();
                }
            },
        )
        .unwrap();
    let total = 64 * 64 * 1024;
    for _ in 0..64 {
        conn.send(vec![3u8; 64 * 1024]).unwrap();
    }
    // Without dispatching, the echoes pile up only to the limit (plus one read budget).
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(*received.lock().unwrap(), 0);
    pump(&rt, || *received.lock().unwrap() == total);
}

#[test]
fn timers_fire_in_order_and_cancelled_ones_do_not() {
    let rt = runtime();
    let (tx, rx) = channel();
    let start = Instant::now();
    for (name, ms) in [("c", 120u64), ("a", 20), ("b", 60)] {
        let tx = tx.clone();
        rt.timer(Duration::from_millis(ms), move || {
            let _ = tx.send((name, start.elapsed()));
        });
    }
    let cancelled = {
        let tx = tx.clone();
        rt.timer(Duration::from_millis(40), move || {
            let _ = tx.send(("cancelled", start.elapsed()));
        })
    };
    rt.cancel_timer(cancelled);
    let fired: Vec<(&str, Duration)> = (0..3).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    assert_eq!(
        fired.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    for ((_, at), ms) in fired.iter().zip([20, 60, 120]) {
        assert!(*at >= Duration::from_millis(ms), "{at:?} < {ms} ms");
    }
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
}

#[test]
fn a_silent_peer_hits_the_open_deadline() {
    // A TCP peer that accepts and never answers: the RawSocket handshake never completes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let rt = runtime();
    let (handler, rx) = channel_handler();
    let options = ConnectOptions {
        connection: ConnectionOptions {
            open_timeout: Duration::from_millis(200),
            ..ConnectionOptions::default()
        },
        ..ConnectOptions::default()
    };
    let port = silent.local_addr().unwrap().port();
    rt.connect(&url(&format!("rs://127.0.0.1:{port}")), options, handler)
        .unwrap();
    assert_eq!(
        expect_closed(&rx),
        CloseReason::Error(zerowamp::runtime::TransportError::HandshakeTimeout)
    );
}

#[test]
fn keepalive_fails_a_peer_that_stops_answering() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 4];
        socket.read_exact(&mut request).unwrap();
        socket
            .write_all(&[0x7F, 0xF0 | (request[1] & 0x0F), 0, 0])
            .unwrap();
        // Then silence: no PONG ever comes back.
        std::thread::sleep(Duration::from_millis(800));
    });
    let rt = runtime();
    let (handler, rx) = channel_handler();
    let options = ConnectOptions {
        connection: ConnectionOptions {
            keepalive: Some(zerowamp::runtime::Keepalive {
                interval: Duration::from_millis(50),
                timeout: Duration::from_millis(100),
            }),
            ..ConnectionOptions::default()
        },
        ..ConnectOptions::default()
    };
    let start = Instant::now();
    rt.connect(&url(&format!("rs://127.0.0.1:{port}")), options, handler)
        .unwrap();
    expect_opened(&rx);
    assert_eq!(
        expect_closed(&rx),
        CloseReason::Error(zerowamp::runtime::TransportError::KeepaliveTimeout)
    );
    assert!(start.elapsed() >= Duration::from_millis(150));
    peer.join().unwrap();
}
