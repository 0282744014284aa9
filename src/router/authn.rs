//! Authentication, router side: picks a method from what the client offers in HELLO and what the
//! realm knows about it, builds the CHALLENGE, and checks the AUTHENTICATE answer — all with
//! the pure functions of [`wamp::auth`](crate::wamp::auth).
//!
//! Methods are tried in the client's order (`HELLO.Details.authmethods`, default
//! `["anonymous"]`); the first one the realm can serve for this client is used:
//!
//! - `anonymous`: when the realm has an `anonymous_role`; the authid is made up by the router
//!   (`anonymous-<session>`), since an anonymous client's claim proves nothing.
//! - `ticket`, `wampcra`: when `authid` names a principal with that credential.
//! - `cryptosign`: when `authextra.pubkey` is a key of the principal named by `authid`, or of any
//!   principal when no authid is given. TLS channel binding is honored when the transport
//!   offers the requested binding.
//!
//! No usable method: `ABORT wamp.error.no_auth_method`. A wrong answer:
//! `ABORT wamp.error.authentication_failed`.

use std::collections::HashMap;
use std::time::Duration;

use super::config::{ConfigError, RealmConfig};
use super::features::PeerFeatures;
use super::options::{Opts, Violation};
use super::peer::TransportInfo;
use super::random::Entropy;
use super::reason;
use crate::wamp::auth::cra::{self, Salting};
use crate::wamp::auth::cryptosign::{self, ChannelBinding, PublicKey};
use crate::wamp::auth::ticket::{self, Ticket};
use crate::wamp::auth::{AuthError, AuthMethod};
use crate::wamp::message::{Challenge, Hello};
use crate::wamp::{Dict, Id, Value};

/// The `authprovider` for principals of the realm config.
pub(crate) const STATIC_PROVIDER: &str = "static";

/// What the realm knows about one principal.
#[derive(Debug)]
struct Credentials {
    authrole: String,
    ticket: Option<Ticket>,
    /// HMAC key (the secret, or the derived key text for salted secrets) and salting.
    cra: Option<(Vec<u8>, Option<Salting>)>,
    keys: Vec<PublicKey>,
}

/// A realm's authentication setup.
#[derive(Debug, Default)]
pub(crate) struct Authenticator {
    anonymous_role: Option<String>,
    principals: HashMap<String, Credentials>,
    /// Public key → authid, for cryptosign without an authid.
    by_key: HashMap<[u8; 32], String>,
}

/// How to check the AUTHENTICATE answer to a challenge sent.
#[derive(Debug)]
enum Verifier {
    Ticket(Ticket),
    Cra {
        challenge: cra::Challenge,
        key: Vec<u8>,
    },
    Cryptosign {
        challenge: cryptosign::Challenge,
        key: PublicKey,
    },
}

/// A session between CHALLENGE and AUTHENTICATE.
#[derive(Debug)]
pub(crate) struct PendingAuth {
    pub realm: usize,
    pub session: Id,
    pub authid: String,
    pub authrole: String,
    pub method: AuthMethod,
    pub features: PeerFeatures,
    verifier: Verifier,
}

impl PendingAuth {
    /// Checks the client's `AUTHENTICATE.Signature`.
    pub(crate) fn verify(&self, signature: &str) -> Result<(), AuthError> {
        match &self.verifier {
            Verifier::Ticket(t) => ticket::verify(t, signature),
            Verifier::Cra { challenge, key } => challenge.verify(key, signature),
            Verifier::Cryptosign { challenge, key } => challenge.verify(key, signature),
        }
    }
}

/// The outcome of a HELLO.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Admit right away.
    Welcome {
        authid: String,
        authrole: String,
        method: AuthMethod,
    },
    /// Send this CHALLENGE and wait.
    Challenge(Challenge, Box<PendingAuth>),
    /// Refuse with `ABORT reason` and this message.
    Abort(&'static str, String),
}

/// What a HELLO is checked with.
pub(crate) struct HelloContext<'a> {
    pub realm: usize,
    pub realm_name: &'a str,
    pub session: Id,
    pub transport: &'a TransportInfo,
    pub unix_time: Duration,
}

