#!/usr/bin/env python3
"""The lab report's two runs through adlab's bins and through PyTorch's eager
autograd, side by side, in one session: medians of N runs of each.

Optional, never part of the test command: it needs PyTorch (`pip install
torch`) and the release bins (`cargo build --release --bins`). Run from the
repository's root:

    python3 benches/pytorch_compare.py [--runs 11]

adlab's times are the bins' own `seconds` (the training loop alone; for the
MLP the optimisation steps, without the per-epoch evaluation). PyTorch's are
the same loops, timed the same way: one CPU thread, f64, the same data and
shapes. Each side draws its own seeded initial values and shuffles; the
work per epoch does not depend on them.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

FACTORISE = ["target/release/factorise", "--loss", "norm", "--optimizer", "sgd", "--lr", "0.01",
             "--epochs", "1000", "--out", "/tmp/pytorch_compare", "--json"]
MLP = ["target/release/mlp", "--report-config", "--out", "/tmp/pytorch_compare", "--json"]


def adlab_seconds(command):
    """The training loop's seconds from the bin's one-line JSON summary."""
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def iris():
    """Iris's four measurements (150 x 4) and its class labels."""
    rows, labels, names = [], [], {}
    with open("datasets/iris.data") as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) == 5:
                rows.append([float(x) for x in fields[:4]])
                labels.append(names.setdefault(fields[4], len(names)))
    return rows, labels


def torch_factorise(torch, rows):
    """1000 epochs of ||A - U Vᵀ||_F by SGD, lr 0.01, A centred, rank 2."""
    a = torch.tensor(rows, dtype=torch.float64)
    a = a - a.mean(dim=0)
    gen = torch.Generator().manual_seed(0)
    u = torch.rand(150, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    v = torch.rand(4, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([u, v], lr=0.01)
    start = time.perf_counter()
    for _ in range(1000):
        opt.zero_grad()
        loss = torch.linalg.matrix_norm(a - u @ v.T)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def torch_mlp(torch, rows, labels):
    """100 epochs of the 4-12-3 network, minibatches of 16, SGD lr 0.01, on
    100 standardised training rows (as `mlp --report-config` trains)."""
    x = torch.tensor(rows, dtype=torch.float64)
    y = torch.tensor(labels)
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(150, generator=gen)
    train = order[:100]
    x_train = x[train]
    x_train = (x_train - x_train.mean(dim=0)) / x_train.std(dim=0)
    y_train = y[train]
    w1 = (torch.randn(4, 12, generator=gen, dtype=torch.float64) / 2.0).requires_grad_()
    b1 = torch.zeros(1, 12, dtype=torch.float64, requires_grad=True)
    w2 = (torch.randn(12, 3, generator=gen, dtype=torch.float64) / 12 ** 0.5).requires_grad_()
    b2 = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.01)
    start = time.perf_counter()
    for _ in range(100):
        for batch in torch.randperm(100, generator=gen).split(16):
            opt.zero_grad()
            logits = torch.relu(x_train[batch] @ w1 + b1) @ w2 + b2
            loss = torch.nn.functional.cross_entropy(logits, y_train[batch])
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("error: PyTorch is not installed (pip install torch)", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    rows, labels = iris()
    print(f"PyTorch {torch.__version__}, one thread, f64; {args.runs} runs of each, interleaved")
    results = {"factorise": ([], []), "mlp": ([], [])}
    for _ in range(args.runs):
        results["factorise"][0].append(adlab_seconds(FACTORISE))
        results["factorise"][1].append(torch_factorise(torch, rows))
        results["mlp"][0].append(adlab_seconds(MLP))
        results["mlp"][1].append(torch_mlp(torch, rows, labels))
    print("| run | adlab median | PyTorch median | speed-up |")
    print("|---|---:|---:|---:|")
    for name, (ours, theirs) in results.items():
        ours_ms, theirs_ms = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
        print(f"| {name} | {ours_ms:.2f} ms | {theirs_ms:.1f} ms | {theirs_ms / ours_ms:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
