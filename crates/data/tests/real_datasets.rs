//! The three real files in `datasets/`, checked against facts about them
//! (datasets/README.md and the UCI descriptions), and the scaling on them.

use std::path::PathBuf;

use data::{
    Columns, Delimiter, FeatureMatrix, Header, LabelColumn, Labelled, ReadOptions, Scale, SplitSize, Standardiser,
    centre_columns, parse_features_with, parse_labelled_with, read_features_with, read_labelled_with,
    standardise_columns, train_validation_split,
};
use ndarray::{Array2, Axis, array};

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
}

fn load(name: &str) -> Labelled {
    read_labelled_with(&dataset(name), ReadOptions::default(), None)
        .unwrap_or_else(|error| panic!("{error}"))
        .data
}

/// The chosen columns of a data set, read with the default options.
fn read_features(name: &str, columns: &Columns) -> FeatureMatrix {
    read_features_with(&dataset(name), ReadOptions::default(), columns)
        .unwrap_or_else(|error| panic!("{error}"))
        .data
}

/// [`read_features`]' matrix.
fn read_matrix(name: &str, columns: &Columns) -> Array2<f64> {
    read_features(name, columns).matrix
}

#[test]
fn iris_is_150_rows_of_4_measurements_and_3_species_of_50() {
    let iris = load("iris.data");
    assert_eq!(iris.features.dim(), (150, 4));
    assert_eq!(iris.label_column, LabelColumn::Last);
    assert_eq!(iris.classes, ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]);
    assert_eq!(iris.class_counts(), [50, 50, 50]);
    // The UCI file lists the species in blocks of 50.
    assert_eq!(iris.labels[..50], [0; 50]);
    assert_eq!(iris.labels[50..100], [1; 50]);
    assert_eq!(iris.labels[100..], [2; 50]);
    assert_eq!(iris.features.row(0), array![5.1, 3.5, 1.4, 0.2]);
    // Rows 35 and 38 (1-based) are the UCI file's known duplicates.
    assert_eq!(iris.features.row(34), array![4.9, 3.1, 1.5, 0.1]);
    assert_eq!(iris.features.row(37), array![4.9, 3.1, 1.5, 0.1]);
}

#[test]
fn wine_is_178_rows_with_the_class_first() {
    let wine = load("wine.data");
    assert_eq!(wine.features.dim(), (178, 13));
    assert_eq!(wine.label_column, LabelColumn::First);
    assert_eq!(wine.classes, ["1", "2", "3"]);
    assert_eq!(wine.class_counts(), [59, 71, 48]);
    // First row: 1,14.23,1.71,...,1065; the label is not a feature.
    assert_eq!(wine.features[[0, 0]], 14.23);
    assert_eq!(wine.features[[0, 12]], 1065.0);
}

