//! (filled in by its layer's work)
pub mod auth;
pub mod uri;
