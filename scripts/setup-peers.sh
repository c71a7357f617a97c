#!/usr/bin/env bash
# Installs the peers the tests and benchmarks compare Nabla with, from Debian: PyTorch 1.13, NumPy,
# scikit-learn and an OpenBLAS they use (run them with OPENBLAS_CORETYPE=Cooperlake on AVX-512 machines).
# Safe to run again: apt-get skips what is there. Never needed by Nabla itself.
set -euo pipefail
packages=(python3-torch python3-numpy python3-sklearn libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
echo "setup-peers: installing ${missing[*]} with apt-get" >&2
$sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
