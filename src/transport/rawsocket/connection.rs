//! The RawSocket connection state machine, sans-IO: received octets in, events and octets to send
//! out.

use std::fmt;
use std::io::{self, Read, Write};

use bytes::{Buf, Bytes, BytesMut};

use super::frame::{decode_header, encode_header, FrameType, HEADER_LEN};
use super::handshake::{
    check_reply, check_request, encode_refusal, Handshake, RequestPolicy, HANDSHAKE_LEN, MAGIC,
};
use super::{ClientConfig, Error, MaxLength, Refusal, Serializer, ServerConfig};

/// The most [`RawSocket::read_from`] asks the reader for at a time.
const READ_CHUNK: usize = 64 * 1024;
/// The least it asks for: the room it offers is zero-filled first (safe code cannot read into
/// uninitialized memory), so it starts small and grows while reads fill it.
const MIN_READ: usize = 4 * 1024;

/// Which end of the connection a [`RawSocket`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Connects, sends the handshake request, checks the reply.
    Client,
    /// Accepts, checks the request, sends the reply (a router).
    Server,
}

/// Something that happened on the connection, returned by [`RawSocket::next_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed: frames can be sent and received from now on.
    Open {
        /// The serializer both sides use.
        serializer: Serializer,
        /// The longest message the peer accepts; [`RawSocket::send_message`] refuses longer ones.
        peer_max_length: MaxLength,
    },
    /// A WAMP message, to be decoded with the negotiated serializer. The payload shares the
    /// receive buffer (no copy); holding it keeps that buffer's allocation alive.
    Message(Bytes),
    /// A PING from the peer. The PONG echoing it has already been queued for sending.
    Ping(Bytes),
    /// A PONG from the peer, answering a PING sent with [`RawSocket::send_ping`].
    Pong(Bytes),
}

/// What one side needs to remember to complete the handshake.
enum Side {
    Client {
        requested: Serializer,
    },
    Server {
        serializers: Vec<Serializer>,
        min_peer_max_length: MaxLength,
    },
}

enum State {
    Handshake,
    Open {
        serializer: Serializer,
        peer_max_length: MaxLength,
    },
    Failed(Error),
}

/// One RawSocket connection, client or router side, without any I/O (in the manner of rustls).
///
/// Received octets go in through [`feed`](Self::feed) or [`read_from`](Self::read_from); then
/// [`next_event`](Self::next_event) is called until it returns `Ok(None)`. Octets to send collect
/// in an output queue ([`pending_output`](Self::pending_output),
/// [`consume_output`](Self::consume_output), [`write_to`](Self::write_to)): the handshake
/// request or reply, PONGs, and frames queued with [`send_message`](Self::send_message).
///
/// Limits hold both ways: a received frame longer than this side's `max_receive` fails the
/// connection, and a message longer than the peer's announced maximum is not sent.
///
/// A large payload (say a record in an LMDB map) can go out without a user-space copy: take its
/// header from [`frame_header`](Self::frame_header) and write `pending_output()`, the header and
/// the payload with one vectored write — the queued octets must go first, and a frame must be
/// written completely before anything queued later.
///
/// Nothing here panics on any input: bad input gives an [`Error`].
pub struct RawSocket {
    side: Side,
    state: State,
    max_receive: MaxLength,
    input: BytesMut,
    /// The header of the frame whose payload is still arriving.
    frame: Option<(FrameType, usize)>,
    output: BytesMut,
    /// How much the next read asks for: doubled when a read fills it, halved when one brings
    /// less than a quarter of it (between `MIN_READ` and `READ_CHUNK`).
    read_size: usize,
}

impl RawSocket {
    /// A client: its handshake request is queued at once.
    pub fn client(config: ClientConfig) -> RawSocket {
        let request = Handshake {
            max_length: config.max_receive,
            serializer: config.serializer,
        };
        let mut socket = RawSocket::new(
            Side::Client {
                requested: config.serializer,
            },
            config.max_receive,
        );
        socket.output.extend_from_slice(&request.encode());
        socket
    }

