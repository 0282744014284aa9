//! A non-blocking byte stream: TCP, a Unix domain socket, or TLS over either.
//!
//! [`Stream`] implements `Read` and `Write` with the non-blocking contract of the socket under it:
//! `WouldBlock` means "try again when the reactor says the socket is ready". TLS is driven from
//! inside the two calls (rustls `read_tls`/`process_new_packets`/`write_tls`), so the framing
//! layers above see plaintext and never care whether it is encrypted.
//!
//! Two extras serve the layers above:
//! - [`Stream::peek_first_octet`] reads ahead and keeps what it read, so a listener can tell
//!   RawSocket (first octet 0x7F) from an HTTP upgrade request on one port.
//! - `write_vectored` reaches `writev` on plain sockets: a frame header and a payload living
//!   elsewhere (an LMDB map) go out in one system call without being copied together. Over TLS
//!   the payload is necessarily copied once, into an encrypted record.

use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;

use bytes::{Buf, Bytes};
use mio::event::Source;
use mio::net::{TcpStream, UnixStream};
use mio::{Interest, Registry, Token};
use rustls::pki_types::ServerName;

use super::tls::{TlsClientConfig, TlsServerConfig};

/// The most TLS output rustls buffers before `write` reports `WouldBlock`: bounds memory behind a
/// slow peer on TLS connections.
const TLS_BUFFER_LIMIT: usize = 256 * 1024;

/// A connected socket, before TLS.
#[derive(Debug)]
pub enum Socket {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix domain socket.
    Unix(UnixStream),
}

impl Socket {
    /// The peer's address, for logs and events ("127.0.0.1:5000", a socket path, or "unknown").
    pub fn peer_description(&self) -> String {
        match self {
            Socket::Tcp(s) => s
                .peer_addr()
                .map_or_else(|_| "unknown".to_string(), |a| a.to_string()),
            Socket::Unix(s) => s
                .peer_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
                .unwrap_or_else(|| "unix socket".to_string()),
        }
    }

    /// The socket error a non-blocking connect ended with, if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Socket::Tcp(s) => s.take_error(),
            Socket::Unix(s) => s.take_error(),
        }
    }

    /// Whether a non-blocking connect has completed (the peer address is known).
    pub fn is_connected(&self) -> bool {
        match self {
            Socket::Tcp(s) => s.peer_addr().is_ok(),
            Socket::Unix(s) => s.peer_addr().is_ok(),
        }
    }

    fn shutdown_write(&self) {
        // Best effort: the peer may already be gone, which is no error worth reporting here.
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Write),
            Socket::Unix(s) => s.shutdown(Shutdown::Write),
        };
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write_vectored(bufs),
            Socket::Unix(s) => s.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Source for Socket {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.register(registry, token, interests),
            Socket::Unix(s) => s.register(registry, token, interests),
        }
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.reregister(registry, token, interests),
            Socket::Unix(s) => s.reregister(registry, token, interests),
        }
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.deregister(registry),
            Socket::Unix(s) => s.deregister(registry),
        }
    }
}

/// A non-blocking byte stream, plain or TLS. See the [module documentation](self).
#[derive(Debug)]
pub struct Stream {
    socket: Socket,
    tls: Option<Box<rustls::Connection>>,
    /// Octets read ahead by [`peek_first_octet`](Self::peek_first_octet), served before the socket.
    unread: Bytes,
}

impl Stream {
    /// A plain (unencrypted) stream.
    pub fn plain(socket: Socket) -> Stream {
        Stream {
            socket,
            tls: None,
            unread: Bytes::new(),
        }
    }