impl Authenticator {
    pub(crate) fn from_config(realm: &RealmConfig, path: &str) -> Result<Self, ConfigError> {
        let mut auth = Authenticator {
            anonymous_role: realm.anonymous_role.clone(),
            ..Authenticator::default()
        };
        for (i, p) in realm.principals.iter().enumerate() {
            let at = format!("{path}.principals[{i}]");
            if p.authid.is_empty() {
                return Err(ConfigError::new(
                    format!("{at}.authid"),
                    "must not be empty",
                ));
            }
            let cra = match &p.wampcra {
                None => None,
                Some(c) => {
                    let salting = match &c.salt {
                        None => None,
                        Some(salt) => Some(
                            Salting::from_extra(salt, c.iterations, c.keylen)
                                .map_err(|e| ConfigError::new(format!("{at}.wampcra"), e))?,
                        ),
                    };
                    Some((c.secret.as_bytes().to_vec(), salting))
                }
            };
            let mut keys = Vec::new();
            for (k, hex) in p.cryptosign.iter().enumerate() {
                let key = PublicKey::from_hex(hex)
                    .map_err(|e| ConfigError::new(format!("{at}.cryptosign[{k}]"), e))?;
                if let Some(other) = auth.by_key.insert(key.to_bytes(), p.authid.clone()) {
                    if other != p.authid {
                        return Err(ConfigError::new(
                            format!("{at}.cryptosign[{k}]"),
                            format!("the key is also given to principal {other:?}"),
                        ));
                    }
                }
                keys.push(key);
            }
            let creds = Credentials {
                authrole: p.authrole.clone(),
                ticket: p.ticket.as_ref().map(Ticket::new),
                cra,
                keys,
            };
            if auth.principals.insert(p.authid.clone(), creds).is_some() {
                return Err(ConfigError::new(
                    format!("{at}.authid"),
                    format!("principal {:?} is listed twice", p.authid),
                ));
            }
        }
        Ok(auth)
    }

    /// The roles principals and anonymous sessions get, for checking them against the roles.
    pub(crate) fn roles(&self) -> impl Iterator<Item = &str> {
        self.anonymous_role
            .as_deref()
            .into_iter()
            .chain(self.principals.values().map(|c| c.authrole.as_str()))
    }

