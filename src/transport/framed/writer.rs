//! The outgoing frame queue, written with vectored writes straight from the payload buffers.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use bytes::Bytes;

/// The longest frame head: a 14-octet WebSocket header plus a 4-octet batch length prefix.
pub(crate) const MAX_HEAD: usize = 18;
/// How many buffers one `writev` gets at most (well under every system's IOV_MAX).
const MAX_IOVECS: usize = 256;
/// The buffers of one frame: head, two payload parts, tail.
const PARTS: usize = 4;

/// One frame: a small head (frame header), the payload as one or two buffers (shared, never
/// copied here: a serializer's envelope and a record pinned elsewhere) and a static tail (the
/// JSON batch separator).
#[derive(Debug)]
pub(crate) struct OutFrame {
    head: [u8; MAX_HEAD],
    head_len: usize,
    payload: [Bytes; 2],
    tail: &'static [u8],
    /// The length of the WAMP message the frame carries (for accounting: a masked WebSocket
    /// frame's payload is a copy that also holds the batch framing).
    message_len: usize,
}

impl OutFrame {
    /// A frame from its parts; `head` holds at most [`MAX_HEAD`] octets; the payload is
    /// `payload[0]` followed by `payload[1]`.
    pub(crate) fn new(
        head: &[u8],
        payload: [Bytes; 2],
        tail: &'static [u8],
        message_len: usize,
    ) -> OutFrame {
        let mut stored = [0u8; MAX_HEAD];
        let head_len = head.len().min(MAX_HEAD);
        if let (Some(dst), Some(src)) = (stored.get_mut(..head_len), head.get(..head_len)) {
            dst.copy_from_slice(src);
        }
        OutFrame {
            head: stored,
            head_len,
            payload,
            tail,
            message_len,
        }
    }

    fn len(&self) -> usize {
        self.head_len + self.payload[0].len() + self.payload[1].len() + self.tail.len()
    }

    /// The frame's octets from `offset` on, as up to four slices.
    fn parts_from(&self, offset: usize) -> [&[u8]; PARTS] {
        let head = self.head.get(..self.head_len).unwrap_or_default();
        let mut parts = [head, &self.payload[0][..], &self.payload[1][..], self.tail];
        let mut skip = offset;
        for part in parts.iter_mut() {
            let cut = skip.min(part.len());
            *part = part.get(cut..).unwrap_or_default();
            skip -= cut;
        }
        parts
    }
}

/// Octets that go out between frames (handshake replies, pongs, close frames), owned by the
/// protocol state machine.
pub(crate) trait ControlOutput {
    /// The octets waiting.
    fn pending(&self) -> &[u8];
    /// Drops the first `n` of them, written.
    fn consume(&mut self, n: usize);
}

/// What one write of queued frames achieved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteProgress {
    /// Frames written completely.
    pub frames: usize,
    /// The WAMP message octets in them.
    pub message_bytes: usize,
    /// Whether the socket stopped accepting (more is queued: wait for writability).
    pub blocked: bool,
}

/// A queue of frames, written with `write_vectored` from the payloads themselves. Control
/// octets are only ever written at frame boundaries, never inside a frame.
#[derive(Debug, Default)]
pub(crate) struct FrameWriter {
    frames: VecDeque<OutFrame>,
    /// How much of the front frame has been written.
    offset: usize,
}

impl FrameWriter {
    pub(crate) fn push(&mut self, frame: OutFrame) {
        self.frames.push_back(frame);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The octets queued and not yet written.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.frames.iter().map(OutFrame::len).sum::<usize>() - self.offset
    }

