//! Writes the tape page (`autograd::inspect::to_html`) and the static graph
//! (`to_svg`) of the `tape` bin's three steps, to open in a browser:
//!
//! ```text
//! cargo run --release --example tape_page -- out/pages
//! ```
//!
//! writes `lab.html`, `iris.html` and `mlp.html` (and an `.svg` of each)
//! into the folder given (default `out/pages`), and prints each page's size.
//! The steps are recorded as `cargo run --release --bin tape` (`--iris`,
//! `--mlp`) records them, with seed 0.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use autograd::inspect::{self, HtmlOptions};
use autograd::{Tape, Var};
use data::{Columns, ReadOptions, Scale, SplitSize, Standardiser};
use factor::{LabExample, Loss};
use mlp::Mlp;
use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SEED: u64 = 0;

fn main() -> ExitCode {
    let folder = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("out/pages"), PathBuf::from);
    match write_pages(&folder) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn write_pages(folder: &Path) -> Result<(), String> {
    std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let iris = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/iris.data");

    let tape = Tape::new();
    let loss = factorisation(&tape, LabExample::new().matrix);
    let title = "The lab's 3 x 3 factorisation: one gradient step";
    let about = "rank 2, loss ||A - U Vᵀ||_F, U and V from U(0, 1) with seed 0";
    write(folder, "lab", &tape, loss, title, about)?;

    let tape = Tape::new();
    let mut centred = data::read_features_with(&iris, ReadOptions::default(), &Columns::Features)
        .map_err(|e| e.to_string())?
        .data
        .matrix;
    data::centre_columns(&mut centred);
    let loss = factorisation(&tape, centred);
    let title = "Factorising iris: one epoch of the lab report";
    let about = "150 x 4 (columns centred), rank 2, loss ||A - U Vᵀ||_F, U and V from U(0, 1) with seed 0";
    write(folder, "iris", &tape, loss, title, about)?;

    let tape = Tape::new();
    let loss = network(&tape, &iris)?;
    let title = "The iris MLP 4-12-3: one minibatch step";
    let about = "16 standardised training rows, softmax cross-entropy, split and weights from seed 0";
    write(folder, "mlp", &tape, loss, title, about)
}

/// `||A - U Vᵀ||_F` at rank 2, U and V drawn from U(0, 1) as `factorise` draws them.
fn factorisation(tape: &Tape, target: Array2<f64>) -> Var<'_> {
    let (rows, cols) = target.dim();
    let mut rng = StdRng::seed_from_u64(SEED);
    let u = Array2::from_shape_fn((rows, 2), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((cols, 2), |_| rng.random::<f64>());
    let a = tape.constant(target);
    factor::record_loss(a, tape.parameter(u), tape.parameter(v), Loss::Norm, None, 0.0)
}

/// The MLP's loss on the first 16 standardised training rows of iris.
fn network<'t>(tape: &'t Tape, iris: &Path) -> Result<Var<'t>, String> {
    let iris = data::read_labelled_with(iris, ReadOptions::default(), None)
        .map_err(|e| e.to_string())?
        .data;
    let split = data::train_validation_split(iris.len(), SplitSize::Count(50), SEED).map_err(|e| e.to_string())?;
    let mut training = iris.select(&split.train);
    Standardiser::fit(&training.features, Scale::StdDev).apply(&mut training.features);
    let batch: Vec<usize> = (0..16).collect();
    let features = training.features.select(Axis(0), &batch);
    let labels: Vec<usize> = batch.iter().map(|&row| training.labels[row]).collect();
    let model = Mlp::new(&[4, 12, 3], SEED).map_err(|e| e.to_string())?;
    Ok(model.record_loss(tape, tape.constant(features), &labels).0)
}

fn write(folder: &Path, name: &str, tape: &Tape, loss: Var<'_>, title: &str, description: &str) -> Result<(), String> {
    let page = inspect::to_html(tape, loss, &HtmlOptions { title, description });
    let svg = inspect::to_svg(tape, loss);
    for (file, text) in [(format!("{name}.html"), &page), (format!("{name}.svg"), &svg)] {
        let path = folder.join(file);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {} ({:.1} KB)", path.display(), text.len() as f64 / 1024.0);
    }
    Ok(())
}
