//! Masking keys for client frames (RFC 6455 section 5.3: unpredictable, a fresh key per frame).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// A source of masking keys: SipHash under a random per-process key (std's `RandomState`) over a
/// counter. Unpredictable to the peer, cheap, and without a dependency on a random number crate.
#[derive(Debug)]
pub struct MaskKeys {
    state: RandomState,
    counter: u64,
}

impl MaskKeys {
    /// A new source.
    pub fn new() -> MaskKeys {
        MaskKeys {
            state: RandomState::new(),
            counter: 0,
        }
    }

    /// The next key.
    pub fn next_key(&mut self) -> [u8; 4] {
        self.counter = self.counter.wrapping_add(1);
        let mut hasher = self.state.build_hasher();
        hasher.write_u64(self.counter);
        let value = hasher.finish();
        [
            value as u8,
            (value >> 8) as u8,
            (value >> 16) as u8,
            (value >> 24) as u8,
        ]
    }
}

impl Default for MaskKeys {
    fn default() -> Self {
        MaskKeys::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_vary() {
        let mut keys = MaskKeys::new();
        let drawn: std::collections::HashSet<[u8; 4]> =
            (0..1000).map(|_| keys.next_key()).collect();
        assert!(drawn.len() > 990, "only {} distinct keys", drawn.len());
    }
}
