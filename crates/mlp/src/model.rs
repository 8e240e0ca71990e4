//! The network: its parameters, and its forward pass recorded on a tape.

use autograd::{IntoValue, Tape, Var};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::StandardNormal;

use crate::error::MlpError;
use crate::metrics::{self, ConfusionMatrix};

/// One fully connected layer: `output = input · weight + bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// `fan_in x fan_out`: column j holds the input weights of unit j.
    pub weight: Array2<f64>,
    /// `1 x fan_out`, added to every row.
    pub bias: Array2<f64>,
}

impl Layer {
    /// Weights drawn from N(0, 1) / sqrt(fan_in), biases zero.
    ///
    /// Dividing by sqrt(fan_in) keeps each unit's pre-activation at about
    /// unit variance when the inputs have unit variance: a sum of fan_in
    /// terms x·w with Var(w) = 1/fan_in.
    pub fn random<R: Rng + ?Sized>(fan_in: usize, fan_out: usize, rng: &mut R) -> Layer {
        let scale = 1.0 / (fan_in as f64).sqrt();
        Layer {
            weight: Array2::from_shape_fn((fan_in, fan_out), |_| scale * rng.sample::<f64, _>(StandardNormal)),
            bias: Array2::zeros((1, fan_out)),
        }
    }

    /// Number of inputs.
    pub fn fan_in(&self) -> usize {
        self.weight.nrows()
    }

    /// Number of outputs (units).
    pub fn fan_out(&self) -> usize {
        self.weight.ncols()
    }
}

/// A multi-layer perceptron with a ReLU between layers and logits out.
///
/// With `X` the m x d inputs (one example per row) and layers 1..=L:
/// `H₀ = X`, `Hₖ = relu(Hₖ₋₁ Wₖ + bₖ)` for k < L, and the logits are
/// `Z = H_{L-1} W_L + b_L` (m x classes). The loss is the softmax
/// cross-entropy `-(1/m) Σᵢ log softmax(Zᵢ)[yᵢ]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    layers: Vec<Layer>,
}

impl Mlp {
    /// A network with these layer sizes (inputs, hidden..., classes), e.g.
    /// `[4, 12, 3]`, its weights drawn from `StdRng::seed_from_u64(seed)`.
    pub fn new(sizes: &[usize], seed: u64) -> Result<Mlp, MlpError> {
        Self::with_rng(sizes, &mut StdRng::seed_from_u64(seed))
    }

    /// Like [`Mlp::new`], drawing the weights from `rng`, layer by layer.
    pub fn with_rng<R: Rng + ?Sized>(sizes: &[usize], rng: &mut R) -> Result<Mlp, MlpError> {
        check_sizes(sizes)?;
        let layers = sizes
            .windows(2)
            .map(|pair| Layer::random(pair[0], pair[1], rng))
            .collect();
        Ok(Mlp { layers })
    }

