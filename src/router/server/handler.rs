//! One accepted connection's handler: attaches a peer when the transport opens, decodes each
//! frame with the negotiated serializer and hands it to the router, detaches on close.

use std::sync::Arc;
use std::time::Instant;

use log::warn;

use super::core::{Link, Shared, LOG_TARGET};
use crate::router::{PeerId, TransportInfo, TransportKind};
use crate::runtime::{Connection, Event, Handler};
use crate::transport::url::Framing;
use crate::wamp::{Codec, Serializer};

/// The handler the accept callback gives each connection.
pub(crate) struct PeerHandler {
    shared: Arc<Shared>,
    /// Set once the transport opened with a serializer we have a codec for.
    peer: Option<(PeerId, &'static dyn Codec)>,
    /// Counted in `Core::open` (so `Closed` must uncount it). In I/O-thread mode the runtime
    /// delivers `Closed` to every opened connection, also when it stops.
    counted: bool,
}

impl PeerHandler {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        PeerHandler {
            shared,
            peer: None,
            counted: false,
        }
    }

    fn opened(&mut self, connection: &Connection, info: crate::runtime::OpenInfo) {
        let mut core = self.shared.lock();
        core.open += 1;
        self.counted = true;
        let Some(serializer) = Serializer::from_name(info.serializer.name()) else {
            // Not offered by our listeners, so the peer cannot have picked it; close anyway.
            warn!(target: LOG_TARGET, "{}: serializer {} has no codec", info.peer, info.serializer);
            connection.close_with(1003, "unsupported serializer");
            return;
        };
        let kind = match info.framing {
            Framing::WebSocket => TransportKind::WebSocket,
            Framing::RawSocket => TransportKind::RawSocket,
        };
        let peer = core
            .router
            .attach(TransportInfo::new(kind, info.peer.clone()));
        let codec = serializer.codec();
        core.links.insert(
            peer,
            Link {
                connection: connection.clone(),
                codec,
                kind,
                addr: info.peer,
            },
        );
        drop(core);
        self.peer = Some((peer, codec));
        self.shared.arm_join_timer(peer);
    }

    fn frame(&mut self, frame: bytes::Bytes) {
        let Some((peer, codec)) = self.peer else {
            return;
        };
        // Decoded before taking the lock: other connections need not wait for it.
        let decoded = codec.decode(frame);
        let now = Instant::now();
        let mut core = self.shared.lock();
        match decoded {
            Ok(msg) => core.router.handle(peer, msg, now),
            Err(e) => core.router.reject(peer, &e.to_string(), now),
        }
        self.shared.settle(&mut core, Some(peer));
    }

    fn closed(&mut self) {
        let mut core = self.shared.lock();
        if std::mem::take(&mut self.counted) {
            core.open = core.open.saturating_sub(1);
        }
        if let Some((peer, _)) = self.peer.take() {
            if let Some(link) = core.links.remove(&peer) {
                self.shared.sent.retire(link.connection.stats());
            }
            core.router.detach(peer, Instant::now());
            self.shared.settle(&mut core, None);
        }
        drop(core);
        self.shared.changed.notify_all();
    }
}

impl Handler for PeerHandler {
    fn on_event(&mut self, connection: &Connection, event: Event) {
        match event {
            Event::Opened(info) => self.opened(connection, info),
            Event::Frame(frame) => self.frame(frame),
            Event::Closed(_) => self.closed(),
        }
    }
}
