//! WAMP URIs: validation, the reserved `wamp` namespace, match policies, and an index of URI
//! patterns that answers "which subscriptions match this topic" and "which registration is the
//! best match for this procedure" the way the WAMP spec defines it.
//!
//! A URI is a sequence of components separated by `.`. Two rule sets exist (spec, "Identifiers"):
//!
//! - *loose*: a component must not contain `.`, `#` or whitespace;
//! - *strict* (recommended): a component holds only `0-9`, `a-z` and `_`.
//!
//! Components must not be empty, except in patterns: a wildcard pattern may have any empty
//! component (each stands for one arbitrary component), and a prefix pattern may end with an empty
//! component (`com.myapp.` matches everything below `com.myapp`). [`EmptyComponents`] names these
//! three cases and [`MatchPolicy::empty_components`] picks the right one for a policy.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

/// The first URI component reserved for URIs the WAMP protocol itself defines.
pub const RESERVED_COMPONENT: &str = "wamp";

/// Which characters a URI component may contain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// Anything but `.`, `#` and whitespace (the spec's MUST).
    #[default]
    Loose,
    /// Only `0-9`, `a-z` and `_` (the spec's SHOULD).
    Strict,
}

/// Where a URI may have empty (zero-length) components.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EmptyComponents {
    /// No component may be empty: concrete URIs and exact-match patterns.
    #[default]
    Forbidden,
    /// Only the last component may be empty: prefix-match patterns (`com.myapp.`).
    Last,
    /// Any component may be empty: wildcard-match patterns (`com..event`).
    Allowed,
}

/// Why a string is not a valid URI, or not a known match policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriError {
    /// Component number `index` (0-based) is empty where that is not allowed.
    EmptyComponent {
        /// 0-based position of the component.
        index: usize,
    },
    /// A character that the rule set does not allow in a component.
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset in the URI.
        offset: usize,
        /// The rule set that was applied.
        strictness: Strictness,
    },
    /// A `match` option that is none of `exact`, `prefix`, `wildcard`.
    UnknownMatchPolicy(String),
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriError::EmptyComponent { index } => {
                write!(f, "invalid URI: component {index} is empty")
            }
            UriError::InvalidChar {
                ch,
                offset,
                strictness,
            } => {
                let rules = match strictness {
                    Strictness::Loose => "no '.', '#' or whitespace",
                    Strictness::Strict => "only 0-9, a-z and '_'",
                };
                write!(
                    f,
                    "invalid URI: character {ch:?} at byte {offset} is not allowed ({rules})"
                )
            }
            UriError::UnknownMatchPolicy(name) => write!(
                f,
                "unknown match policy {name:?} (expected \"exact\", \"prefix\" or \"wildcard\")"
            ),
        }
    }
}

impl std::error::Error for UriError {}

/// Checks `uri` against a rule set, allowing empty components as `empty` says.
pub fn check(uri: &str, strictness: Strictness, empty: EmptyComponents) -> Result<(), UriError> {
    let count = uri.split('.').count();
    let mut offset = 0;
    for (index, component) in uri.split('.').enumerate() {
        if component.is_empty() {
            let allowed = match empty {
                EmptyComponents::Forbidden => false,
                EmptyComponents::Last => index + 1 == count,
                EmptyComponents::Allowed => true,
            };
            if !allowed {
                return Err(UriError::EmptyComponent { index });
            }
        }
        for (at, ch) in component.char_indices() {
            if !component_char_ok(ch, strictness) {
                return Err(UriError::InvalidChar {
                    ch,
                    offset: offset + at,
                    strictness,
                });
            }
        }
        offset += component.len() + 1;
    }
    Ok(())
}

fn component_char_ok(ch: char, strictness: Strictness) -> bool {
    match strictness {
        Strictness::Strict => matches!(ch, '0'..='9' | 'a'..='z' | '_'),
        // The spec's reference regex uses Python's `\s`, which also counts the ASCII information
        // separators U+001C..U+001F as whitespace; Rust's `is_whitespace` does not.
        Strictness::Loose => {
            ch != '#' && !ch.is_whitespace() && !('\u{1c}'..='\u{1f}').contains(&ch)
        }
    }
}

