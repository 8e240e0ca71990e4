//! The gradient by one forward-mode sweep per parameter equals the one by a
//! single backward sweep (`examples/jvp_vs_vjp.rs`), on the report's MLP.

#[path = "../examples/jvp_vs_vjp.rs"]
mod jvp_vs_vjp;

#[test]
fn forward_and_reverse_mode_give_the_same_gradient() {
    let net = adlab::mlp::Mlp::new(&[4, 12, 3], 0).unwrap();
    let (x, labels) = jvp_vs_vjp::batch(0);
    let forward = jvp_vs_vjp::by_forward_mode(&net, &x, &labels);
    let reverse = jvp_vs_vjp::by_reverse_mode(&net, &x, &labels);
    assert_eq!(forward.len(), 99);
    let scale = reverse.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
    for (k, (f, r)) in forward.iter().zip(&reverse).enumerate() {
        assert!(
            (f - r).abs() <= 1e-14 * scale,
            "entry {k}: {f} by forward mode, {r} by reverse mode"
        );
    }
}
