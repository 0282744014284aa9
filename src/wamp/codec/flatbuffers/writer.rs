//! Writing one FlatBuffers frame straight into the caller's output vector, copying a large
//! payload once.
//!
//! A FlatBuffer is built back to front: the builder starts at the end of its buffer and the
//! finished frame ends there. The builder here writes into a region at the end of the caller's
//! `out` ([`Tail`]). When that region has exactly the frame's size, the finished frame starts
//! where the region starts and nothing is moved: each byte vector (payload, args) was copied
//! once, from the message into its place in the frame.
//!
//! The exact size comes from a sizing pass: the same build, run with each byte vector replaced
//! by a placeholder of its length modulo 8 (at most 7 zero bytes). Every padding a builder adds
//! depends only on positions modulo the largest alignment (8), so the placeholders give the
//! same layout, and the frame's size is the sizing pass's size plus the bytes left out. Small
//! messages skip that pass: they are built into a guessed region and moved to its start, which
//! costs less than a second build.

use super::attributes::Ppt;
use super::generated as fb;
use crate::wamp::error::{Error, Result};
use crate::wamp::value::Value;
use flatbuffers::{
    Allocator, FlatBufferBuilder, ForwardsUOffset, Push, UnionWIPOffset, Vector, WIPOffset,
};
use std::convert::Infallible;
use std::ops::{Deref, DerefMut};

/// From this many bytes of byte vectors on, a sizing pass sizes the output exactly.
const EXACT_SIZE_FROM: usize = 2048;

/// A guess of a small frame's size beyond its byte vectors (strings, ids, tables).
const SMALL_SLACK: usize = 256;

/// The most a frame may hold: FlatBuffers offsets are 32-bit and signed in places (2 GiB),
/// less room for the tables around the byte vectors.
const MAX_FRAME: usize = (1 << 31) - (1 << 20);

/// Where the frame ended up and what it cost; the tests check that large payloads are copied
/// once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Placement {
    /// The builder's region had to grow (its contents were moved).
    pub(super) grew: bool,
    /// Bytes moved to the start of the region after building (0 when sized exactly).
    pub(super) moved: usize,
}

/// The builder's buffer: the region of `out` from `start` to its end.
pub(super) struct Tail<'o> {
    out: &'o mut Vec<u8>,
    start: usize,
    grew: bool,
}

impl Deref for Tail<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.out[self.start..]
    }
}

impl DerefMut for Tail<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.out[self.start..]
    }
}

// SAFETY: `len` is the length of the slice `deref` returns, and `grow_downwards` grows the region
// and moves its old contents to its new end, as the trait asks.
unsafe impl Allocator for Tail<'_> {
    type Error = Infallible;

    fn grow_downwards(&mut self) -> Result<(), Infallible> {
        let old = self.len();
        let new = (old * 2).max(64);
        self.out.resize(self.start + new, 0);
        let moved_to = self.start + new - old;
        self.out.copy_within(self.start..self.start + old, moved_to);
        self.out[self.start..moved_to].fill(0);
        self.grew = true;
        Ok(())
    }

    fn len(&self) -> usize {
        self.out.len() - self.start
    }
}

/// The builder of one frame, with the helpers the message encoders share.
pub(super) struct Writer<'o> {
    fbb: FlatBufferBuilder<'o, Tail<'o>>,
    /// The sizing pass: byte vectors are written as placeholders.
    sizing: bool,
    /// Bytes the placeholders left out.
    left_out: usize,
    /// Bytes the frame may still take.
    budget: usize,
    /// Something did not fit in the budget; the frame is discarded with an error.
    too_large: bool,
}

/// The payload of a message, prepared for writing: Arguments and ArgumentsKw as CBOR, or a
/// transparent payload.
pub(super) enum Body<'a> {
    Arguments {
        args: Option<Vec<u8>>,
        kwargs: Option<Vec<u8>>,
    },
    Transparent(&'a [u8]),
}

impl Body<'_> {
    /// Bytes of its byte vectors.
    pub(super) fn len(&self) -> usize {
        match self {
            Body::Arguments { args, kwargs } => {
                args.as_ref().map_or(0, Vec::len) + kwargs.as_ref().map_or(0, Vec::len)
            }
            Body::Transparent(p) => p.len(),
        }
    }
}

/// Offsets of args, kwargs and payload.
pub(super) type BodyOffsets<'o> = (
    Option<WIPOffset<Vector<'o, u8>>>,
    Option<WIPOffset<Vector<'o, u8>>>,
    Option<WIPOffset<Vector<'o, u8>>>,
);

type Strings<'o> = WIPOffset<Vector<'o, ForwardsUOffset<&'o str>>>;
type Principals<'o> = WIPOffset<Vector<'o, ForwardsUOffset<fb::Principal<'o>>>>;

impl<'o> Writer<'o> {
    fn new(out: &'o mut Vec<u8>, start: usize, sizing: bool) -> Writer<'o> {
        Writer {
            fbb: FlatBufferBuilder::new_in(Tail {
                out,
                start,
                grew: false,
            }),
            sizing,
            left_out: 0,
            budget: MAX_FRAME,
            too_large: false,
        }
    }

    /// The builder, for the generated table builders.
    pub(super) fn fbb(&mut self) -> &mut FlatBufferBuilder<'o, Tail<'o>> {
        &mut self.fbb
    }

    /// Takes `n` bytes of the budget; `false` (and the frame fails) when they do not fit.
    fn admit(&mut self, n: usize) -> bool {
        match self.budget.checked_sub(n) {
            Some(left) if !self.too_large => {
                self.budget = left;
                true
            }
            _ => {
                self.too_large = true;
                false
            }
        }
    }

    pub(super) fn string(&mut self, s: Option<&str>) -> Option<WIPOffset<&'o str>> {
        let s = s?;
        // length, terminator, padding
        self.admit(s.len() + 8).then(|| self.fbb.create_string(s))
    }