/// True when `uri` lies in the namespace reserved for the protocol (first component `wamp`).
/// Applications must not register, subscribe or publish there.
pub fn is_reserved(uri: &str) -> bool {
    uri.split('.').next() == Some(RESERVED_COMPONENT)
}

/// How a subscription or registration URI is matched against concrete URIs
/// (`SUBSCRIBE.Options.match` / `REGISTER.Options.match`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchPolicy {
    /// The URI must be equal to the pattern.
    #[default]
    Exact,
    /// The URI must start with the pattern (a string prefix, not a component prefix:
    /// `a.b` matches `a.b-c`).
    Prefix,
    /// Same number of components; an empty pattern component matches any one component.
    Wildcard,
}

impl MatchPolicy {
    /// All policies, in order of precedence for call routing.
    pub const ALL: [MatchPolicy; 3] = [
        MatchPolicy::Exact,
        MatchPolicy::Prefix,
        MatchPolicy::Wildcard,
    ];

    /// The spec's name: `"exact"`, `"prefix"` or `"wildcard"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchPolicy::Exact => "exact",
            MatchPolicy::Prefix => "prefix",
            MatchPolicy::Wildcard => "wildcard",
        }
    }

    /// Where a pattern of this policy may have empty components.
    pub fn empty_components(self) -> EmptyComponents {
        match self {
            MatchPolicy::Exact => EmptyComponents::Forbidden,
            MatchPolicy::Prefix => EmptyComponents::Last,
            MatchPolicy::Wildcard => EmptyComponents::Allowed,
        }
    }

    /// Checks a subscription/registration pattern for this policy.
    pub fn check_pattern(self, pattern: &str, strictness: Strictness) -> Result<(), UriError> {
        check(pattern, strictness, self.empty_components())
    }

    /// True when the concrete `uri` matches `pattern` under this policy.
    pub fn matches(self, pattern: &str, uri: &str) -> bool {
        match self {
            MatchPolicy::Exact => pattern == uri,
            MatchPolicy::Prefix => uri.starts_with(pattern),
            MatchPolicy::Wildcard => {
                let mut p = pattern.split('.');
                let mut u = uri.split('.');
                loop {
                    match (p.next(), u.next()) {
                        (None, None) => return true,
                        (Some(pc), Some(uc)) if pc.is_empty() || pc == uc => {}
                        _ => return false,
                    }
                }
            }
        }
    }
}

impl fmt::Display for MatchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MatchPolicy {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MatchPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UriError::UnknownMatchPolicy(s.to_owned()))
    }
}

/// One pattern that matched a URI, as returned by [`PatternMap`].
#[derive(Debug, PartialEq, Eq)]
pub struct Match<'a, T> {
    /// The policy the pattern was stored under.
    pub policy: MatchPolicy,
    /// The pattern as stored.
    pub pattern: &'a str,
    /// The value stored with it (a subscription, a registration).
    pub value: &'a T,
}

impl<T> Clone for Match<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Match<'_, T> {}

/// A set of `(policy, pattern) → value` entries, indexed so that a broker finds every subscription
/// matching a topic, and a dealer the single best registration for a procedure, without scanning
/// all patterns.
///
/// - exact patterns: a hash map;
/// - prefix patterns: a hash map plus the set of pattern lengths, so a lookup probes one slice of
///   the URI per distinct length, longest first;
/// - wildcard patterns: grouped by component count, then by *shape* (which components are
///   wildcards); a lookup blanks the URI's components per shape and probes a hash map. Shapes are
///   kept in precedence order, so the first hit is the best wildcard match.
///
/// Patterns are stored as given; validate them first with [`MatchPolicy::check_pattern`].
#[derive(Debug)]
pub struct PatternMap<T> {
    exact: HashMap<String, T>,
    prefix: PrefixIndex<T>,
    wildcard: WildcardIndex<T>,
}

