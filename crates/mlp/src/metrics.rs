//! Judging predictions: accuracy and the confusion matrix.

use std::fmt;

/// The share of predictions equal to their label, in [0, 1]; NaN when there
/// are no examples.
///
/// # Panics
/// If the slices differ in length.
#[track_caller]
pub fn accuracy(labels: &[usize], predicted: &[usize]) -> f64 {
    assert_eq!(
        labels.len(),
        predicted.len(),
        "accuracy: {} labels but {} predictions",
        labels.len(),
        predicted.len()
    );
    let correct = labels.iter().zip(predicted).filter(|(y, p)| y == p).count();
    correct as f64 / labels.len() as f64
}

/// Counts of (true class, predicted class) pairs: row = true class, column
/// = predicted class, so the diagonal holds the correct predictions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major, `classes x classes`.
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// An all-zero matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        ConfusionMatrix {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// The matrix of these labels and predictions.
    ///
    /// # Panics
    /// If the slices differ in length or a class is not below `classes`.
    #[track_caller]
    pub fn from_predictions(classes: usize, labels: &[usize], predicted: &[usize]) -> Self {
        let mut matrix = Self::new(classes);
        matrix.add(labels, predicted);
        matrix
    }

    /// Counts more labels and predictions in (to pool several runs).
    ///
    /// # Panics
    /// If the slices differ in length or a class is not below the number of classes.
    #[track_caller]
    pub fn add(&mut self, labels: &[usize], predicted: &[usize]) {
        assert_eq!(
            labels.len(),
            predicted.len(),
            "confusion matrix: {} labels but {} predictions",
            labels.len(),
            predicted.len()
        );
        for (&label, &prediction) in labels.iter().zip(predicted) {
            assert!(
                label < self.classes && prediction < self.classes,
                "confusion matrix: class pair ({label}, {prediction}) out of range for {} classes",
                self.classes
            );
            self.counts[label * self.classes + prediction] += 1;
        }
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// How many examples of class `actual` were predicted as `predicted`.
    pub fn count(&self, actual: usize, predicted: usize) -> usize {
        self.counts[actual * self.classes + predicted]
    }

    /// One row per true class.
    pub fn rows(&self) -> impl Iterator<Item = &[usize]> {
        self.counts.chunks(self.classes.max(1))
    }

    /// The number of examples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The share on the diagonal (NaN when empty).
    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..self.classes).map(|k| self.count(k, k)).sum();
        correct as f64 / self.total() as f64
    }

    /// A text table with these class names as row and column headings.
    ///
    /// # Panics
    /// Unless there is one name per class.
    #[track_caller]
    pub fn table<'a>(&'a self, names: &'a [String]) -> Table<'a> {
        assert_eq!(names.len(), self.classes, "confusion matrix: one name per class");
        Table { matrix: self, names }
    }
}

/// A confusion matrix with class names, ready to print.
pub struct Table<'a> {
    matrix: &'a ConfusionMatrix,
    names: &'a [String],
}

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let heading = "true \\ predicted";
        let name_width = self
            .names
            .iter()
            .map(|n| n.chars().count())
            .chain([heading.len()])
            .max();
        let name_width = name_width.unwrap_or(0);
        let count_width = |k: usize| {
            let widest = self
                .matrix
                .rows()
                .map(|row| row[k].to_string().len())
                .max()
                .unwrap_or(1);
            widest.max(self.names[k].chars().count())
        };
        let widths: Vec<usize> = (0..self.matrix.classes).map(count_width).collect();
        write!(f, "{heading:<name_width$}")?;
        for (name, width) in self.names.iter().zip(&widths) {
            write!(f, "  {name:>width$}")?;
        }
        for (name, row) in self.names.iter().zip(self.matrix.rows()) {
            write!(f, "\n{name:<name_width$}")?;
            for (count, width) in row.iter().zip(&widths) {
                write!(f, "  {count:>width$}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_matches() {
        // 3 of 4 right.
        assert_eq!(accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2]), 0.75);
        assert!(accuracy(&[], &[]).is_nan());
    }

    #[test]
    fn confusion_matrix_known_values() {
        // true:      0 0 1 1 1 2
        // predicted: 0 1 1 1 2 2
        let labels = [0, 0, 1, 1, 1, 2];
        let predicted = [0, 1, 1, 1, 2, 2];
        let mut matrix = ConfusionMatrix::from_predictions(3, &labels, &predicted);
        let rows: Vec<&[usize]> = matrix.rows().collect();
        assert_eq!(rows, [&[1, 1, 0][..], &[0, 2, 1], &[0, 0, 1]]);
        assert_eq!(matrix.total(), 6);
        assert_eq!(matrix.accuracy(), 4.0 / 6.0);
        assert_eq!(matrix.accuracy(), accuracy(&labels, &predicted));
        matrix.add(&[2], &[0]);
        assert_eq!(matrix.count(2, 0), 1);
        let names = ["setosa", "versicolor", "virginica"].map(String::from);
        let expected = "\
true \\ predicted  setosa  versicolor  virginica
setosa                 1           1          0
versicolor             0           2          1
virginica              1           0          1";
        assert_eq!(matrix.table(&names).to_string(), expected);
    }

    #[test]
    #[should_panic(expected = "out of range for 2 classes")]
    fn a_class_out_of_range_is_refused() {
        ConfusionMatrix::from_predictions(2, &[0, 2], &[0, 1]);
    }
}
