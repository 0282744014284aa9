//! One framed connection over a non-blocking [`Stream`]: RawSocket or WebSocket, client or
//! server, moving whole WAMP messages as [`Bytes`] and knowing nothing of their content.
//!
//! [`FramedConnection`] is driven by a reactor: call [`read`](FramedConnection::read) when the
//! socket is readable and [`write`](FramedConnection::write) when it is writable (both until they
//! would block). The opening handshakes (RawSocket, or the WebSocket upgrade with subprotocol
//! negotiation) run inside those calls and end with [`Incoming::Open`].
//!
//! Sending copies nothing on RawSocket or on the server side of WebSocket: the frame header
//! and the payload go out together with `writev`. A WebSocket client masks, which is one copy.
//! [`CopyCounters`] counts both, so tests and benchmarks can check the claim.
//!
//! Closing is clean on both framings: [`close`](FramedConnection::close) waits until every
//! queued frame is written, then sends a WebSocket close frame (with its code) or, on RawSocket,
//! which has no close message, ends the stream.

mod error;
mod outgoing;
mod raw;
mod setup;
mod writer;
mod ws;

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;

use crate::transport::rawsocket::RawSocket;
use crate::transport::stream::Stream;

pub use error::TransportError;
pub use outgoing::Outgoing;
pub use setup::{
    ClientSetup, CopyCounters, CopyStats, OpenInfo, ServerSetup, WsClientSetup, WsServerSetup,
};
pub use writer::WriteProgress;

use raw::{RawControl, RawSide};
use writer::FrameWriter;
use ws::WsSide;

/// Something that arrived on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// The opening handshake completed.
    Open(OpenInfo),
    /// A WAMP message (a slice of the receive buffer: no copy).
    Message(Bytes),
    /// The answer to a ping sent with [`FramedConnection::ping`].
    Pong(Bytes),
    /// WebSocket: the peer's close frame, either starting the closing handshake (the reply is
    /// already queued) or answering ours.
    CloseFrame {
        /// The close code, if the peer sent one.
        code: Option<u16>,
        /// The reason text.
        reason: String,
    },
}

/// Why [`FramedConnection::read`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStatus {
    /// Nothing more to read until the socket is readable again.
    WouldBlock,
    /// The budget was used up while more may be buffered: call again soon (the reactor will
    /// not report readiness again for data already there).
    More,
    /// The peer ended the stream cleanly.
    Ended,
}

enum State {
    /// Server side with both framings: waiting for the first octet.
    Sniff(Option<Stream>, ServerSetup),
    Raw(Box<RawSide>),
    Ws(Box<WsSide>),
}

/// A RawSocket or WebSocket connection on a non-blocking stream. See the
/// [module documentation](self).
pub struct FramedConnection {
    state: State,
    writer: FrameWriter,
    counters: Arc<CopyCounters>,
    peer: String,
    info: Option<OpenInfo>,
    /// A close asked for and not yet started (waiting for queued frames to go out).
    close_pending: Option<(u16, String)>,
    close_started: bool,
    /// An `Open` seen while writing, reported by the next read.
    deferred_open: Option<Incoming>,
}

impl FramedConnection {
    /// The client side: the RawSocket handshake request or the WebSocket upgrade request is
    /// queued at once.
    pub fn client(
        stream: Stream,
        setup: &ClientSetup,
        counters: Arc<CopyCounters>,
    ) -> Result<FramedConnection, TransportError> {
        let peer = stream.socket().peer_description();
        let state = match setup {
            ClientSetup::RawSocket(config) => State::Raw(Box::new(RawSide {
                stream,
                rs: RawSocket::client(config.clone()),
            })),
            ClientSetup::WebSocket(ws) => State::Ws(Box::new(WsSide::client(stream, ws)?)),
        };
        Ok(FramedConnection::new(state, peer, counters))
    }

    /// The server side. With both framings in `setup`, the first octet received decides.
    pub fn server(
        stream: Stream,
        setup: &ServerSetup,
        counters: Arc<CopyCounters>,
    ) -> FramedConnection {
        let peer = stream.socket().peer_description();
        let state = match (&setup.rawsocket, &setup.websocket) {
            (Some(rs), None) => State::Raw(Box::new(RawSide {
                stream,
                rs: RawSocket::server(rs.clone()),
            })),
            (None, Some(ws)) => State::Ws(Box::new(WsSide::server(stream, ws))),
            _ => State::Sniff(Some(stream), setup.clone()),
        };
        FramedConnection::new(state, peer, counters)
    }