impl<T> Default for PatternMap<T> {
    fn default() -> Self {
        PatternMap {
            exact: HashMap::new(),
            prefix: PrefixIndex::default(),
            wildcard: WildcardIndex::default(),
        }
    }
}

impl<T> PatternMap<T> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries over all policies.
    pub fn len(&self) -> usize {
        self.exact.len() + self.prefix.entries.len() + self.wildcard.len
    }

    /// True when the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores `value` under `(policy, pattern)`, returning the value it replaces.
    pub fn insert(&mut self, policy: MatchPolicy, pattern: &str, value: T) -> Option<T> {
        match policy {
            MatchPolicy::Exact => self.exact.insert(pattern.to_owned(), value),
            MatchPolicy::Prefix => self.prefix.insert(pattern, value),
            MatchPolicy::Wildcard => self.wildcard.insert(pattern, value),
        }
    }

    /// The value stored under exactly `(policy, pattern)` (no matching involved).
    pub fn get(&self, policy: MatchPolicy, pattern: &str) -> Option<&T> {
        match policy {
            MatchPolicy::Exact => self.exact.get(pattern),
            MatchPolicy::Prefix => self.prefix.entries.get(pattern),
            MatchPolicy::Wildcard => self.wildcard.get(pattern),
        }
    }

    /// Mutable access to the value stored under exactly `(policy, pattern)`.
    pub fn get_mut(&mut self, policy: MatchPolicy, pattern: &str) -> Option<&mut T> {
        match policy {
            MatchPolicy::Exact => self.exact.get_mut(pattern),
            MatchPolicy::Prefix => self.prefix.entries.get_mut(pattern),
            MatchPolicy::Wildcard => self.wildcard.get_mut(pattern),
        }
    }

    /// Removes and returns the value stored under `(policy, pattern)`.
    pub fn remove(&mut self, policy: MatchPolicy, pattern: &str) -> Option<T> {
        match policy {
            MatchPolicy::Exact => self.exact.remove(pattern),
            MatchPolicy::Prefix => self.prefix.remove(pattern),
            MatchPolicy::Wildcard => self.wildcard.remove(pattern),
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = Match<'_, T>> {
        let exact = self.exact.iter().map(|(k, v)| Match {
            policy: MatchPolicy::Exact,
            pattern: k.as_str(),
            value: v,
        });
        let prefix = self.prefix.entries.iter().map(|(k, v)| Match {
            policy: MatchPolicy::Prefix,
            pattern: k.as_str(),
            value: v,
        });
        let wildcard = self
            .wildcard
            .by_count
            .values()
            .flat_map(|shapes| shapes.values())
            .flat_map(|entries| entries.iter())
            .map(|(k, v)| Match {
                policy: MatchPolicy::Wildcard,
                pattern: k.as_str(),
                value: v,
            });
        exact.chain(prefix).chain(wildcard)
    }

    /// Every entry whose pattern matches `uri` (what a broker delivers an event to), best first:
    /// the exact match, then prefix matches from longest to shortest, then wildcard matches in
    /// the spec's precedence order. The first element, if any, is [`best_match`](Self::best_match).
    pub fn matches(&self, uri: &str) -> Vec<Match<'_, T>> {
        let mut out = Vec::new();
        if let Some((pattern, value)) = self.exact.get_key_value(uri) {
            out.push(Match {
                policy: MatchPolicy::Exact,
                pattern,
                value,
            });
        }
        self.prefix.for_each_match(uri, |m| {
            out.push(m);
            true
        });
        self.wildcard.for_each_match(uri, |m| {
            out.push(m);
            true
        });
        out
    }

    /// The single entry a dealer routes a call for `uri` to (spec, "Pattern-based
    /// Registrations"): an exact match; else the longest prefix match; else the wildcard pattern
    /// with the longest run of concrete components before its first wildcard, ties broken by the
    /// run before the second wildcard, and so on.
    pub fn best_match(&self, uri: &str) -> Option<Match<'_, T>> {
        if let Some((pattern, value)) = self.exact.get_key_value(uri) {
            return Some(Match {
                policy: MatchPolicy::Exact,
                pattern,
                value,
            });
        }
        let mut best = None;
        self.prefix.for_each_match(uri, |m| {
            best = Some(m);
            false
        });
        if best.is_none() {
            self.wildcard.for_each_match(uri, |m| {
                best = Some(m);
                false
            });
        }
        best
    }
}

