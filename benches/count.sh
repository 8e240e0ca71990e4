#!/usr/bin/env bash
# Instruction counts per step, the figures of record of docs/08-performance.md
# (callgrind counts the same instructions on every run, whatever else the
# machine is doing). Needs valgrind. Run from the repository's root:
#
#   bash benches/count.sh            # every figure
#   bash benches/count.sh steps      # examples/step_count.rs only
#   bash benches/count.sh bins       # the bins end to end only
#   bash benches/count.sh products   # the lab's matrix products, one by one
#
# Each figure is the difference between two runs of different lengths,
# divided by the difference in steps, so that start-up and set-up cancel.
set -euo pipefail
what=${1:-all}
cargo build --release -q --bins --example step_count

# The total instruction count of one command, its output discarded.
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}

# per_step NAME SHORT LONG STEPS_PER_UNIT COMMAND...: the command is run
# with SHORT and LONG appended (as its count of steps, epochs, ...).
per_step() {
  local name=$1 short=$2 long=$3 unit=$4
  shift 4
  local a b
  a=$(count "$@" "$short")
  b=$(count "$@" "$long")
  printf '%-22s %10d\n' "$name" $(((b - a) / ((long - short) * unit)))
}

if [[ $what == all || $what == steps ]]; then
  for step in factorise-engine factorise-hand mlp-engine mlp-hand scalar-net-matrices scalar-net-scalars; do
    per_step "$step" 1000 3000 1 target/release/examples/step_count "$step"
  done
  # Per op: the chain is 1000 adds.
  a=$(count target/release/examples/step_count add-chain 100)
  b=$(count target/release/examples/step_count add-chain 300)
  printf '%-22s %10d\n' "1x1 add (per op)" $(((b - a) / 200000))
fi
if [[ $what == all || $what == products ]]; then
  # Through matmul_into, the hand-derived twins' path (the engine's
  # Kernels::matmul skips its layout checks and takes its buffer from the
  # pool). The MLP step's five (a minibatch of 16: X W₁, H W₂, G W₂ᵀ
  # with b as its kernel sees it, Hᵀ G and Xᵀ G₁ with a column-major a),
  # the per-epoch evaluation's two (150 rows), the factorisation's three
  # (U Vᵀ, b as its kernel sees it; G V; Uᵀ G, a column-major).
  for shape in 16x4x12 16x12x3 16x3x12 12x16x3-t 4x16x12-t 150x4x12 150x12x3 150x2x4 150x4x2 2x150x4-t; do
    per_step "product $shape" 1000 3000 1 target/release/examples/step_count "product-$shape"
  done
fi
if [[ $what == all || $what == bins ]]; then
  out=$(mktemp -d)
  per_step "factorise (per epoch)" 1000 3000 1 \
    target/release/factorise --loss norm --optimizer sgd --lr 0.01 --out "$out" --epochs
  # 100 training rows in minibatches of 16: 7 steps per epoch.
  per_step "mlp (per step)" 100 300 7 \
    target/release/mlp --report-config --out "$out" --epochs
  rm -rf "$out"
fi
