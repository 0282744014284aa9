//! The maximum message length a peer announces in the handshake: a power of two from 2^9 to 2^24.

use std::fmt;

/// A maximum message length as the handshake encodes it: the 4-bit exponent `n` stands for
/// 2^(9+n) octets, so 512 B (n = 0) up to 16 MiB (n = 15).
///
/// Each peer announces the largest message it is willing to *receive*; the other peer must not
/// send anything longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxLength(u8);

impl MaxLength {
    /// 512 octets, the smallest length the handshake can express.
    pub const MIN: MaxLength = MaxLength(0);
    /// 16 MiB (2^24 octets), the largest length the handshake can express.
    pub const MAX: MaxLength = MaxLength(15);

    /// The length for the 4-bit handshake exponent `n` (2^(9+n) octets), or `None` if `n > 15`.
    pub const fn from_exponent(n: u8) -> Option<MaxLength> {
        if n <= 15 {
            Some(MaxLength(n))
        } else {
            None
        }
    }

    /// The smallest length that admits messages of `bytes` octets, or `None` if that is more
    /// than 16 MiB. Lengths round up to a power of two, and anything up to 512 gives 512.
    pub const fn at_least(bytes: usize) -> Option<MaxLength> {
        let mut n = 0;
        while n <= 15 {
            if bytes <= 1usize << (9 + n) {
                return Some(MaxLength(n));
            }
            n += 1;
        }
        None
    }

    /// The 4-bit exponent sent in the handshake.
    pub const fn exponent(self) -> u8 {
        self.0
    }

    /// The length in octets.
    pub const fn bytes(self) -> usize {
        1usize << (9 + self.0 as u32)
    }
}

impl Default for MaxLength {
    /// 16 MiB: the most a RawSocket frame can carry, and what crossbar and autobahn announce.
    fn default() -> Self {
        MaxLength::MAX
    }
}

impl fmt::Display for MaxLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} octets", self.bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exponent_maps_to_its_power_of_two() {
        for n in 0..=15u8 {
            let len = MaxLength::from_exponent(n).unwrap();
            assert_eq!(len.exponent(), n);
            assert_eq!(len.bytes(), 2usize.pow(9 + u32::from(n)));
        }
        assert_eq!(MaxLength::MIN.bytes(), 512);
        assert_eq!(MaxLength::MAX.bytes(), 16 * 1024 * 1024);
        assert_eq!(MaxLength::from_exponent(16), None);
        assert_eq!(MaxLength::from_exponent(255), None);
    }

    #[test]
    fn at_least_rounds_up_and_refuses_more_than_16_mib() {
        assert_eq!(MaxLength::at_least(0), Some(MaxLength::MIN));
        assert_eq!(MaxLength::at_least(512), Some(MaxLength::MIN));
        assert_eq!(MaxLength::at_least(513).map(MaxLength::bytes), Some(1024));
        assert_eq!(
            MaxLength::at_least(65_536).map(MaxLength::bytes),
            Some(65_536)
        );
        assert_eq!(MaxLength::at_least(1 << 24), Some(MaxLength::MAX));
        assert_eq!(MaxLength::at_least((1 << 24) + 1), None);
        assert_eq!(MaxLength::at_least(usize::MAX), None);
    }
}