/// Prefix patterns: a lookup probes `uri[..len]` for each distinct stored length, longest first.
#[derive(Debug)]
struct PrefixIndex<T> {
    entries: HashMap<String, T>,
    /// Pattern length in bytes → how many stored patterns have it.
    lengths: BTreeMap<usize, usize>,
}

impl<T> Default for PrefixIndex<T> {
    fn default() -> Self {
        PrefixIndex {
            entries: HashMap::new(),
            lengths: BTreeMap::new(),
        }
    }
}

impl<T> PrefixIndex<T> {
    fn insert(&mut self, pattern: &str, value: T) -> Option<T> {
        let old = self.entries.insert(pattern.to_owned(), value);
        if old.is_none() {
            *self.lengths.entry(pattern.len()).or_insert(0) += 1;
        }
        old
    }

    fn remove(&mut self, pattern: &str) -> Option<T> {
        let old = self.entries.remove(pattern)?;
        if let Some(n) = self.lengths.get_mut(&pattern.len()) {
            *n -= 1;
            if *n == 0 {
                self.lengths.remove(&pattern.len());
            }
        }
        Some(old)
    }

    /// Calls `f` for each match, longest first, until it returns false.
    fn for_each_match<'a>(&'a self, uri: &str, mut f: impl FnMut(Match<'a, T>) -> bool) {
        for &len in self.lengths.range(..=uri.len()).rev().map(|(len, _)| len) {
            let Some(head) = uri.get(..len) else {
                continue; // not a char boundary: no stored pattern can equal this slice
            };
            if let Some((pattern, value)) = self.entries.get_key_value(head) {
                let m = Match {
                    policy: MatchPolicy::Prefix,
                    pattern,
                    value,
                };
                if !f(m) {
                    return;
                }
            }
        }
    }
}

/// Which components of a wildcard pattern are wildcards (`true`). Ordered so that a shape whose
/// first wildcard comes later sorts first: comparing these vectors lexicographically is the spec's
/// "longest portion before each wildcard" rule, since both sides have the same component count.
type Shape = Vec<bool>;

/// Wildcard patterns, grouped by component count and then by shape.
#[derive(Debug)]
struct WildcardIndex<T> {
    by_count: HashMap<usize, BTreeMap<Shape, HashMap<String, T>>>,
    len: usize,
}

impl<T> Default for WildcardIndex<T> {
    fn default() -> Self {
        WildcardIndex {
            by_count: HashMap::new(),
            len: 0,
        }
    }
}

fn shape_of(pattern: &str) -> Shape {
    pattern.split('.').map(str::is_empty).collect()
}

