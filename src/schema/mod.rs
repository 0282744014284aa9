//! FlatBuffers schemas for the store: binary schemas (`.bfbs`) registered at run time, the
//! verification of values against a table's root type, and the evolution check that decides
//! whether a changed schema may replace the one a table was created with.
//!
//! This layer knows nothing about LMDB; [`crate::store`] keeps each table's schema and
//! fingerprint in the environment and calls [`check_evolution`] when they change.

mod bfbs;
mod evolution;
mod registry;
mod root;

pub use bfbs::{hex, Bfbs, Fingerprint};
pub use evolution::check_evolution;
pub use registry::Registry;
pub use root::RootType;
