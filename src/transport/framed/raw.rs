//! The RawSocket side of a framed connection: the sans-IO [`RawSocket`] on a [`Stream`].

use std::io;

use super::writer::{ControlOutput, OutFrame};
use super::{Incoming, OpenInfo, Outgoing, ReadStatus, TransportError};
use crate::transport::rawsocket::{Event, RawSocket};
use crate::transport::stream::Stream;
use crate::transport::url::Framing;

pub(super) struct RawSide {
    pub(super) stream: Stream,
    pub(super) rs: RawSocket,
}

/// The RawSocket's queued octets (handshake, PONGs) as control output for the frame writer.
pub(super) struct RawControl<'a>(pub(super) &'a mut RawSocket);

impl ControlOutput for RawControl<'_> {
    fn pending(&self) -> &[u8] {
        self.0.pending_output()
    }
    fn consume(&mut self, n: usize) {
        self.0.consume_output(n);
    }
}

impl RawSide {
    pub(super) fn read(
        &mut self,
        budget: usize,
        peer: &str,
        out: &mut Vec<Incoming>,
    ) -> Result<ReadStatus, TransportError> {
        let mut taken = 0;
        loop {
            // Events first: read_from refuses to buffer more than a frame ahead.
            while let Some(event) = self.rs.next_event()? {
                match event {
                    Event::Open {
                        serializer,
                        peer_max_length,
                    } => out.push(Incoming::Open(OpenInfo {
                        serializer,
                        framing: Framing::RawSocket,
                        subprotocol: None,
                        max_send: peer_max_length.bytes(),
                        peer: peer.to_string(),
                    })),
                    Event::Message(message) => {
                        taken += message.len();
                        out.push(Incoming::Message(message));
                    }
                    Event::Ping(_) => {}
                    Event::Pong(payload) => out.push(Incoming::Pong(payload)),
                }
            }
            if taken >= budget {
                return Ok(ReadStatus::More);
            }
            match self.rs.read_from(&mut self.stream) {
                Ok(0) => {
                    self.rs.peer_closed()?;
                    return Ok(ReadStatus::Ended);
                }
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(ReadStatus::WouldBlock)
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof && self.rs.is_open() => {
                    // TLS ended without close_notify between frames: treat as the peer leaving.
                    self.rs.peer_closed()?;
                    return Ok(ReadStatus::Ended);
                }
                Err(err) => {
                    return Err(self
                        .rs
                        .error()
                        .cloned()
                        .map_or_else(|| TransportError::from_io(&err), TransportError::RawSocket))
                }
            }
        }
    }

    pub(super) fn frame(&self, message: Outgoing) -> Result<OutFrame, TransportError> {
        let len = message.len();
        let header = self.rs.frame_header(len).map_err(|err| match err {
            crate::transport::rawsocket::Error::MessageTooLarge { length, max } => {
                TransportError::MessageTooLarge { length, max }
            }
            crate::transport::rawsocket::Error::NotOpen => TransportError::NotOpen,
            other => TransportError::RawSocket(other),
        })?;
        Ok(OutFrame::new(&header, message.into_parts(), b"", len))
    }
}