    /// The client side of TLS, checking the server's certificate against `server_name`.
    pub fn tls_client(
        socket: Socket,
        config: &TlsClientConfig,
        server_name: &str,
    ) -> Result<Stream, io::Error> {
        let name = ServerName::try_from(server_name.to_string()).map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("'{server_name}' is not a valid TLS server name: {err}"),
            )
        })?;
        let conn = rustls::ClientConnection::new(config.rustls().clone(), name)
            .map_err(io::Error::other)?;
        Ok(Stream::with_tls(socket, conn.into()))
    }

    /// The server side of TLS.
    pub fn tls_server(socket: Socket, config: &TlsServerConfig) -> Result<Stream, io::Error> {
        let conn =
            rustls::ServerConnection::new(config.rustls().clone()).map_err(io::Error::other)?;
        Ok(Stream::with_tls(socket, conn.into()))
    }

    fn with_tls(socket: Socket, mut conn: rustls::Connection) -> Stream {
        conn.set_buffer_limit(Some(TLS_BUFFER_LIMIT));
        Stream {
            socket,
            tls: Some(Box::new(conn)),
            unread: Bytes::new(),
        }
    }

    /// The socket, to register with a reactor.
    pub fn socket_mut(&mut self) -> &mut Socket {
        &mut self.socket
    }

    /// The socket.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Whether the stream is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether TLS records are waiting to be written (call [`flush`](Write::flush) when the
    /// socket is writable).
    pub fn wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|tls| tls.wants_write())
    }

    /// The first octet the peer sent (plaintext, after TLS), reading ahead if needed and keeping
    /// what was read for the next `read`. `Ok(None)`: nothing has arrived yet (would block).
    /// End of stream before any octet is `UnexpectedEof`.
    pub fn peek_first_octet(&mut self) -> io::Result<Option<u8>> {
        if let Some(&octet) = self.unread.first() {
            return Ok(Some(octet));
        }
        let mut buf = [0u8; 1024];
        match self.read(&mut buf) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection before sending anything",
            )),
            Ok(n) => {
                let read = buf.get(..n).unwrap_or_default();
                self.unread = Bytes::copy_from_slice(read);
                Ok(read.first().copied())
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Ends the sending side: a TLS close_notify (best effort), then a socket shutdown for
    /// writing, so the peer reads end of stream after everything sent before.
    pub fn shutdown(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            tls.send_close_notify();
            let _ = flush_tls(tls, &mut self.socket);
        }
        self.socket.shutdown_write();
    }

    fn read_tls_plaintext(
        tls: &mut rustls::Connection,
        socket: &mut Socket,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(err),
            }
            // No plaintext buffered: pull more records off the socket.
            let n = tls.read_tls(socket)?;
            let processed = tls.process_new_packets();
            // Handshake messages and alerts go out as soon as they exist (best effort: the
            // reactor flushes the rest on the next writable event).
            let _ = flush_tls(tls, socket);
            if let Err(err) = processed {
                return Err(io::Error::new(io::ErrorKind::InvalidData, err));
            }
            if n == 0 {
                // End of stream: the reader now reports a clean close_notify as Ok(0), an
                // abrupt end as UnexpectedEof.
                return tls.reader().read(buf);
            }
        }
    }
}

/// Writes buffered TLS records until none are left (`Ok(true)`) or the socket would block
/// (`Ok(false)`).
fn flush_tls(tls: &mut rustls::Connection, socket: &mut Socket) -> io::Result<bool> {
    while tls.wants_write() {
        match tls.write_tls(socket) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the socket accepted no TLS data",
                ))
            }
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(err) => return Err(err),
        }
    }
    Ok(true)
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.unread.is_empty() {
            let n = buf.len().min(self.unread.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.unread.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.unread.advance(n);
            return Ok(n);
        }
        match self.tls.as_mut() {
            None => self.socket.read(buf),
            Some(tls) => Stream::read_tls_plaintext(tls, &mut self.socket, buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let Some(tls) = self.tls.as_mut() else {
            return self.socket.write_vectored(bufs);
        };
        flush_tls(tls, &mut self.socket)?;
        let accepted = tls.writer().write_vectored(bufs)?;
        // Push the new records out now; what the socket refuses waits for the next flush.
        flush_tls(tls, &mut self.socket)?;
        let offered: usize = bufs.iter().map(|b| b.len()).sum();
        if accepted == 0 && offered > 0 {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "TLS send buffer full",
            ));
        }
        Ok(accepted)
    }

    /// Writes out buffered TLS records; `WouldBlock` if some are left.
    fn flush(&mut self) -> io::Result<()> {
        match self.tls.as_mut() {
            None => Ok(()),
            Some(tls) => match flush_tls(tls, &mut self.socket)? {
                true => Ok(()),
                false => Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "TLS records still buffered",
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeked_octets_are_read_again() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let mut writer = Stream::plain(Socket::Unix(UnixStream::from_std(a)));
        let mut reader = Stream::plain(Socket::Unix(UnixStream::from_std(b)));
        assert_eq!(reader.peek_first_octet().unwrap(), None);
        writer.write_all(b"\x7fhello").unwrap();
        assert_eq!(reader.peek_first_octet().unwrap(), Some(0x7f));
        assert_eq!(reader.peek_first_octet().unwrap(), Some(0x7f));
        let mut buf = [0u8; 16];
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"\x7fhello");
        drop(writer);
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
    }
}
