//! The WebSocket side of a framed connection: tungstenite's handshake and frame reader on a
//! [`Stream`], with data frames written by our own [`FrameWriter`](super::writer::FrameWriter).
//!
//! tungstenite reads, parses, checks limits and answers pings and closes. Its own output
//! (pongs, close frames) goes into a buffer of ours rather than onto the socket, so that it can
//! be written between our data frames, never inside one; our data frames go out with `writev`
//! straight from the payload (server side) or from one masked copy (client side, RFC 6455
//! requires masking).

use std::io::{self, Read, Write};
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use tungstenite::handshake::client::ClientHandshake;
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, FrameHeader};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{client::IntoClientRequest, error::CapacityError, Message, WebSocket};

use super::writer::{ControlOutput, OutFrame, MAX_HEAD};
use super::{
    Incoming, OpenInfo, Outgoing, ReadStatus, TransportError, WsClientSetup, WsServerSetup,
};
use crate::transport::stream::Stream;
use crate::transport::url::Framing;
use crate::transport::websocket::{
    batch_framing, negotiate, split_batch, BatchFraming, MaskKeys, Subprotocol,
};

/// The most control output (pongs, close frames) buffered before the peer is failed for
/// sending pings faster than it reads the replies.
const MAX_CONTROL_BUFFER: usize = 1024 * 1024;

/// The stream as tungstenite sees it: reads come from the socket; writes go straight to it
/// during the opening handshake (whose state machine handles `WouldBlock`), and into
/// `control` afterwards.
pub(super) struct WsIo {
    pub(super) stream: Stream,
    pub(super) control: BytesMut,
    direct: bool,
}

impl Read for WsIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Write for WsIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.direct {
            return self.stream.write(buf);
        }
        self.control.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.direct {
            return self.stream.flush();
        }
        Ok(())
    }
}

impl ControlOutput for BytesMut {
    fn pending(&self) -> &[u8] {
        self
    }
    fn consume(&mut self, n: usize) {
        let _ = self.split_to(n.min(self.len()));
    }
}

/// The server's subprotocol choice, made inside tungstenite's handshake.
pub(super) struct Negotiator {
    preference: Vec<Subprotocol>,
    chosen: Arc<OnceLock<Subprotocol>>,
    refused: Arc<OnceLock<String>>,
}

impl Callback for Negotiator {
    fn on_request(
        self,
        request: &Request,
        mut response: Response,
    ) -> Result<Response, ErrorResponse> {
        let offered: Vec<&str> = request
            .headers()
            .get_all("Sec-WebSocket-Protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        match negotiate(offered.iter().copied(), &self.preference) {
            Some(chosen) => {
                if let Ok(value) = chosen.name().parse() {
                    response
                        .headers_mut()
                        .insert("Sec-WebSocket-Protocol", value);
                }
                let _ = self.chosen.set(chosen);
                Ok(response)
            }
            None => {
                let _ = self.refused.set(offered.join(","));
                let speaks: Vec<String> = self.preference.iter().map(Subprotocol::name).collect();
                let body = format!(
                    "this server speaks only the WebSocket subprotocols {}",
                    speaks.join(", ")
                );
                let mut refusal = ErrorResponse::new(Some(body));
                *refusal.status_mut() = tungstenite::http::StatusCode::BAD_REQUEST;
                Err(refusal)
            }
        }
    }
}

pub(super) struct OpenWs {
    ws: WebSocket<WsIo>,
    subprotocol: Subprotocol,
    batch: BatchFraming,
    max_message_size: usize,
    /// Client frames are masked; server frames are not.
    masks: Option<MaskKeys>,
}

pub(super) enum WsSide {
    Client(MidHandshake<ClientHandshake<WsIo>>, usize),
    Server {
        handshake: MidHandshake<ServerHandshake<WsIo, Negotiator>>,
        chosen: Arc<OnceLock<Subprotocol>>,
        refused: Arc<OnceLock<String>>,
        max_message_size: usize,
    },
    Open(Box<OpenWs>),
    /// Between states, and after a failed handshake (the stream is gone).
    Gone,
}

