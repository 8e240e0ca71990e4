use ndarray::Array2;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (m, k, n): (usize, usize, usize) = (args[1].parse().unwrap(), args[2].parse().unwrap(), args[3].parse().unwrap());
    let ta = args[4] == "t";
    let reps: usize = args[5].parse().unwrap();
    let a = if ta { Array2::from_shape_fn((k, m), |(i, j)| (i * 7 + j) as f64 * 0.01).reversed_axes() } else { Array2::from_shape_fn((m, k), |(i, j)| (i * 7 + j) as f64 * 0.01) };
    let b = Array2::from_shape_fn((k, n), |(i, j)| (i + 3 * j) as f64 * 0.02);
    let mut out = Array2::zeros((m, n));
    for _ in 0..reps {
        autograd::matmul_into(std::hint::black_box(a.view()), b.view(), &mut out);
    }
    std::hint::black_box(out);
}
