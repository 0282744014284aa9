//! A peer's outbound queue, bounded: the router never holds more than
//! [`Limits::max_outbound_queue`](super::Limits::max_outbound_queue) messages for one peer.

use std::collections::VecDeque;

use crate::wamp::Message;

/// What happened to a message offered to an [`Outbox`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Queued.
    Queued,
    /// The queue is full: the message was not queued, and the peer must be dropped.
    Full,
}

/// A bounded FIFO of messages for one peer.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Message>,
}

impl Outbox {
    /// Queues `msg` unless `limit` messages are already waiting.
    pub(crate) fn offer(&mut self, msg: Message, limit: usize) -> Offer {
        if self.queue.len() >= limit {
            return Offer::Full;
        }
        self.queue.push_back(msg);
        Offer::Queued
    }

    /// Queues `msg` regardless of the bound: for the one closing message (ABORT/GOODBYE).
    pub(crate) fn force(&mut self, msg: Message) {
        self.queue.push_back(msg);
    }

    /// The oldest message.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        self.queue.pop_front()
    }

    /// Drops everything queued (the peer is being disconnected for not reading).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
