//! (filled in by its layer's work)
