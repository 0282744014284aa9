//! WAMP authentication methods (being written).