    /// A network from given layers, whose shapes must chain: each layer's
    /// fan-in is the previous layer's fan-out, each bias is 1 x fan_out.
    pub fn from_layers(layers: Vec<Layer>) -> Result<Mlp, MlpError> {
        if layers.is_empty() {
            return Err(MlpError::TooFewLayers(Vec::new()));
        }
        for (k, layer) in layers.iter().enumerate() {
            let previous_fan_out = k.checked_sub(1).map(|j| layers[j].fan_out());
            let chains = previous_fan_out.is_none_or(|fan_out| fan_out == layer.fan_in());
            if !chains || layer.bias.dim() != (1, layer.fan_out()) {
                return Err(MlpError::LayerShapes {
                    layer: k + 1,
                    weight: layer.weight.dim(),
                    bias: layer.bias.dim(),
                    expected_fan_in: previous_fan_out.unwrap_or(layer.fan_in()),
                });
            }
        }
        let mlp = Mlp { layers };
        check_sizes(&mlp.sizes())?;
        Ok(mlp)
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The layer sizes: inputs, each hidden layer, classes.
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.inputs())
            .chain(self.layers.iter().map(Layer::fan_out))
            .collect()
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.layers[0].fan_in()
    }

    /// Number of classes (outputs).
    pub fn classes(&self) -> usize {
        self.layers[self.layers.len() - 1].fan_out()
    }

    /// Number of trainable numbers (every weight and bias entry).
    pub fn parameter_count(&self) -> usize {
        self.layers.iter().map(|l| l.weight.len() + l.bias.len()).sum()
    }

    /// The parameters in their fixed order: W₁, b₁, W₂, b₂, ...
    pub fn parameters(&self) -> Vec<&Array2<f64>> {
        self.layers.iter().flat_map(|l| [&l.weight, &l.bias]).collect()
    }

    /// The parameters, mutably, in the order of [`Mlp::parameters`].
    pub fn parameters_mut(&mut self) -> Vec<&mut Array2<f64>> {
        self.layers
            .iter_mut()
            .flat_map(|l| [&mut l.weight, &mut l.bias])
            .collect()
    }

    /// Records every parameter on `tape` (copying it), in the order of
    /// [`Mlp::parameters`].
    pub fn record_parameters<'t>(&self, tape: &'t Tape) -> Vec<Var<'t>> {
        let parameters = self.layers.iter().flat_map(|l| [&l.weight, &l.bias]);
        parameters.map(|p| tape.parameter(p)).collect()
    }

    /// Records the logits `Z` of `features` (m x d) for the parameters
    /// W₁, b₁, W₂, b₂, ... given as vars, in that order.
    ///
    /// # Panics
    /// If `parameters` has odd length or is empty, or the shapes do not chain.
    pub fn record_logits<'t>(parameters: &[Var<'t>], features: Var<'t>) -> Var<'t> {
        assert!(
            !parameters.is_empty() && parameters.len().is_multiple_of(2),
            "record_logits: expected weight and bias pairs, got {} parameters",
            parameters.len()
        );
        let last = parameters.len() / 2 - 1;
        let mut activations = features;
        for (k, pair) in parameters.chunks_exact(2).enumerate() {
            let product = activations.matmul(pair[0]);
            let pre_activation = product.add_bias(pair[1]);
            activations = if k < last {
                pre_activation.relu()
            } else {
                pre_activation
            };
        }
        activations
    }

    /// Records the mean softmax cross-entropy of the network given by
    /// `parameters` (W₁, b₁, W₂, b₂, ...) on `features` and `labels`.
    ///
    /// This is the training loss; [`Mlp::record_loss`] calls it with the
    /// model's own parameters, and a gradient check can call it with
    /// perturbed ones.
    pub fn record_cross_entropy<'t>(parameters: &[Var<'t>], features: Var<'t>, labels: &[usize]) -> Var<'t> {
        Self::record_logits(parameters, features).cross_entropy(labels)
    }

    /// Records the model's parameters and its training loss on `features`
    /// (a var on the same tape, m x d) and `labels` (m classes): returns the
    /// 1 x 1 loss and the parameter vars in the order of [`Mlp::parameters`].
    ///
    /// # Panics
    /// If the features do not have [`Mlp::inputs`] columns, or the labels
    /// do not match the rows or a label is not below [`Mlp::classes`].
    pub fn record_loss<'t>(&self, tape: &'t Tape, features: Var<'t>, labels: &[usize]) -> (Var<'t>, Vec<Var<'t>>) {
        let parameters = self.record_parameters(tape);
        let loss = Self::record_cross_entropy(&parameters, features, labels);
        (loss, parameters)
    }

    /// The logits of `features` (m x d): an m x classes matrix. Recorded on
    /// a throw-away tape with the parameters as constants, so that training
    /// and prediction share one definition of the network.
    ///
    /// # Panics
    /// If the features do not have [`Mlp::inputs`] columns.
    pub fn logits(&self, features: &Array2<f64>) -> Array2<f64> {
        self.logits_on(&mut Tape::new(), features)
    }

    /// [`Mlp::logits`], recorded on `tape` (cleared first): a tape reused
    /// for every evaluation keeps its buffers, as a training loop's does.
    /// The features arrive as any leaf does ([`IntoValue`]): an
    /// [`ArcArray2`](ndarray::ArcArray2) is shared, not copied.
    pub fn logits_on<'a>(&self, tape: &mut Tape, features: impl IntoValue<'a>) -> Array2<f64> {
        tape.clear();
        let parameters: Vec<Var<'_>> = self.parameters().into_iter().map(|p| tape.constant(p)).collect();
        let logits = Self::record_logits(&parameters, tape.constant(features));
        logits.value().into_owned()
    }

    /// The predicted class of each row: the index of its largest logit
    /// (the first one on a tie).
    pub fn predict(&self, features: &Array2<f64>) -> Vec<usize> {
        self.predict_on(&mut Tape::new(), features)
    }

    /// [`Mlp::predict`], recorded on `tape` (see [`Mlp::logits_on`]).
    pub fn predict_on<'a>(&self, tape: &mut Tape, features: impl IntoValue<'a>) -> Vec<usize> {
        let logits = self.logits_on(tape, features);
        let logits = logits.as_standard_layout();
        let entries = logits.as_slice().expect("row-major");
        entries.chunks_exact(self.classes()).map(argmax).collect()
    }

    /// The share of rows whose predicted class is their label.
    ///
    /// # Panics
    /// If the features do not have [`Mlp::inputs`] columns or the labels do
    /// not match the rows.
    #[track_caller]
    pub fn accuracy(&self, features: &Array2<f64>, labels: &[usize]) -> f64 {
        self.accuracy_on(&mut Tape::new(), features, labels)
    }

    /// [`Mlp::accuracy`], recorded on `tape` (see [`Mlp::logits_on`]).
    ///
    /// # Panics
    /// As [`Mlp::accuracy`].
    #[track_caller]
    pub fn accuracy_on<'a>(&self, tape: &mut Tape, features: impl IntoValue<'a>, labels: &[usize]) -> f64 {
        metrics::accuracy(labels, &self.predict_on(tape, features))
    }

    /// The confusion matrix of the predictions for these rows.
    ///
    /// # Panics
    /// As [`Mlp::accuracy`], or if a label is not below [`Mlp::classes`].
    #[track_caller]
    pub fn confusion(&self, features: &Array2<f64>, labels: &[usize]) -> ConfusionMatrix {
        ConfusionMatrix::from_predictions(self.classes(), labels, &self.predict(features))
    }
}

