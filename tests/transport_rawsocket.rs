//! A RawSocket client and router side talking to each other through byte buffers, and each of
//! them fed hand-made octets: handshakes, refusals, framing split at every boundary, limits,
//! PING/PONG.

use std::io::{self, Read, Write};

use bytes::Bytes;

use zerowamp::transport::rawsocket::{
    ClientConfig, Error, Event, MaxLength, RawSocket, Refusal, Role, Serializer, ServerConfig,
    MAX_FRAME_PAYLOAD,
};

fn len(n: u8) -> MaxLength {
    MaxLength::from_exponent(n).expect("exponent in 0..=15")
}

fn client(serializer: Serializer, max_receive: MaxLength) -> RawSocket {
    RawSocket::client(ClientConfig {
        serializer,
        max_receive,
    })
}

fn server(serializers: &[Serializer], max_receive: MaxLength) -> RawSocket {
    RawSocket::server(ServerConfig {
        max_receive,
        ..ServerConfig::new(serializers)
    })
}

/// Takes everything `from` has queued.
fn take_output(from: &mut RawSocket) -> Vec<u8> {
    let out = from.pending_output().to_vec();
    from.consume_output(out.len());
    out
}

/// Every event available now; panics (a test failure) on an error.
fn events(socket: &mut RawSocket) -> Vec<Event> {
    let mut got = Vec::new();
    while let Some(event) = socket.next_event().expect("no error") {
        got.push(event);
    }
    got
}

/// Moves `from`'s queued octets into `to` and returns `to`'s events.
fn pump(from: &mut RawSocket, to: &mut RawSocket) -> Vec<Event> {
    let octets = take_output(from);
    to.feed(&octets);
    events(to)
}

/// A connected pair: (client, server).
fn open_pair(client_max: MaxLength, server_max: MaxLength) -> (RawSocket, RawSocket) {
    let mut c = client(Serializer::Cbor, client_max);
    let mut s = server(&Serializer::ALL, server_max);
    assert_eq!(pump(&mut c, &mut s).len(), 1);
    assert_eq!(pump(&mut s, &mut c).len(), 1);
    assert!(c.is_open() && s.is_open());
    (c, s)
}

/// The error that failed `socket`, checking it stays failed with the same error.
fn failure(socket: &mut RawSocket) -> Error {
    let err = socket.next_event().expect_err("the connection must fail");
    assert!(err.is_fatal(), "{err}");
    assert!(socket.is_failed());
    assert_eq!(socket.error(), Some(&err));
    assert_eq!(socket.next_event(), Err(err.clone()), "failure is sticky");
    err
}

#[test]
fn handshake_completes_for_every_serializer_and_length_pair() {
    for ser in Serializer::ALL {
        for cn in 0..=15u8 {
            for sn in 0..=15u8 {
                let mut c = client(ser, len(cn));
                let mut s = server(&Serializer::ALL, len(sn));
                assert_eq!(c.role(), Role::Client);
                assert_eq!(s.role(), Role::Server);
                assert_eq!(c.pending_output(), [0x7F, cn << 4 | ser.id(), 0, 0]);
                assert!(!s.wants_write(), "a router speaks only after the request");

                assert_eq!(
                    pump(&mut c, &mut s),
                    [Event::Open {
                        serializer: ser,
                        peer_max_length: len(cn)
                    }]
                );
                assert_eq!(s.pending_output(), [0x7F, sn << 4 | ser.id(), 0, 0]);
                assert_eq!(
                    pump(&mut s, &mut c),
                    [Event::Open {
                        serializer: ser,
                        peer_max_length: len(sn)
                    }]
                );
                assert_eq!(c.serializer(), Some(ser));
                assert_eq!(s.serializer(), Some(ser));
                assert_eq!(c.peer_max_length(), Some(len(sn)));
                assert_eq!(s.peer_max_length(), Some(len(cn)));
                assert_eq!(c.max_receive_length(), len(cn));
            }
        }
    }
}

