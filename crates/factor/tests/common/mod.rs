//! What the factor crate's tests share.

use ndarray::Array2;

/// Iris's four measurements (150 x 4), each column centred: the lab's matrix.
pub fn centred_iris() -> Array2<f64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.data");
    let options = data::ReadOptions::default();
    let mut a = data::read_features_with(std::path::Path::new(path), options, &data::Columns::Features)
        .unwrap()
        .data
        .matrix;
    data::centre_columns(&mut a);
    a
}
