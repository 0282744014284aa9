//! Exponential backoff with jitter, for reconnecting. The policy only says how long to wait; the
//! client layer decides what to restore after a reconnect.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How long to wait before each reconnect attempt: `initial * multiplier^(attempt-1)`, capped at
/// `max`, then reduced by a random share of up to `jitter` (so that many clients cut off
/// together do not come back together), for at most `max_attempts` attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    /// The delay before the first attempt (before jitter).
    pub initial: Duration,
    /// The longest delay (before jitter).
    pub max: Duration,
    /// The growth factor per attempt (at least 1).
    pub multiplier: f64,
    /// The largest share of the delay that jitter takes away, from 0 (none) to 1.
    pub jitter: f64,
    /// How many attempts in a row before giving up (`None`: never give up).
    pub max_attempts: Option<u32>,
}

impl Default for Backoff {
    /// 0.5 s, doubling up to 30 s, with up to 50 % jitter, forever.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.5,
            max_attempts: None,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (1-based) with no jitter, or `None` past
    /// `max_attempts`.
    pub fn base_delay(&self, attempt: u32) -> Option<Duration> {
        if attempt == 0 || self.max_attempts.is_some_and(|max| attempt > max) {
            return None;
        }
        let factor = self
            .multiplier
            .max(1.0)
            .powi(attempt.saturating_sub(1).min(1024) as i32);
        let secs = (self.initial.as_secs_f64() * factor).min(self.max.as_secs_f64());
        Some(Duration::from_secs_f64(secs.max(0.0)))
    }

    /// The delay before attempt `attempt` with jitter `random` (a number in `[0, 1)`): the base
    /// delay less `random * jitter` of it.
    pub fn delay_with(&self, attempt: u32, random: f64) -> Option<Duration> {
        let base = self.base_delay(attempt)?;
        let cut = self.jitter.clamp(0.0, 1.0) * random.clamp(0.0, 1.0);
        Some(base.mul_f64(1.0 - cut))
    }

    /// A tracker of consecutive attempts using this policy.
    pub fn attempts(&self) -> Attempts {
        Attempts {
            policy: self.clone(),
            attempt: 0,
            random: RandomState::new(),
        }
    }
}

/// Counts consecutive reconnect attempts and hands out their delays.
#[derive(Debug)]
pub struct Attempts {
    policy: Backoff,
    attempt: u32,
    random: RandomState,
}

impl Attempts {
    /// The delay before the next attempt, or `None` when the policy gives up.
    pub fn next_delay(&mut self) -> Option<Duration> {
        self.attempt = self.attempt.saturating_add(1);
        let mut hasher = self.random.build_hasher();
        hasher.write_u32(self.attempt);
        // 53 random bits give a uniform number in [0, 1).
        let random = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        self.policy.delay_with(self.attempt, random)
    }

    /// How many attempts have been handed out since the last reset.
    pub fn count(&self) -> u32 {
        self.attempt
    }

    /// Starts over (after a connection succeeded).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}
