//! URI rules and pattern matching: checking never panics and is consistent across rule sets,
//! and the indexed [`PatternMap`] finds exactly what matching every pattern one by one finds,
//! in the spec's order of precedence.
//!
//! Input: a count byte, then that many `(policy byte, string)` patterns, then the URI to look
//! up (strings as [`Source::string`] reads them).

use crate::values::Source;
use zerowamp::wamp::uri::{self, EmptyComponents, MatchPolicy, PatternMap, Strictness};

/// The property for the `uri` target.
pub fn run(data: &[u8]) {
    let mut src = Source::new(data);
    let count = src.byte() % 8;
    let mut map = PatternMap::new();
    let mut entries: Vec<(MatchPolicy, String)> = Vec::new();
    for _ in 0..count {
        let policy = MatchPolicy::ALL[usize::from(src.byte()) % MatchPolicy::ALL.len()];
        let pattern = src.string();
        check_rules(&pattern);
        if policy.check_pattern(&pattern, Strictness::Loose).is_ok() {
            map.insert(policy, &pattern, ());
            if !entries.iter().any(|(p, s)| *p == policy && *s == pattern) {
                entries.push((policy, pattern));
            }
        }
    }
    let uri = src.string();
    check_rules(&uri);
    for (policy, pattern) in &entries {
        if pattern == &uri {
            assert!(
                policy.matches(pattern, &uri),
                "{policy} {pattern:?} must match itself"
            );
        }
    }
    compare(&map, &entries, &uri);
    if let Some((policy, pattern)) = entries.first().cloned() {
        assert!(map.remove(policy, &pattern).is_some());
        entries.remove(0);
        compare(&map, &entries, &uri);
    }
}

/// Strict is narrower than loose, and each empty-component rule narrower than the next.
fn check_rules(s: &str) {
    let _ = uri::is_reserved(s);
    for empty in [
        EmptyComponents::Forbidden,
        EmptyComponents::Last,
        EmptyComponents::Allowed,
    ] {
        if uri::check(s, Strictness::Strict, empty).is_ok() {
            assert!(
                uri::check(s, Strictness::Loose, empty).is_ok(),
                "strict ok, loose not: {s:?}"
            );
        }
    }
    for strictness in [Strictness::Strict, Strictness::Loose] {
        let ok = |e| uri::check(s, strictness, e).is_ok();
        assert!(
            !ok(EmptyComponents::Forbidden) || ok(EmptyComponents::Last),
            "{s:?}"
        );
        assert!(
            !ok(EmptyComponents::Last) || ok(EmptyComponents::Allowed),
            "{s:?}"
        );
    }
}

/// The spec's precedence of a wildcard pattern: the lengths of the runs of concrete components
/// before each wildcard (and after the last), compared in order, longer first.
fn runs(pattern: &str) -> Vec<usize> {
    let mut runs = vec![0];
    for component in pattern.split('.') {
        match runs.last_mut() {
            Some(run) if !component.is_empty() => *run += 1,
            _ => runs.push(0),
        }
    }
    runs
}

/// `map.matches(uri)` and `map.best_match(uri)` against matching each entry one by one.
fn compare(map: &PatternMap<()>, entries: &[(MatchPolicy, String)], uri: &str) {
    let mut expected: Vec<(MatchPolicy, &str)> = entries
        .iter()
        .filter(|(policy, pattern)| policy.matches(pattern, uri))
        .map(|(policy, pattern)| (*policy, pattern.as_str()))
        .collect();
    expected.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| match a.0 {
            MatchPolicy::Prefix => b.1.len().cmp(&a.1.len()),
            _ => runs(b.1).cmp(&runs(a.1)),
        })
    });
    let found: Vec<(MatchPolicy, &str)> = map
        .matches(uri)
        .iter()
        .map(|m| (m.policy, m.pattern))
        .collect();
    assert_eq!(found, expected, "PatternMap::matches({uri:?})");
    let best = map.best_match(uri).map(|m| (m.policy, m.pattern));
    assert_eq!(
        best,
        expected.first().copied(),
        "PatternMap::best_match({uri:?})"
    );
}
