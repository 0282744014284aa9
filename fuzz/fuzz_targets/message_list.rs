//! `Message::from_list` on arbitrary value lists: no panic; what validates round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::message::from_list(data));
