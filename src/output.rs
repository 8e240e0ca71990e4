//! Writing results: an output directory whose files appear whole or not at all.
//!
//! Every file is written to a temporary name in the same directory and then
//! renamed over the target. A rename within one file system is atomic, so an
//! interrupted run never leaves a truncated CSV or SVG behind, and an earlier
//! run's complete file is only ever replaced by another complete one.
//! [`write_file`] does the same for one file named on the command line
//! (`--html PATH`).

use std::fmt::{self, Write as _};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

/// A failure to create or write an output file.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The directory could not be created.
    #[error("cannot use output directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The directory, or one of its parents, is a file.
    #[error("cannot use output directory {path}: {file} is a file, not a directory")]
    FileInTheWay {
        /// The directory.
        path: PathBuf,
        /// The file that stands where a directory must be.
        file: PathBuf,
    },
    /// The path names a directory or no file at all (`out/`, `..`).
    #[error("cannot write {path}: {reason}")]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// Why it is not a file's path.
        reason: &'static str,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A directory that results are written into.
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates the directory (and its parents) if needed.
    pub fn create(path: impl Into<PathBuf>) -> Result<Self, OutputError> {
        let path = path.into();
        let in_the_way = path
            .ancestors()
            .find(|ancestor| fs::metadata(ancestor).is_ok_and(|entry| !entry.is_dir()));
        if let Some(file) = in_the_way {
            let file = file.to_path_buf();
            return Err(OutputError::FileInTheWay { path, file });
        }
        match fs::create_dir_all(&path) {
            Ok(()) => Ok(OutputDir { path }),
            Err(source) => Err(OutputError::Directory { path, source }),
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` inside the directory, atomically; returns
    /// the file's path.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<PathBuf, OutputError> {
        let target = self.path.join(name);
        let temporary = self.path.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = fs::File::create(&temporary).and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        });
        let result = written.and_then(|()| fs::rename(&temporary, &target));
        if let Err(source) = result {
            // Best effort: the temporary file may not even exist.
            let _ = fs::remove_file(&temporary);
            return Err(OutputError::File { path: target, source });
        }
        Ok(target)
    }

    /// Writes a CSV table with a header line; numbers use Rust's shortest
    /// round-trip formatting, so reading them back gives the same `f64`s.
    /// A row is anything that lends a slice: a `Vec<f64>`, or an array
    /// (`[epoch, loss]`) that a long curve's rows need not allocate.
    pub fn write_csv<Row: AsRef<[f64]>>(
        &self,
        name: &str,
        header: &[&str],
        rows: &[Row],
    ) -> Result<PathBuf, OutputError> {
        self.write(name, csv_table(header, rows).as_bytes())
    }
}

/// A file written by [`write_file`]; shown as `page.html (142.7 KB)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WrittenFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: usize,
}

impl fmt::Display for WrittenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:.1} KB)", self.path.display(), self.bytes as f64 / 1024.0)
    }
}

/// Writes `contents` to the file `path` atomically, as [`OutputDir::write`]
/// does, creating its directory if needed. A path that names a directory
/// (`out/`, `..`, an existing folder) or no file at all is an error.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<WrittenFile, OutputError> {
    let not_a_file = |reason| OutputError::NotAFile {
        path: path.to_path_buf(),
        reason,
    };
    let ends_in_separator = path.as_os_str().as_encoded_bytes().ends_with(b"/");
    if path.is_dir() || ends_in_separator {
        return Err(not_a_file("it names a directory, not a file"));
    }
    let Some(name) = path.file_name() else {
        return Err(not_a_file("the path names no file"));
    };
    let Some(name) = name.to_str() else {
        return Err(not_a_file("the file name is not UTF-8 text"));
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    OutputDir::create(folder)?.write(name, contents)?;
    Ok(WrittenFile {
        path: path.to_path_buf(),
        bytes: contents.len(),
    })
}

/// A CSV table as text: the header line, then one line per row.
pub fn csv_table<Row: AsRef<[f64]>>(header: &[&str], rows: &[Row]) -> String {
    let mut text = header.join(",");
    text.push('\n');
    for row in rows {
        for (k, value) in row.as_ref().iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            write_number(&mut text, *value);
        }
        text.push('\n');
    }
    text
}

/// `value` as `{value}` writes it, by faster formatters where they give the
/// same text: whole numbers (epochs, counts) by `itoa`, most others by
/// `ryu` (the same shortest digits that round-trip). A loss
/// curve's CSV is a number per epoch per column, so this is most of the
/// time a long run spends writing.
fn write_number(text: &mut String, value: f64) {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS && !(value == 0.0 && value.is_sign_negative()) {
        text.push_str(itoa::Buffer::new().format(value as i64));
        return;
    }
    if value.is_finite() && value.fract() != 0.0 && !has_short_expansion(value) {
        let mut buffer = ryu::Buffer::new();
        let digits = buffer.format_finite(value);
        // `{value}` never uses an exponent.
        if !digits.contains('e') {
            text.push_str(digits);
            return;
        }
    }
    let _ = write!(text, "{value}");
}

