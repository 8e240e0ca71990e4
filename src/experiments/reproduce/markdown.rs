//! `REPORT.md`: the table, a section per experiment and the figures with
//! their captions.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::commands::data_flag;
use super::{DEFAULT_SEEDS, ReproduceSettings, Reproduction};

/// A figure and what it shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The SVG file, relative to the output directory.
    pub path: PathBuf,
    /// What it shows.
    pub caption: String,
}

/// Every figure written, with its caption, relative to `out`.
pub(super) fn figures(r: &Reproduction, sweep: PathBuf, out: &Path) -> Vec<Figure> {
    let f = &r.factorisation;
    let c = &r.completion;
    let m = &r.mlp;
    let figure = |path: &Path, caption: &str| Figure {
        path: path.strip_prefix(out).unwrap_or(path).to_path_buf(),
        caption: caption.to_owned(),
    };
    vec![
        figure(
            &f.report.figure,
            "1. The report's factorisation: the residual falls to the rank-1 level and stays there.",
        ),
        figure(
            &f.longer.figure,
            "1. The same for 10,000 epochs: after the plateau, it leaves the saddle for the SVD bound.",
        ),
        figure(
            &f.recommended.figure,
            "1. adlab's factorisation: Adam on the squared norm reaches the bound.",
        ),
        figure(
            &f.saddle.escapes[0].escape.svg,
            "1. From the report's end point, one step along the Hessian's direction of negative curvature, \
             then plain gradient descent at lr 0.01, against the same descent without the step.",
        ),
        figure(
            &f.saddle.escapes[1].escape.svg,
            "1. The same at lr 0.1: with the step, the bound; without it, slower.",
        ),
        figure(
            &c.example_report.figure,
            "2. The 3 x 3 example, the report's set-up: loss on the 7 observed entries.",
        ),
        figure(
            &c.example_recommended.figure,
            "2. The 3 x 3 example at rank 1: loss on the 7 observed entries.",
        ),
        figure(
            &c.iris_report.figure,
            "2. Iris with 20% held out, the report's set-up: loss on the observed entries.",
        ),
        figure(
            &c.iris_recommended.figure,
            "2. Iris with 20% held out, adlab's set-up: loss (with the L2 penalty) on the observed entries.",
        ),
        figure(
            &m.report.figure,
            "3. The report's MLP, first seed: training loss, then training and validation accuracy.",
        ),
        figure(
            &m.recommended.figure,
            "3. adlab's MLP, first seed: training loss, then training and validation accuracy.",
        ),
        figure(
            &m.recommended_folds.figure,
            "3. adlab's MLP, first seed, first of 5 folds.",
        ),
        figure(
            &sweep,
            "The central-difference error against its step (chapter 1): why every gradient here can be \
             checked to about 1e-10.",
        ),
    ]
}

