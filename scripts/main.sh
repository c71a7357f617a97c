#!/usr/bin/env bash
# The main job on a fresh machine: get what is missing (FashionMNIST), then train the coursework's
# 784-128-10 ReLU network. Extra arguments go to `nabla train` (e.g. --model best, --epochs 5).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
if [ "$#" -eq 0 ]; then set -- --model hw-relu; fi
exec "$here/nabla" train "$@"
