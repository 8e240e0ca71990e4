//! Why a gradient is wrong, where the mistake has a recognisable shape.
//!
//! A failing check says *that* the analytic derivative disagrees with the
//! numeric one. Comparing the two as whole matrices often says *why*: the
//! classic mistakes leave fingerprints. A flipped sign gives `-numeric`
//! everywhere; a missing constant factor (a forgotten `1/m`, a stray 2)
//! gives `c · numeric` with one `c` for every entry; a forgotten transpose
//! of a square operand gives `numericᵀ`; and a rule that forgets to multiply
//! by the adjoint `G` returns the same matrix whatever `G` is, which the
//! localised check sees by applying the rule to a second adjoint.

use std::fmt;

use ndarray::ArrayView2;

/// A recognisable mistake.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pattern {
    /// The rule returns the same contribution for two different adjoints:
    /// it does not multiply by `G` (as in `dA = f'(A)` for `dA = G ⊙ f'(A)`).
    IgnoresAdjoint,
    /// `analytic = -numeric` on every element.
    SignFlipped,
    /// `analytic = factor · numeric` on every element: a missing or extra
    /// constant factor.
    Scaled(f64),
    /// `analytic = numericᵀ`: a forgotten or extra transpose.
    Transposed,
    /// The analytic derivative is zero where the numeric one is not.
    Zero,
    /// Right on every element but `dropped` of them, where the analytic
    /// derivative is 0 and the numeric one is not: a wrong mask.
    DropsSome {
        /// How many elements the mask dropped.
        dropped: usize,
    },
    /// The rule passes `G` on unchanged, as if the op were the identity.
    PassesAdjoint,
    /// The operand is a row (or column) that the op used in every row (or
    /// column) of its output, and the rule sent back one row of `G` instead
    /// of the sum of all of them.
    NotSummed {
        /// `"rows"` or `"columns"`: what the adjoint should be summed over.
        over: &'static str,
    },
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::IgnoresAdjoint => write!(
                f,
                "the rule ignores the adjoint G: it returns the same contribution for another G \
                 (a missing factor G)"
            ),
            Pattern::SignFlipped => write!(f, "sign flipped: analytic = -numeric on every element"),
            Pattern::Scaled(factor) => write!(
                f,
                "off by a constant factor: analytic = {} · numeric on every element{}",
                short(*factor),
                factor_hint(*factor)
            ),
            Pattern::Transposed => write!(f, "transposed: analytic = numericᵀ"),
            Pattern::Zero => write!(f, "the rule sends zero where the derivative is not"),
            Pattern::DropsSome { dropped } => write!(
                f,
                "a wrong mask: right everywhere but on {dropped} element{}, where the rule sends 0 and the \
                 derivative is not 0",
                if *dropped == 1 { "" } else { "s" }
            ),
            Pattern::PassesAdjoint => write!(f, "the rule passes G on unchanged, as if the op were the identity"),
            Pattern::NotSummed { over } => write!(
                f,
                "not summed over the {over}: the operand was used in all of them, so its adjoint is the sum of \
                 G over the {over}, not one of them"
            ),
        }
    }
}

/// The pattern, if one fits, that the analytic derivative makes against
/// the numeric one (both of the same shape; NaN entries, such as elements
/// skipped at a kink, are left out). `tolerance` says how close "equal"
/// is, relative to the largest numeric entry.
pub fn pattern(analytic: ArrayView2<f64>, numeric: ArrayView2<f64>, tolerance: f64) -> Option<Pattern> {
    let pairs: Vec<(f64, f64)> = analytic
        .iter()
        .zip(numeric.iter())
        .map(|(&a, &n)| (a, n))
        .filter(|(a, n)| !a.is_nan() && !n.is_nan())
        .collect();
    let scale = pairs.iter().fold(0.0_f64, |m, (_, n)| m.max(n.abs()));
    if pairs.is_empty() || !scale.is_finite() || scale == 0.0 {
        return None;
    }
    let close = |x: f64, y: f64| (x - y).abs() <= tolerance * scale;
    if pairs.iter().all(|&(a, n)| close(a, n)) {
        return None;
    }
    if pairs.iter().all(|&(a, _)| a == 0.0) {
        return Some(Pattern::Zero);
    }
    if pairs.iter().all(|&(a, n)| close(a, n) || a == 0.0) {
        let dropped = pairs.iter().filter(|&&(a, n)| !close(a, n)).count();
        return Some(Pattern::DropsSome { dropped });
    }
    if pairs.iter().all(|&(a, n)| close(a, -n)) {
        return Some(Pattern::SignFlipped);
    }
    // The least-squares factor c minimising Σ (a - c n)², then whether it fits every element.
    let (an, nn) = pairs
        .iter()
        .fold((0.0, 0.0), |(an, nn), (a, n)| (an + a * n, nn + n * n));
    let factor = an / nn;
    if factor.is_finite() && pairs.iter().all(|&(a, n)| close(a, factor * n)) {
        return Some(Pattern::Scaled(factor));
    }
    let (rows, cols) = analytic.dim();
    if rows == cols && rows > 1 {
        let transposed = analytic
            .indexed_iter()
            .all(|((i, j), &a)| a.is_nan() || numeric[[j, i]].is_nan() || close(a, numeric[[j, i]]));
        if transposed {
            return Some(Pattern::Transposed);
        }
    }
    None
}

