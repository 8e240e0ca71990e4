//! The command line that redraws each figure of the report, generated from
//! the settings of the run that drew it: a printed command cannot drift
//! from the run it claims to reproduce.

use std::fmt::Write as _;

use data::SplitSize;
use factor::Config;
use mlp::TrainConfig;

use super::ReproduceSettings;
use crate::args::{ColumnChoice, DataArgs};
use crate::experiments::complete::{CompleteSettings, Penalty};
use crate::experiments::factorise::FactoriseSettings;
use crate::experiments::mlp::{Evaluation, MlpSettings, scale_name};

/// The command that redraws the run `name` of a reproduction:
/// `cargo run --release --bin BIN -- FLAGS [--data PATH] --seed S --out OUT/NAME`.
pub fn command(bin: &str, flags: &str, settings: &ReproduceSettings, name: &str) -> String {
    let mut text = format!("cargo run --release --bin {bin} --");
    for part in [
        flags.to_owned(),
        data_flag(settings),
        format!("--seed {}", settings.seed),
    ] {
        if !part.is_empty() {
            text.push(' ');
            text.push_str(&part);
        }
    }
    let _ = write!(text, " --out {}", settings.out.join(name).display());
    text
}

/// `--data PATH` when the data file is not the default one, then the flags
/// that say how it is read, if any.
pub(super) fn data_flag(settings: &ReproduceSettings) -> String {
    let mut flags = settings.read.flags();
    if settings.data != ReproduceSettings::default().data {
        flags.insert(0, format!("--data {}", settings.data.display()));
    }
    flags.join(" ")
}

/// The flags that make `factorise` run `settings` (its data file, seed and
/// output directory aside: [`command`] adds them): the column and scaling
/// flags and the training flags that differ from its defaults (as
/// `training_flags` spells them).
///
/// # Panics
/// If the settings carry an L2 penalty: `factorise` trains without one.
pub fn factorise_flags(settings: &FactoriseSettings) -> String {
    assert_eq!(settings.config.l2, 0.0, "factorise has no --l2 flag");
    let mut flags = data_flags(&settings.data);
    flags.extend(training_flags(&settings.config, &FactoriseSettings::default().config));
    flags.join(" ")
}

/// The flags that make `complete` run `settings` (its data file, seed and
/// output directory aside): `--example`, or the column, scaling and
/// hold-out flags, then the training flags (as `training_flags` spells
/// them) and the penalty that differ from its defaults.
pub fn complete_flags(settings: &CompleteSettings) -> String {
    let defaults = CompleteSettings::default();
    let mut flags = Vec::new();
    if settings.example {
        flags.push("--example".to_owned());
    } else {
        flags.extend(data_flags(&settings.data));
        if settings.holdout != defaults.holdout {
            flags.push(format!("--holdout {}", settings.holdout));
        }
    }
    flags.extend(training_flags(&settings.config, &defaults.config));
    if let Penalty::Fixed(lambda) = settings.penalty {
        flags.push(format!("--l2 {lambda}"));
    }
    flags.join(" ")
}

/// `--columns` and `--standardise`, where they differ from the defaults.
fn data_flags(data: &DataArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if data.columns != ColumnChoice::Features {
        flags.push(format!("--columns {}", data.columns));
    }
    if data.standardise {
        flags.push("--standardise".to_owned());
    }
    flags
}

/// The training flags of `config` that differ from `defaults`: `--rank`,
/// then the loss, the optimiser, the learning rate and the epochs. When the
/// loss, the optimiser or the learning rate differs, all four are given, so
/// that a recipe other than the default is spelled out in full (the
/// report's: `--loss norm --optimizer sgd --lr 0.01 --epochs 1000`);
/// otherwise `--epochs` only if it differs.
fn training_flags(config: &Config, defaults: &Config) -> Vec<String> {
    let mut flags = Vec::new();
    if config.rank != defaults.rank {
        flags.push(format!("--rank {}", config.rank));
    }
    let recipe = (config.loss, config.optimizer, config.lr) != (defaults.loss, defaults.optimizer, defaults.lr);
    if recipe {
        let (loss, optimizer, lr) = (config.loss, config.optimizer, config.lr);
        flags.push(format!("--loss {loss} --optimizer {optimizer} --lr {lr}"));
    }
    if recipe || config.epochs != defaults.epochs {
        flags.push(format!("--epochs {}", config.epochs));
    }
    flags
}

