//! Any frame of `wamp.2.json.batched`: no panic; what decodes round-trips as a batch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zerowamp::wamp::Serializer;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::codec::decode_batch(Serializer::Json, data));
