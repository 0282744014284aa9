//! What a session is opened with: realm, identity, credentials and roles, and the HELLO built
//! from them.

use std::fmt;

use crate::wamp::auth::cryptosign::{ChannelBinding, SigningKey};
use crate::wamp::auth::ticket::Ticket;
use crate::wamp::auth::AuthMethod;
use crate::wamp::message::Hello;
use crate::wamp::uri::Strictness;
use crate::wamp::value::{Dict, List, Value};

/// How the session proves who it is. The order of [`SessionConfig::credentials`] is the order
/// of `HELLO.Details.authmethods`, i.e. the client's preference.
#[derive(Clone)]
pub enum Credential {
    /// `anonymous`: no proof.
    Anonymous,
    /// `ticket`: a shared secret sent as is (use TLS).
    Ticket(Ticket),
    /// `wampcra`: HMAC challenge-response over a shared secret (salted by the router's
    /// parameters if its challenge carries a salt).
    WampCra {
        /// The shared secret (a password), as bytes.
        secret: Vec<u8>,
    },
    /// `cryptosign`: Ed25519 signature of the router's challenge.
    Cryptosign {
        /// The private key; its public key is announced in `authextra.pubkey`. (Boxed: it is
        /// much larger than the other variants.)
        key: Box<SigningKey>,
        /// TLS channel binding to ask for; the TLS channel id must then be given with
        /// `Session::set_channel_id` before the challenge arrives.
        channel_binding: Option<ChannelBinding>,
    },
}

impl Credential {
    /// A ticket credential.
    pub fn ticket(ticket: impl Into<String>) -> Credential {
        Credential::Ticket(Ticket::new(ticket))
    }

    /// A WAMP-CRA credential with the shared secret.
    pub fn wampcra(secret: impl AsRef<[u8]>) -> Credential {
        Credential::WampCra {
            secret: secret.as_ref().to_vec(),
        }
    }

    /// A cryptosign credential, with channel binding if given.
    pub fn cryptosign(key: SigningKey, channel_binding: Option<ChannelBinding>) -> Credential {
        Credential::Cryptosign {
            key: Box::new(key),
            channel_binding,
        }
    }

    /// The authentication method this credential answers.
    pub fn method(&self) -> AuthMethod {
        match self {
            Credential::Anonymous => AuthMethod::Anonymous,
            Credential::Ticket(_) => AuthMethod::Ticket,
            Credential::WampCra { .. } => AuthMethod::WampCra,
            Credential::Cryptosign { .. } => AuthMethod::Cryptosign,
        }
    }
}

impl fmt::Debug for Credential {
    /// Secrets never show: only the method (and the cryptosign public key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Cryptosign {
                key,
                channel_binding,
            } => f
                .debug_struct("Cryptosign")
                .field("key", key)
                .field("channel_binding", channel_binding)
                .finish(),
            other => write!(f, "{}(<redacted>)", other.method()),
        }
    }
}

/// The client roles to announce in HELLO. The session refuses operations of roles it did not
/// announce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Roles {
    /// `publisher`: may publish.
    pub publisher: bool,
    /// `subscriber`: may subscribe.
    pub subscriber: bool,
    /// `caller`: may call.
    pub caller: bool,
    /// `callee`: may register and be invoked.
    pub callee: bool,
}

impl Default for Roles {
    /// All four roles.
    fn default() -> Roles {
        Roles {
            publisher: true,
            subscriber: true,
            caller: true,
            callee: true,
        }
    }
}

/// The features announced per role: everything this session implements. Both names of Payload
/// Passthru Mode are announced (the spec's and autobahn's), so either kind of router forwards
/// passthru payloads to us.
const PUBLISHER_FEATURES: &[&str] = &[
    "publisher_identification",
    "publisher_exclusion",
    "subscriber_blackwhite_listing",
    "payload_passthru_mode",
    "payload_transparency",
];
const SUBSCRIBER_FEATURES: &[&str] = &[
    "publisher_identification",
    "pattern_based_subscription",
    "subscription_revocation",
    "payload_passthru_mode",
    "payload_transparency",
];
const CALLER_FEATURES: &[&str] = &[
    "caller_identification",
    "progressive_call_results",
    "progressive_call_invocations",
    "call_canceling",
    "call_timeout",
    "payload_passthru_mode",
    "payload_transparency",
];
const CALLEE_FEATURES: &[&str] = &[
    "caller_identification",
    "pattern_based_registration",
    "shared_registration",
    "progressive_call_results",
    "progressive_call_invocations",
    "call_canceling",
    "registration_revocation",
    "payload_passthru_mode",
    "payload_transparency",
];

