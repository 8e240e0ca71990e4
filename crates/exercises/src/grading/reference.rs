//! The engine's own ops behind the [`CustomOp`] interface, and a learner's
//! op shared so that it can be recorded many times.

use std::rc::Rc;

use autograd::{CustomOp, Tape, Var};
use ndarray::{Array2, ArrayView2};

/// Records an op of the engine on the operands it is given.
pub(crate) type Recorder = dyn for<'t> Fn(&[Var<'t>]) -> Var<'t>;

/// An op of the engine, seen as a [`CustomOp`]: its forward and its VJP are
/// the built-in op's, computed on a tape of their own. The grader compares
/// a learner's forward with it, and hands it to the learner's adjoint test
/// as an op whose rule is right.
pub(crate) struct Engine {
    name: &'static str,
    record: Box<Recorder>,
}

impl Engine {
    /// The built-in op that `record` records, called `name`.
    pub(crate) fn new(name: &'static str, record: impl for<'t> Fn(&[Var<'t>]) -> Var<'t> + 'static) -> Self {
        Engine {
            name,
            record: Box::new(record),
        }
    }
}

impl CustomOp for Engine {
    fn name(&self) -> &str {
        self.name
    }

    fn formula(&self) -> &str {
        "the engine's built-in rule"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        let tape = Tape::new();
        let operands: Vec<Var<'_>> = inputs.iter().map(|x| tape.constant(x.to_owned())).collect();
        (self.record)(&operands).value().to_owned()
    }

    /// The gradient of `⟨G, C⟩` for each operand, by the engine's backward sweep.
    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let tape = Tape::new();
        let operands: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x.to_owned())).collect();
        let weighted = ((self.record)(&operands) * tape.constant(grad.to_owned())).sum();
        let grads = tape.backward(weighted);
        operands.iter().map(|&x| grads[x].clone()).collect()
    }
}

/// A learner's op behind an `Rc`, recorded as a custom op of its own.
pub(crate) struct Shared(pub(crate) Rc<dyn CustomOp>);

impl CustomOp for Shared {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn formula(&self) -> &str {
        self.0.formula()
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        self.0.forward(inputs)
    }

    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        self.0.vjp(inputs, output, grad)
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        self.0.kink(inputs, operand, element, step)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn the_engine_op_gives_the_built_in_forward_and_rule() {
        let matmul = Engine::new("matmul", |x| x[0].matmul(x[1]));
        let (a, b) = (array![[1.0, 2.0], [3.0, 4.0]], array![[0.5], [-1.0]]);
        let g = array![[1.0], [2.0]];
        let output = matmul.forward(&[a.view(), b.view()]);
        assert_eq!(output, a.dot(&b));
        let rule = matmul.vjp(&[a.view(), b.view()], output.view(), g.view());
        assert_eq!(rule, [g.dot(&b.t()), a.t().dot(&g)]);
    }
}
