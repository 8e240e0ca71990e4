//! A run's loss curve on disk: the two files every experiment writes, what
//! a diverged run still writes and the hint it prints, and the helpers of
//! the curves' rows and titles.

use std::path::{Path, PathBuf};

use autograd::optim::OptimizerKind;
use factor::FactorError;

use crate::cli::Failure;

/// The two files a run writes.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveFiles {
    /// The per-epoch table.
    pub csv: PathBuf,
    /// The figure.
    pub svg: PathBuf,
}

/// Passes a finished run through after `write` has saved its losses; for a
/// diverged run, saves the losses so far and returns the divergence as a
/// failure with a hint ([`divergence_hint`], for a run with `optimizer`).
pub fn train_and_write<T>(
    result: Result<T, FactorError>,
    optimizer: OptimizerKind,
    losses: impl Fn(&T) -> &[f64],
    write: impl Fn(&[f64]) -> Result<CurveFiles, Failure>,
) -> Result<(T, CurveFiles), Failure> {
    match result {
        Ok(run) => {
            let files = write(losses(&run))?;
            Ok((run, files))
        }
        Err(FactorError::Diverged(divergence)) => {
            let files = write(&divergence.losses)?;
            let saved = match divergence.losses.len() {
                0 => format!("no loss was finite, so {} holds only its header", files.csv.display()),
                n => format!("the losses of epochs 0 to {} are in {}", n - 1, files.csv.display()),
            };
            Err(Failure::new(&divergence).with_hint(divergence_hint(divergence.lr, optimizer, &saved)))
        }
        Err(other) => Err(other.into()),
    }
}

/// The hint after a diverged run: a learning rate ten times smaller, Adam
/// unless the run already used it, and where the curve so far was `saved`.
pub fn divergence_hint(lr: f64, optimizer: OptimizerKind, saved: &str) -> String {
    let adam = match optimizer {
        OptimizerKind::Adam => "",
        _ => " or use --optimizer adam, whose steps the learning rate bounds",
    };
    format!("lower --lr (try {}){adam}; {saved}", round_number(lr / 10.0))
}

/// `x` to three significant digits, as a person would write it: `0.03`,
/// `1`, `1e299`.
pub fn round_number(x: f64) -> String {
    let rounded: f64 = format!("{x:.2e}").parse().unwrap_or(x);
    if rounded == 0.0 || (1e-4..1e6).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}

/// `(epoch, value)` points.
pub fn points(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(epoch, &y)| (epoch as f64, y)).collect()
}

/// The file's name without its directories, for titles.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_numbers_are_short() {
        // 0.7 / 10 is 0.06999999999999999 in binary floating point.
        assert_eq!(round_number(0.7 / 10.0), "0.07");
        assert_eq!(round_number(1.0), "1");
        assert_eq!(round_number(1e300 / 10.0), "1e299");
        assert_eq!(round_number(1.2345e-7), "1.23e-7");
        assert_eq!(round_number(123456.0), "123000");
    }
}