#[test]
fn handshake_arriving_one_octet_at_a_time() {
    let mut c = client(Serializer::Json, MaxLength::MAX);
    let mut s = server(&[Serializer::Json], MaxLength::MIN);
    for octet in take_output(&mut c) {
        assert!(!s.is_open());
        s.feed(&[octet]);
        let got = events(&mut s);
        assert_eq!(got.len(), usize::from(s.is_open()));
    }
    for octet in take_output(&mut s) {
        assert!(!c.is_open());
        c.feed(&[octet]);
        events(&mut c);
    }
    assert!(c.is_open());
    assert_eq!(c.peer_max_length(), Some(MaxLength::MIN));
}

#[test]
fn frames_sent_right_behind_the_handshake_are_not_lost() {
    // A client may pipeline its first message behind the request, a router its first frames
    // behind the reply.
    let mut s = server(&[Serializer::MsgPack], MaxLength::MAX);
    s.feed(&[0x7F, 0xF2, 0, 0, 0, 0, 0, 2, b'h', b'i']);
    assert_eq!(
        events(&mut s),
        [
            Event::Open {
                serializer: Serializer::MsgPack,
                peer_max_length: MaxLength::MAX
            },
            Event::Message("hi".into())
        ]
    );

    let mut c = client(Serializer::MsgPack, MaxLength::MAX);
    c.feed(&[0x7F, 0x02, 0, 0, 1, 0, 0, 1, b'p']);
    let got = events(&mut c);
    assert_eq!(got[1], Event::Ping("p".into()));
    assert_eq!(take_output(&mut c)[4..], [2, 0, 0, 1, b'p']);
}

#[test]
fn router_refuses_a_serializer_it_does_not_speak_and_the_client_reports_it() {
    let mut c = client(Serializer::Cbor, MaxLength::MAX);
    let mut s = server(&[Serializer::Json, Serializer::MsgPack], MaxLength::MAX);
    s.feed(&take_output(&mut c));
    assert_eq!(failure(&mut s), Error::UnsupportedSerializer { id: 3 });
    let reply = take_output(&mut s);
    assert_eq!(reply, [0x7F, 0x10, 0, 0]);
    c.feed(&reply);
    assert_eq!(
        failure(&mut c),
        Error::RouterRefused(Refusal::SerializerUnsupported)
    );
}

#[test]
fn router_refuses_illegal_and_reserved_serializer_ids() {
    for id in [0u8, 6, 7, 15] {
        let mut s = server(&Serializer::ALL, MaxLength::MAX);
        s.feed(&[0x7F, 0xF0 | id, 0, 0]);
        assert_eq!(failure(&mut s), Error::UnsupportedSerializer { id });
        assert_eq!(s.pending_output(), [0x7F, 0x10, 0, 0]);
    }
}

#[test]
fn router_refuses_a_client_max_length_below_its_minimum() {
    let mut s = RawSocket::server(ServerConfig {
        min_peer_max_length: len(11),
        ..ServerConfig::new(&Serializer::ALL)
    });
    let mut c = client(Serializer::Json, len(10));
    s.feed(&take_output(&mut c));
    assert_eq!(
        failure(&mut s),
        Error::PeerMaxLengthTooSmall {
            announced: 1 << 19,
            required: 1 << 20
        }
    );
    c.feed(&take_output(&mut s));
    assert_eq!(
        failure(&mut c),
        Error::RouterRefused(Refusal::MaxLengthUnacceptable)
    );
}

#[test]
fn router_refuses_reserved_bits_in_the_request() {
    let mut s = server(&Serializer::ALL, MaxLength::MAX);
    s.feed(&[0x7F, 0xF1, 0x00, 0x01]);
    assert_eq!(
        failure(&mut s),
        Error::ReservedBitsInRequest { octets: [0, 1] }
    );
    let mut c = client(Serializer::Json, MaxLength::MAX);
    c.feed(&take_output(&mut s));
    assert_eq!(
        failure(&mut c),
        Error::RouterRefused(Refusal::ReservedBitsUsed)
    );
}

