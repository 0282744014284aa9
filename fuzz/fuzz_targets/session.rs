//! The client session fed arbitrary router messages and application calls.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::session::run(data));
