//! What the tasks are given: the types their functions take, and the
//! numerically careful helpers their forward passes share.

use ndarray::{Array2, ArrayView2, Axis};

/// Adam's settings: the learning rate, the two decay rates and the `ε` that
/// keeps the division safe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamSettings {
    /// The learning rate.
    pub lr: f64,
    /// The decay of the first moment `m` (0.9).
    pub beta1: f64,
    /// The decay of the second moment `v` (0.999).
    pub beta2: f64,
    /// Added to `sqrt(v̂)` before dividing (1e-8).
    pub eps: f64,
}

impl AdamSettings {
    /// Kingma and Ba's defaults with this learning rate: β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f64) -> Self {
        AdamSettings {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// What Adam remembers about one parameter between steps.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    /// The running mean of the gradient (first moment), the parameter's shape.
    pub m: Array2<f64>,
    /// The running mean of the squared gradient (second moment).
    pub v: Array2<f64>,
    /// How many steps have been taken.
    pub t: i32,
}

impl AdamState {
    /// Zero moments and no step yet, for a parameter of this shape.
    pub fn new(shape: (usize, usize)) -> Self {
        AdamState {
            m: Array2::zeros(shape),
            v: Array2::zeros(shape),
            t: 0,
        }
    }
}

/// A forward-mode rule: given the operands and one tangent per operand (each
/// of its operand's shape), the tangent of the output, `J V`.
pub type Jvp<'a> = dyn Fn(&[Array2<f64>], &[Array2<f64>]) -> Array2<f64> + 'a;

/// `softmax(A)` row by row, `exp(Aᵢⱼ) / Σₖ exp(Aᵢₖ)`, with each row's maximum
/// subtracted first so that no exponential overflows.
///
/// ```
/// use ndarray::array;
///
/// let p = exercises::softmax_rows(array![[0.0, 0.0], [1e5, 0.0]].view());
/// assert_eq!(p, array![[0.5, 0.5], [1.0, 0.0]]);
/// ```
pub fn softmax_rows(a: ArrayView2<f64>) -> Array2<f64> {
    log_softmax_rows(a).mapv(f64::exp)
}

/// `log softmax(A)` row by row, `(Aᵢⱼ - mᵢ) - log Σₖ exp(Aᵢₖ - mᵢ)` with `mᵢ`
/// the row's maximum: no exponential overflows, and no digit of `Aᵢⱼ - mᵢ`
/// is lost.
pub fn log_softmax_rows(a: ArrayView2<f64>) -> Array2<f64> {
    let mut y = a.to_owned();
    for mut row in y.axis_iter_mut(Axis(0)) {
        let max = row.fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        row.mapv_inplace(|x| x - max);
        let log_sum = row.iter().map(|x| x.exp()).sum::<f64>().ln();
        row.mapv_inplace(|x| x - log_sum);
    }
    y
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn the_helpers_agree_with_the_engine() {
        let a = array![[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]];
        let tape = autograd::Tape::new();
        let x = tape.constant(&a);
        let close = |p: &Array2<f64>, q: &Array2<f64>| (p - q).iter().all(|d| d.abs() < 1e-15);
        assert!(close(&log_softmax_rows(a.view()), &x.log_softmax().value().to_owned()));
        assert!(close(&softmax_rows(a.view()), &x.softmax().value().to_owned()));
    }
}
