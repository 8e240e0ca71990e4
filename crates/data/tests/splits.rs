//! Seeded shuffles, train/validation splits and k folds: partitions of 0..n,
//! reproducible by seed, and clear errors when a part would be empty.

use data::{SplitSize, k_folds, shuffled_indices, train_validation_split};
use proptest::prelude::*;

fn sorted(mut rows: Vec<usize>) -> Vec<usize> {
    rows.sort_unstable();
    rows
}

proptest! {
    #[test]
    fn a_split_partitions_the_rows(n in 2usize..300, validation_share in 0.0f64..1.0, seed in any::<u64>()) {
        let validation = 1 + ((n - 1) as f64 * validation_share) as usize % (n - 1);
        let split = train_validation_split(n, SplitSize::Count(validation), seed).unwrap();
        prop_assert_eq!(split.validation.len(), validation);
        prop_assert_eq!(split.train.len(), n - validation);
        let all = sorted([split.train.clone(), split.validation.clone()].concat());
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        prop_assert_eq!(train_validation_split(n, SplitSize::Count(validation), seed).unwrap(), split);
    }

    #[test]
    fn k_folds_validate_every_row_exactly_once(n in 2usize..200, k_share in 0.0f64..1.0, seed in any::<u64>()) {
        let k = 2 + ((n - 1) as f64 * k_share) as usize % (n - 1);
        let folds = k_folds(n, k, seed).unwrap();
        prop_assert_eq!(folds.len(), k);
        for fold in &folds {
            prop_assert!(!fold.validation.is_empty() && !fold.train.is_empty());
            let all = sorted([fold.train.clone(), fold.validation.clone()].concat());
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
        let validated = sorted(folds.iter().flat_map(|fold| fold.validation.clone()).collect());
        prop_assert_eq!(validated, (0..n).collect::<Vec<_>>());
        prop_assert_eq!(k_folds(n, k, seed).unwrap(), folds);
    }
}

#[test]
fn the_same_seed_gives_the_same_shuffle_and_others_differ() {
    assert_eq!(shuffled_indices(150, 42), shuffled_indices(150, 42));
    let first = shuffled_indices(150, 0);
    assert_ne!(first, (0..150).collect::<Vec<_>>());
    // 150! orders: two seeds agreeing on all of them would be a broken generator.
    for seed in 1..20 {
        assert_ne!(shuffled_indices(150, seed), first, "seed {seed}");
    }
    let splits: Vec<_> = (0..5)
        .map(|seed| {
            train_validation_split(150, SplitSize::Count(50), seed)
                .unwrap()
                .validation
        })
        .collect();
    for (i, a) in splits.iter().enumerate() {
        for b in &splits[i + 1..] {
            assert_ne!(sorted(a.clone()), sorted(b.clone()));
        }
    }
}

#[test]
fn the_validation_rows_come_off_the_end_of_the_shuffle() {
    let order = shuffled_indices(10, 5);
    let split = train_validation_split(10, SplitSize::Count(3), 5).unwrap();
    assert_eq!(split.train, order[..7]);
    assert_eq!(split.validation, order[7..]);
}

#[test]
fn splits_that_would_leave_a_part_empty_are_errors() {
    let cases = [
        (1, SplitSize::Count(1), 1, "training"),
        (1, SplitSize::Fraction(0.3), 0, "validation"),
        (150, SplitSize::Count(0), 0, "validation"),
        (150, SplitSize::Count(200), 200, "training"),
        // 0.999 of 150 rounds to all 150 rows.
        (150, SplitSize::Fraction(0.999), 150, "training"),
    ];
    for (n, size, validation, empty_part) in cases {
        assert_eq!(
            train_validation_split(n, size, 0).unwrap_err().to_string(),
            format!("cannot split {n} rows with {validation} for validation: the {empty_part} part would be empty")
        );
    }
    for fraction in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            train_validation_split(150, SplitSize::Fraction(fraction), 0)
                .unwrap_err()
                .to_string(),
            format!("validation fraction {fraction} must lie strictly between 0 and 1")
        );
    }
}

#[test]
fn fold_counts_outside_two_to_the_rows_are_errors() {
    for (n, k) in [(150, 0), (150, 1), (150, 151), (1, 2), (0, 2)] {
        assert_eq!(
            k_folds(n, k, 0).unwrap_err().to_string(),
            format!("cannot make {k} folds of {n} rows: the number of folds must be at least 2 and at most the rows")
        );
    }
    assert_eq!(k_folds(2, 2, 0).unwrap().len(), 2);
}
