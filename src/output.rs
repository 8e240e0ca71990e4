//! Writing results: an output directory whose files appear whole or not at all.
//!
//! Every file is written to a temporary name in the same directory and then
//! renamed over the target. A rename within one file system is atomic, so an
//! interrupted run never leaves a truncated CSV or SVG behind, and an earlier
//! run's complete file is only ever replaced by another complete one.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
    pub fn write_csv(&self, name: &str, header: &[&str], rows: &[Vec<f64>]) -> Result<PathBuf, OutputError> {
        self.write(name, csv_table(header, rows).as_bytes())
    }
}

/// A CSV table as text: the header line, then one line per row.
pub fn csv_table(header: &[&str], rows: &[Vec<f64>]) -> String {
    let mut text = header.join(",");
    text.push('\n');
    for row in rows {
        for (k, value) in row.iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            let _ = write!(text, "{value}");
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

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