fn config(max_message_size: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_message_size))
        // Our control buffer takes every write at once: nothing is held back in tungstenite.
        .write_buffer_size(0)
        // tungstenite zero-fills the room it reads into (up to this much) before every read,
        // also before the one that finds the socket empty: at its default (128 KiB) that
        // memset was a large part of receiving a small message. 32 KiB still reads large
        // messages in few calls.
        .read_buffer_size(READ_BUFFER)
}

/// How much tungstenite reads at most per call (see `config`).
const READ_BUFFER: usize = 32 * 1024;

fn ws_error(err: tungstenite::Error) -> TransportError {
    match err {
        tungstenite::Error::Io(io) => TransportError::from_io(&io),
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            TransportError::MessageTooLarge {
                length: size,
                max: max_size,
            }
        }
        tungstenite::Error::Http(response) => TransportError::HttpRefused {
            status: response.status().as_u16(),
            body: response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        },
        other => TransportError::WebSocket(other.to_string()),
    }
}

impl WsSide {
    pub(super) fn client(stream: Stream, setup: &WsClientSetup) -> Result<WsSide, TransportError> {
        let mut request = setup.uri.as_str().into_client_request().map_err(ws_error)?;
        let offered: Vec<String> = setup.subprotocols.iter().map(Subprotocol::name).collect();
        let value = offered
            .join(", ")
            .parse()
            .map_err(|_| TransportError::WebSocket("bad subprotocol list".to_string()))?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", value);
        let io = WsIo {
            stream,
            control: BytesMut::new(),
            direct: true,
        };
        let handshake = ClientHandshake::start(io, request, Some(config(setup.max_message_size)))
            .map_err(ws_error)?;
        Ok(WsSide::Client(handshake, setup.max_message_size))
    }

    pub(super) fn server(stream: Stream, setup: &WsServerSetup) -> WsSide {
        let chosen = Arc::new(OnceLock::new());
        let refused = Arc::new(OnceLock::new());
        let negotiator = Negotiator {
            preference: setup.subprotocols.clone(),
            chosen: chosen.clone(),
            refused: refused.clone(),
        };
        let io = WsIo {
            stream,
            control: BytesMut::new(),
            direct: true,
        };
        WsSide::Server {
            handshake: ServerHandshake::start(io, negotiator, Some(config(setup.max_message_size))),
            chosen,
            refused,
            max_message_size: setup.max_message_size,
        }
    }

    /// Drives the opening handshake; pushes `Open` when it completes.
    pub(super) fn progress(
        &mut self,
        peer: &str,
        out: &mut Vec<Incoming>,
    ) -> Result<(), TransportError> {
        match std::mem::replace(self, WsSide::Gone) {
            WsSide::Client(handshake, max_message_size) => match handshake.handshake() {
                Ok((ws, response)) => {
                    let chosen = response
                        .headers()
                        .get("Sec-WebSocket-Protocol")
                        .and_then(|v| v.to_str().ok())
                        .and_then(Subprotocol::parse)
                        .ok_or(TransportError::NoSubprotocolChosen)?;
                    self.open(
                        ws,
                        chosen,
                        max_message_size,
                        Some(MaskKeys::new()),
                        peer,
                        out,
                    );
                }
                Err(HandshakeError::Interrupted(handshake)) => {
                    *self = WsSide::Client(handshake, max_message_size)
                }
                Err(HandshakeError::Failure(err)) => return Err(ws_error(err)),
            },
            WsSide::Server {
                handshake,
                chosen,
                refused,
                max_message_size,
            } => match handshake.handshake() {
                Ok(ws) => {
                    let subprotocol = chosen
                        .get()
                        .copied()
                        .ok_or(TransportError::NoSubprotocolChosen)?;
                    self.open(ws, subprotocol, max_message_size, None, peer, out);
                }
                Err(HandshakeError::Interrupted(handshake)) => {
                    *self = WsSide::Server {
                        handshake,
                        chosen,
                        refused,
                        max_message_size,
                    }
                }
                Err(HandshakeError::Failure(err)) => {
                    if let Some(offered) = refused.get() {
                        return Err(TransportError::NoCommonSubprotocol {
                            offered: offered.clone(),
                        });
                    }
                    return Err(ws_error(err));
                }
            },
            other => *self = other,
        }
        Ok(())
    }

