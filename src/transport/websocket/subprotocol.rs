//! WebSocket subprotocol names (`wamp.2.json`, `wamp.2.cbor.batched`, ...) and the server's choice.

use std::fmt;

use crate::transport::rawsocket::Serializer;

/// A WAMP WebSocket subprotocol: a serializer, batched or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subprotocol {
    /// The serializer both sides use.
    pub serializer: Serializer,
    /// Whether one WebSocket message may carry several WAMP messages.
    pub batched: bool,
}

const PREFIX: &str = "wamp.2.";
const BATCHED_SUFFIX: &str = ".batched";

impl Subprotocol {
    /// The unbatched subprotocol for `serializer`.
    pub const fn new(serializer: Serializer) -> Subprotocol {
        Subprotocol {
            serializer,
            batched: false,
        }
    }

    /// The batched subprotocol for `serializer`.
    pub const fn batched(serializer: Serializer) -> Subprotocol {
        Subprotocol {
            serializer,
            batched: true,
        }
    }

    /// What a server offers unless told otherwise, most preferred first: the compact binary
    /// serializers, then JSON, then FlatBuffers; then the batched variants in the same order.
    pub const DEFAULT_PREFERENCE: [Subprotocol; 8] = [
        Subprotocol::new(Serializer::Cbor),
        Subprotocol::new(Serializer::MsgPack),
        Subprotocol::new(Serializer::Json),
        Subprotocol::new(Serializer::FlatBuffers),
        Subprotocol::batched(Serializer::Cbor),
        Subprotocol::batched(Serializer::MsgPack),
        Subprotocol::batched(Serializer::Json),
        Subprotocol::batched(Serializer::FlatBuffers),
    ];

    /// The name sent in `Sec-WebSocket-Protocol`.
    pub fn name(&self) -> String {
        self.to_string()
    }

    /// The subprotocol with this name, or `None` if it is not a WAMP subprotocol we know.
    /// Names are compared exactly (RFC 6455 subprotocol tokens are case-sensitive).
    pub fn parse(name: &str) -> Option<Subprotocol> {
        let rest = name.strip_prefix(PREFIX)?;
        let (serializer_name, batched) = match rest.strip_suffix(BATCHED_SUFFIX) {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let serializer = Serializer::ALL
            .into_iter()
            .find(|s| s.name() == serializer_name)?;
        Some(Subprotocol {
            serializer,
            batched,
        })
    }

    /// Whether messages travel as WebSocket text frames (JSON) rather than binary frames.
    pub fn is_text(&self) -> bool {
        self.serializer == Serializer::Json
    }
}

impl fmt::Display for Subprotocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = if self.batched { BATCHED_SUFFIX } else { "" };
        write!(f, "{PREFIX}{}{suffix}", self.serializer.name())
    }
}

/// The server's choice: the first subprotocol in `preference` that the client `offered` (in any
/// position), or `None` if the client offered none of them. Offered names we do not know are
/// ignored.
pub fn negotiate<'a>(
    offered: impl IntoIterator<Item = &'a str>,
    preference: &[Subprotocol],
) -> Option<Subprotocol> {
    let offered: Vec<Subprotocol> = offered
        .into_iter()
        .filter_map(|name| Subprotocol::parse(name.trim()))
        .collect();
    preference.iter().copied().find(|p| offered.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for ser in Serializer::ALL {
            for sub in [Subprotocol::new(ser), Subprotocol::batched(ser)] {
                assert_eq!(Subprotocol::parse(&sub.name()), Some(sub));
            }
        }
        assert_eq!(Subprotocol::new(Serializer::Json).name(), "wamp.2.json");
        assert_eq!(
            Subprotocol::batched(Serializer::FlatBuffers).name(),
            "wamp.2.flatbuffers.batched"
        );
    }

    #[test]
    fn unknown_names_are_not_subprotocols() {
        for name in [
            "",
            "wamp.2.",
            "wamp.2.xml",
            "wamp.1.json",
            "WAMP.2.JSON",
            "wamp.2.json.batch",
            "chat",
        ] {
            assert_eq!(Subprotocol::parse(name), None, "{name}");
        }
    }

    #[test]
    fn server_preference_wins_over_client_order() {
        let pref = [
            Subprotocol::new(Serializer::Cbor),
            Subprotocol::new(Serializer::Json),
        ];
        assert_eq!(
            negotiate(["wamp.2.json", "wamp.2.cbor"], &pref),
            Some(Subprotocol::new(Serializer::Cbor))
        );
        assert_eq!(
            negotiate(["chat", " wamp.2.json "], &pref),
            Some(Subprotocol::new(Serializer::Json))
        );
        assert_eq!(negotiate(["wamp.2.msgpack", "chat"], &pref), None);
        assert_eq!(negotiate([], &pref), None);
    }

    #[test]
    fn json_is_text() {
        assert!(Subprotocol::new(Serializer::Json).is_text());
        assert!(Subprotocol::batched(Serializer::Json).is_text());
        assert!(!Subprotocol::new(Serializer::Cbor).is_text());
    }
}