    fn new(state: State, peer: String, counters: Arc<CopyCounters>) -> FramedConnection {
        FramedConnection {
            state,
            writer: FrameWriter::default(),
            counters,
            peer,
            info: None,
            close_pending: None,
            close_started: false,
            deferred_open: None,
        }
    }

    /// What was agreed, once open.
    pub fn info(&self) -> Option<&OpenInfo> {
        self.info.as_ref()
    }

    /// Whether the opening handshake has completed.
    pub fn is_open(&self) -> bool {
        self.info.is_some()
    }

    /// The peer's address.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The counters this connection adds to.
    pub fn counters(&self) -> &Arc<CopyCounters> {
        &self.counters
    }

    /// Reads until the socket would block, the stream ends, or about `budget` message octets
    /// have arrived, pushing what arrived onto `out`. An error is fatal: call
    /// [`write`](Self::write) once more (it may carry a refusal or a close frame for the peer),
    /// then drop the connection.
    pub fn read(
        &mut self,
        budget: usize,
        out: &mut Vec<Incoming>,
    ) -> Result<ReadStatus, TransportError> {
        if let Some(open) = self.deferred_open.take() {
            out.push(open);
        }
        if let State::Sniff(stream, setup) = &mut self.state {
            let Some(s) = stream.as_mut() else {
                return Err(TransportError::NotOpen);
            };
            let first = match s.peek_first_octet() {
                Ok(None) => return Ok(ReadStatus::WouldBlock),
                Ok(Some(octet)) => octet,
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(ReadStatus::Ended)
                }
                Err(err) => return Err(TransportError::from_io(&err)),
            };
            let setup = setup.clone();
            let Some(s) = stream.take() else {
                return Err(TransportError::NotOpen);
            };
            self.state = match (
                crate::transport::is_rawsocket_preamble(first),
                setup.rawsocket,
                setup.websocket,
            ) {
                (false, _, Some(ws)) => State::Ws(Box::new(WsSide::server(s, &ws))),
                (_, Some(rs), _) => State::Raw(Box::new(RawSide {
                    stream: s,
                    rs: RawSocket::server(rs),
                })),
                (true, None, Some(ws)) => State::Ws(Box::new(WsSide::server(s, &ws))),
                (_, None, None) => return Err(TransportError::NotOpen),
            };
        }
        let before = out.len();
        let result = match &mut self.state {
            State::Sniff(..) => Ok(ReadStatus::WouldBlock),
            State::Raw(raw) => raw.read(budget, &self.peer, out),
            State::Ws(ws) => {
                ws.progress(&self.peer, out)?;
                match ws.open_mut() {
                    Some(open) => open.read(budget, out),
                    None => Ok(ReadStatus::WouldBlock),
                }
            }
        };
        for incoming in out.iter().skip(before) {
            if let Incoming::Open(info) = incoming {
                self.info = Some(info.clone());
            }
        }
        result
    }

    /// Queues one WAMP message (one buffer, or two written back to back). Refused (and nothing
    /// queued) before the connection is open, after a close was asked for, or when the message
    /// is longer than the peer accepts.
    pub fn send(&mut self, message: impl Into<Outgoing>) -> Result<(), TransportError> {
        let message = message.into();
        if self.close_pending.is_some() || self.close_started {
            return Err(TransportError::NotOpen);
        }
        let len = message.len();
        let mut copied = 0;
        let frame = match &mut self.state {
            State::Raw(raw) => raw.frame(message)?,
            State::Ws(ws) => match ws.open_mut() {
                Some(open) => open.frame(message, &mut copied)?,
                None => return Err(TransportError::NotOpen),
            },
            State::Sniff(..) => return Err(TransportError::NotOpen),
        };
        self.counters.add_copied(copied);
        if self.stream().is_some_and(Stream::is_tls) {
            self.counters.add_encrypted(len);
        }
        self.writer.push(frame);
        Ok(())
    }

    /// Queues a keepalive ping (RawSocket PING frame or WebSocket ping).
    pub fn ping(&mut self, payload: Bytes) -> Result<(), TransportError> {
        match &mut self.state {
            State::Raw(raw) => raw
                .rs
                .send_ping(&payload)
                .map_err(TransportError::RawSocket),
            State::Ws(ws) => match ws.open_mut() {
                Some(open) => open.ping(payload),
                None => Err(TransportError::NotOpen),
            },
            State::Sniff(..) => Err(TransportError::NotOpen),
        }
    }

    /// Starts a clean close once every queued frame has been written: a WebSocket close frame
    /// with `code` and `reason`, or the end of the stream on RawSocket. Frames cannot be queued
    /// after this.
    pub fn close(&mut self, code: u16, reason: &str) {
        if !self.close_started && self.close_pending.is_none() {
            self.close_pending = Some((code, reason.to_string()));
        }
    }

    /// Whether the closing handshake has started (our close frame or end of stream is queued).
    pub fn is_closing(&self) -> bool {
        self.close_started || self.close_pending.is_some()
    }

    /// The octets queued in frames and not yet written.
    pub fn queued_bytes(&self) -> usize {
        self.writer.queued_bytes()
    }

    /// Whether anything waits to be written (frames, control octets, TLS records, a close).
    pub fn wants_write(&self) -> bool {
        let control = match &self.state {
            State::Raw(raw) => raw.rs.wants_write(),
            State::Ws(ws) => ws.control_len() > 0,
            State::Sniff(..) => false,
        };
        control
            || !self.writer.is_empty()
            || self.close_pending.is_some()
            || self.stream().is_some_and(Stream::wants_write)
    }

    fn stream(&self) -> Option<&Stream> {
        match &self.state {
            State::Sniff(stream, _) => stream.as_ref(),
            State::Raw(raw) => Some(&raw.stream),
            State::Ws(ws) => ws.stream(),
        }
    }

    /// Writes queued control octets and frames until done or the socket would block, then
    /// starts a pending close if the queue has drained.
    pub fn write(&mut self) -> Result<WriteProgress, TransportError> {
        let mut total = WriteProgress::default();
        loop {
            let progress = match &mut self.state {
                State::Sniff(..) => return Ok(total),
                State::Raw(raw) => {
                    let raw = &mut **raw;
                    let mut p = self
                        .writer
                        .write(&mut raw.stream, &mut RawControl(&mut raw.rs))?;
                    p.blocked |= !flush(&mut raw.stream)?;
                    p
                }
                State::Ws(ws) => match ws.io_mut() {
                    Some(io) => {
                        let mut p = self.writer.write(&mut io.stream, &mut io.control)?;
                        p.blocked |= !flush(&mut io.stream)?;
                        p
                    }
                    None => {
                        // Handshake: tungstenite writes itself; we only push TLS records and let
                        // the state machine continue (it may be waiting to write).
                        let flushed = ws.flush_handshake()?;
                        let mut out = Vec::new();
                        ws.progress(&self.peer, &mut out)?;
                        if let Some(Incoming::Open(info)) = out.first() {
                            self.info = Some(info.clone());
                            // Reported by the next read: keep the event.
                            self.deferred_open = out.pop();
                        }
                        WriteProgress {
                            blocked: !flushed,
                            ..WriteProgress::default()
                        }
                    }
                },
            };
            total.frames += progress.frames;
            total.message_bytes += progress.message_bytes;
            total.blocked = progress.blocked;
            self.counters
                .add_sent(progress.frames, progress.message_bytes);
            if progress.blocked || !self.writer.is_empty() || !self.start_close()? {
                return Ok(total);
            }
        }
    }

    /// Starts a pending close when nothing is queued. `Ok(true)`: something new was queued
    /// (write again).
    fn start_close(&mut self) -> Result<bool, TransportError> {
        let Some((code, reason)) = self.close_pending.take() else {
            return Ok(false);
        };
        self.close_started = true;
        match &mut self.state {
            State::Raw(raw) => {
                if raw.rs.wants_write() {
                    // Control octets still out: try again after they are written.
                    self.close_pending = Some((code, reason));
                    self.close_started = false;
                    return Ok(false);
                }
                raw.stream.shutdown();
                Ok(false)
            }
            State::Ws(ws) => match ws.open_mut() {
                Some(open) => {
                    open.close(code, &reason)?;
                    Ok(true)
                }
                None => Ok(false),
            },
            State::Sniff(stream, _) => {
                if let Some(s) = stream.as_mut() {
                    s.shutdown();
                }
                Ok(false)
            }
        }
    }

    /// Ends the sending side of the stream now (after a fatal error or a completed close).
    pub fn shutdown(&mut self) {
        let stream = match &mut self.state {
            State::Sniff(stream, _) => stream.as_mut(),
            State::Raw(raw) => Some(&mut raw.stream),
            State::Ws(ws) => ws.io_mut().map(|io| &mut io.stream),
        };
        if let Some(s) = stream {
            s.shutdown();
        }
    }
}

/// Flushes TLS records: `Ok(false)` if some are still buffered.
fn flush(stream: &mut Stream) -> Result<bool, TransportError> {
    match stream.flush() {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(err) => Err(TransportError::from_io(&err)),
    }
}