    fn open(
        &mut self,
        mut ws: WebSocket<WsIo>,
        subprotocol: Subprotocol,
        max_message_size: usize,
        masks: Option<MaskKeys>,
        peer: &str,
        out: &mut Vec<Incoming>,
    ) {
        ws.get_mut().direct = false;
        out.push(Incoming::Open(OpenInfo {
            serializer: subprotocol.serializer,
            framing: Framing::WebSocket,
            subprotocol: Some(subprotocol),
            max_send: max_message_size,
            peer: peer.to_string(),
        }));
        *self = WsSide::Open(Box::new(OpenWs {
            ws,
            subprotocol,
            batch: batch_framing(subprotocol),
            max_message_size,
            masks,
        }));
    }

    pub(super) fn open_mut(&mut self) -> Option<&mut OpenWs> {
        match self {
            WsSide::Open(open) => Some(open),
            _ => None,
        }
    }

    /// The stream, while there is one.
    pub(super) fn stream(&self) -> Option<&Stream> {
        match self {
            WsSide::Client(h, _) => Some(&h.get_ref().get_ref().stream),
            WsSide::Server { handshake, .. } => Some(&handshake.get_ref().get_ref().stream),
            WsSide::Open(open) => Some(&open.ws.get_ref().stream),
            WsSide::Gone => None,
        }
    }

    /// The control octets waiting (none during the handshake, where tungstenite writes itself).
    pub(super) fn control_len(&self) -> usize {
        match self {
            WsSide::Open(open) => open.ws.get_ref().control.len(),
            _ => 0,
        }
    }

    /// The stream and the control buffer, for writing (none during the handshake).
    pub(super) fn io_mut(&mut self) -> Option<&mut WsIo> {
        match self {
            WsSide::Open(open) => Some(open.ws.get_mut()),
            _ => None,
        }
    }

    /// Flushes TLS records during the handshake (`Ok(false)`: some are still buffered).
    pub(super) fn flush_handshake(&mut self) -> io::Result<bool> {
        let stream = match self {
            WsSide::Client(h, _) => &mut h.get_mut().get_mut().stream,
            WsSide::Server { handshake, .. } => &mut handshake.get_mut().get_mut().stream,
            _ => return Ok(true),
        };
        match stream.flush() {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(err) => Err(err),
        }
    }
}

impl OpenWs {
    pub(super) fn read(
        &mut self,
        budget: usize,
        out: &mut Vec<Incoming>,
    ) -> Result<ReadStatus, TransportError> {
        let mut taken = 0;
        let status = loop {
            if taken >= budget {
                break ReadStatus::More;
            }
            match self.ws.read() {
                Ok(Message::Binary(data)) => {
                    taken += data.len();
                    self.push_messages(data, out)?;
                }
                Ok(Message::Text(text)) => {
                    let data = Bytes::from(text);
                    taken += data.len();
                    self.push_messages(data, out)?;
                }
                Ok(Message::Ping(_)) | Ok(Message::Frame(_)) => {}
                Ok(Message::Pong(payload)) => out.push(Incoming::Pong(payload)),
                Ok(Message::Close(frame)) => {
                    let (code, reason) = frame.map_or((None, String::new()), |f| {
                        (Some(u16::from(f.code)), f.reason.as_str().to_string())
                    });
                    out.push(Incoming::CloseFrame { code, reason });
                }
                Err(tungstenite::Error::Io(err)) if err.kind() == io::ErrorKind::WouldBlock => {
                    break ReadStatus::WouldBlock
                }
                Err(tungstenite::Error::ConnectionClosed)
                | Err(tungstenite::Error::AlreadyClosed) => break ReadStatus::Ended,
                Err(err) => {
                    if let tungstenite::Error::Capacity(_) = err {
                        // Tell the peer why (1009, message too big) before the socket goes.
                        let _ = self.ws.close(Some(CloseFrame {
                            code: 1009.into(),
                            reason: "message too big".into(),
                        }));
                    }
                    return Err(ws_error(err));
                }
            }
        };
        // Move replies to pings into the control buffer.
        match self.ws.flush() {
            Ok(())
            | Err(tungstenite::Error::ConnectionClosed)
            | Err(tungstenite::Error::AlreadyClosed) => {}
            Err(err) => return Err(ws_error(err)),
        }
        if self.ws.get_ref().control.len() > MAX_CONTROL_BUFFER {
            return Err(TransportError::ControlFlood);
        }
        Ok(status)
    }