    /// A byte vector: copied into the frame, or a placeholder in the sizing pass.
    pub(super) fn bytes(&mut self, b: Option<&[u8]>) -> Option<WIPOffset<Vector<'o, u8>>> {
        let b = b?;
        if !self.admit(b.len() + 8) {
            return None;
        }
        if self.sizing {
            let kept = b.len() % 8;
            self.left_out += b.len() - kept;
            return Some(self.fbb.create_vector(&[0u8; 8][..kept]));
        }
        Some(self.fbb.create_vector(b))
    }

    /// A vector of scalars (the enum vector of HELLO's `authmethods`).
    pub(super) fn scalars<T: Push + Copy>(
        &mut self,
        v: Option<&[T]>,
    ) -> Option<WIPOffset<Vector<'o, T::Output>>> {
        let v = v?;
        self.admit(std::mem::size_of_val(v) + 8)
            .then(|| self.fbb.create_vector(v))
    }

    /// A `[uint64]` from a list of non-negative integers.
    pub(super) fn uints(&mut self, v: Option<&[Value]>) -> Option<WIPOffset<Vector<'o, u64>>> {
        let v = v?;
        let ids: Vec<u64> = v.iter().map(|e| e.as_u64().unwrap_or_default()).collect();
        self.scalars(Some(&ids))
    }

    /// A `[string]` from a list of strings, created in order.
    pub(super) fn strings(&mut self, v: Option<&[Value]>) -> Option<Strings<'o>> {
        let v = v?;
        let offsets: Vec<_> = v.iter().filter_map(|e| self.string(e.as_str())).collect();
        self.admit(offsets.len() * 4 + 8)
            .then(|| self.fbb.create_vector(&offsets))
    }

    /// `forward_for` from a list of exact hops (see `Split::forward_for`): for each hop its
    /// authid and authrole, then the hop.
    pub(super) fn principals(&mut self, v: Option<&[Value]>) -> Option<Principals<'o>> {
        let v = v?;
        let mut hops = Vec::with_capacity(v.len());
        for hop in v {
            let field = |key: &str| hop.as_dict().and_then(|d| d.get(key));
            let authid = self.string(field("authid").and_then(Value::as_str));
            let authrole = self.string(field("authrole").and_then(Value::as_str));
            if !self.admit(32) {
                return None;
            }
            let mut p = fb::PrincipalBuilder::new(&mut self.fbb);
            p.add_session(field("session").and_then(Value::as_u64).unwrap_or_default());
            if let Some(a) = authid {
                p.add_authid(a);
            }
            if let Some(a) = authrole {
                p.add_authrole(a);
            }
            hops.push(p.finish());
        }
        self.admit(hops.len() * 4 + 8)
            .then(|| self.fbb.create_vector(&hops))
    }

    /// args, kwargs, payload, created in that order.
    pub(super) fn body(&mut self, body: &Body<'_>) -> BodyOffsets<'o> {
        match body {
            Body::Arguments { args, kwargs } => {
                let args = self.bytes(args.as_deref());
                let kwargs = self.bytes(kwargs.as_deref());
                (args, kwargs, None)
            }
            Body::Transparent(p) => (None, None, self.bytes(Some(p))),
        }
    }

    /// `ppt_keyid`, the one passthru field that is an offset.
    pub(super) fn keyid(&mut self, ppt: &Ppt<'_>) -> Option<WIPOffset<&'o str>> {
        self.string(ppt.keyid)
    }

    /// Wraps the message table in the root `Message` and finishes the frame; its size.
    fn finish(&mut self, tag: fb::AnyMessage, msg: WIPOffset<UnionWIPOffset>) -> Result<usize> {
        let mut m = fb::MessageBuilder::new(&mut self.fbb);
        m.add_msg_type(tag);
        m.add_msg(msg);
        let root = m.finish();
        self.fbb.finish(root, None);
        if self.too_large {
            return Err(Error::unencodable(
                "flatbuffers",
                "the message does not fit in a FlatBuffer (2 GiB at most)",
            ));
        }
        Ok(self.fbb.finished_data().len() + self.left_out)
    }
}

/// Builds one frame with `build` (which writes the message table) and appends it to `out`.
/// `vectors` is the length of the message's byte vectors. On error `out` is unchanged.
pub(super) fn emit<F>(
    out: &mut Vec<u8>,
    tag: fb::AnyMessage,
    vectors: usize,
    build: F,
) -> Result<Placement>
where
    F: Fn(&mut Writer<'_>) -> WIPOffset<UnionWIPOffset>,
{
    let start = out.len();
    let region = if vectors >= EXACT_SIZE_FROM {
        let mut scratch = Vec::new();
        let mut w = Writer::new(&mut scratch, 0, true);
        let msg = build(&mut w);
        w.finish(tag, msg)?
    } else {
        vectors + SMALL_SLACK
    };
    out.resize(start + region, 0);
    let mut w = Writer::new(out, start, false);
    let msg = build(&mut w);
    let finished = w.finish(tag, msg);
    let (tail, head) = w.fbb.collapse_in();
    let grew = tail.grew;
    if let Err(e) = finished {
        out.truncate(start);
        return Err(e);
    }
    // The frame is out[start + head..]; move it to the start of the region if it is not there.
    if head > 0 {
        out.copy_within(start + head.., start);
        out.truncate(out.len() - head);
    }
    Ok(Placement { grew, moved: head })
}
