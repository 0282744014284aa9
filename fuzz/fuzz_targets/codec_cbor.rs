//! Any frame through the cbor decoder: no panic; what decodes round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zerowamp::wamp::codec::Cbor;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::codec::decode_frame(&Cbor, data));