    /// A router side: it waits for the client's request.
    pub fn server(config: ServerConfig) -> RawSocket {
        RawSocket::new(
            Side::Server {
                serializers: config.serializers,
                min_peer_max_length: config.min_peer_max_length,
            },
            config.max_receive,
        )
    }

    fn new(side: Side, max_receive: MaxLength) -> RawSocket {
        RawSocket {
            side,
            state: State::Handshake,
            max_receive,
            input: BytesMut::new(),
            frame: None,
            output: BytesMut::new(),
            read_size: MIN_READ,
        }
    }

    // ---- input ----

    /// Appends received octets (one copy, into the receive buffer). Ignored once the connection
    /// has failed.
    pub fn feed(&mut self, data: &[u8]) {
        if !self.is_failed() {
            self.input.extend_from_slice(data);
        }
    }

    /// Reads once from `reader` straight into the receive buffer, returning the count read (0 at
    /// end of stream). Refuses to read while more than a maximum frame plus 64 KiB is buffered
    /// unprocessed: call [`next_event`](Self::next_event) until it returns `Ok(None)` in between.
    pub fn read_from(&mut self, reader: &mut impl Read) -> io::Result<usize> {
        if let State::Failed(err) = &self.state {
            return Err(io::Error::other(err.clone()));
        }
        let limit = self.max_receive.bytes() + HEADER_LEN + READ_CHUNK;
        let room = limit.saturating_sub(self.input.len());
        if room == 0 {
            return Err(io::Error::other(
                "RawSocket receive buffer is full: process events before reading more",
            ));
        }
        let start = self.input.len();
        // While a frame is arriving, read only into the room reserved for it: growing the
        // buffer then would copy the partial payload.
        let spare = self.input.capacity() - start;
        let chunk = if self.frame.is_some() && spare > 0 {
            spare.min(self.read_size)
        } else {
            self.read_size
        };
        let want = room.min(chunk);
        self.input.resize(start + want, 0);
        let result = reader.read(self.input.get_mut(start..).unwrap_or_default());
        // A reader claiming more than it was given cannot make us keep the zero filling.
        let read = result.as_ref().map_or(0, |&n| n.min(want));
        self.input.truncate(start + read);
        if result.is_ok() {
            self.read_size = match read {
                n if n == want => (self.read_size * 2).min(READ_CHUNK),
                n if n < self.read_size / 4 => (self.read_size / 2).max(MIN_READ),
                _ => self.read_size,
            };
        }
        result.map(|_| read)
    }

