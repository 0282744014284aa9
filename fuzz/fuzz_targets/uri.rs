//! URI checks and pattern matching: no panic; the pattern index agrees with plain matching.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::uri::run(data));