#[test]
fn digits_is_1797_images_of_64_pixels_and_10_classes() {
    let digits = load("digits.csv");
    assert_eq!(digits.features.dim(), (1797, 64));
    assert_eq!(digits.label_column, LabelColumn::Last);
    let names: Vec<String> = (0..10).map(|digit| digit.to_string()).collect();
    assert_eq!(digits.classes, names);
    // The class sizes of UCI's optdigits.tes, from which the file comes.
    assert_eq!(
        digits.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert!(digits.features.iter().all(|&pixel| (0.0..=16.0).contains(&pixel)));
}

#[test]
fn an_explicit_label_column_overrides_detection() {
    // Wine read with its label "last" takes the proline column (121 values) for classes.
    let wine = read_labelled_with(&dataset("wine.data"), ReadOptions::default(), Some(LabelColumn::Last))
        .unwrap()
        .data;
    assert_eq!(wine.num_classes(), 121);
    assert_eq!(wine.features[[0, 0]], 1.0);
}

#[test]
fn feature_matrices_drop_the_detected_label_column() {
    assert_eq!(read_matrix("iris.data", &Columns::Features).dim(), (150, 4));
    let wine = read_matrix("wine.data", &Columns::Features);
    assert_eq!(wine.dim(), (178, 13));
    assert_eq!(wine, load("wine.data").features);
    assert_eq!(read_matrix("digits.csv", &Columns::Features).dim(), (1797, 64));
    assert_eq!(read_matrix("wine.data", &Columns::All).dim(), (178, 14));
    let picked = read_matrix("wine.data", &Columns::Indices(vec![13, 0]));
    assert_eq!(picked.row(0), array![1065.0, 1.0]);
}

#[test]
fn read_features_names_the_column_it_left_out() {
    let label = |file: &str, columns: &Columns| read_features(file, columns).label_column;
    // Iris: species names last; wine: classes 1-3 first; digits: 0-9 last.
    assert_eq!(label("iris.data", &Columns::Features), Some(4));
    assert_eq!(label("wine.data", &Columns::Features), Some(0));
    assert_eq!(label("digits.csv", &Columns::Features), Some(64));
    assert_eq!(label("wine.data", &Columns::All), None);
    assert_eq!(label("wine.data", &Columns::Indices(vec![0, 1])), None);
    // Only a column of class names is left out unless one is named: wine's
    // classes 1-3 and digits' 0-9 are numbers, kept as data.
    assert_eq!(label("iris.data", &Columns::AllButTextLabels), Some(4));
    assert_eq!(read_matrix("wine.data", &Columns::AllButTextLabels).dim(), (178, 14));
    assert_eq!(read_matrix("digits.csv", &Columns::AllButTextLabels).dim(), (1797, 65));
    let wine = read_features("wine.data", &Columns::Except(LabelColumn::First));
    assert_eq!(wine.label_column, Some(0));
    assert_eq!(wine.matrix, load("wine.data").features);
}

#[test]
fn all_columns_of_iris_is_an_error_at_the_species() {
    let error = read_features_with(&dataset("iris.data"), ReadOptions::default(), &Columns::All)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("iris.data, line 1, field 5: 'Iris-setosa' is not a number"),
        "{error}"
    );
}

#[test]
fn centred_iris_columns_have_mean_zero() {
    let mut iris = read_matrix("iris.data", &Columns::Features);
    let before = iris.clone();
    centre_columns(&mut iris);
    for mean in iris.mean_axis(Axis(0)).unwrap() {
        assert!(mean.abs() < 1e-12, "{mean}");
    }
    // The means subtracted: 876.5 / 150, 458.1 / 150, 563.8 / 150, 179.8 / 150.
    let shift = &before - &iris;
    for (column, expected) in shift.columns().into_iter().zip([876.5, 458.1, 563.8, 179.8]) {
        assert!(
            (column[0] - expected / 150.0).abs() < 1e-13,
            "{} vs {}",
            column[0],
            expected / 150.0
        );
    }
}

#[test]
fn standardised_wine_columns_have_unit_population_variance() {
    let mut wine = read_matrix("wine.data", &Columns::Features);
    standardise_columns(&mut wine);
    for column in wine.columns() {
        let mean = column.mean().unwrap();
        let variance = column.mapv(|x| (x - mean).powi(2)).mean().unwrap();
        assert!(
            mean.abs() < 1e-12 && (variance - 1.0).abs() < 1e-12,
            "{mean} {variance}"
        );
    }
}

#[test]
fn a_standardiser_fitted_on_training_rows_ignores_validation_rows() {
    let iris = load("iris.data");
    let split = train_validation_split(iris.len(), SplitSize::Count(50), 3).unwrap();
    let fitted = |features: &Array2<f64>| {
        let train = features.select(Axis(0), &split.train);
        Standardiser::fit(&train, Scale::StdDev)
    };
    let honest = fitted(&iris.features);
    let mut tampered = iris.features.clone();
    for &row in &split.validation {
        tampered.row_mut(row).fill(1e6);
    }
    assert_eq!(fitted(&tampered), honest);
    // ...and the training rows themselves come out with mean 0 and variance 1.
    let train = honest.transform(&iris.features.select(Axis(0), &split.train));
    for column in train.columns() {
        let mean = column.mean().unwrap();
        let variance = column.mapv(|x| x * x).mean().unwrap();
        assert!(mean.abs() < 1e-12 && (variance - 1.0).abs() < 1e-12);
    }
}