    /// Decides what to do with a HELLO.
    pub(crate) fn begin(
        &self,
        hello: &Hello,
        cx: &HelloContext<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Violation> {
        let opts = Opts::new(&hello.details, "HELLO.Details");
        let offered = opts
            .strs("authmethods")?
            .unwrap_or_else(|| vec!["anonymous"]);
        let authid = opts.str("authid")?;
        let authextra = match hello.details.get("authextra") {
            None | Some(Value::Null) => Dict::new(),
            Some(Value::Dict(d)) => d.clone(),
            Some(v) => {
                return Err(format!(
                    "HELLO.Details.authextra must be a dict, found {}",
                    v.type_name()
                ))
            }
        };
        let extra = Opts::new(&authextra, "HELLO.Details.authextra");
        let features = PeerFeatures::from_hello(&hello.details);
        for name in &offered {
            let Some(method) = AuthMethod::from_name(name) else {
                continue;
            };
            let pending = |authid: &str, authrole: &str, verifier| {
                Box::new(PendingAuth {
                    realm: cx.realm,
                    session: cx.session,
                    authid: authid.to_owned(),
                    authrole: authrole.to_owned(),
                    method,
                    features,
                    verifier,
                })
            };
            match method {
                AuthMethod::Anonymous => {
                    if let Some(role) = &self.anonymous_role {
                        return Ok(Outcome::Welcome {
                            authid: format!("anonymous-{}", cx.session),
                            authrole: role.clone(),
                            method,
                        });
                    }
                }
                AuthMethod::Ticket => {
                    let found = authid.and_then(|a| self.principals.get_key_value(a));
                    if let Some((
                        id,
                        Credentials {
                            ticket: Some(t),
                            authrole,
                            ..
                        },
                    )) = found
                    {
                        let challenge = challenge(method, Dict::new());
                        return Ok(Outcome::Challenge(
                            challenge,
                            pending(id, authrole, Verifier::Ticket(t.clone())),
                        ));
                    }
                }
                AuthMethod::WampCra => {
                    let found = authid.and_then(|a| self.principals.get_key_value(a));
                    if let Some((
                        id,
                        Credentials {
                            cra: Some((key, salting)),
                            authrole,
                            ..
                        },
                    )) = found
                    {
                        let mut nonce = [0u8; 16];
                        if let Err(e) = entropy.fill(&mut nonce) {
                            return Ok(Outcome::Abort(
                                reason::AUTHENTICATION_FAILED,
                                e.to_string(),
                            ));
                        }
                        let info = cra::ChallengeInfo {
                            authid: id,
                            authrole,
                            authprovider: STATIC_PROVIDER,
                            session: cx.session,
                        };
                        let c =
                            match cra::Challenge::new(&info, &nonce, cx.unix_time, salting.clone())
                            {
                                Ok(c) => c,
                                Err(e) => {
                                    return Ok(Outcome::Abort(
                                        reason::AUTHENTICATION_FAILED,
                                        e.to_string(),
                                    ))
                                }
                            };
                        let mut extra = Dict::new();
                        extra.insert("challenge".to_owned(), Value::from(c.challenge()));
                        if let Some(s) = c.salting() {
                            extra.insert("salt".to_owned(), Value::from(s.salt()));
                            extra.insert("iterations".to_owned(), Value::from(s.iterations()));
                            extra.insert("keylen".to_owned(), Value::from(s.keylen()));
                        }
                        let verifier = Verifier::Cra {
                            challenge: c,
                            key: key.clone(),
                        };
                        return Ok(Outcome::Challenge(
                            challenge(method, extra),
                            pending(id, authrole, verifier),
                        ));
                    }
                }
                AuthMethod::Cryptosign => {
                    let Some(pubkey) = extra.str("pubkey")? else {
                        continue;
                    };
                    let Ok(key) = PublicKey::from_hex(pubkey) else {
                        continue;
                    };
                    let owner = match authid {
                        Some(a) => self.principals.get_key_value(a).map(|(k, _)| k.as_str()),
                        None => self.by_key.get(&key.to_bytes()).map(String::as_str),
                    };
                    let Some((id, creds)) = owner.and_then(|a| self.principals.get_key_value(a))
                    else {
                        continue;
                    };
                    if !creds.keys.contains(&key) {
                        continue;
                    }
                    let binding = match extra.str("channel_binding")? {
                        None => None,
                        Some(name) => {
                            let wanted = name.parse::<ChannelBinding>().ok();
                            match (&cx.transport.channel_binding, wanted) {
                                (Some((have, id)), Some(want)) if *have == want => {
                                    Some((want, *id))
                                }
                                _ => {
                                    return Ok(Outcome::Abort(
                                        reason::AUTHENTICATION_FAILED,
                                        format!(
                                            "channel binding {name:?} is not available on this \
                                             transport"
                                        ),
                                    ))
                                }
                            }
                        }
                    };
                    let mut random = [0u8; cryptosign::CHALLENGE_LEN];
                    if let Err(e) = entropy.fill(&mut random) {
                        return Ok(Outcome::Abort(reason::AUTHENTICATION_FAILED, e.to_string()));
                    }
                    let c = match cryptosign::Challenge::new(
                        random,
                        binding.as_ref().map(|(_, id)| &id[..]),
                    ) {
                        Ok(c) => c,
                        Err(e) => {
                            return Ok(Outcome::Abort(reason::AUTHENTICATION_FAILED, e.to_string()))
                        }
                    };
                    let mut extra = Dict::new();
                    extra.insert("challenge".to_owned(), Value::from(c.challenge_hex()));
                    if let Some((b, _)) = binding {
                        extra.insert("channel_binding".to_owned(), Value::from(b.as_str()));
                    }
                    let verifier = Verifier::Cryptosign { challenge: c, key };
                    return Ok(Outcome::Challenge(
                        challenge(method, extra),
                        pending(id, &creds.authrole, verifier),
                    ));
                }
            }
        }
        Ok(Outcome::Abort(
            reason::NO_AUTH_METHOD,
            format!(
                "none of the offered authentication methods {offered:?} can admit {} to realm \
                 {:?}",
                authid.map_or_else(|| "this client".to_owned(), |a| format!("authid {a:?}")),
                cx.realm_name
            ),
        ))
    }
}

fn challenge(method: AuthMethod, extra: Dict) -> Challenge {
    Challenge {
        method: method.as_str().to_owned(),
        extra,
    }
}
