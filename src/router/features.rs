//! Roles and features: what the router announces in WELCOME, and which of the advanced features a
//! client announced in HELLO that the router must know about.

use crate::wamp::{Dict, Value};

/// Features a client announced that change how the router talks to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerFeatures(u8);

impl PeerFeatures {
    /// `callee.progressive_call_results`: may receive `receive_progress` and send progressive
    /// YIELDs.
    pub const CALLEE_PROGRESSIVE_RESULTS: PeerFeatures = PeerFeatures(1);
    /// `callee.call_canceling`: understands INTERRUPT.
    pub const CALLEE_CANCELING: PeerFeatures = PeerFeatures(2);
    /// `callee.progressive_call_invocations` (with call canceling, as the spec requires).
    pub const CALLEE_PROGRESSIVE_INVOCATIONS: PeerFeatures = PeerFeatures(4);
    /// `caller.progressive_call_invocations`: may send CALL with `progress`.
    pub const CALLER_PROGRESSIVE_INVOCATIONS: PeerFeatures = PeerFeatures(8);

    /// True when every feature of `other` is in `self`.
    pub fn contains(self, other: PeerFeatures) -> bool {
        self.0 & other.0 == other.0
    }

    fn insert(&mut self, other: PeerFeatures) {
        self.0 |= other.0;
    }

    /// Reads `HELLO.Details.roles`. Unknown roles and features are ignored; a malformed roles
    /// dict simply announces nothing (the codec checks its shape for wire messages).
    pub fn from_hello(details: &Dict) -> PeerFeatures {
        let mut out = PeerFeatures::default();
        let feature = |role: &str, name: &str| -> bool {
            details
                .get("roles")
                .and_then(Value::as_dict)
                .and_then(|roles| roles.get(role))
                .and_then(Value::as_dict)
                .and_then(|r| r.get("features"))
                .and_then(Value::as_dict)
                .and_then(|f| f.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if feature("callee", "progressive_call_results") {
            out.insert(Self::CALLEE_PROGRESSIVE_RESULTS);
        }
        // The spec spells it both ways.
        let canceling = feature("callee", "call_canceling") || feature("callee", "call_cancelling");
        if canceling {
            out.insert(Self::CALLEE_CANCELING);
        }
        if canceling && feature("callee", "progressive_call_invocations") {
            out.insert(Self::CALLEE_PROGRESSIVE_INVOCATIONS);
        }
        if feature("caller", "progressive_call_invocations") {
            out.insert(Self::CALLER_PROGRESSIVE_INVOCATIONS);
        }
        out
    }
}

fn features(names: &[&str]) -> Value {
    let mut f = Dict::new();
    for name in names {
        f.insert((*name).to_owned(), Value::Bool(true));
    }
    let mut role = Dict::new();
    role.insert("features".to_owned(), Value::Dict(f));
    Value::Dict(role)
}

/// `WELCOME.Details.roles`: the broker and dealer with every feature this router implements.
pub fn router_roles() -> Dict {
    let mut roles = Dict::new();
    roles.insert(
        "broker".to_owned(),
        features(&[
            "publisher_identification",
            "publisher_exclusion",
            "subscriber_blackwhite_listing",
            "pattern_based_subscription",
            "payload_passthru_mode",
            "session_meta_api",
        ]),
    );
    roles.insert(
        "dealer".to_owned(),
        features(&[
            "caller_identification",
            "progressive_call_results",
            "progressive_call_invocations",
            "call_canceling",
            "call_timeout",
            "pattern_based_registration",
            "shared_registration",
            "payload_passthru_mode",
            "session_meta_api",
        ]),
    );
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progressive_invocations_need_canceling() {
        let hello = |callee: &[&str]| {
            let mut roles = Dict::new();
            roles.insert("callee".into(), features(callee));
            roles.insert("caller".into(), features(&["progressive_call_invocations"]));
            let mut d = Dict::new();
            d.insert("roles".into(), Value::Dict(roles));
            PeerFeatures::from_hello(&d)
        };
        let f = hello(&["progressive_call_invocations"]);
        assert!(!f.contains(PeerFeatures::CALLEE_PROGRESSIVE_INVOCATIONS));
        assert!(f.contains(PeerFeatures::CALLER_PROGRESSIVE_INVOCATIONS));
        let f = hello(&["progressive_call_invocations", "call_cancelling"]);
        assert!(f.contains(PeerFeatures::CALLEE_PROGRESSIVE_INVOCATIONS));
        assert!(f.contains(PeerFeatures::CALLEE_CANCELING));
        assert!(!f.contains(PeerFeatures::CALLEE_PROGRESSIVE_RESULTS));
        assert_eq!(
            PeerFeatures::from_hello(&Dict::new()),
            PeerFeatures::default()
        );
    }
}
