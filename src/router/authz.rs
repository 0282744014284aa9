//! Authorization: what each role may do on which URIs.
//!
//! A role holds permissions keyed by `(match policy, URI pattern)` in a
//! [`PatternMap`]. For a URI the most specific matching permission
//! decides — an exact match, else the longest prefix match, else the best wildcard match — and a
//! URI no permission matches is denied. A pattern subscription or registration is checked with
//! its pattern string as the URI.

use std::collections::HashMap;

use super::config::{ConfigError, RoleConfig};
use crate::wamp::uri::{MatchPolicy, PatternMap, Strictness};

/// An action a session asks the router to perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// CALL
    Call,
    /// REGISTER
    Register,
    /// PUBLISH
    Publish,
    /// SUBSCRIBE
    Subscribe,
}

impl Action {
    /// Lower-case name, for error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Call => "call",
            Action::Register => "register",
            Action::Publish => "publish",
            Action::Subscribe => "subscribe",
        }
    }
}

/// What a role may do on one URI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grant {
    /// May call.
    pub call: bool,
    /// May register.
    pub register: bool,
    /// May publish.
    pub publish: bool,
    /// May subscribe.
    pub subscribe: bool,
    /// The caller's identity may be disclosed to callees.
    pub disclose_caller: bool,
    /// The publisher's identity may be disclosed to subscribers.
    pub disclose_publisher: bool,
}

impl Grant {
    /// True when `action` is allowed.
    pub fn allows(&self, action: Action) -> bool {
        match action {
            Action::Call => self.call,
            Action::Register => self.register,
            Action::Publish => self.publish,
            Action::Subscribe => self.subscribe,
        }
    }
}

/// The permissions of a realm's roles.
#[derive(Debug, Default)]
pub(crate) struct Authorizer {
    roles: HashMap<String, PatternMap<Grant>>,
}

impl Authorizer {
    pub(crate) fn from_config(roles: &[RoleConfig], path: &str) -> Result<Self, ConfigError> {
        let mut out = Authorizer::default();
        for (r, role) in roles.iter().enumerate() {
            let at = format!("{path}.roles[{r}]");
            if role.name.is_empty() {
                return Err(ConfigError::new(format!("{at}.name"), "must not be empty"));
            }
            let mut map = PatternMap::new();
            for (p, perm) in role.permissions.iter().enumerate() {
                let policy = MatchPolicy::from(perm.match_);
                policy
                    .check_pattern(&perm.uri, Strictness::Loose)
                    .or_else(|e| {
                        // The catch-all prefix "" is a valid permission, not a URI.
                        if policy == MatchPolicy::Prefix && perm.uri.is_empty() {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })
                    .map_err(|e| ConfigError::new(format!("{at}.permissions[{p}].uri"), e))?;
                let grant = Grant {
                    call: perm.call,
                    register: perm.register,
                    publish: perm.publish,
                    subscribe: perm.subscribe,
                    disclose_caller: perm.disclose_caller,
                    disclose_publisher: perm.disclose_publisher,
                };
                if map.insert(policy, &perm.uri, grant).is_some() {
                    return Err(ConfigError::new(
                        format!("{at}.permissions[{p}].uri"),
                        format!("{} {:?} is listed twice", policy, perm.uri),
                    ));
                }
            }
            if out.roles.insert(role.name.clone(), map).is_some() {
                return Err(ConfigError::new(
                    format!("{at}.name"),
                    format!("role {:?} is defined twice", role.name),
                ));
            }
        }
        Ok(out)
    }

    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.contains_key(role)
    }

    /// What `role` may do on `uri`.
    pub(crate) fn grant(&self, role: &str, uri: &str) -> Grant {
        self.roles
            .get(role)
            .and_then(|map| map.best_match(uri))
            .map(|m| *m.value)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::config::{Permission, UriMatch};

    fn authorizer() -> Authorizer {
        let role = RoleConfig {
            name: "user".into(),
            permissions: vec![
                Permission::all("com.app.", UriMatch::Prefix),
                Permission {
                    uri: "com.app.admin.".into(),
                    match_: UriMatch::Prefix,
                    call: false,
                    subscribe: true,
                    ..Permission::default()
                },
                Permission {
                    uri: "com.app.admin.status".into(),
                    call: true,
                    ..Permission::default()
                },
                Permission {
                    uri: "org..public".into(),
                    match_: UriMatch::Wildcard,
                    subscribe: true,
                    ..Permission::default()
                },
            ],
        };
        Authorizer::from_config(&[role], "realms[0]").unwrap()
    }

    #[test]
    fn most_specific_permission_wins() {
        let a = authorizer();
        assert!(a.grant("user", "com.app.x").allows(Action::Call));
        assert!(!a.grant("user", "com.app.admin.reset").allows(Action::Call));
        assert!(a
            .grant("user", "com.app.admin.reset")
            .allows(Action::Subscribe));
        assert!(a.grant("user", "com.app.admin.status").allows(Action::Call));
        assert!(!a
            .grant("user", "com.app.admin.status")
            .allows(Action::Subscribe));
        assert!(a.grant("user", "org.x.public").allows(Action::Subscribe));
        assert!(!a.grant("user", "org.x.public").allows(Action::Publish));
        assert_eq!(a.grant("user", "net.other"), Grant::default());
        assert_eq!(a.grant("nobody", "com.app.x"), Grant::default());
    }

    #[test]
    fn bad_permissions_are_named() {
        let role = RoleConfig {
            name: "r".into(),
            permissions: vec![Permission::all("com..x", UriMatch::Exact)],
        };
        let e = Authorizer::from_config(std::slice::from_ref(&role), "realms[1]").unwrap_err();
        assert_eq!(e.field, "realms[1].roles[0].permissions[0].uri");
        let ok = RoleConfig {
            name: "r".into(),
            permissions: vec![Permission::all("", UriMatch::Prefix)],
        };
        let e = Authorizer::from_config(&[ok.clone(), ok], "realms[1]").unwrap_err();
        assert_eq!(e.field, "realms[1].roles[1].name");
        let twice = RoleConfig {
            name: "t".into(),
            permissions: vec![Permission::all("a", UriMatch::Exact); 2],
        };
        let e = Authorizer::from_config(&[twice], "realms[0]").unwrap_err();
        assert_eq!(e.field, "realms[0].roles[0].permissions[1].uri");
    }
}
