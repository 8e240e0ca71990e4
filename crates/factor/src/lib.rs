//! Low-rank matrix factorisation by gradient descent through `autograd`.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
