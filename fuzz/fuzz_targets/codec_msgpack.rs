//! Any frame through the msgpack decoder: no panic; what decodes round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zerowamp::wamp::codec::MsgPack;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::codec::decode_frame(&MsgPack, data));
