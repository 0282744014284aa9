//! The ordered way out: the session's messages are serialized here, in order, and handed to the
//! connection's bounded send queue. Messages the queue has no room for wait here (in order) and
//! go out when room frees; the client admits no new request while any wait (see
//! [`SendFull`](super::SendFull)), so this stays small.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::runtime::{Connection, Outgoing, SendError};
use crate::wamp::codec::encode_envelope;
use crate::wamp::{Message, MessageType, Payload, Serializer};

use super::error::Error;

/// A passthru payload at least this long is not copied by the serializer: it is sent as a
/// second buffer after the envelope (MessagePack and CBOR).
pub(crate) const SPLIT_THRESHOLD: usize = crate::wamp::codec::SPLIT_MIN;

/// The request (or invocation) a message belongs to, so that a failure to send it reaches the
/// one waiting for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Tag {
    /// The message's type.
    pub(crate) kind: MessageType,
    /// Its request id (the invocation id for YIELD and ERROR).
    pub(crate) id: u64,
}

impl Tag {
    fn of(message: &Message) -> Option<Tag> {
        let (kind, id) = match message {
            Message::Call(m) => (MessageType::Call, m.request),
            Message::Publish(m) => (MessageType::Publish, m.request),
            Message::Subscribe(m) => (MessageType::Subscribe, m.request),
            Message::Unsubscribe(m) => (MessageType::Unsubscribe, m.request),
            Message::Register(m) => (MessageType::Register, m.request),
            Message::Unregister(m) => (MessageType::Unregister, m.request),
            Message::Yield(m) => (MessageType::Yield, m.request),
            Message::Error(m) => (MessageType::Error, m.request),
            _ => return None,
        };
        Some(Tag { kind, id })
    }
}

/// A message that could not be sent, and why.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) tag: Tag,
    pub(crate) error: Error,
}

struct Queued {
    message: Outgoing,
    tag: Option<Tag>,
}

/// Serialized messages waiting for room in the connection's send queue.
#[derive(Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Queued>,
    /// Whether a retry timer is set.
    pub(crate) retry_armed: bool,
    /// CALLs that never went out: the CANCEL the session queues to forget them is not sent.
    /// (Our own request ids: a fast hasher.)
    unsent_calls: FxHashSet<u64>,
}

impl Outbox {
    /// Whether messages wait for room.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Drops everything (the connection is gone).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.unsent_calls.clear();
    }

    /// Marks a CALL as never sent.
    pub(crate) fn mark_unsent(&mut self, request: u64) {
        self.unsent_calls.insert(request);
    }

    /// Serializes `message` and appends it. A message that cannot be serialized is a failure.
    pub(crate) fn push(
        &mut self,
        message: Message,
        serializer: Serializer,
        copied: &AtomicU64,
    ) -> Option<Failure> {
        let tag = Tag::of(&message);
        if let Message::Cancel(cancel) = &message {
            if self.unsent_calls.remove(&cancel.request) {
                return None;
            }
        }
        match encode_envelope(serializer.codec(), &message, SPLIT_THRESHOLD) {
            Ok((head, body)) => {
                if body.is_none() {
                    copied.fetch_add(trailing_binary_len(&message), Ordering::Relaxed);
                }
                let message = Outgoing::new(head, body.unwrap_or_default());
                self.queue.push_back(Queued { message, tag });
                None
            }
            Err(e) => tag.map(|tag| Failure {
                tag,
                error: Error::Encode(e),
            }),
        }
    }

    /// Hands waiting messages to `conn` in order until its queue is full. Returns the messages
    /// that failed for good, and whether some still wait for room.
    pub(crate) fn drain_into(&mut self, conn: &Connection) -> (Vec<Failure>, bool) {
        let mut failures = Vec::new();
        // Taken out and put back if there is no room: cloning the message first would cost an
        // allocation per message (the first clone of a `Bytes` shares it).
        while let Some(Queued { message, tag }) = self.queue.pop_front() {
            match conn.try_send(message) {
                Ok(()) => {}
                Err((SendError::QueueFull { .. }, message)) => {
                    self.queue.push_front(Queued { message, tag });
                    return (failures, true);
                }
                Err((SendError::Closed, _)) => {
                    // The connection is going: the session learns it from the transport, and
                    // fails what waits for answers then.
                    self.queue.clear();
                    break;
                }
                Err((e, _)) => {
                    if let Some(tag) = tag {
                        failures.push(Failure {
                            tag,
                            error: Error::Send(e),
                        });
                    }
                }
            }
        }
        (failures, false)
    }
}