#[test]
fn router_turns_a_client_away_when_it_has_too_many_connections() {
    let mut c = client(Serializer::Json, MaxLength::MAX);
    let mut s = server(&Serializer::ALL, MaxLength::MAX);
    s.refuse(Refusal::MaxConnectionCountReached)
        .expect("a router may refuse during the handshake");
    assert_eq!(
        failure(&mut s),
        Error::Refused(Refusal::MaxConnectionCountReached)
    );
    // The client's request arriving afterwards changes nothing.
    s.feed(&take_output(&mut c));
    assert_eq!(take_output(&mut s), [0x7F, 0x40, 0, 0]);
    c.feed(&[0x7F, 0x40, 0, 0]);
    assert_eq!(
        failure(&mut c),
        Error::RouterRefused(Refusal::MaxConnectionCountReached)
    );
}

#[test]
fn only_a_router_in_the_handshake_can_refuse() {
    let mut c = client(Serializer::Json, MaxLength::MAX);
    assert_eq!(
        c.refuse(Refusal::MaxConnectionCountReached),
        Err(Error::CannotRefuse)
    );
    let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    let err = s.refuse(Refusal::SerializerUnsupported).unwrap_err();
    assert_eq!(err, Error::CannotRefuse);
    assert!(!err.is_fatal());
    assert!(s.is_open());
}

#[test]
fn client_reports_illegal_and_reserved_refusal_codes() {
    for code in [0u8, 5, 9, 15] {
        let mut c = client(Serializer::Json, MaxLength::MAX);
        c.feed(&[0x7F, code << 4, 0, 0]);
        assert_eq!(failure(&mut c), Error::RouterRefusedUnknown { code });
    }
}

#[test]
fn client_refuses_a_reply_with_another_serializer_or_reserved_bits() {
    let mut c = client(Serializer::Json, MaxLength::MAX);
    c.feed(&[0x7F, 0xF2, 0, 0]);
    assert_eq!(
        failure(&mut c),
        Error::SerializerMismatch {
            requested: Serializer::Json,
            replied: 2
        }
    );
    let mut c = client(Serializer::Json, MaxLength::MAX);
    c.feed(&[0x7F, 0xF1, 0x80, 0]);
    assert_eq!(
        failure(&mut c),
        Error::ReservedBitsInReply { octets: [0x80, 0] }
    );
}

#[test]
fn garbage_first_octet_fails_at_once_without_a_reply() {
    for first in (0..=255u8).filter(|&b| b != 0x7F) {
        let mut s = server(&Serializer::ALL, MaxLength::MAX);
        s.feed(&[first]);
        assert_eq!(failure(&mut s), Error::NotRawSocket { first_octet: first });
        assert!(!s.wants_write(), "no reply to a non-RawSocket peer");

        let mut c = client(Serializer::Json, MaxLength::MAX);
        take_output(&mut c);
        c.feed(&[first]);
        assert_eq!(failure(&mut c), Error::BadReplyMagic { first_octet: first });
    }
    // An HTTP request, the case a shared port sees.
    let mut s = server(&Serializer::ALL, MaxLength::MAX);
    s.feed(b"GET /ws HTTP/1.1\r\n");
    let err = failure(&mut s);
    assert!(err.to_string().contains("0x47"), "{err}");
}

#[test]
fn nothing_can_be_sent_before_the_handshake() {
    let mut c = client(Serializer::Json, MaxLength::MAX);
    let queued = c.pending_output().to_vec();
    for err in [
        c.send_message(b"x").unwrap_err(),
        c.send_ping(b"x").unwrap_err(),
        c.frame_header(1).unwrap_err(),
    ] {
        assert_eq!(err, Error::NotOpen);
        assert!(!err.is_fatal());
    }
    assert_eq!(c.pending_output(), queued, "nothing was queued");
}

/// Four frames of assorted types and lengths, as the client queues them.
fn sample_stream(c: &mut RawSocket) -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
    let frames: Vec<(u8, Vec<u8>)> = vec![
        (0, b"[1,\"realm1\",{}]".to_vec()),
        (0, Vec::new()),
        (1, vec![0xAB; 300]),
        (0, (0..=255u8).cycle().take(70_000).collect()),
    ];
    for (ty, payload) in &frames {
        match ty {
            0 => c.send_message(payload).expect("within limits"),
            _ => c.send_ping(payload).expect("within limits"),
        }
    }
    (take_output(c), frames)
}

