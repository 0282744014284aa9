//! A RawSocket connection, router side and client side, fed arbitrary octets.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zerowamp::transport::rawsocket::fuzz_input(data));
