//! An entry point that drives both sides of a connection with arbitrary octets, for a fuzzer
//! (cargo-fuzz, AFL) or a test. It must never panic, whatever it is given.

use super::{ClientConfig, Event, MaxLength, RawSocket, Serializer, ServerConfig};

/// Feeds `data` to a router side and to a client side, draining every event, answering each
/// message with an echo, and ending with the peer closing.
///
/// The first octet chooses the settings: its high nibble the maximum length exponent of both
/// sides, bits 0–1 the router's least accepted client maximum, bit 2 whether input arrives
/// through [`RawSocket::read_from`] rather than [`RawSocket::feed`], and bit 3 the chunk size
/// (one octet at a time, or seven). The rest is the input.
pub fn fuzz_input(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let max_receive = MaxLength::from_exponent(control >> 4).unwrap_or(MaxLength::MAX);
    let min_peer_max_length = MaxLength::from_exponent(control & 0x03).unwrap_or(MaxLength::MIN);
    let use_reader = control & 0x04 != 0;
    let chunk = if control & 0x08 != 0 { 7 } else { 1 };

    let server = RawSocket::server(ServerConfig {
        serializers: vec![Serializer::Json, Serializer::Cbor, Serializer::FlatBuffers],
        max_receive,
        min_peer_max_length,
    });
    let client = RawSocket::client(ClientConfig {
        serializer: Serializer::Cbor,
        max_receive,
    });
    for mut socket in [server, client] {
        for mut piece in input.chunks(chunk) {
            if use_reader {
                while !piece.is_empty() {
                    if socket.read_from(&mut piece).is_err() {
                        break;
                    }
                    drain(&mut socket);
                }
            } else {
                socket.feed(piece);
            }
            drain(&mut socket);
        }
        let _ = socket.peer_closed();
    }
}

/// Takes every event, echoes messages, and writes out half of what is queued.
fn drain(socket: &mut RawSocket) {
    while let Ok(Some(event)) = socket.next_event() {
        if let Event::Message(payload) = event {
            let _ = socket.frame_header(payload.len());
            let _ = socket.send_message(&payload);
        }
    }
    let queued = socket.pending_output().len();
    socket.consume_output(queued / 2 + 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no dependency and always runs the same.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..2_000u32 {
            let len = (rng.next() % 64) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            // Half the inputs start like a valid handshake, so the frame parser gets exercised.
            if round % 2 == 0 && data.len() > 5 {
                data[1] = 0x7F;
                data[2] = (data[2] & 0xF0) | 3;
                data[3] = 0;
                data[4] = 0;
            }
            fuzz_input(&data);
        }
    }
}