fn check_received(got: &[Event], sent: &[(u8, Vec<u8>)]) {
    assert_eq!(got.len(), sent.len());
    for (event, (ty, payload)) in got.iter().zip(sent) {
        match (event, ty) {
            (Event::Message(p), 0) | (Event::Ping(p), 1) => assert_eq!(p, payload),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn frames_split_at_every_octet_boundary_arrive_whole() {
    let (mut c, _) = open_pair(MaxLength::MAX, MaxLength::MAX);
    let (stream, sent) = sample_stream(&mut c);
    assert_eq!(stream[..4], [0, 0, 0, 15]);

    // One octet at a time.
    let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    let mut got = Vec::new();
    for octet in &stream {
        s.feed(std::slice::from_ref(octet));
        got.extend(events(&mut s));
    }
    check_received(&got, &sent);
    assert_eq!(s.buffered_input(), 0);

    // Two pieces, split at every boundary up to the last frame's header, and inside it.
    let last = stream.len() - 70_004;
    let boundaries = (0..=last + 10).chain([last + 5_000, stream.len() - 1, stream.len()]);
    for split in boundaries {
        let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
        s.feed(&stream[..split]);
        let mut got = events(&mut s);
        s.feed(&stream[split..]);
        got.extend(events(&mut s));
        check_received(&got, &sent);
    }
}

#[test]
fn received_payloads_are_not_copied_out_of_the_receive_buffer() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    c.send_message(b"first").unwrap();
    c.send_message(b"second").unwrap();
    let got = pump(&mut c, &mut s);
    let (Event::Message(a), Event::Message(b)) = (&got[0], &got[1]) else {
        panic!("two messages expected, got {got:?}");
    };
    // Both payloads point into one buffer, 4 header octets apart: they were split off it, not
    // copied.
    assert_eq!(b.as_ptr() as usize, a.as_ptr() as usize + a.len() + 4);
}

#[test]
fn a_frame_of_exactly_the_announced_maximum_is_accepted_and_one_more_octet_refused() {
    for n in [0u8, 3, 7] {
        let max = len(n).bytes();
        let (mut c, mut s) = open_pair(MaxLength::MAX, len(n));
        c.send_message(&vec![7; max]).expect("exactly the maximum");
        assert_eq!(pump(&mut c, &mut s), [Event::Message(vec![7; max].into())]);

        // The client cannot even queue one more octet ...
        let err = c.send_message(&vec![7; max + 1]).unwrap_err();
        assert_eq!(
            err,
            Error::MessageTooLarge {
                length: max + 1,
                max
            }
        );
        assert!(!err.is_fatal() && c.is_open() && !c.wants_write());
        // ... and a peer that sends it anyway is failed as soon as the header arrives.
        let header = u32::try_from(max + 1).unwrap().to_be_bytes();
        s.feed(&header);
        assert_eq!(
            failure(&mut s),
            Error::FrameTooLarge {
                length: max + 1,
                max
            }
        );
        s.feed(b"more");
        assert_eq!(s.buffered_input(), 0, "a failed connection buffers nothing");
    }
}

#[test]
fn a_16_mib_frame_uses_the_25th_length_bit_both_ways() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    assert_eq!(c.frame_header(MAX_FRAME_PAYLOAD), Ok([0x08, 0, 0, 0]));
    assert_eq!(
        c.frame_header(MAX_FRAME_PAYLOAD - 1),
        Ok([0x00, 0xFF, 0xFF, 0xFF])
    );
    assert_eq!(
        c.frame_header(MAX_FRAME_PAYLOAD + 1),
        Err(Error::MessageTooLarge {
            length: MAX_FRAME_PAYLOAD + 1,
            max: MAX_FRAME_PAYLOAD
        })
    );
    let payload = vec![0x5A; MAX_FRAME_PAYLOAD];
    c.send_message(&payload).unwrap();
    assert_eq!(c.pending_output()[..4], [0x08, 0, 0, 0]);
    let got = pump(&mut c, &mut s);
    assert_eq!(got.len(), 1);
    assert!(
        matches!(&got[0], Event::Message(p) if p.len() == MAX_FRAME_PAYLOAD && p[..] == payload[..])
    );

    // With one exponent less, the same header is refused.
    let (_, mut s) = open_pair(MaxLength::MAX, len(14));
    s.feed(&[0x08, 0, 0, 0]);
    assert_eq!(
        failure(&mut s),
        Error::FrameTooLarge {
            length: MAX_FRAME_PAYLOAD,
            max: MAX_FRAME_PAYLOAD / 2
        }
    );
}

#[test]
fn ping_is_answered_with_a_pong_echoing_its_payload() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    c.send_ping(b"are you there").unwrap();
    assert_eq!(c.pending_output()[..4], [1, 0, 0, 13]);
    assert_eq!(pump(&mut c, &mut s), [Event::Ping("are you there".into())]);
    assert_eq!(s.pending_output()[..4], [2, 0, 0, 13]);
    assert_eq!(pump(&mut s, &mut c), [Event::Pong("are you there".into())]);

    // An empty PING too, and one PONG per PING.
    c.send_ping(b"").unwrap();
    c.send_ping(b"2").unwrap();
    assert_eq!(pump(&mut c, &mut s).len(), 2);
    assert_eq!(s.pending_output(), [2, 0, 0, 0, 2, 0, 0, 1, b'2']);
}