/// Everything a session needs to join a realm.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The realm to join.
    pub realm: String,
    /// `HELLO.Details.authid`: who the client claims to be.
    pub authid: Option<String>,
    /// `HELLO.Details.authrole`: the role the client asks for.
    pub authrole: Option<String>,
    /// `HELLO.Details.authextra`: extra data for the authenticator (cryptosign adds `pubkey` and
    /// `channel_binding` to it).
    pub authextra: Dict,
    /// The credentials, in order of preference; empty means anonymous only.
    pub credentials: Vec<Credential>,
    /// The roles to announce.
    pub roles: Roles,
    /// `HELLO.Details.agent`.
    pub agent: String,
    /// How strictly the URIs the application passes are checked before anything is sent.
    pub strictness: Strictness,
}

impl SessionConfig {
    /// A config for `realm`: anonymous, all roles, loose URI checks.
    pub fn new(realm: impl Into<String>) -> SessionConfig {
        SessionConfig {
            realm: realm.into(),
            authid: None,
            authrole: None,
            authextra: Dict::new(),
            credentials: Vec::new(),
            roles: Roles::default(),
            agent: concat!("zerowamp-", env!("CARGO_PKG_VERSION")).to_owned(),
            strictness: Strictness::Loose,
        }
    }

    /// Sets the authid.
    pub fn with_authid(mut self, authid: impl Into<String>) -> SessionConfig {
        self.authid = Some(authid.into());
        self
    }

    /// Sets the requested authrole.
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> SessionConfig {
        self.authrole = Some(authrole.into());
        self
    }

    /// Adds a credential (after those already there).
    pub fn with_credential(mut self, credential: Credential) -> SessionConfig {
        self.credentials.push(credential);
        self
    }

    /// Sets the roles to announce.
    pub fn with_roles(mut self, roles: Roles) -> SessionConfig {
        self.roles = roles;
        self
    }

    /// The credential for `method`, if configured (anonymous is always available when no
    /// credential at all is configured).
    pub(super) fn credential(&self, method: AuthMethod) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.method() == method)
    }

    /// The HELLO for this config.
    pub(super) fn hello(&self) -> Hello {
        let mut details = Dict::new();
        details.insert("roles".into(), Value::Dict(self.roles_dict()));
        let methods: List = if self.credentials.is_empty() {
            vec![Value::from(AuthMethod::Anonymous.as_str())]
        } else {
            let mut names: Vec<&str> = Vec::new();
            for c in &self.credentials {
                let name = c.method().as_str();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            names.into_iter().map(Value::from).collect()
        };
        details.insert("authmethods".into(), Value::List(methods));
        if let Some(authid) = &self.authid {
            details.insert("authid".into(), Value::from(authid.as_str()));
        }
        if let Some(authrole) = &self.authrole {
            details.insert("authrole".into(), Value::from(authrole.as_str()));
        }
        let authextra = self.authextra_dict();
        if !authextra.is_empty() {
            details.insert("authextra".into(), Value::Dict(authextra));
        }
        details.insert("agent".into(), Value::from(self.agent.as_str()));
        Hello {
            realm: self.realm.clone(),
            details,
        }
    }

    fn roles_dict(&self) -> Dict {
        let announced = [
            ("publisher", self.roles.publisher, PUBLISHER_FEATURES),
            ("subscriber", self.roles.subscriber, SUBSCRIBER_FEATURES),
            ("caller", self.roles.caller, CALLER_FEATURES),
            ("callee", self.roles.callee, CALLEE_FEATURES),
        ];
        announced
            .into_iter()
            .filter(|(_, on, _)| *on)
            .map(|(role, _, features)| {
                let features: Dict = features
                    .iter()
                    .map(|f| ((*f).to_owned(), Value::Bool(true)))
                    .collect();
                let mut role_dict = Dict::new();
                role_dict.insert("features".into(), Value::Dict(features));
                (role.to_owned(), Value::Dict(role_dict))
            })
            .collect()
    }

    /// The configured authextra, plus what cryptosign needs (which wins over configured keys).
    fn authextra_dict(&self) -> Dict {
        let mut extra = self.authextra.clone();
        if let Some(Credential::Cryptosign {
            key,
            channel_binding,
        }) = self.credential(AuthMethod::Cryptosign)
        {
            extra.insert("pubkey".into(), Value::from(key.public_key().to_hex()));
            if let Some(binding) = channel_binding {
                extra.insert("channel_binding".into(), Value::from(binding.as_str()));
            }
        }
        extra
    }
}

/// The roles and features the router announced in WELCOME.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterRoles {
    roles: Dict,
}

/// A router role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouterRole {
    /// `broker`: PubSub.
    Broker,
    /// `dealer`: RPC.
    Dealer,
}

impl RouterRole {
    /// The spec's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RouterRole::Broker => "broker",
            RouterRole::Dealer => "dealer",
        }
    }
}

