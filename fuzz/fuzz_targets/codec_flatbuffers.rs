//! Any frame through the FlatBuffers decoder (verified before use): no panic; what decodes
//! round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zerowamp::wamp::codec::flatbuffers::FlatBuffersCodec;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::codec::decode_frame(&FlatBuffersCodec, data));