impl<T> WildcardIndex<T> {
    fn insert(&mut self, pattern: &str, value: T) -> Option<T> {
        let shape = shape_of(pattern);
        let old = self
            .by_count
            .entry(shape.len())
            .or_default()
            .entry(shape)
            .or_default()
            .insert(pattern.to_owned(), value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    fn get(&self, pattern: &str) -> Option<&T> {
        let shape = shape_of(pattern);
        self.by_count.get(&shape.len())?.get(&shape)?.get(pattern)
    }

    fn get_mut(&mut self, pattern: &str) -> Option<&mut T> {
        let shape = shape_of(pattern);
        self.by_count
            .get_mut(&shape.len())?
            .get_mut(&shape)?
            .get_mut(pattern)
    }

    fn remove(&mut self, pattern: &str) -> Option<T> {
        let shape = shape_of(pattern);
        let count = shape.len();
        let shapes = self.by_count.get_mut(&count)?;
        let entries = shapes.get_mut(&shape)?;
        let old = entries.remove(pattern)?;
        self.len -= 1;
        // Drop empty groups so lookups never probe shapes that cannot match.
        if entries.is_empty() {
            shapes.remove(&shape);
            if shapes.is_empty() {
                self.by_count.remove(&count);
            }
        }
        Some(old)
    }

    /// Calls `f` for each match in precedence order until it returns false.
    fn for_each_match<'a>(&'a self, uri: &str, mut f: impl FnMut(Match<'a, T>) -> bool) {
        let components: Vec<&str> = uri.split('.').collect();
        let Some(shapes) = self.by_count.get(&components.len()) else {
            return;
        };
        let mut key = String::with_capacity(uri.len());
        for (shape, entries) in shapes {
            key.clear();
            for (i, (component, wild)) in components.iter().zip(shape).enumerate() {
                if i > 0 {
                    key.push('.');
                }
                if !wild {
                    key.push_str(component);
                }
            }
            if let Some((pattern, value)) = entries.get_key_value(key.as_str()) {
                let m = Match {
                    policy: MatchPolicy::Wildcard,
                    pattern,
                    value,
                };
                if !f(m) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_EMPTY: [EmptyComponents; 3] = [
        EmptyComponents::Forbidden,
        EmptyComponents::Last,
        EmptyComponents::Allowed,
    ];

    fn ok(uri: &str, s: Strictness, e: EmptyComponents) -> bool {
        check(uri, s, e).is_ok()
    }

    #[test]
    fn spec_examples_are_valid_everywhere() {
        for uri in [
            "com.myapp.mytopic1",
            "com.myapp.myprocedure1",
            "com.myapp.myerror1",
            "wamp.error.not_authorized",
            "wamp.error.procedure_already_exists",
        ] {
            for s in [Strictness::Loose, Strictness::Strict] {
                for e in ALL_EMPTY {
                    assert!(ok(uri, s, e), "{uri} {s:?} {e:?}");
                }
            }
        }
    }

    #[test]
    fn loose_and_strict_character_sets() {
        // Loose allows anything but '.', '#' and whitespace; strict only [0-9a-z_].
        for uri in ["com.MyApp.topic", "com.my-app.tópic", "a.b$c.d"] {
            assert!(
                ok(uri, Strictness::Loose, EmptyComponents::Forbidden),
                "{uri}"
            );
            assert!(
                !ok(uri, Strictness::Strict, EmptyComponents::Forbidden),
                "{uri}"
            );
        }
        for uri in [
            "com.my app",
            "com.my#app",
            "com.my\tapp",
            "com.a\u{3000}b",
            "x\u{1f}y",
        ] {
            assert!(
                !ok(uri, Strictness::Loose, EmptyComponents::Allowed),
                "{uri:?}"
            );
        }
        assert_eq!(
            check("com.My", Strictness::Strict, EmptyComponents::Forbidden),
            Err(UriError::InvalidChar {
                ch: 'M',
                offset: 4,
                strictness: Strictness::Strict
            })
        );
        assert_eq!(
            check("ab.c d", Strictness::Loose, EmptyComponents::Forbidden),
            Err(UriError::InvalidChar {
                ch: ' ',
                offset: 4,
                strictness: Strictness::Loose
            })
        );
    }

    #[test]
    fn empty_components_per_rule() {
        // (uri, forbidden, last, allowed) — from the spec's regular expressions and crossbar's
        // choice of rule per match policy.
        let cases = [
            ("", false, true, true),
            ("a", true, true, true),
            ("a.", false, true, true),
            (".a", false, false, true),
            ("a..b", false, false, true),
            ("..", false, false, true),
            ("a.b.", false, true, true),
        ];
        for (uri, forbidden, last, allowed) in cases {
            for s in [Strictness::Loose, Strictness::Strict] {
                assert_eq!(ok(uri, s, EmptyComponents::Forbidden), forbidden, "{uri:?}");
                assert_eq!(ok(uri, s, EmptyComponents::Last), last, "{uri:?}");
                assert_eq!(ok(uri, s, EmptyComponents::Allowed), allowed, "{uri:?}");
            }
        }
        assert_eq!(
            check("a..b", Strictness::Loose, EmptyComponents::Last),
            Err(UriError::EmptyComponent { index: 1 })
        );
    }

    #[test]
    fn errors_read_clearly() {
        let e = check("a..b", Strictness::Loose, EmptyComponents::Forbidden).unwrap_err();
        assert_eq!(e.to_string(), "invalid URI: component 1 is empty");
        let e = "glob".parse::<MatchPolicy>().unwrap_err();
        assert!(e.to_string().contains("\"glob\""), "{e}");
    }

    #[test]
    fn reserved_namespace() {
        assert!(is_reserved("wamp.error.not_authorized"));
        assert!(is_reserved("wamp"));
        assert!(!is_reserved("wampx.foo"));
        assert!(!is_reserved("com.wamp.foo"));
        assert!(!is_reserved(""));
    }

    #[test]
    fn match_policy_names_round_trip() {
        for p in MatchPolicy::ALL {
            assert_eq!(p.as_str().parse::<MatchPolicy>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!(MatchPolicy::default(), MatchPolicy::Exact);
        assert!("Exact".parse::<MatchPolicy>().is_err());
        assert_eq!(
            MatchPolicy::Prefix.check_pattern("com.myapp.", Strictness::Strict),
            Ok(())
        );
        assert!(MatchPolicy::Exact
            .check_pattern("com.myapp.", Strictness::Strict)
            .is_err());
    }

    #[test]
    fn prefix_matching_spec_examples() {
        let p = "com.myapp.topic.emergency";
        for uri in [
            "com.myapp.topic.emergency.11",
            "com.myapp.topic.emergency-low",
            "com.myapp.topic.emergency.category.severe",
            "com.myapp.topic.emergency",
        ] {
            assert!(MatchPolicy::Prefix.matches(p, uri), "{uri}");
        }
        assert!(!MatchPolicy::Prefix.matches(p, "com.myapp.topic.emerge"));

        let p = "com.myapp.myobject1";
        for uri in [
            "com.myapp.myobject1.myprocedure1",
            "com.myapp.myobject1-mysubobject1",
            "com.myapp.myobject1.mysubobject1.myprocedure1",
            "com.myapp.myobject1",
        ] {
            assert!(MatchPolicy::Prefix.matches(p, uri), "{uri}");
        }
        for uri in ["com.myapp.myobject2", "com.myapp.myobject"] {
            assert!(!MatchPolicy::Prefix.matches(p, uri), "{uri}");
        }
    }

    #[test]
    fn wildcard_matching_spec_examples() {
        let p = "com.myapp..userevent";
        for uri in [
            "com.myapp.foo.userevent",
            "com.myapp.bar.userevent",
            "com.myapp.a12.userevent",
        ] {
            assert!(MatchPolicy::Wildcard.matches(p, uri), "{uri}");
        }
        for uri in [
            "com.myapp.foo.userevent.bar",
            "com.myapp.foo.user",
            "com.myapp2.foo.userevent",
        ] {
            assert!(!MatchPolicy::Wildcard.matches(p, uri), "{uri}");
        }
        let p = "com.myapp..myprocedure1";
        for uri in [
            "com.myapp.myobject1.myprocedure1",
            "com.myapp.myobject2.myprocedure1",
        ] {
            assert!(MatchPolicy::Wildcard.matches(p, uri), "{uri}");
        }
        for uri in [
            "com.myapp.myobject1.myprocedure1.mysubprocedure1",
            "com.myapp.myobject1.myprocedure2",
            "com.myapp2.myobject1.myprocedure1",
        ] {
            assert!(!MatchPolicy::Wildcard.matches(p, uri), "{uri}");
        }
        assert!(MatchPolicy::Exact.matches("a.b", "a.b"));
        assert!(!MatchPolicy::Exact.matches("a.b", "a.b.c"));
    }

    /// The registrations of the spec's "Calls matching multiple registrations" example.
    fn spec_registrations() -> PatternMap<u32> {
        let mut map = PatternMap::new();
        let regs = [
            (1, MatchPolicy::Exact, "a1.b2.c3.d4.e55"),
            (2, MatchPolicy::Prefix, "a1.b2.c3"),
            (3, MatchPolicy::Prefix, "a1.b2.c3.d4"),
            (4, MatchPolicy::Wildcard, "a1.b2..d4.e5"),
            (5, MatchPolicy::Wildcard, "a1.b2.c33..e5"),
            (6, MatchPolicy::Wildcard, "a1.b2..d4.e5..g7"),
            (7, MatchPolicy::Wildcard, "a1.b2..d4..f6.g7"),
        ];
        for (id, policy, pattern) in regs {
            assert_eq!(map.insert(policy, pattern, id), None);
        }
        map
    }

    #[test]
    fn best_match_spec_examples() {
        let map = spec_registrations();
        let best = |uri: &str| map.best_match(uri).map(|m| *m.value);
        assert_eq!(best("a1.b2.c3.d4.e55"), Some(1));
        assert_eq!(best("a1.b2.c3.d98.e74"), Some(2));
        assert_eq!(best("a1.b2.c3.d4.e325"), Some(3));
        assert_eq!(best("a1.b2.c55.d4.e5"), Some(4));
        // The spec says "no prefix match, use RPC 5" here, but its own prefix definition (and
        // crossbar) match string prefixes, and "a1.b2.c3" (RPC 2) is a string prefix of
        // "a1.b2.c33...". We follow the definition; the wildcard precedence it illustrates is
        // checked without the prefix registrations below.
        assert_eq!(best("a1.b2.c33.d4.e5"), Some(2));
        assert_eq!(best("a1.b2.c88.d4.e5.f6.g7"), Some(6));
        assert_eq!(best("a2.b2.c2.d2.e2"), None);

        let mut wildcards_only = spec_registrations();
        wildcards_only.remove(MatchPolicy::Prefix, "a1.b2.c3");
        wildcards_only.remove(MatchPolicy::Prefix, "a1.b2.c3.d4");
        let best = |uri: &str| wildcards_only.best_match(uri).map(|m| *m.value);
        assert_eq!(best("a1.b2.c33.d4.e5"), Some(5));
        assert_eq!(best("a1.b2.c3.d4.e5"), Some(4));
        assert_eq!(best("a1.b2.c3.d4.e5.f6.g7"), Some(6));
    }

    #[test]
    fn all_matches_are_listed_best_first() {
        let map = spec_registrations();
        let ids = |uri: &str| {
            map.matches(uri)
                .iter()
                .map(|m| *m.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("a1.b2.c3.d4.e55"), vec![1, 3, 2]);
        assert_eq!(ids("a1.b2.c33.d4.e5"), vec![2, 5, 4]);
        assert_eq!(ids("a1.b2.c88.d4.e5.f6.g7"), vec![6, 7]);
        assert_eq!(ids("a2"), Vec::<u32>::new());
        let m = map.matches("a1.b2.c3.d4.e55");
        assert_eq!(m[0].policy, MatchPolicy::Exact);
        assert_eq!(m[1].pattern, "a1.b2.c3.d4");
        assert_eq!(map.best_match("a1.b2.c3.d4.e55"), Some(m[0]));
    }

    #[test]
    fn index_agrees_with_policy_matching() {
        // Every pattern the index reports must match by the plain definition, and no pattern
        // that matches by definition may be missing.
        let patterns: [(MatchPolicy, &str); 11] = [
            (MatchPolicy::Exact, "a.b.c"),
            (MatchPolicy::Prefix, ""),
            (MatchPolicy::Prefix, "a."),
            (MatchPolicy::Prefix, "a.b"),
            (MatchPolicy::Prefix, "a.bé"),
            // 4 bytes: probing "a.bé.c" at this length falls inside 'é'.
            (MatchPolicy::Prefix, "a.bx"),
            (MatchPolicy::Wildcard, ".b.c"),
            (MatchPolicy::Wildcard, "a.."),
            (MatchPolicy::Wildcard, "..c"),
            (MatchPolicy::Wildcard, "a.b.c"),
            (MatchPolicy::Wildcard, ""),
        ];
        let mut map = PatternMap::new();
        for (i, (policy, pattern)) in patterns.iter().enumerate() {
            map.insert(*policy, pattern, i);
        }
        for uri in [
            "a.b.c", "a.bé.c", "a.b", "x.b.c", "a", "a.x.y", "b.c", "a.bc.c",
        ] {
            let mut got: Vec<usize> = map.matches(uri).iter().map(|m| *m.value).collect();
            got.sort_unstable();
            let want: Vec<usize> = (0..patterns.len())
                .filter(|&i| patterns[i].0.matches(patterns[i].1, uri))
                .collect();
            assert_eq!(got, want, "{uri}");
        }
    }

    #[test]
    fn insert_get_remove_keep_counts() {
        let mut map = spec_registrations();
        assert_eq!(map.len(), 7);
        assert_eq!(map.iter().count(), 7);
        assert_eq!(map.insert(MatchPolicy::Prefix, "a1.b2.c3", 20), Some(2));
        assert_eq!(map.len(), 7);
        assert_eq!(map.get(MatchPolicy::Prefix, "a1.b2.c3"), Some(&20));
        assert_eq!(map.get(MatchPolicy::Exact, "a1.b2.c3"), None);
        if let Some(v) = map.get_mut(MatchPolicy::Wildcard, "a1.b2..d4.e5") {
            *v = 40;
        }
        assert_eq!(
            map.best_match("a1.b2.c55.d4.e5").map(|m| *m.value),
            Some(40)
        );

        assert_eq!(map.remove(MatchPolicy::Prefix, "a1.b2.c3.d4"), Some(3));
        assert_eq!(map.remove(MatchPolicy::Prefix, "a1.b2.c3.d4"), None);
        assert_eq!(
            map.best_match("a1.b2.c3.d4.e325").map(|m| *m.value),
            Some(20)
        );
        assert_eq!(map.remove(MatchPolicy::Wildcard, "a1.b2.c33..e5"), Some(5));
        let wild: Vec<u32> = map
            .matches("a1.b2.c33.d4.e5")
            .iter()
            .filter(|m| m.policy == MatchPolicy::Wildcard)
            .map(|m| *m.value)
            .collect();
        assert_eq!(wild, vec![40]);
        assert_eq!(map.remove(MatchPolicy::Wildcard, "nope"), None);
        assert_eq!(map.len(), 5);

        for m in map
            .iter()
            .map(|m| (m.policy, m.pattern.to_owned()))
            .collect::<Vec<_>>()
        {
            assert!(map.remove(m.0, &m.1).is_some());
        }
        assert!(map.is_empty());
        assert!(map.prefix.lengths.is_empty());
        assert!(map.wildcard.by_count.is_empty());
        assert!(map.matches("a1.b2.c3.d4.e55").is_empty());
    }

    #[test]
    fn many_patterns_stay_cheap_to_probe() {
        // 10k exact and 10k wildcard patterns sharing one shape, 100 prefix lengths:
        // a lookup touches one shape and at most 100 prefix probes.
        let mut map = PatternMap::new();
        for i in 0..10_000u32 {
            map.insert(MatchPolicy::Exact, &format!("com.app.t{i}"), i);
            map.insert(MatchPolicy::Wildcard, &format!("com..t{i}"), i);
        }
        for n in 1..=100usize {
            map.insert(MatchPolicy::Prefix, &"p".repeat(n), n as u32);
        }
        assert_eq!(map.wildcard.by_count.get(&3).map(BTreeMap::len), Some(1));
        let found: Vec<_> = map
            .matches("com.app.t4242")
            .iter()
            .map(|m| m.policy)
            .collect();
        assert_eq!(found, vec![MatchPolicy::Exact, MatchPolicy::Wildcard]);
        assert_eq!(
            map.best_match(&"p".repeat(150)).map(|m| *m.value),
            Some(100)
        );
        assert_eq!(map.matches(&"p".repeat(150)).len(), 100);
    }
}
