#!/usr/bin/env python3
"""adlab's side of chapter 8's "Against PyTorch" table: the lab report's two
set-ups, each run N times through the release bins, with the minimum and
the median of the training loop's time (the `seconds` field of `--json`).

OPTIONAL: not part of the build or of `cargo test` (wall-clock times are
never asserted). It needs Python 3 only. From the repository's root:

    cargo build --release --bins
    python3 scripts/time_report_runs.py            # 21 runs each, as chapter 8
    python3 scripts/time_report_runs.py --runs 5

Times on a shared machine move by tens of percent from run to run; compare
medians over many runs, taken the same afternoon.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

RUNS = [
    ("factorise --loss norm --optimizer sgd --lr 0.01 --epochs 1000", "target/release/factorise",
     ["--loss", "norm", "--optimizer", "sgd", "--lr", "0.01", "--epochs", "1000"]),
    ("mlp --report-config (700 steps)", "target/release/mlp", ["--report-config"]),
]


def seconds(program, args, out):
    """The training loop's time of one run, from the bin's JSON line."""
    printed = subprocess.run([program, *args, "--json", "--out", out], check=True,
                             capture_output=True, text=True).stdout
    return json.loads(printed.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each set-up (default 21)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        for name, program, flags in RUNS:
            times = [seconds(program, flags, out) for _ in range(args.runs)]
            print(f"{name}: min {min(times) * 1e3:.2f} ms, median {statistics.median(times) * 1e3:.2f} ms "
                  f"over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