#[test]
fn dividing_by_the_variance_leaves_standard_deviation_one_over_sigma() {
    // The lab report's scaling: (x - mean) / var has std sigma / sigma² = 1 / sigma.
    let features = load("iris.data").features;
    let by_std = Standardiser::fit(&features, Scale::StdDev);
    let by_variance = Standardiser::fit(&features, Scale::Variance);
    let scaled = by_variance.transform(&features);
    for (column, sigma) in scaled.columns().into_iter().zip(&by_std.scale) {
        let std = column.mapv(|x| x * x).mean().unwrap().sqrt();
        assert!((std - 1.0 / sigma).abs() < 1e-12, "{std} vs {}", 1.0 / sigma);
    }
    for (variance, sigma) in by_variance.scale.iter().zip(&by_std.scale) {
        assert!((variance - sigma * sigma).abs() < 1e-12);
    }
}

#[test]
fn selecting_rows_keeps_their_labels_and_all_classes() {
    let iris = load("iris.data");
    let picked = iris.select(&[149, 0, 75]);
    assert_eq!(picked.labels, [2, 0, 1]);
    assert_eq!(picked.features.row(1), iris.features.row(0));
    assert_eq!(picked.classes, iris.classes);
    assert_eq!((picked.len(), picked.num_features(), picked.num_classes()), (3, 4, 3));
    assert!(!picked.is_empty() && iris.select(&[]).is_empty());
}

#[test]
fn the_three_files_are_comma_separated_without_a_header() {
    for name in ["iris.data", "wine.data", "digits.csv"] {
        let path = dataset(name);
        let loaded = read_labelled_with(&path, ReadOptions::default(), None).unwrap();
        assert_eq!(loaded.layout.to_string(), "comma-separated", "{name}");
        assert_eq!(loaded.layout.header, None, "{name}");
        let features = read_features_with(&path, ReadOptions::default(), &Columns::Features).unwrap();
        assert_eq!(features.data.matrix, loaded.data.features, "{name}");
    }
}

/// The file's text with `header` as a first line.
fn headed(name: &str, header: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(dataset(name)).unwrap();
    format!("{header}\n{text}").into_bytes()
}

const HEADER_DECLARED: ReadOptions = ReadOptions {
    header: Some(Header::Present),
    delimiter: None,
    drop_index_column: false,
};