    /// The next event, `Ok(None)` when more input is needed, or the error that failed the
    /// connection (returned again on every later call).
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        let result = match &self.state {
            State::Failed(err) => return Err(err.clone()),
            State::Handshake => self.read_handshake(),
            State::Open {
                peer_max_length, ..
            } => self.read_frame(*peer_max_length),
        };
        result.map_err(|err| self.fail(err))
    }

    fn read_handshake(&mut self) -> Result<Option<Event>, Error> {
        // The magic octet is checked as soon as it arrives, so a peer that is not RawSocket at
        // all (say an HTTP client waiting for a response) is failed without waiting for more.
        let Some(&first_octet) = self.input.first() else {
            return Ok(None);
        };
        if first_octet != MAGIC {
            return Err(match self.side {
                Side::Client { .. } => Error::BadReplyMagic { first_octet },
                Side::Server { .. } => Error::NotRawSocket { first_octet },
            });
        }
        let Some(octets) = self.take_array::<HANDSHAKE_LEN>() else {
            return Ok(None);
        };
        let (serializer, peer_max_length) = match &self.side {
            Side::Client { requested } => (*requested, check_reply(octets, *requested)?),
            Side::Server {
                serializers,
                min_peer_max_length,
            } => {
                let policy = RequestPolicy {
                    serializers,
                    min_peer_max_length: *min_peer_max_length,
                };
                let request = check_request(octets, &policy)?;
                let reply = Handshake {
                    max_length: self.max_receive,
                    serializer: request.serializer,
                };
                self.output.extend_from_slice(&reply.encode());
                (request.serializer, request.max_length)
            }
        };
        self.state = State::Open {
            serializer,
            peer_max_length,
        };
        Ok(Some(Event::Open {
            serializer,
            peer_max_length,
        }))
    }

    fn read_frame(&mut self, peer_max_length: MaxLength) -> Result<Option<Event>, Error> {
        let (frame_type, len) = match self.frame {
            Some(frame) => frame,
            None => {
                let Some(header) = self.peek_array::<HEADER_LEN>() else {
                    return Ok(None);
                };
                let (frame_type, len) = decode_header(header)?;
                let max = self.max_receive.bytes();
                if len > max {
                    return Err(Error::FrameTooLarge { length: len, max });
                }
                self.input.advance(HEADER_LEN);
                // Room for the whole payload at once, so it arrives contiguous and is handed out
                // without a copy (and read_from never grows the buffer, which would copy it).
                // Bounded by max_receive, which is what the peer may send anyway.
                self.input.reserve(len.saturating_sub(self.input.len()));
                self.frame = Some((frame_type, len));
                (frame_type, len)
            }
        };
        if self.input.len() < len {
            return Ok(None);
        }
        self.frame = None;
        let payload = self.input.split_to(len).freeze();
        Ok(Some(match frame_type {
            FrameType::Message => Event::Message(payload),
            FrameType::Ping => {
                let max = peer_max_length.bytes();
                if len > max {
                    return Err(Error::PingTooLargeToEcho { length: len, max });
                }
                self.queue_frame(FrameType::Pong, &payload)?;
                Event::Ping(payload)
            }
            FrameType::Pong => Event::Pong(payload),
        }))
    }

    /// The first `N` buffered octets, if that many are there.
    fn peek_array<const N: usize>(&self) -> Option<[u8; N]> {
        self.input.get(..N)?.try_into().ok()
    }

    /// Tells the connection that the peer has closed its side (a read returned end of stream),
    /// after every event has been taken. `Ok` for a clean close between frames; otherwise the
    /// connection fails with [`Error::ClosedDuringHandshake`] or [`Error::ClosedMidFrame`]
    /// (or the error it had already failed with).
    pub fn peer_closed(&mut self) -> Result<(), Error> {
        let err = match &self.state {
            State::Failed(err) => return Err(err.clone()),
            State::Handshake => Error::ClosedDuringHandshake,
            State::Open { .. } if self.frame.is_none() && self.input.is_empty() => return Ok(()),
            State::Open { .. } => Error::ClosedMidFrame {
                received: self.input.len() + self.frame.map_or(0, |_| HEADER_LEN),
            },
        };
        Err(self.fail(err))
    }

    /// Removes and returns the first `N` buffered octets, if that many are there.
    fn take_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let octets = self.peek_array::<N>()?;
        self.input.advance(N);
        Some(octets)
    }

    /// Fails the connection, queueing the refusal reply the error calls for (router side).
    fn fail(&mut self, err: Error) -> Error {
        if let Some(reason) = err.refusal_reply() {
            self.output.extend_from_slice(&encode_refusal(reason));
        }
        self.input = BytesMut::new();
        self.frame = None;
        self.state = State::Failed(err.clone());
        err
    }

    // ---- output ----

    /// Queues a WAMP message (header and payload, one copy). Refused, and nothing queued, before
    /// the handshake has completed or when `payload` is longer than the peer accepts.
    pub fn send_message(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.queue_frame(FrameType::Message, payload)
    }

    /// Queues a PING with `payload`; the peer answers with a PONG echoing it. Same limits as
    /// [`send_message`](Self::send_message).
    ///
    /// Note: crossbar and autobahn-python on Twisted read the frame header as a plain 32-bit
    /// length, so to them a PING looks like a 16 MiB message: do not send PINGs to them.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.queue_frame(FrameType::Ping, payload)
    }

    /// The 4-octet header for a WAMP message of `len` octets that the caller writes itself (for
    /// example with `writev`, straight from an LMDB map). Checked like
    /// [`send_message`](Self::send_message); nothing is queued.
    pub fn frame_header(&self, len: usize) -> Result<[u8; HEADER_LEN], Error> {
        self.checked_header(FrameType::Message, len)
    }

    fn checked_header(&self, frame_type: FrameType, len: usize) -> Result<[u8; HEADER_LEN], Error> {
        let max = match &self.state {
            State::Failed(err) => return Err(err.clone()),
            State::Handshake => return Err(Error::NotOpen),
            State::Open {
                peer_max_length, ..
            } => peer_max_length.bytes(),
        };
        let too_large = Error::MessageTooLarge { length: len, max };
        if len > max {
            return Err(too_large);
        }
        encode_header(frame_type, len).ok_or(too_large)
    }

    fn queue_frame(&mut self, frame_type: FrameType, payload: &[u8]) -> Result<(), Error> {
        let header = self.checked_header(frame_type, payload.len())?;
        self.output.reserve(HEADER_LEN + payload.len());
        self.output.extend_from_slice(&header);
        self.output.extend_from_slice(payload);
        Ok(())
    }

    /// Refuses the client with `reason` (router side, before the handshake has completed): the
    /// error reply is queued and the connection fails with [`Error::Refused`]. This is how a
    /// router turns a client away for [`Refusal::MaxConnectionCountReached`].
    pub fn refuse(&mut self, reason: Refusal) -> Result<(), Error> {
        match (&self.side, &self.state) {
            (Side::Server { .. }, State::Handshake) => {
                self.fail(Error::Refused(reason));
                Ok(())
            }
            _ => Err(Error::CannotRefuse),
        }
    }

    /// The octets queued for sending, oldest first.
    pub fn pending_output(&self) -> &[u8] {
        &self.output
    }

    /// Drops the first `n` queued octets once they have been written (at most all of them).
    pub fn consume_output(&mut self, n: usize) {
        let n = n.min(self.output.len());
        self.output.advance(n);
    }

    /// Whether octets are queued for sending.
    pub fn wants_write(&self) -> bool {
        !self.output.is_empty()
    }

    /// Writes queued octets to `writer` with one `write` call, returning the count written.
    pub fn write_to(&mut self, writer: &mut impl Write) -> io::Result<usize> {
        let written = writer.write(&self.output)?;
        self.consume_output(written);
        Ok(written)
    }

    // ---- state ----

    /// Which end of the connection this is.
    pub fn role(&self) -> Role {
        match self.side {
            Side::Client { .. } => Role::Client,
            Side::Server { .. } => Role::Server,
        }
    }

    /// Whether the handshake has completed and the connection has not failed.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// Whether the connection has failed: write out [`pending_output`](Self::pending_output)
    /// (it may hold a refusal reply), then close the socket.
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// The error that failed the connection, if it has failed.
    pub fn error(&self) -> Option<&Error> {
        match &self.state {
            State::Failed(err) => Some(err),
            _ => None,
        }
    }

    /// The negotiated serializer, once the connection is open.
    pub fn serializer(&self) -> Option<Serializer> {
        match self.state {
            State::Open { serializer, .. } => Some(serializer),
            _ => None,
        }
    }

    /// The longest message the peer accepts, once the connection is open.
    pub fn peer_max_length(&self) -> Option<MaxLength> {
        match self.state {
            State::Open {
                peer_max_length, ..
            } => Some(peer_max_length),
            _ => None,
        }
    }

    /// The longest message this side accepts (what it announced in the handshake).
    pub fn max_receive_length(&self) -> MaxLength {
        self.max_receive
    }

    /// How many received octets are buffered and not yet returned as events.
    pub fn buffered_input(&self) -> usize {
        self.input.len()
    }
}

impl fmt::Debug for RawSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state: &dyn fmt::Debug = match &self.state {
            State::Handshake => &"Handshake",
            State::Open { serializer, .. } => serializer,
            State::Failed(err) => err,
        };
        f.debug_struct("RawSocket")
            .field("role", &self.role())
            .field("state", state)
            .field("max_receive", &self.max_receive)
            .field("peer_max_length", &self.peer_max_length())
            .field("buffered_input", &self.input.len())
            .field("pending_output", &self.output.len())
            .finish()
    }
}
