//! A number measured over several runs: the first seed's, and the mean,
//! lowest and highest over the seeds.

use serde::Serialize;

/// A number measured over several runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// The first run's (the first seed's).
    pub first: f64,
    /// The mean over the runs.
    pub mean: f64,
    /// The lowest.
    pub min: f64,
    /// The highest.
    pub max: f64,
    /// How many runs.
    pub runs: usize,
}

impl Spread {
    /// The spread of `values`, the first one first.
    ///
    /// # Panics
    /// If `values` is empty.
    pub fn of(values: &[f64]) -> Spread {
        assert!(!values.is_empty(), "a spread of no values");
        Spread {
            first: values[0],
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            runs: values.len(),
        }
    }

    /// `mean 0.889 (0.820–0.940)` with `digits` decimals.
    pub(super) fn mean_and_range(&self, digits: usize) -> String {
        format!(
            "mean {:.digits$} ({:.digits$}–{:.digits$})",
            self.mean, self.min, self.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_keeps_the_first_value_and_the_extremes() {
        // mean of 3, 1, 2 is 2.
        let spread = Spread::of(&[3.0, 1.0, 2.0]);
        assert_eq!(
            spread,
            Spread {
                first: 3.0,
                mean: 2.0,
                min: 1.0,
                max: 3.0,
                runs: 3
            }
        );
        assert_eq!(spread.mean_and_range(2), "mean 2.00 (1.00–3.00)");
    }
}