/// The name of the parameter at position `k` of [`Mlp::parameters`]:
/// `W1`, `b1`, `W2`, `b2`, ...
pub fn parameter_name(k: usize) -> String {
    let kind = if k.is_multiple_of(2) { "W" } else { "b" };
    format!("{kind}{}", k / 2 + 1)
}

/// The index of the largest entry (the first on a tie; NaN never wins).
fn argmax(row: &[f64]) -> usize {
    let Some(&first) = row.first() else { return 0 };
    let (mut best, mut largest) = (0, first);
    for (k, &x) in row.iter().enumerate().skip(1) {
        if x > largest {
            (best, largest) = (k, x);
        }
    }
    best
}

fn check_sizes(sizes: &[usize]) -> Result<(), MlpError> {
    if sizes.len() < 2 {
        return Err(MlpError::TooFewLayers(sizes.to_vec()));
    }
    match sizes.iter().position(|&n| n == 0) {
        Some(layer) => Err(MlpError::EmptyLayer {
            layer,
            sizes: sizes.to_vec(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use autograd::{GradCheck, gradcheck};
    use ndarray::array;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn initialisation_is_seeded_scaled_and_biases_start_at_zero() {
        let mlp = Mlp::new(&[400, 300, 3], 1).unwrap();
        assert_eq!(mlp, Mlp::new(&[400, 300, 3], 1).unwrap());
        assert_ne!(mlp, Mlp::new(&[400, 300, 3], 2).unwrap());
        assert_eq!(mlp.sizes(), vec![400, 300, 3]);
        assert_eq!(mlp.parameter_count(), 400 * 300 + 300 + 300 * 3 + 3);
        // 120 000 draws of N(0, 1/400): the sample variance times 400 is 1
        // within a few standard errors (sqrt(2/120000) ≈ 0.004).
        let weight = &mlp.layers()[0].weight;
        let variance = weight.mapv(|w| w * w).mean().unwrap() * 400.0;
        assert!((variance - 1.0).abs() < 0.02, "{variance}");
        assert!(mlp.layers().iter().all(|l| l.bias.iter().all(|&b| b == 0.0)));
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert_eq!(
            Mlp::new(&[4], 0).unwrap_err().to_string(),
            "a network needs at least an input and an output layer, got sizes [4]"
        );
        assert_eq!(
            Mlp::new(&[4, 0, 3], 0).unwrap_err().to_string(),
            "layer 1 of [4, 0, 3] has size 0; every layer needs at least one unit"
        );
        let bad = vec![
            Layer::random(4, 5, &mut StdRng::seed_from_u64(0)),
            Layer::random(6, 3, &mut StdRng::seed_from_u64(0)),
        ];
        assert_eq!(
            Mlp::from_layers(bad).unwrap_err().to_string(),
            "layer 2 has weight (6, 3) and bias (1, 3); expected a weight with 5 rows and a 1 x 3 bias"
        );
    }

    /// A 2-2-2 network small enough to evaluate by hand.
    fn hand_network() -> Mlp {
        Mlp::from_layers(vec![
            Layer {
                weight: array![[1.0, -1.0], [0.5, 2.0]],
                bias: array![[0.0, 1.0]],
            },
            Layer {
                weight: array![[1.0, 0.0], [0.0, 1.0]],
                bias: array![[0.0, -1.0]],
            },
        ])
        .unwrap()
    }

    #[test]
    fn forward_pass_known_values() {
        // x = [2, 1]: pre-activation [2 + 0.5, -2 + 2 + 1] = [2.5, 1]; relu
        // keeps both; logits [2.5, 1 - 1] = [2.5, 0].
        // x = [0, -1]: pre-activation [-0.5, -2 + 1] = [-0.5, -1]; relu gives
        // [0, 0]; logits = the output bias [0, -1].
        let mlp = hand_network();
        let x = array![[2.0, 1.0], [0.0, -1.0]];
        assert_eq!(mlp.logits(&x), array![[2.5, 0.0], [0.0, -1.0]]);
        assert_eq!(mlp.predict(&x), vec![0, 0]);
        // Cross-entropy with labels [1, 0]: row 1 is -log softmax([2.5, 0])[1]
        // = log(1 + e^2.5); row 2 is -log softmax([0, -1])[0] = log(1 + e^-1).
        let tape = Tape::new();
        let (loss, parameters) = mlp.record_loss(&tape, tape.constant(&x), &[1, 0]);
        let expected = (2.5f64.exp().ln_1p() + (-1f64).exp().ln_1p()) / 2.0;
        assert!((loss.item() - expected).abs() < 1e-15, "{} vs {expected}", loss.item());
        assert_eq!(parameters.len(), 4);
    }

    #[test]
    fn parameters_are_named_in_their_order() {
        let names: Vec<String> = (0..4).map(parameter_name).collect();
        assert_eq!(names, ["W1", "b1", "W2", "b2"]);
        // The order is that of `parameters`: a weight, then its bias, by layer.
        let mlp = hand_network();
        let shapes: Vec<(usize, usize)> = mlp.parameters().iter().map(|p| p.dim()).collect();
        assert_eq!(shapes, [(2, 2), (1, 2), (2, 2), (1, 2)]);
    }

    #[test]
    fn argmax_takes_the_first_of_equals_and_ignores_nan() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[f64::NAN, 2.0, 1.0]), 0);
        assert_eq!(argmax(&[0.0, f64::NAN, 1.0]), 2);
    }

    /// Labels for `rows` examples cycling through `classes`.
    fn cycling_labels(rows: usize, classes: usize) -> Vec<usize> {
        (0..rows).map(|i| i % classes).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// The gradient of the whole network's loss with respect to every
        /// weight and bias, through the engine, against central differences.
        #[test]
        fn loss_gradient_matches_finite_differences(
            seed in 0u64..1000,
            inputs in 1usize..5,
            hidden in prop::collection::vec(1usize..6, 0..4),
            classes in 2usize..5,
            rows in 1usize..7,
        ) {
            let mut sizes = vec![inputs];
            sizes.extend(&hidden);
            sizes.push(classes);
            let mut rng = StdRng::seed_from_u64(seed);
            let mut mlp = Mlp::with_rng(&sizes, &mut rng).unwrap();
            // Non-zero biases, so their gradients are tested away from the start.
            for layer in mlp.layers.iter_mut() {
                layer.bias.mapv_inplace(|_| rng.random_range(-0.5..0.5));
            }
            let features = Array2::from_shape_fn((rows, inputs), |_| rng.random_range(-2.0..2.0));
            let labels = cycling_labels(rows, classes);
            // Central differences are only valid away from relu's kink: skip
            // draws where a pre-activation lies within 1e-4 of zero.
            prop_assume!(min_abs_pre_activation(&mlp, &features) > 1e-4);
            let point: Vec<Array2<f64>> = mlp.parameters().into_iter().cloned().collect();
            let report = gradcheck(
                |tape, x| Mlp::record_cross_entropy(x, tape.constant(&features), &labels),
                &point,
            );
            prop_assert!(report.is_ok(), "{:?}", report);
            prop_assert_eq!(report.unwrap().elements, mlp.parameter_count());
        }
    }

    /// The smallest |pre-activation| of any hidden unit on these features.
    fn min_abs_pre_activation(mlp: &Mlp, features: &Array2<f64>) -> f64 {
        let mut smallest = f64::INFINITY;
        let mut activations = features.clone();
        for layer in &mlp.layers[..mlp.layers.len() - 1] {
            let pre_activation = activations.dot(&layer.weight) + &layer.bias;
            smallest = pre_activation.iter().fold(smallest, |m, z| m.min(z.abs()));
            activations = pre_activation.mapv(|z| z.max(0.0));
        }
        smallest
    }

    #[test]
    fn gradient_of_a_deep_network_with_the_default_tolerances() {
        // A fixed 3-8-8-8-3 network and batch: four layers of weights and biases.
        let mlp = Mlp::new(&[3, 8, 8, 8, 3], 42).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let features = Array2::from_shape_fn((10, 3), |_| rng.random_range(-1.0..1.0));
        assert!(min_abs_pre_activation(&mlp, &features) > 1e-5);
        let labels = cycling_labels(10, 3);
        let point: Vec<Array2<f64>> = mlp.parameters().into_iter().cloned().collect();
        let report = GradCheck::default()
            .run(
                |tape, x| Mlp::record_cross_entropy(x, tape.constant(&features), &labels),
                &point,
            )
            .unwrap();
        assert_eq!(report.elements, mlp.parameter_count());
        assert!(report.max_abs_error < 1e-8, "{report:?}");
    }
}
