//! A small seeded generator for the checker's random adjoints and cases.
//!
//! SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit counter passed through
//! a mixing function. Plenty for drawing test matrices, and it keeps the
//! engine free of dependencies beyond `ndarray`.

use ndarray::Array2;

/// A SplitMix64 generator: the same seed gives the same numbers.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`: the top 53 bits as a fraction of 2⁵³.
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let fraction = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * fraction
    }

    /// Uniform in `lo..=hi` (the modulo bias is below 1e-17 for small ranges).
    pub(crate) fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// A `rows x cols` matrix with entries uniform in `[lo, hi)`.
    pub(crate) fn matrix(&mut self, rows: usize, cols: usize, lo: f64, hi: f64) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.uniform(lo, hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_sequence() {
        // The first outputs of SplitMix64 seeded with 1234567, from the
        // reference implementation (prng.di.unimi.it/splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = SplitMix64::new(0);
        for _ in 0..1000 {
            let x = rng.uniform(-2.0, 2.0);
            assert!((-2.0..2.0).contains(&x));
            assert!((1..=6).contains(&rng.between(1, 6)));
        }
    }
}