impl RouterRoles {
    /// From `WELCOME.Details.roles`.
    pub(super) fn new(roles: Dict) -> RouterRoles {
        RouterRoles { roles }
    }

    /// True when the router announced `role`.
    pub fn has_role(&self, role: RouterRole) -> bool {
        self.roles.contains_key(role.as_str())
    }

    /// True when the router announced `feature` (set to `true`) for `role`.
    pub fn has_feature(&self, role: RouterRole, feature: &str) -> bool {
        self.roles
            .get(role.as_str())
            .and_then(Value::as_dict)
            .and_then(|r| r.get("features"))
            .and_then(Value::as_dict)
            .and_then(|f| f.get(feature))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Call canceling, under either spelling the spec uses.
    pub fn call_canceling(&self) -> bool {
        self.has_feature(RouterRole::Dealer, "call_canceling")
            || self.has_feature(RouterRole::Dealer, "call_cancelling")
    }

    /// Payload Passthru Mode for `role`, under the spec's name or autobahn's.
    pub fn payload_passthru(&self, role: RouterRole) -> bool {
        self.has_feature(role, "payload_passthru_mode")
            || self.has_feature(role, "payload_transparency")
    }

    /// The raw `WELCOME.Details.roles` dict.
    pub fn as_dict(&self) -> &Dict {
        &self.roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_announces_roles_features_and_methods() {
        let key = SigningKey::from_seed(&[7; 32]);
        let config = SessionConfig::new("realm1")
            .with_authid("alice")
            .with_credential(Credential::ticket("t"))
            .with_credential(Credential::cryptosign(
                key.clone(),
                Some(ChannelBinding::TlsUnique),
            ))
            .with_credential(Credential::ticket("again"));
        let hello = config.hello();
        assert_eq!(hello.realm, "realm1");
        let d = &hello.details;
        assert_eq!(
            d.get("authmethods"),
            Some(&Value::List(vec!["ticket".into(), "cryptosign".into()]))
        );
        assert_eq!(d.get("authid"), Some(&Value::from("alice")));
        let extra = d.get("authextra").and_then(Value::as_dict).unwrap();
        assert_eq!(
            extra.get("pubkey"),
            Some(&Value::from(key.public_key().to_hex()))
        );
        assert_eq!(
            extra.get("channel_binding"),
            Some(&Value::from("tls-unique"))
        );
        let roles = d.get("roles").and_then(Value::as_dict).unwrap();
        assert_eq!(roles.len(), 4);
        let router = RouterRoles::new(roles.clone());
        // Our own dict has the same shape as a router's, so the reader can check it.
        let caller = |f: &str| {
            roles["caller"].as_dict().unwrap()["features"]
                .as_dict()
                .unwrap()
                .contains_key(f)
        };
        assert!(caller("payload_passthru_mode") && caller("payload_transparency"));
        assert!(caller("progressive_call_results") && caller("call_canceling"));
        assert!(!router.has_role(RouterRole::Broker));
    }

    #[test]
    fn anonymous_by_default_and_roles_can_be_limited() {
        let config = SessionConfig::new("r").with_roles(Roles {
            publisher: false,
            subscriber: true,
            caller: false,
            callee: false,
        });
        let hello = config.hello();
        assert_eq!(
            hello.details.get("authmethods"),
            Some(&Value::List(vec!["anonymous".into()]))
        );
        assert!(!hello.details.contains_key("authextra"));
        let roles = hello.details["roles"].as_dict().unwrap();
        assert_eq!(roles.keys().collect::<Vec<_>>(), ["subscriber"]);
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let shown = format!(
            "{:?}",
            [
                Credential::ticket("hunter2"),
                Credential::wampcra("hunter2"),
            ]
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("wampcra"), "{shown}");
    }

    #[test]
    fn router_features() {
        let mut features = Dict::new();
        features.insert("call_cancelling".into(), Value::Bool(true));
        features.insert("payload_transparency".into(), Value::Bool(true));
        features.insert("progressive_call_results".into(), Value::from("yes"));
        let mut dealer = Dict::new();
        dealer.insert("features".into(), Value::Dict(features));
        let mut roles = Dict::new();
        roles.insert("dealer".into(), Value::Dict(dealer));
        roles.insert("broker".into(), Value::Dict(Dict::new()));
        let r = RouterRoles::new(roles);
        assert!(r.has_role(RouterRole::Broker) && r.has_role(RouterRole::Dealer));
        assert!(r.call_canceling());
        assert!(r.payload_passthru(RouterRole::Dealer));
        assert!(!r.payload_passthru(RouterRole::Broker));
        // Only a `true` bool counts.
        assert!(!r.has_feature(RouterRole::Dealer, "progressive_call_results"));
    }
}
