#!/usr/bin/env bash
# Installs what Nabla's tests and main job need on a fresh Debian 12 machine with the .NET 10 SDK:
# the FashionMNIST files (Debian's dataset-fashion-mnist). Safe to run again: it skips what is there.
set -euo pipefail
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "setup: installing dataset-fashion-mnist with apt-get" >&2
  $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null; }
fi