/// `|` would end a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `REPORT.md`: the command that wrote it, the table, a section per
/// experiment with every set-up's spread and command, and the figures.
pub(super) fn report(r: &Reproduction, settings: &ReproduceSettings) -> String {
    let mut text = String::new();
    let mut flags = vec![data_flag(settings), format!("--seed {}", settings.seed)];
    if settings.seeds != DEFAULT_SEEDS {
        flags.push(format!("--seeds {}", settings.seeds));
    }
    flags.push(format!("--out {}", settings.out.display()));
    flags.retain(|flag| !flag.is_empty());
    let _ = writeln!(text, "# The lab report, reproduced by adlab\n");
    let _ = writeln!(
        text,
        "Written by `cargo run --release --bin reproduce -- {}`; the same command writes the same file. \
         Every experiment of the lab report ran twice: with the report's exact set-up, and with the set-up \
         adlab recommends. Each number is the run with seed {} first, then its spread over seeds {} ({} for \
         the report's MLP). Data: `{}`.\n",
        flags.join(" "),
        settings.seed,
        settings.seed_span(settings.seeds),
        settings.seed_span(2 * settings.seeds),
        settings.data.display(),
    );
    let _ = writeln!(
        text,
        "| experiment | the report | adlab, the report's set-up | adlab, recommended | the difference |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|");
    for row in &r.rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} |",
            cell(&row.experiment),
            cell(&row.the_report),
            cell(&row.report_set_up),
            cell(&row.recommended),
            cell(&row.difference)
        );
    }

    let f = &r.factorisation;
    let _ = writeln!(text, "\n## 1. Factorisation: why the report's run stopped at 7.16\n");
    let levels: Vec<String> = f.levels.iter().map(|l| format!("{l:.4}")).collect();
    let _ = writeln!(
        text,
        "The best residual at rank 0, 1, 2, 3, 4 (from the singular values): {}. A run that stalls on a \
         lower rank's level sits on a saddle point: matrix factorisation has no spurious local minima. \
         `docs/05-factorisation.md` explains why plain gradient descent from U(0, 1) lingers there.\n",
        levels.join(", ")
    );
    for runs in [&f.report, &f.longer, &f.recommended] {
        let _ = writeln!(
            text,
            "- **{}.** Seed {}: {}. Over the seeds: {}, residual {}.  \n  `{}`",
            runs.set_up,
            settings.seed,
            runs.diagnosis,
            runs.verdicts.words(),
            runs.residual.mean_and_range(4),
            runs.command
        );
    }

    let saddle = &f.saddle;
    let curvature = &saddle.curvature;
    let _ = writeln!(
        text,
        "\n**The report's end point is a saddle, certified.** Where the report's run stopped (seed {}, \
         residual {:.4}), the smallest eigenvalue of the loss's Hessian with respect to U and V is {:.4} \
         (Lanczos on {} Hessian-vector products, residual {:.1e}; the largest is {:.2}): the loss curves \
         down along its eigenvector, so the point is no minimum of any kind. A step along it, then more \
         gradient descent, beside the same descent without the step:\n",
        settings.seed,
        saddle.residual,
        curvature.min_eigenvalue,
        curvature.products,
        curvature.residual,
        curvature.max_eigenvalue,
    );
    for run in &saddle.escapes {
        let e = &run.escape;
        let _ = writeln!(
            text,
            "- **{} at lr {}**: the step of {} takes the residual from {:.4} to {:.4}; {} epochs later {:.4} \
             (without the step: {:.4}).  \n  `{}`",
            e.optimizer,
            e.lr,
            e.step,
            e.residual_before,
            e.residual_after_step,
            e.epochs,
            e.residual_end,
            e.residual_end_without_step,
            run.command
        );
    }

    let c = &r.completion;
    let _ = writeln!(text, "\n## 2. Masked factorisation (matrix completion)\n");
    let _ = writeln!(
        text,
        "The loss counts the observed entries only (a 0/1 mask M on the tape); the error is measured on \
         the hidden ones, against predicting each column's observed mean. The report gave no number for \
         this experiment.\n"
    );
    for (problem, runs) in [
        ("3 x 3 example", &c.example_report),
        ("3 x 3 example", &c.example_recommended),
        ("iris, 20% held out", &c.iris_report),
        ("iris, 20% held out", &c.iris_recommended),
    ] {
        let _ = writeln!(
            text,
            "- **{problem}, {}.** Held-out RMSE: {}. Observed: {}. Column-mean baseline: {}.  \n  `{}`",
            runs.set_up,
            runs.heldout_rmse.mean_and_range(4),
            runs.observed_rmse.mean_and_range(4),
            runs.baseline_rmse.mean_and_range(4),
            runs.command
        );
    }

    let m = &r.mlp;
    let _ = writeln!(text, "\n## 3. The MLP on iris: how much one split lies\n");
    for runs in [&m.report, &m.recommended, &m.recommended_folds] {
        let _ = writeln!(
            text,
            "- **{}.** Validation accuracy over {} runs: {}.  \n  `{}`",
            runs.set_up,
            runs.validation_accuracy.runs,
            runs.validation_accuracy.mean_and_range(3),
            runs.command
        );
    }

    let _ = writeln!(text, "\n## Figures\n");
    for figure in &r.figures {
        let path = figure.path.display().to_string().replace('\\', "/");
        let _ = writeln!(text, "- [{path}]({path}): {}", figure.caption);
    }
    text
}
