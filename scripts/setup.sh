#!/usr/bin/env bash
# Installs what Nabla's tests and main job need on a fresh Debian 12 machine with the .NET 10 SDK:
# the FashionMNIST files (Debian's dataset-fashion-mnist) and a font for the report's pictures
# (fonts-dejavu-core). Safe to run again: it skips what is there.
set -euo pipefail
missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