#[test]
fn a_ping_the_peer_could_not_receive_back_fails_the_connection() {
    let (mut c, mut s) = open_pair(len(0), MaxLength::MAX);
    c.send_ping(&[1; 513]).unwrap();
    s.feed(&take_output(&mut c));
    assert_eq!(
        failure(&mut s),
        Error::PingTooLargeToEcho {
            length: 513,
            max: 512
        }
    );
}

#[test]
fn malformed_frame_headers_fail_the_connection() {
    let cases: [([u8; 4], Error); 4] = [
        (
            [0x10, 0, 0, 1],
            Error::ReservedFrameBits { first_octet: 0x10 },
        ),
        (
            [0x80, 0, 0, 1],
            Error::ReservedFrameBits { first_octet: 0x80 },
        ),
        ([0x03, 0, 0, 1], Error::UnknownFrameType { frame_type: 3 }),
        (
            [0x08, 0, 0, 1],
            Error::BadLengthEncoding {
                header: [0x08, 0, 0, 1],
            },
        ),
    ];
    for (header, expected) in cases {
        let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
        s.feed(&header);
        assert_eq!(failure(&mut s), expected);
        assert_eq!(s.send_message(b"x"), Err(expected.clone()));
    }
    for frame_type in 3..=7u8 {
        let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
        s.feed(&[frame_type, 0, 0, 0]);
        assert_eq!(failure(&mut s), Error::UnknownFrameType { frame_type });
    }
}

#[test]
fn header_for_a_payload_written_by_the_caller_frames_it_like_send_message() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, len(1));
    let payload = b"a record straight from the map";
    // What a runtime does with writev: queued octets, then the header, then the payload.
    let mut wire = take_output(&mut c);
    wire.extend_from_slice(&c.frame_header(payload.len()).unwrap());
    wire.extend_from_slice(payload);
    c.send_message(payload).unwrap();
    assert_eq!(wire, take_output(&mut c), "same octets as send_message");
    s.feed(&wire);
    assert_eq!(
        events(&mut s),
        [Event::Message(Bytes::from_static(payload))]
    );
    assert_eq!(
        c.frame_header(1025),
        Err(Error::MessageTooLarge {
            length: 1025,
            max: 1024
        })
    );
}

/// Hands out its data a few octets per `read`.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn read_from_reads_straight_into_the_receive_buffer() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    let (stream, sent) = sample_stream(&mut c);
    for step in [1, 3, 4096, 1 << 20] {
        let (_, mut s2) = open_pair(MaxLength::MAX, MaxLength::MAX);
        let mut reader = Trickle {
            data: &stream,
            step,
        };
        let mut got = Vec::new();
        while s2.read_from(&mut reader).unwrap() > 0 {
            got.extend(events(&mut s2));
        }
        check_received(&got, &sent);
    }

    // An I/O error passes through and leaves the buffer as it was.
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }
    s.feed(&[0, 0]);
    let err = s.read_from(&mut Broken).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    assert_eq!(s.buffered_input(), 2);
}

