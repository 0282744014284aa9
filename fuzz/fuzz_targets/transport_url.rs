//! Transport URL parsing: no panic; a parsed URL prints as text that parses to it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zerowamp_fuzz::url::run(data));
