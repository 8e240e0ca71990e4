//! The curvature certificate where the answer is known, and on the lab
//! report's run.

mod common;

use autograd::curvature::{Lanczos, hessian_extremes};
use autograd::hessian;
use common::centred_iris;
use factor::{Config, Loss, Verdict, certify, escape, record_loss, train, truncated_svd};
use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::Array2;

/// `½‖A - U Vᵀ‖²_F` for factors `x = [U, V]`.
fn half_squared<'t>(tape: &'t autograd::Tape, a: &Array2<f64>, x: &[autograd::Var<'t>]) -> autograd::Var<'t> {
    record_loss(tape.constant(a), x[0], x[1], Loss::Squared, None, 0.0).scale(0.5)
}

#[test]
fn at_zero_the_curvatures_are_plus_and_minus_the_singular_values() {
    // At U = V = 0, ½‖A - U Vᵀ‖² = ½‖A‖² - ⟨A, U Vᵀ⟩ + ..., whose Hessian is
    // [[0, -A ⊗ I], [-Aᵀ ⊗ I, 0]]: eigenvalues ±σᵢ(A) (each r times) and zeros.
    let a = centred_iris();
    let zero = [Array2::zeros((150, 2)), Array2::zeros((4, 2))];
    let (min, max) = hessian_extremes(|tape, x| half_squared(tape, &a, x), &zero, &Lanczos::default());
    let sigma = truncated_svd(&a, 2).unwrap().singular_values[0];
    assert_eq!(format!("{sigma:.4}"), "25.0899");
    assert!((min.value + sigma).abs() < 1e-9 * sigma, "{} vs -{sigma}", min.value);
    assert!((max.value - sigma).abs() < 1e-9 * sigma, "{} vs {sigma}", max.value);
    assert!(min.residual < 1e-8 * sigma);
    // The training loss (no ½) doubles them; certify calls it a saddle.
    let certificate = certify(&a, None, &zero[0], &zero[1], &Config::new(2)).unwrap();
    assert_eq!(certificate.verdict, Verdict::Saddle);
    assert!((certificate.min_eigenvalue + 2.0 * sigma).abs() < 1e-8 * sigma);
}

#[test]
fn at_the_svd_solution_the_hessian_has_no_negative_curvature_and_r_squared_zero_modes() {
    // U = U_r Σ^½, V = V_r Σ^½ from a dense SVD of centred iris at rank 2.
    let a = centred_iris();
    let matrix = DMatrix::from_row_slice(150, 4, a.as_slice().unwrap());
    let svd = matrix.svd(true, true);
    let (left, right) = (svd.u.unwrap(), svd.v_t.unwrap());
    let u = Array2::from_shape_fn((150, 2), |(i, k)| left[(i, k)] * svd.singular_values[k].sqrt());
    let v = Array2::from_shape_fn((4, 2), |(j, k)| right[(k, j)] * svd.singular_values[k].sqrt());

    let certificate = certify(&a, None, &u, &v, &Config::new(2)).unwrap();
    assert_eq!(certificate.verdict, Verdict::Minimum, "{certificate:?}");
    assert!(certificate.min_eigenvalue >= -1e-8 * certificate.max_eigenvalue);
    assert!(certificate.gradient_norm < 1e-9);

    // The dense Hessian (308 x 308) has exactly r² = 4 zero eigenvalues:
    // the loss depends on U Vᵀ only, and U R, V R⁻ᵀ give the same product
    // for every invertible 2 x 2 R, a 4-dimensional family of minimisers.
    let h = hessian(|tape, x| half_squared(tape, &a, x), &[u, v]);
    let n = h.nrows();
    let eigen = SymmetricEigen::new(DMatrix::from_row_slice(n, n, h.as_slice().unwrap()));
    let largest = eigen.eigenvalues.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let zero_modes = eigen.eigenvalues.iter().filter(|x| x.abs() < 1e-10 * largest).count();
    let negative = eigen.eigenvalues.iter().filter(|&&x| x < -1e-10 * largest).count();
    assert_eq!((zero_modes, negative), (4, 0), "{:?}", eigen.eigenvalues);
}

#[test]
fn the_reports_end_point_is_a_certified_saddle_and_a_step_off_it_descends() {
    let a = centred_iris();
    let report = Config::lab_report(2);
    let trained = train(&a, None, &report).unwrap();
    let certificate = certify(&a, None, &trained.u, &trained.v, &report).unwrap();
    assert_eq!(certificate.verdict, Verdict::Saddle, "{certificate:?}");
    // Measured: -0.0644, the largest 13.95; the Ritz value's residual 5e-13.
    assert!((-0.07..-0.05).contains(&certificate.min_eigenvalue), "{certificate:?}");
    assert!(certificate.residual < 1e-6);

    // SGD lr 0.01 for 1000 more epochs: on from the step, stuck without it.
    let escaped = escape(&a, None, &trained.u, &trained.v, &certificate, &report).unwrap();
    assert!(
        escaped.residual_after_step < escaped.residual_before - 0.3,
        "{}",
        escaped.residual_after_step
    );
    assert!(escaped.residual_end < 5.0, "{}", escaped.residual_end);
    assert!(escaped.without_step.residual(&a) > 7.1);

    // SGD lr 0.1: the bound within 0.01% from the step.
    let faster = Config { lr: 0.1, ..report };
    let escaped = escape(&a, None, &trained.u, &trained.v, &certificate, &faster).unwrap();
    let bound = truncated_svd(&a, 2).unwrap().residual;
    assert!(
        escaped.residual_end <= bound * 1.0001,
        "{} vs {bound}",
        escaped.residual_end
    );
}
