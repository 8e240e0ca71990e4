//! A tape-based reverse-mode automatic differentiation engine on `f64`
//! matrices, written to be read.
//!
//! Recording a computation appends one node per operation to a [`Tape`] (a
//! Wengert list); [`Tape::backward`] walks it once in reverse and returns the
//! [`Gradients`] of a scalar loss with respect to every parameter.
//!
//! ```
//! use autograd::{gradcheck, Tape};
//! use ndarray::array;
//!
//! let a = array![[1.0, 2.0], [3.0, 4.0]];
//! let tape = Tape::new();
//! let u = tape.parameter(array![[1.0], [1.0]]);
//! let v = tape.parameter(array![[1.0], [2.0]]);
//!
//! // loss = ‖A - U Vᵀ‖_F
//! let residual = tape.constant(&a) - u.matmul(v.t());
//! let loss = residual.frobenius_norm();
//! let grads = tape.backward(loss);
//!
//! // A - U Vᵀ = [[0, 0], [2, 2]], so the loss is sqrt(8); with R that
//! // residual, dU = -R V / ‖R‖ = -[[0], [6]] / sqrt(8).
//! assert!((loss.item() - 8f64.sqrt()).abs() < 1e-15);
//! assert!((grads[u][[1, 0]] + 6.0 / 8f64.sqrt()).abs() < 1e-15);
//!
//! // The same gradients, checked against finite differences.
//! let report = gradcheck(
//!     |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
//!     &[array![[1.0], [1.0]], array![[1.0], [2.0]]],
//! )
//! .unwrap();
//! assert!(report.max_rel_error < 1e-7);
//! ```
//!
//! Where to read, in order: [`op`] (every op with its VJP formula, and the
//! table of what each op says about itself), [`var`] (recording an op, with
//! its shape check), [`tape`] (the list, `Tape::record`), `backward.rs` (the
//! sweep and every backward rule, in one `match`), `forward.rs` (every
//! forward computation, in one `match`); then [`gradcheck`](mod@gradcheck),
//! [`check`], [`optim`]. Skip on a first read: `kernels.rs` (the
//! arithmetic), `pool.rs` (buffer reuse), `value.rs` (how a matrix is
//! stored), [`gradients`] (the store `backward` returns).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod anomaly;
mod backward;
pub mod check;
pub mod curvature;
pub mod custom;
mod forward;
pub mod forward_mode;
mod grad;
pub mod gradcheck;
pub mod gradients;
pub mod inspect;
mod kernels;
pub mod op;
pub mod optim;
mod pool;
pub mod second_order;
pub mod tape;
mod value;
pub mod var;
pub mod zoo;

pub use anomaly::{Anomaly, Pass, all_finite};
pub use backward::SweepObserver;
pub use check::{Adjoint, Diagnosis, LocalCheck, LocalReport};
pub use custom::CustomOp;
pub use forward_mode::{ForwardModeError, jvp, try_jvp};
pub use gradcheck::{GradCheck, GradCheckError, GradCheckReport, gradcheck};
pub use gradients::Gradients;
pub use kernels::{DIRECT_PRODUCT_LIMIT, is_direct_product, matmul_into};
pub use op::{Op, OpKind};
pub use pool::set_buffer_reuse;
pub use second_order::{hessian, hvp};
pub use tape::{NodeId, Tape};
pub use value::{IntoValue, Leaf};
pub use var::Var;
