//! One WAMP message on its way out, as one buffer or two written back to back.

use bytes::Bytes;

/// A WAMP message to send: `head` followed by `body`, two buffers that are written one after
/// the other with `writev`, never joined by a copy here.
///
/// Most messages are one buffer (`body` empty). A message whose serialized form ends in a large
/// binary (a record sent in Payload Passthru Mode) comes as two: the serializer's envelope in
/// `head`, and the record itself in `body`, shared from wherever it lives (a pinned LMDB read
/// snapshot, see [`pinned`](crate::runtime::pinned)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outgoing {
    head: Bytes,
    body: Bytes,
}

impl Outgoing {
    /// A message made of `head` followed by `body`.
    pub fn new(head: Bytes, body: Bytes) -> Outgoing {
        Outgoing { head, body }
    }

    /// The message's length in octets.
    pub fn len(&self) -> usize {
        self.head.len() + self.body.len()
    }

    /// Whether the message is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first part.
    pub fn head(&self) -> &Bytes {
        &self.head
    }

    /// The second part (empty for a message of one buffer).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Both parts.
    pub fn into_parts(self) -> [Bytes; 2] {
        [self.head, self.body]
    }
}

impl From<Bytes> for Outgoing {
    fn from(head: Bytes) -> Outgoing {
        Outgoing {
            head,
            body: Bytes::new(),
        }
    }
}