/// The flags that make `mlp` run `settings` (its data file and how it is
/// read, first seed and output directory aside): `--report-config` when its network and
/// training are the report's, then every setting that differs from that
/// preset (or from the recommended one), `--seeds` last.
///
/// # Panics
/// If the columns are only centred: `mlp` has no flag for that.
pub fn mlp_flags(settings: &MlpSettings) -> String {
    let report = MlpSettings::report();
    let unseeded = |train: &TrainConfig| TrainConfig {
        seed: 0,
        ..train.clone()
    };
    let (mut flags, preset) = if unseeded(&settings.train) == report.train {
        (vec!["--report-config".to_owned()], report)
    } else {
        (Vec::new(), MlpSettings::recommended())
    };
    let (train, base) = (&settings.train, &preset.train);
    if train.hidden != base.hidden {
        let sizes: Vec<String> = train.hidden.iter().map(usize::to_string).collect();
        flags.push(format!("--hidden {}", sizes.join(",")));
    }
    if train.epochs != base.epochs {
        flags.push(format!("--epochs {}", train.epochs));
    }
    if train.learning_rate != base.learning_rate {
        flags.push(format!("--lr {}", train.learning_rate));
    }
    if train.batch_size != base.batch_size {
        flags.push(format!("--batch {}", train.batch_size));
    }
    if train.optimizer != base.optimizer {
        flags.push(format!("--optimizer {}", train.optimizer));
    }
    if settings.scale != preset.scale {
        match scale_name(settings.scale) {
            "none" => panic!("mlp always divides the centred columns by a scale"),
            name => flags.push(format!("--scale {name}")),
        }
    }
    if settings.evaluation != preset.evaluation {
        flags.push(match settings.evaluation {
            Evaluation::Holdout(SplitSize::Count(rows)) => format!("--validation {rows}"),
            Evaluation::Holdout(SplitSize::Fraction(share)) => format!("--validation {share:?}"),
            Evaluation::Folds(k) => format!("--folds {k}"),
        });
    }
    if settings.seeds != 1 {
        flags.push(format!("--seeds {}", settings.seeds));
    }
    flags.join(" ")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use autograd::optim::OptimizerKind;
    use clap::Parser;

    use super::*;
    use crate::args::TrainArgs;

    /// The flag groups the `factorise` bin flattens, to read flags back.
    #[derive(Parser)]
    struct FactoriseFlags {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        train: TrainArgs,
    }

    fn factorise(config: Config) -> FactoriseSettings {
        FactoriseSettings {
            config,
            ..FactoriseSettings::default()
        }
    }

    #[test]
    fn factorise_flags_are_read_back_as_the_settings_they_came_from() {
        let wine = FactoriseSettings {
            data: DataArgs {
                columns: ColumnChoice::Indices(vec![1, 2, 5]),
                standardise: true,
                ..DataArgs::default()
            },
            ..factorise(Config {
                epochs: 300,
                ..Config::new(3)
            })
        };
        let momentum = factorise(Config {
            optimizer: OptimizerKind::Momentum,
            ..Config::new(1)
        });
        for settings in [
            factorise(Config::lab_report(2)),
            factorise(Config::new(2)),
            wine,
            momentum,
        ] {
            let flags = factorise_flags(&settings);
            let read = FactoriseFlags::try_parse_from(std::iter::once("factorise").chain(flags.split_whitespace()))
                .unwrap_or_else(|error| panic!("{flags}: {error}"));
            assert_eq!(read.data, settings.data, "{flags}");
            assert_eq!(read.train.config(0, 0.0), settings.config, "{flags}");
        }
    }

    #[test]
    fn the_reports_set_ups_give_the_reports_commands() {
        let report = Config::lab_report(2);
        assert_eq!(
            factorise_flags(&factorise(report)),
            "--loss norm --optimizer sgd --lr 0.01 --epochs 1000"
        );
        assert_eq!(
            factorise_flags(&factorise(Config {
                epochs: 10_000,
                ..report
            })),
            "--loss norm --optimizer sgd --lr 0.01 --epochs 10000"
        );
        assert_eq!(factorise_flags(&factorise(Config::new(2))), "");

        let complete = |config, penalty, example| CompleteSettings {
            config,
            penalty,
            example,
            ..CompleteSettings::default()
        };
        let none = Penalty::Fixed(0.0);
        assert_eq!(
            complete_flags(&complete(report, none, true)),
            "--example --loss norm --optimizer sgd --lr 0.01 --epochs 1000 --l2 0"
        );
        assert_eq!(
            complete_flags(&complete(Config::new(1), none, true)),
            "--example --rank 1 --l2 0"
        );
        let recommended = Config::new(2);
        assert_eq!(complete_flags(&complete(recommended, Penalty::Scaled, false)), "");
        assert_eq!(
            complete_flags(&complete(recommended, Penalty::Fixed(0.5), false)),
            "--l2 0.5"
        );
        let held_out = CompleteSettings {
            holdout: 0.3,
            ..complete(
                Config {
                    epochs: 50,
                    ..recommended
                },
                Penalty::Scaled,
                false,
            )
        };
        assert_eq!(complete_flags(&held_out), "--holdout 0.3 --epochs 50");

        let seeds = |settings: MlpSettings, seeds| MlpSettings { seeds, ..settings };
        assert_eq!(
            mlp_flags(&seeds(MlpSettings::report(), 20)),
            "--report-config --seeds 20"
        );
        assert_eq!(mlp_flags(&seeds(MlpSettings::recommended(), 10)), "--seeds 10");
        let folds = MlpSettings {
            evaluation: Evaluation::Folds(5),
            ..seeds(MlpSettings::recommended(), 10)
        };
        assert_eq!(mlp_flags(&folds), "--folds 5 --seeds 10");
        let mut other = MlpSettings::recommended();
        other.train.hidden = vec![64, 32];
        other.train.batch_size = 8;
        other.scale = data::Scale::Variance;
        other.evaluation = Evaluation::Holdout(SplitSize::Fraction(0.2));
        assert_eq!(
            mlp_flags(&other),
            "--hidden 64,32 --batch 8 --scale variance --validation 0.2"
        );
    }

    #[test]
    fn commands_name_the_bin_the_seed_and_the_directory() {
        let settings = ReproduceSettings {
            seed: 3,
            out: PathBuf::from("docs/figures"),
            ..ReproduceSettings::default()
        };
        assert_eq!(
            command("factorise", "--loss norm", &settings, "factorise-report"),
            "cargo run --release --bin factorise -- --loss norm --seed 3 --out docs/figures/factorise-report"
        );
        assert_eq!(
            command("mlp", "", &settings, "mlp-recommended"),
            "cargo run --release --bin mlp -- --seed 3 --out docs/figures/mlp-recommended"
        );
        assert_eq!(settings.seed_span(10), "3–12");
    }
}
