//! WAMP over WebSocket: subprotocol names and their negotiation, the batched variants' framing,
//! and masking keys. The handshake and frame I/O run through `tungstenite`, glued to a
//! non-blocking [`Stream`](super::stream::Stream) in [`framed`](super::framed).
//!
//! Subprotocols are `wamp.2.<serializer>`, plus `wamp.2.<serializer>.batched`, where one
//! WebSocket message carries one or more WAMP messages (spec, advanced profile, "Message
//! Batching"): JSON messages each followed by the octet 0x1E, binary ones each preceded by their
//! length as a 32-bit big-endian integer. Note: autobahn-python appends octet 0x18 (it writes
//! `b"\30"`, an octal escape) instead of the spec's 0x1E; [`split_batch`] follows the spec.
//!
//! A server offered no subprotocol it speaks refuses the opening handshake with HTTP 400 and a
//! body naming what it speaks (as autobahn-python does); a WAMP peer has nothing to say to a
//! WebSocket client that speaks no WAMP serializer it knows.

mod batch;
mod mask;
mod subprotocol;

pub use batch::{batch_framing, split_batch, BatchError, BatchFraming};
pub use mask::MaskKeys;
pub use subprotocol::{negotiate, Subprotocol};