/// The pattern, if one fits, of a rule's `contribution` against the adjoint
/// `G` it was given: passed on unchanged, or (for a row or column operand
/// broadcast over `G`) one row or column of `G` where their sum belongs.
/// The localised check tries these before comparing with the numeric
/// derivative.
pub fn adjoint_pattern(contribution: ArrayView2<f64>, adjoint: ArrayView2<f64>, tolerance: f64) -> Option<Pattern> {
    let scale = adjoint.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
    let close = |x: &f64, y: &f64| (x - y).abs() <= tolerance * scale;
    let equal =
        |a: ArrayView2<f64>, b: ArrayView2<f64>| a.dim() == b.dim() && a.iter().zip(b.iter()).all(|(x, y)| close(x, y));
    let ((rows, cols), (g_rows, g_cols)) = (contribution.dim(), adjoint.dim());
    if scale == 0.0 || !scale.is_finite() {
        None
    } else if equal(contribution, adjoint) {
        Some(Pattern::PassesAdjoint)
    } else if rows == 1
        && g_rows > 1
        && cols == g_cols
        && adjoint
            .rows()
            .into_iter()
            .any(|row| equal(contribution, row.insert_axis(ndarray::Axis(0))))
    {
        Some(Pattern::NotSummed { over: "rows" })
    } else if cols == 1
        && g_cols > 1
        && rows == g_rows
        && adjoint
            .columns()
            .into_iter()
            .any(|column| equal(contribution, column.insert_axis(ndarray::Axis(1))))
    {
        Some(Pattern::NotSummed { over: "columns" })
    } else {
        None
    }
}

/// Four significant digits.
fn short(x: f64) -> String {
    let text = format!("{x:.4}");
    if x.abs() >= 1e-3 && x.abs() < 1e4 {
        text
    } else {
        format!("{x:.3e}")
    }
}

/// "(a factor of 2?)" when the factor is close to a small whole number or
/// its reciprocal.
fn factor_hint(factor: f64) -> String {
    for k in 2..=16 {
        let k = f64::from(k);
        if (factor - k).abs() < 1e-6 * k {
            return format!(" (an extra factor {k}?)");
        }
        if (factor * k - 1.0).abs() < 1e-6 {
            return format!(" (a missing factor {k}?)");
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn recognises_each_pattern() {
        let numeric = array![[1.0, -2.0], [0.5, 3.0]];
        assert_eq!(pattern(numeric.view(), numeric.view(), 1e-6), None);
        assert_eq!(
            pattern((-&numeric).view(), numeric.view(), 1e-6),
            Some(Pattern::SignFlipped)
        );
        assert_eq!(
            pattern((&numeric * 2.0).view(), numeric.view(), 1e-6),
            Some(Pattern::Scaled(2.0))
        );
        assert_eq!(pattern(numeric.t(), numeric.view(), 1e-6), Some(Pattern::Transposed));
        assert_eq!(
            pattern(ndarray::Array2::zeros((2, 2)).view(), numeric.view(), 1e-6),
            Some(Pattern::Zero)
        );
        let unrelated = array![[1.0, 2.0], [3.0, 4.0]];
        assert_eq!(pattern(unrelated.view(), numeric.view(), 1e-6), None);
    }

    #[test]
    fn recognises_a_wrong_mask_and_what_the_adjoint_gives_away() {
        let numeric = array![[1.0, -2.0], [0.5, 3.0]];
        let masked = array![[1.0, 0.0], [0.5, 0.0]];
        assert_eq!(
            pattern(masked.view(), numeric.view(), 1e-6),
            Some(Pattern::DropsSome { dropped: 2 })
        );
        let g = array![[1.0, 2.0], [3.0, 4.0]];
        assert_eq!(adjoint_pattern(g.view(), g.view(), 1e-6), Some(Pattern::PassesAdjoint));
        assert_eq!(
            adjoint_pattern(array![[3.0, 4.0]].view(), g.view(), 1e-6),
            Some(Pattern::NotSummed { over: "rows" })
        );
        assert_eq!(
            adjoint_pattern(array![[1.0], [3.0]].view(), g.view(), 1e-6),
            Some(Pattern::NotSummed { over: "columns" })
        );
        assert_eq!(adjoint_pattern(array![[4.0, 6.0]].view(), g.view(), 1e-6), None);
    }

    #[test]
    fn names_small_factors() {
        assert_eq!(
            Pattern::Scaled(0.5).to_string(),
            "off by a constant factor: analytic = 0.5000 · numeric on every element (a missing factor 2?)"
        );
        assert!(Pattern::Scaled(3.0).to_string().ends_with("(an extra factor 3?)"));
        assert!(Pattern::Scaled(1.7).to_string().ends_with("element"));
    }

    #[test]
    fn skipped_elements_do_not_count() {
        let numeric = array![[1.0, f64::NAN], [2.0, 4.0]];
        let analytic = array![[-1.0, 7.0], [-2.0, -4.0]];
        assert_eq!(
            pattern(analytic.view(), numeric.view(), 1e-6),
            Some(Pattern::SignFlipped)
        );
    }
}