/// Whether the exact decimal expansion of `value` (finite, not whole) may
/// have 18 significant digits or fewer. Only then can two shortest
/// candidates be equally close (2007021584660825.25: `.2` or `.3`), where
/// `ryu` and `{value}` break the tie differently. `value = m·2ᵉ` with `m`
/// odd and `e < 0` is `m·5⁻ᵉ / 10⁻ᵉ`, whose digits, `m·5⁻ᵉ`, number at
/// least `0.69·(-e)`: more than 18 once `e ≤ -26`.
fn has_short_expansion(value: f64) -> bool {
    let bits = value.to_bits();
    let (biased_exponent, fraction) = ((bits >> 52) & 0x7ff, bits & ((1 << 52) - 1));
    let (mantissa, exponent) = match biased_exponent {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased_exponent as i64 - 1075),
    };
    exponent + i64::from(mantissa.trailing_zeros()) > -26
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn written(value: f64) -> String {
        let mut text = String::new();
        write_number(&mut text, value);
        text
    }

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        let two_53 = 9_007_199_254_740_992.0;
        for value in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            3.0,
            1e15,
            two_53 - 1.0,
            two_53,
            -two_53,
            1e300,
            0.5,
            -2.25,
            1e-7,
            2_007_021_584_660_825.0 + 0.25,
            29.67625502599313,
            0.1 + 0.2,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(written(value), format!("{value}"), "{value:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn any_number_is_written_as_display_writes_it(
            bits in any::<u64>(),
            whole in -1e16f64..1e16,
            loss in -1e6f64..1e6,
            small in 1e-9f64..1e-3,
            quarters in -4e16f64..4e16,
        ) {
            let near_ties = [(quarters.trunc() / 4.0), (loss * 1024.0).trunc() / 1024.0];
            for value in [f64::from_bits(bits), whole.trunc(), loss, small, -small, small * 1e20, near_ties[0], near_ties[1]] {
                prop_assert_eq!(written(value), format!("{value}"));
            }
        }
    }

    #[test]
    fn writes_whole_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::create(dir.path().join("nested/out")).unwrap();
        let path = out
            .write_csv("loss.csv", &["epoch", "loss"], &[vec![1.0, 0.5], vec![2.0, 0.25]])
            .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "epoch,loss\n1,0.5\n2,0.25\n");
        out.write("loss.csv", b"replaced\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "replaced\n");
        let names: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("loss.csv")]);
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("taken");
        fs::write(&blocker, "x").unwrap();
        let message = OutputDir::create(&blocker).unwrap_err().to_string();
        let shown = blocker.display();
        assert_eq!(
            message,
            format!("cannot use output directory {shown}: {shown} is a file, not a directory")
        );
        let below = blocker.join("figures");
        let message = OutputDir::create(&below).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "cannot use output directory {}: {shown} is a file, not a directory",
                below.display()
            )
        );
    }

    #[test]
    fn one_named_file_is_written_whole_into_its_new_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pages/iris.html");
        let written = write_file(&path, &[b'x'; 2048]).unwrap();
        assert_eq!(written.to_string(), format!("{} (2.0 KB)", path.display()));
        assert_eq!(fs::read(&path).unwrap().len(), 2048);
        let names: Vec<_> = fs::read_dir(dir.path().join("pages")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_directory_or_no_file_name_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().display().to_string();
        for (path, message) in [
            (
                folder.clone(),
                format!("cannot write {folder}: it names a directory, not a file"),
            ),
            (
                format!("{folder}/new/"),
                format!("cannot write {folder}/new/: it names a directory, not a file"),
            ),
            (String::new(), "cannot write : the path names no file".to_owned()),
        ] {
            let error = write_file(Path::new(&path), b"page").unwrap_err();
            assert_eq!(error.to_string(), message);
        }
        assert!(!dir.path().join("new").exists());
        let blocker = dir.path().join("taken");
        fs::write(&blocker, "x").unwrap();
        let error = write_file(&blocker.join("page.html"), b"page").unwrap_err().to_string();
        assert!(error.ends_with("is a file, not a directory"), "{error}");
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::create(dir.path()).unwrap();
        out.write("result.csv", b"complete\n").unwrap();
        // A directory where the temporary file should go makes the write fail.
        let temporary = dir.path().join(format!(".result.csv.{}.tmp", std::process::id()));
        fs::create_dir(&temporary).unwrap();
        assert!(out.write("result.csv", b"new\n").is_err());
        assert_eq!(fs::read_to_string(dir.path().join("result.csv")).unwrap(), "complete\n");
    }
}
