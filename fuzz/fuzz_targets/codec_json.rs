//! Any frame through the json decoder: no panic; what decodes round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zerowamp::wamp::codec::Json;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::codec::decode_frame(&Json, data));