    /// Writes control output and frames until everything is out or the writer would block.
    pub(crate) fn write(
        &mut self,
        writer: &mut impl Write,
        control: &mut dyn ControlOutput,
    ) -> io::Result<WriteProgress> {
        let mut progress = WriteProgress::default();
        loop {
            let control_len = control.pending().len();
            let mut iov: Vec<IoSlice<'_>> =
                Vec::with_capacity(MAX_IOVECS.min(PARTS * self.frames.len() + 4));
            let mut frames = self.frames.iter();
            // The rest of a frame already begun goes first; control octets only between frames.
            if self.offset > 0 {
                if let Some(front) = frames.next() {
                    push_parts(&mut iov, front.parts_from(self.offset));
                }
            }
            if control_len > 0 {
                iov.push(IoSlice::new(control.pending()));
            }
            for frame in frames {
                if iov.len() + PARTS > MAX_IOVECS {
                    break;
                }
                push_parts(&mut iov, frame.parts_from(0));
            }
            if iov.is_empty() {
                return Ok(progress);
            }
            let written = match writer.write_vectored(&iov) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the socket accepted nothing",
                    ))
                }
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    progress.blocked = true;
                    return Ok(progress);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            drop(iov);
            self.advance(written, control_len, control, &mut progress);
        }
    }

    /// Accounts for `written` octets, laid out as the iovecs were: the begun frame's rest, the
    /// control octets, then whole frames.
    fn advance(
        &mut self,
        mut written: usize,
        control_len: usize,
        control: &mut dyn ControlOutput,
        progress: &mut WriteProgress,
    ) {
        if self.offset > 0 {
            if let Some(front) = self.frames.front() {
                let rest = front.len() - self.offset;
                if written < rest {
                    self.offset += written;
                    return;
                }
                written -= rest;
                self.finish_front(progress);
            }
        }
        let from_control = written.min(control_len);
        control.consume(from_control);
        written -= from_control;
        if from_control < control_len {
            return;
        }
        while written > 0 {
            let Some(front) = self.frames.front() else {
                return;
            };
            let len = front.len();
            if written < len {
                self.offset = written;
                return;
            }
            written -= len;
            self.finish_front(progress);
        }
    }

    fn finish_front(&mut self, progress: &mut WriteProgress) {
        if let Some(done) = self.frames.pop_front() {
            progress.frames += 1;
            progress.message_bytes += done.message_len;
        }
        self.offset = 0;
    }
}

fn push_parts<'a>(iov: &mut Vec<IoSlice<'a>>, parts: [&'a [u8]; PARTS]) {
    for part in parts {
        if !part.is_empty() {
            iov.push(IoSlice::new(part));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts at most `limit` octets per call, then blocks after `calls` calls.
    struct Trickle {
        out: Vec<u8>,
        limit: usize,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.calls == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls -= 1;
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.limit - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    struct Control(Vec<u8>);
    impl ControlOutput for Control {
        fn pending(&self) -> &[u8] {
            &self.0
        }
        fn consume(&mut self, n: usize) {
            self.0.drain(..n);
        }
    }

    #[test]
    fn control_octets_never_land_inside_a_frame() {
        // The two frames are 11 octets: every limit below that leaves the first write short.
        for limit in 1..11 {
            let mut w = FrameWriter::default();
            let two =
                |a: &'static [u8], b: &'static [u8]| [Bytes::from_static(a), Bytes::from_static(b)];
            w.push(OutFrame::new(b"H1", two(b"aa", b"aa"), b"", 4));
            w.push(OutFrame::new(b"H2", two(b"bb", b""), b"|", 2));
            let mut sink = Trickle {
                out: Vec::new(),
                limit,
                calls: 1,
            };
            let mut control = Control(Vec::new());
            let first = w.write(&mut sink, &mut control).unwrap();
            assert!(first.blocked);
            // A pong arrives mid-frame: it must wait for the frame boundary.
            control.0.extend_from_slice(b"<P>");
            sink.calls = usize::MAX;
            let rest = w.write(&mut sink, &mut control).unwrap();
            assert!(!rest.blocked);
            assert_eq!(first.frames + rest.frames, 2);
            assert_eq!(first.message_bytes + rest.message_bytes, 6);
            let out = String::from_utf8(sink.out).unwrap();
            assert!(
                ["<P>H1aaaaH2bb|", "H1aaaa<P>H2bb|", "H1aaaaH2bb|<P>"].contains(&out.as_str()),
                "limit {limit}: {out}"
            );
            assert!(w.is_empty());
            assert_eq!(w.queued_bytes(), 0);
        }
    }
}