    fn push_messages(&self, data: Bytes, out: &mut Vec<Incoming>) -> Result<(), TransportError> {
        for message in split_batch(self.batch, data)? {
            out.push(Incoming::Message(message));
        }
        Ok(())
    }

    /// A data frame for `message`: header (and batch prefix) in the head, the payload itself
    /// unless it must be masked, in which case one masked copy.
    pub(super) fn frame(
        &mut self,
        message: Outgoing,
        copied: &mut usize,
    ) -> Result<OutFrame, TransportError> {
        let len = message.len();
        let wire_len = len + self.batch.overhead();
        if wire_len > self.max_message_size {
            return Err(TransportError::MessageTooLarge {
                length: len,
                max: self.max_message_size.saturating_sub(self.batch.overhead()),
            });
        }
        let opcode = if self.subprotocol.is_text() {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Binary)
        };
        let mask = self.masks.as_mut().map(MaskKeys::next_key);
        let header = FrameHeader {
            is_final: true,
            opcode,
            mask,
            ..FrameHeader::default()
        };
        let mut head = Vec::with_capacity(MAX_HEAD);
        header
            .format(wire_len as u64, &mut head)
            .map_err(ws_error)?;
        let (prefix, prefix_len) = self.batch.prefix(len);
        let prefix = prefix.get(..prefix_len).unwrap_or_default();
        let suffix = self.batch.suffix();
        match mask {
            None => {
                head.extend_from_slice(prefix);
                Ok(OutFrame::new(&head, message.into_parts(), suffix, len))
            }
            Some(key) => {
                let mut body = Vec::with_capacity(wire_len);
                body.extend_from_slice(prefix);
                body.extend_from_slice(message.head());
                body.extend_from_slice(message.body());
                body.extend_from_slice(suffix);
                apply_mask(&mut body, key);
                *copied += len;
                Ok(OutFrame::new(
                    &head,
                    [Bytes::from(body), Bytes::new()],
                    b"",
                    len,
                ))
            }
        }
    }

    /// Queues a ping (into the control buffer).
    pub(super) fn ping(&mut self, payload: Bytes) -> Result<(), TransportError> {
        self.ws.write(Message::Ping(payload)).map_err(ws_error)?;
        self.ws.flush().map_err(ws_error)
    }

    /// Queues the close frame (into the control buffer).
    pub(super) fn close(&mut self, code: u16, reason: &str) -> Result<(), TransportError> {
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        match self.ws.close(Some(frame)) {
            Ok(())
            | Err(tungstenite::Error::ConnectionClosed)
            | Err(tungstenite::Error::AlreadyClosed) => Ok(()),
            Err(err) => Err(ws_error(err)),
        }
    }
}

/// XORs `buf` with the 4-octet masking key, word by word.
fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let word = u32::from_ne_bytes(key);
    let wide = u64::from(word) | (u64::from(word) << 32);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::apply_mask;

    #[test]
    fn masking_matches_the_rfc_definition() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..40 {
            let original: Vec<u8> = (0..len as u8).collect();
            let mut masked = original.clone();
            apply_mask(&mut masked, key);
            for (i, (m, o)) in masked.iter().zip(&original).enumerate() {
                assert_eq!(*m, o ^ key[i % 4]);
            }
        }
    }
}