/// The length of the binary that ends `message` (a passthru payload), if it ends with one.
/// The octets of the binary ending `message`'s payload, which the serializer copies into the
/// message when it does not split it off.
fn trailing_binary_len(message: &Message) -> u64 {
    message
        .payload()
        .and_then(Payload::trailing_binary)
        .map_or(0, |b| b.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wamp::message::{Call, Cancel, Publish};
    use crate::wamp::Dict;
    use crate::wamp::Value;
    use bytes::Bytes;

    fn publish(payload: Payload) -> Message {
        Message::Publish(Publish {
            request: 3,
            options: Dict::new(),
            topic: "com.t".into(),
            payload,
        })
    }

    #[test]
    fn large_passthru_payloads_are_not_copied_by_msgpack_and_cbor() {
        let record = Bytes::from(vec![5u8; 4 * SPLIT_THRESHOLD]);
        let message = publish(Payload::args(vec![Value::Bytes(record.clone())]));
        for (serializer, copies) in [
            (Serializer::MsgPack, 0),
            (Serializer::Cbor, 0),
            (Serializer::Json, record.len()),
            (Serializer::FlatBuffers, record.len()),
        ] {
            let copied = AtomicU64::new(0);
            let mut outbox = Outbox::default();
            assert!(outbox.push(message.clone(), serializer, &copied).is_none());
            let queued = &outbox.queue[0];
            assert_eq!(
                queued.tag,
                Some(Tag {
                    kind: MessageType::Publish,
                    id: 3
                })
            );
            assert_eq!(
                copied.load(Ordering::Relaxed),
                copies as u64,
                "{serializer}"
            );
            let shared = queued.message.body().as_ptr() == record.as_ptr();
            assert_eq!(shared, copies == 0, "{serializer}: body shares the record");
        }
        // Small payloads are copied: cheaper than a buffer of their own.
        let copied = AtomicU64::new(0);
        let mut outbox = Outbox::default();
        let small = publish(Payload::Transparent(Bytes::from_static(b"tiny")));
        outbox.push(small, Serializer::Cbor, &copied);
        assert!(outbox.queue[0].message.body().is_empty());
        assert_eq!(copied.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn the_cancel_of_a_call_never_sent_is_dropped() {
        let copied = AtomicU64::new(0);
        let mut outbox = Outbox::default();
        outbox.mark_unsent(9);
        let cancel = |request| {
            Message::Cancel(Cancel {
                request,
                options: Dict::new(),
            })
        };
        outbox.push(cancel(9), Serializer::Json, &copied);
        assert!(outbox.is_empty());
        // Only once, and only for that call.
        outbox.push(cancel(9), Serializer::Json, &copied);
        outbox.push(cancel(10), Serializer::Json, &copied);
        assert_eq!(outbox.queue.len(), 2);
    }

    #[test]
    fn a_message_the_serializer_cannot_carry_is_a_failure_of_its_request() {
        let copied = AtomicU64::new(0);
        let mut outbox = Outbox::default();
        // JSON has no NaN.
        let call = Message::Call(Call {
            request: 4,
            options: Dict::new(),
            procedure: "com.p".into(),
            payload: Payload::args(vec![Value::Float(f64::NAN)]),
        });
        let failure = outbox
            .push(call, Serializer::Json, &copied)
            .expect("a failure");
        assert_eq!(
            failure.tag,
            Tag {
                kind: MessageType::Call,
                id: 4
            }
        );
        assert!(matches!(failure.error, Error::Encode(_)));
        assert!(outbox.is_empty());
    }
}
