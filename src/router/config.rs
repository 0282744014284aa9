//! Router configuration: realms, roles with permissions, principals with credentials, limits.
//!
//! Plain data, serde-friendly, so the lead can load it from TOML. [`Router::new`] checks it and
//! reports the first problem as a [`ConfigError`] naming the field (`realms[0].roles[1]...`).
//!
//! ```toml
//! [[realms]]
//! name = "realm1"
//! anonymous_role = "anonymous"          # omit to refuse anonymous sessions
//!
//! [[realms.roles]]
//! name = "anonymous"
//! permissions = [{ uri = "", match = "prefix", call = true, register = true,
//!                  publish = true, subscribe = true }]
//!
//! [[realms.principals]]
//! authid = "alice"
//! authrole = "anonymous"
//! ticket = "secret!!!"
//! ```
//!
//! [`Router::new`]: super::Router::new

use std::fmt;

use serde_derive::{Deserialize, Serialize};

use super::limits::Limits;
use crate::wamp::uri::MatchPolicy;

/// The whole router: its realms and limits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// The realms served. Sessions may join only these.
    pub realms: Vec<RealmConfig>,
    /// Resource limits.
    pub limits: Limits,
}

impl RouterConfig {
    /// One realm with anonymous access and every permission: what `zerowamp router` runs with
    /// no arguments.
    pub fn open(realm: &str) -> Self {
        RouterConfig {
            realms: vec![RealmConfig::open(realm)],
            limits: Limits::default(),
        }
    }
}

/// One realm: who may join (principals, anonymous access) and what each role may do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealmConfig {
    /// The realm URI.
    pub name: String,
    /// The role given to `anonymous` sessions; `None` refuses anonymous access.
    pub anonymous_role: Option<String>,
    /// Roles and their permissions. A role not listed here may do nothing.
    pub roles: Vec<RoleConfig>,
    /// Known users and their credentials.
    pub principals: Vec<Principal>,
    /// Publish `wamp.session.on_join` / `on_leave` meta events and answer `wamp.session.count`,
    /// `wamp.session.list`, `wamp.session.get`.
    #[serde(default = "yes")]
    pub meta_api: bool,
    /// Check URIs with the strict rules (`[0-9a-z_]` components) instead of the loose ones.
    pub strict_uris: bool,
}

fn yes() -> bool {
    true
}

impl RealmConfig {
    /// A realm with anonymous access in role `"anonymous"`, which may do everything.
    pub fn open(name: &str) -> Self {
        RealmConfig {
            name: name.to_owned(),
            anonymous_role: Some("anonymous".to_owned()),
            roles: vec![RoleConfig {
                name: "anonymous".to_owned(),
                permissions: vec![Permission::all("", UriMatch::Prefix)],
            }],
            principals: Vec::new(),
            meta_api: true,
            strict_uris: false,
        }
    }
}

/// A role: a name and what it may do on which URIs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleConfig {
    /// The role name (`authrole`).
    pub name: String,
    /// Permissions. For a URI the most specific matching entry applies: an exact match, else
    /// the longest prefix match, else the best wildcard match (the spec's order for pattern
    /// registrations). No match: nothing is allowed.
    pub permissions: Vec<Permission>,
}

/// How a permission's URI is matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UriMatch {
    /// The URI must equal the permission's URI.
    #[default]
    Exact,
    /// The URI must start with the permission's URI (`""` matches everything).
    Prefix,
    /// Same number of components; an empty component matches any one.
    Wildcard,
}

impl From<UriMatch> for MatchPolicy {
    fn from(m: UriMatch) -> MatchPolicy {
        match m {
            UriMatch::Exact => MatchPolicy::Exact,
            UriMatch::Prefix => MatchPolicy::Prefix,
            UriMatch::Wildcard => MatchPolicy::Wildcard,
        }
    }
}

/// What a role may do on the URIs one pattern matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Permission {
    /// The URI or pattern.
    pub uri: String,
    /// How `uri` is matched.
    #[serde(rename = "match")]
    pub match_: UriMatch,
    /// May call procedures.
    pub call: bool,
    /// May register procedures.
    pub register: bool,
    /// May publish to topics.
    pub publish: bool,
    /// May subscribe to topics.
    pub subscribe: bool,
    /// The caller's identity may be disclosed to callees (on `disclose_me`, or when the
    /// registration asks for it). A `disclose_me` that is not allowed gets
    /// `wamp.error.option_disallowed.disclose_me`.
    pub disclose_caller: bool,
    /// The publisher's identity may be disclosed to subscribers (on `disclose_me`).
    pub disclose_publisher: bool,
}

impl Default for Permission {
    fn default() -> Self {
        Permission {
            uri: String::new(),
            match_: UriMatch::Exact,
            call: false,
            register: false,
            publish: false,
            subscribe: false,
            disclose_caller: true,
            disclose_publisher: true,
        }
    }
}

impl Permission {
    /// Every action allowed on `uri`.
    pub fn all(uri: &str, match_: UriMatch) -> Self {
        Permission {
            uri: uri.to_owned(),
            match_,
            call: true,
            register: true,
            publish: true,
            subscribe: true,
            ..Permission::default()
        }
    }
}

/// A user the realm knows: an authid, its role, and one or more credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Principal {
    /// The user's `authid`.
    pub authid: String,
    /// The role it gets.
    pub authrole: String,
    /// Ticket authentication: the expected ticket.
    pub ticket: Option<String>,
    /// WAMP-CRA authentication.
    pub wampcra: Option<CraSecret>,
    /// Cryptosign authentication: the user's Ed25519 public keys, 64 hex digits each.
    pub cryptosign: Vec<String>,
}

/// A WAMP-CRA secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CraSecret {
    /// The shared secret. With `salt` set this is the *derived* key
    /// ([`derive_key`](crate::wamp::auth::cra::derive_key) of the password), as crossbar stores
    /// it, so the password itself is never kept.
    pub secret: String,
    /// PBKDF2 salt; `None` for an unsalted secret.
    pub salt: Option<String>,
    /// PBKDF2 iterations (default 1000).
    pub iterations: Option<u64>,
    /// Derived key length in bytes (default 32).
    pub keylen: Option<u64>,
}

/// A configuration that cannot be used, with the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: `realms[0].roles[2].permissions[1].uri`.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "router config: {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ConfigError {}