#[test]
fn read_from_stops_when_events_are_not_taken() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, len(0));
    for _ in 0..1000 {
        c.send_message(&[1; 100]).unwrap();
    }
    let stream = take_output(&mut c);
    let mut reader = &stream[..];
    let mut total = 0;
    let err = loop {
        match s.read_from(&mut reader) {
            Ok(0) => panic!("the reader ran dry before the buffer filled"),
            Ok(n) => total += n,
            Err(err) => break err,
        }
    };
    // 512 + 4 + 64 KiB: the most buffered before events must be taken.
    assert_eq!(total, 512 + 4 + 64 * 1024);
    assert!(err.to_string().contains("process events"), "{err}");
    assert_eq!(events(&mut s).len(), total / 104);
    assert!(s.read_from(&mut reader).unwrap() > 0, "reading resumes");
}

#[test]
fn read_from_after_failure_reports_the_failure() {
    let mut s = server(&Serializer::ALL, MaxLength::MAX);
    s.feed(b"G");
    failure(&mut s);
    let err = s.read_from(&mut &b"more"[..]).unwrap_err();
    assert!(err.to_string().contains("not a RawSocket client"), "{err}");
}

/// Accepts at most a few octets per `write`.
struct Narrow {
    written: Vec<u8>,
    step: usize,
}

impl Write for Narrow {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_to_writes_the_queue_in_order_across_partial_writes() {
    let (mut c, _) = open_pair(MaxLength::MAX, MaxLength::MAX);
    c.send_message(b"hello").unwrap();
    c.send_ping(b"p").unwrap();
    let expected = c.pending_output().to_vec();
    let mut sink = Narrow {
        written: Vec::new(),
        step: 3,
    };
    while c.wants_write() {
        assert!(c.write_to(&mut sink).unwrap() <= 3);
    }
    assert_eq!(sink.written, expected);
    c.consume_output(usize::MAX);
    assert!(!c.wants_write());
}

#[test]
fn errors_read_as_sentences_naming_the_problem() {
    let cases: [(Error, &str); 5] = [
        (
            Error::RouterRefused(Refusal::MaxConnectionCountReached),
            "maximum connection count reached (code 4)",
        ),
        (
            Error::UnsupportedSerializer { id: 0 },
            "serializer id 0, which is illegal",
        ),
        (
            Error::FrameTooLarge {
                length: 600,
                max: 512,
            },
            "frame of 600 octets, more than the 512 announced",
        ),
        (
            Error::SerializerMismatch {
                requested: Serializer::FlatBuffers,
                replied: 1,
            },
            "replied with serializer id 1, but flatbuffers (id 5) was requested",
        ),
        (
            Error::RouterRefusedUnknown { code: 7 },
            "reserved error code 7",
        ),
    ];
    for (err, text) in cases {
        assert!(err.to_string().contains(text), "{err}");
    }
}

#[test]
fn end_of_stream_is_clean_only_between_frames() {
    let (mut c, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
    assert_eq!(s.peer_closed(), Ok(()));

    c.send_message(b"cut short").unwrap();
    let stream = take_output(&mut c);
    for cut in [1, 4, 5, 12] {
        let (_, mut s) = open_pair(MaxLength::MAX, MaxLength::MAX);
        s.feed(&stream[..cut]);
        assert_eq!(events(&mut s), []);
        assert_eq!(
            s.peer_closed(),
            Err(Error::ClosedMidFrame { received: cut })
        );
        assert!(s.is_failed());
    }

    // A router that hangs up instead of replying (crossbar, for an unsupported serializer).
    let mut c = client(Serializer::Ubjson, MaxLength::MAX);
    assert_eq!(c.peer_closed(), Err(Error::ClosedDuringHandshake));
    assert_eq!(c.next_event(), Err(Error::ClosedDuringHandshake));
}
