//! Where the router's randomness comes from: a caller-provided [`Entropy`] source, so the core
//! stays sans-IO and tests are reproducible.
//!
//! Secrets (authentication challenges) are drawn from the [`Entropy`] source for each use. Ids
//! (session, publication, subscription, registration) come from a fast generator
//! seeded once from it: ids must be unique and hard to guess in sequence, not secret, and a
//! publication id per event must not cost a system call.

use std::fmt;

use crate::wamp::{Id, MAX_ID};

/// A source of random bytes.
pub trait Entropy: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError>;
}

/// The entropy source failed (the operating system could not provide random bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntropyError(pub String);

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no random bytes available: {}", self.0)
    }
}

impl std::error::Error for EntropyError {}

/// The operating system's cryptographically secure generator: use this in production.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::getrandom(buf).map_err(|e| EntropyError(e.to_string()))
    }
}

/// A deterministic generator from a 64-bit seed, for tests and benchmarks. Its output is
/// predictable: never use it where challenges must be secret.
#[derive(Clone, Debug)]
pub struct SeededEntropy(Xoshiro);

impl SeededEntropy {
    /// A generator that yields the same bytes for the same seed.
    pub fn new(seed: u64) -> Self {
        SeededEntropy(Xoshiro::from_seed64(seed))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        self.0.fill(buf);
        Ok(())
    }
}

/// xoshiro256++: small, fast, good statistical quality; not cryptographic.
#[derive(Clone, Debug)]
struct Xoshiro([u64; 4]);

impl Xoshiro {
    fn from_seed64(seed: u64) -> Self {
        // SplitMix64 spreads one word over the four state words (never all zero).
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro([next(), next(), next(), next()])
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut s = [0u64; 4];
        for (word, chunk) in s.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *word = u64::from_le_bytes(b);
        }
        if s == [0; 4] {
            // The all-zero state is a fixed point; any other state is fine.
            return Xoshiro::from_seed64(0);
        }
        Xoshiro(s)
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// The generator for WAMP ids, seeded from an [`Entropy`] source.
#[derive(Clone, Debug)]
pub(crate) struct IdGen(Xoshiro);

impl IdGen {
    /// Seeds a generator with 32 bytes from `entropy`.
    pub(crate) fn new(entropy: &mut dyn Entropy) -> Result<Self, EntropyError> {
        let mut seed = [0u8; 32];
        entropy.fill(&mut seed)?;
        Ok(IdGen(Xoshiro::from_bytes(seed)))
    }

    /// A random id, uniform in `1..=2^53`.
    pub(crate) fn id(&mut self) -> Id {
        (self.0.next_u64() >> 11) + 1
    }

    /// A random index below `n` (`n > 0`), for the `random` invocation policy.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        // Modulo bias is irrelevant for picking a callee.
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
}

const _: () = assert!((u64::MAX >> 11) + 1 == MAX_ID);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible_and_ids_are_in_range() {
        let mut a = SeededEntropy::new(7);
        let mut b = SeededEntropy::new(7);
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 13]);
        let mut ids = IdGen::new(&mut a).unwrap();
        for _ in 0..10_000 {
            let id = ids.id();
            assert!((1..=MAX_ID).contains(&id));
            assert!(ids.below(3) < 3);
        }
    }

    #[test]
    fn os_entropy_gives_bytes() {
        let mut buf = [0u8; 32];
        OsEntropy.fill(&mut buf).unwrap();
        let mut buf2 = [0u8; 32];
        OsEntropy.fill(&mut buf2).unwrap();
        assert_ne!(buf, buf2);
    }

    #[test]
    fn zero_seed_bytes_do_not_stall() {
        let mut g = Xoshiro::from_bytes([0; 32]);
        assert_ne!(g.next_u64(), g.next_u64());
    }
}
