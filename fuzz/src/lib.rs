//! The properties behind zerowamp's fuzz targets (`fuzz_targets/*.rs` are one call each), and
//! the input formats the seed generator (`seed.rs`) writes.
//!
//! Every target checks that arbitrary input never panics; most also check a round trip
//! (decode → encode → decode gives the same thing) or compare an optimized path with a plain
//! one.

pub mod codec;
pub mod message;
pub mod session;
pub mod uri;
pub mod url;
pub mod values;