#[test]
fn numpy_and_pandas_headers_over_digits_and_wine_are_refused_then_read_when_declared() {
    // digits headed 0..63,label, as pandas writes a frame whose last column is named:
    // before, with the label column last, an 11th class "label".
    let pixels: Vec<String> = (0..64).map(|k| k.to_string()).collect();
    let digits = headed("digits.csv", &format!("{},label", pixels.join(",")));
    for label in [None, Some(LabelColumn::Last)] {
        let error = parse_labelled_with(&digits, "h.csv", ReadOptions::default(), label).unwrap_err();
        assert_eq!(
            error.to_string(),
            "h.csv, line 1 looks like a header: its last field, 'label', is not a class of the other rows \
             (whole numbers from 0 to 9); declare a header, or no header if it is data"
        );
    }
    let declared = parse_labelled_with(&digits, "h.csv", HEADER_DECLARED, None).unwrap();
    assert_eq!(declared.data, load("digits.csv"));
    // Read whole (factorise and complete keep the label column of digits as
    // data): before, "line 1, field 65: 'label' is not a number", and no word of a header.
    let error = parse_features_with(&digits, "h.csv", ReadOptions::default(), &Columns::AllButTextLabels).unwrap_err();
    assert_eq!(
        error.to_string(),
        "h.csv, line 1 looks like a header: its field 65, 'label', is a name where the other rows hold numbers; \
         declare a header to skip it"
    );
    let declared = parse_features_with(&digits, "h.csv", HEADER_DECLARED, &Columns::AllButTextLabels).unwrap();
    assert_eq!(declared.data.matrix.dim(), (1797, 65));

    // wine headed by its column numbers 0..13, as pandas writes an unnamed frame:
    // before, factorise read a 179th row.
    let numbers: Vec<String> = (0..14).map(|k| k.to_string()).collect();
    let wine = headed("wine.data", &numbers.join(","));
    let error = parse_features_with(&wine, "h.csv", ReadOptions::default(), &Columns::Features).unwrap_err();
    assert_eq!(
        error.to_string(),
        "h.csv, line 1 looks like a header: its fields are the column numbers 0 to 13; \
         declare a header, or no header if it is data"
    );
    let declared = parse_features_with(&wine, "h.csv", HEADER_DECLARED, &Columns::Features).unwrap();
    assert_eq!(declared.data.matrix.dim(), (178, 13));
    assert_eq!(declared.data.label_column, Some(0));
}

#[test]
fn iris_exported_by_pandas_or_a_spreadsheet_reads_as_the_file_when_declared() {
    let iris = load("iris.data");
    let text = std::fs::read_to_string(dataset("iris.data")).unwrap();
    let rows: Vec<&str> = text.lines().filter(|line| !line.is_empty()).collect();

    // pandas' default export: a header with an empty first field, then the row numbers.
    let mut pandas = String::from(",sepal_length,sepal_width,petal_length,petal_width,species\n");
    for (i, row) in rows.iter().enumerate() {
        pandas.push_str(&format!("{i},{row}\n"));
    }
    let error = parse_labelled_with(pandas.as_bytes(), "p.csv", ReadOptions::default(), None).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("its first field is empty; drop the index column"),
        "{error}"
    );
    let drop_index = ReadOptions {
        drop_index_column: true,
        ..ReadOptions::default()
    };
    assert_eq!(
        parse_labelled_with(pandas.as_bytes(), "p.csv", drop_index, None)
            .unwrap()
            .data,
        iris
    );

    // Tab-separated: detected, and read as the commas are.
    let tabs = text.replace(',', "\t");
    let loaded = parse_labelled_with(tabs.as_bytes(), "t.tsv", ReadOptions::default(), None).unwrap();
    assert_eq!((loaded.layout.delimiter, &loaded.data), (Delimiter::Tab, &iris));

    // numpy.savetxt's default: every number as %.18e (5.099999999999999645e+00),
    // one space between.
    let percent_18e = |x: &f64| {
        let rust = format!("{x:.18e}");
        let (mantissa, exponent) = rust.split_once('e').unwrap();
        format!("{mantissa}e{:+03}", exponent.parse::<i32>().unwrap())
    };
    let numpy: String = iris
        .features
        .rows()
        .into_iter()
        .map(|row| row.iter().map(percent_18e).collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    assert!(numpy.starts_with("5.099999999999999645e+00 3.500000000000000000e+00 "));
    let loaded = parse_features_with(numpy.as_bytes(), "n.txt", ReadOptions::default(), &Columns::All).unwrap();
    assert_eq!(
        (loaded.layout.delimiter, loaded.data.matrix),
        (Delimiter::Space, iris.features)
    );

    // A spreadsheet's semicolons and decimal commas: detected, and refused with a hint.
    let spreadsheet = text.replace(',', ";").replace('.', ",");
    let error = parse_labelled_with(spreadsheet.as_bytes(), "s.csv", ReadOptions::default(), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "s.csv, line 1, field 1: '5,1' has a decimal comma; numbers need a decimal point (5.1)"
    );
}
