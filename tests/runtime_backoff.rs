//! The reconnect backoff policy: exponential growth, cap, jitter bounds, attempt limit.

use std::time::Duration;

use zerowamp::runtime::Backoff;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn policy() -> Backoff {
    Backoff {
        initial: ms(100),
        max: ms(1000),
        multiplier: 2.0,
        jitter: 0.5,
        max_attempts: Some(6),
    }
}

#[test]
fn delays_double_up_to_the_cap_then_stop() {
    let p = policy();
    let base: Vec<Option<Duration>> = (0..=7).map(|a| p.base_delay(a)).collect();
    assert_eq!(
        base,
        [
            None,
            Some(ms(100)),
            Some(ms(200)),
            Some(ms(400)),
            Some(ms(800)),
            Some(ms(1000)),
            Some(ms(1000)),
            None
        ]
    );
}

#[test]
fn jitter_takes_away_at_most_its_share() {
    let p = policy();
    assert_eq!(p.delay_with(3, 0.0), Some(ms(400)));
    assert_eq!(p.delay_with(3, 1.0), Some(ms(200)));
    assert_eq!(p.delay_with(3, 0.5), Some(ms(300)));
    let mut attempts = p.attempts();
    let mut seen = Vec::new();
    while let Some(delay) = attempts.next_delay() {
        let n = attempts.count();
        let base = p.base_delay(n).unwrap();
        assert!(
            delay <= base && delay >= base / 2,
            "attempt {n}: {delay:?} vs {base:?}"
        );
        seen.push(delay);
    }
    assert_eq!(seen.len(), 6);
    attempts.reset();
    assert_eq!(attempts.count(), 0);
    assert!(attempts.next_delay().is_some_and(|d| d <= ms(100)));
}

#[test]
fn jittered_delays_differ_between_clients() {
    let p = Backoff {
        max_attempts: None,
        ..policy()
    };
    let delays: std::collections::HashSet<Duration> = (0..32)
        .map(|_| p.attempts().next_delay().unwrap())
        .collect();
    assert!(
        delays.len() > 16,
        "only {} distinct first delays",
        delays.len()
    );
}

#[test]
fn the_default_policy_never_gives_up() {
    let p = Backoff::default();
    assert_eq!(p.base_delay(1), Some(ms(500)));
    assert_eq!(p.base_delay(1000), Some(Duration::from_secs(30)));
}
