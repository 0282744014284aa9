//! WAMP over WebSocket: subprotocol names and their negotiation, the batched variants' framing,
//! and masking keys. The handshake and frame I/O run through `tungstenite`, glued to a
//! non-blocking [`Stream`](super::stream::Stream) in [`framed`](super::framed).
//!
//! Subprotocols are `wamp.2.<serializer>`, plus `wamp.2.<serializer>.batched`, where one
//! WebSocket message carries one or more WAMP messages (spec, advanced profile, "Message
//! Batching"): JSON messages each followed by a separator octet, binary ones each preceded by their
//! length as a 32-bit big-endian integer. The spec writes the separator `\30` (octal: 0x18) and
//! also calls it 0x1E; autobahn-python and crossbar write and split on 0x18. We write 0x18 so
//! they can read our batches, and [`split_batch`] accepts either.
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
