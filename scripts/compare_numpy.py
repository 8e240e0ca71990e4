#!/usr/bin/env python3
"""The lab report's MLP on iris in plain numpy, over seeds: chapter 7's
comparison with `cargo run --release --bin mlp -- --report-config --seeds 20`.

OPTIONAL: not part of the build or of `cargo test`; it needs Python 3 and
numpy (`pip install numpy`). Run it from the repository's root:

    python3 scripts/compare_numpy.py            # 20 seeds, as chapter 7
    python3 scripts/compare_numpy.py --seeds 5

The set-up is the report's, as adlab's `--report-config` runs it: 100
flowers to train and 50 to validate, drawn at random per seed; the columns
centred and divided by their (population) variance, measured on the
training rows only; a 4-12-3 network with relu, weights N(0, 1) /
sqrt(fan_in) and zero biases; mean softmax cross-entropy; plain SGD with
learning rate 0.01 on shuffled minibatches of 16 (the last one shorter)
for 100 epochs. The gradients are written out by hand, as a numpy program
would: no autodiff. numpy's generator is not adlab's, so seed s here is
not seed s there: compare the spread over seeds, not run by run.
"""

import argparse
import sys

import numpy as np


def load_iris(path):
    """The four measurements and the class index of every flower."""
    features, names = [], []
    with open(path) as lines:
        for line in lines:
            fields = line.strip().split(",")
            if len(fields) != 5:
                continue
            features.append([float(x) for x in fields[:4]])
            names.append(fields[4])
    classes = sorted(set(names))
    return np.array(features), np.array([classes.index(n) for n in names]), len(classes)


def train_and_validate(x, y, classes, seed, hidden=12, epochs=100, batch=16, lr=0.01):
    """Validation accuracy of one run of the report's set-up."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    validation, train = order[:50], order[50:]
    mean = x[train].mean(axis=0)
    variance = x[train].var(axis=0)  # population variance, as the report's code
    scaled = (x - mean) / variance
    x_train, y_train = scaled[train], y[train]

    w1 = rng.standard_normal((x.shape[1], hidden)) / np.sqrt(x.shape[1])
    b1 = np.zeros(hidden)
    w2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden)
    b2 = np.zeros(classes)
    for _ in range(epochs):
        shuffled = rng.permutation(len(x_train))
        for start in range(0, len(shuffled), batch):
            rows = shuffled[start : start + batch]
            xb, yb = x_train[rows], y_train[rows]
            pre = xb @ w1 + b1
            h = np.maximum(pre, 0.0)
            z = h @ w2 + b2
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            # d(mean cross-entropy)/dz = (softmax - onehot) / m, then back.
            dz = p
            dz[np.arange(len(rows)), yb] -= 1.0
            dz /= len(rows)
            dw2, db2 = h.T @ dz, dz.sum(axis=0)
            dpre = (dz @ w2.T) * (pre > 0)
            dw1, db1 = xb.T @ dpre, dpre.sum(axis=0)
            w1 -= lr * dw1
            b1 -= lr * db1
            w2 -= lr * dw2
            b2 -= lr * db2
    logits = np.maximum(scaled[validation] @ w1 + b1, 0.0) @ w2 + b2
    return float((logits.argmax(axis=1) == y[validation]).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="runs, seeds 0 to N-1 (default 20)")
    parser.add_argument("--data", default="datasets/iris.data", help="the iris file (default datasets/iris.data)")
    args = parser.parse_args()
    x, y, classes = load_iris(args.data)
    accuracies = [train_and_validate(x, y, classes, seed) for seed in range(args.seeds)]
    for seed, accuracy in enumerate(accuracies):
        print(f"  seed {seed:<3} validation {accuracy:.4f}")
    print(
        f"numpy {np.__version__}, over {args.seeds} runs: validation accuracy mean {np.mean(accuracies):.4f}, "
        f"min {min(accuracies):.4f}, max {max(accuracies):.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
