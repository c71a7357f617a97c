#!/usr/bin/env bash
# Nabla and its peers on the same workloads, one after the other on this machine, same thread count:
# Nabla, PyTorch 1.13, NumPy (the coursework's way) and scikit-learn (W2), all from Debian, and TorchSharp 0.107
# (LibTorch 2.10 with MKL, from NuGet; built once into artifacts/torchsharp). Prints a table of
# seconds per epoch and the ratio best peer ÷ Nabla (above 1: Nabla is faster).
#   bash bench/peers/compare.sh [THREADS] [WORKLOAD] [EPOCHS]
# Needs scripts/setup-peers.sh (python3-torch, python3-numpy, python3-sklearn, libopenblas0-pthread).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads="${1:-1}"; only="${2:-}"; epochs="${3:-}"
out="$(mktemp -d)"
args=(--threads "$threads" --json); [ -n "$only" ] && args+=(--workload "$only"); [ -n "$epochs" ] && args+=(--epochs "$epochs")
"$root/nabla" bench workloads "${args[@]}" > "$out/nabla.jsonl" || true
peer=(${only:+--workload "$only"} ${epochs:+--epochs "$epochs"})
# Debian's OpenBLAS needs to be told this processor's kernel (AVX-512), or the peers look several times slower.
export OPENBLAS_CORETYPE=Cooperlake OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
/usr/bin/python3 "$root/bench/peers/torch_workloads.py" --threads "$threads" "${peer[@]}" > "$out/peers.jsonl"
/usr/bin/python3 "$root/bench/peers/numpy_workloads.py" --sklearn "${peer[@]}" >> "$out/peers.jsonl"
ts="$root/artifacts/torchsharp"
if [ ! -f "$ts/TorchSharpWorkloads.dll" ]; then
  dotnet build "$root/bench/peers/torchsharp" -c Release -o "$ts" -v q -nologo >/dev/null
  # Debian 12's libstdc++ lacks the GLIBCXX_3.4.32 tag TorchSharp's native library asks for (not its symbols).
  find "$ts" -name libLibTorchSharp.so -exec /usr/bin/python3 "$root/bench/peers/torchsharp/weaken_glibcxx.py" {} \; >/dev/null
fi
dotnet "$ts/TorchSharpWorkloads.dll" --threads "$threads" "${peer[@]}" >> "$out/peers.jsonl" || echo "compare: TorchSharp did not run" >&2
/usr/bin/python3 - "$out" "$threads" <<'PY'
import json, sys
out, threads = sys.argv[1], sys.argv[2]
nabla = {json.loads(l)["workload"]: json.loads(l) for l in open(f"{out}/nabla.jsonl") if l.strip()}
peers = {}
for line in open(f"{out}/peers.jsonl"):
    if line.strip():
        r = json.loads(line)
        peers.setdefault(r["workload"], {})[r["peer"].split()[0]] = r
names = ["pytorch", "numpy", "scikit-learn", "torchsharp"]
print(f"{threads} thread(s); seconds per epoch (median), test accuracy in brackets; W5 in images per second")
print(f"{'workload':24} {'nabla':>16} " + " ".join(f"{n:>16}" for n in names) + f" {'best peer/nabla':>16}")
for w, n in nabla.items():
    row = peers.get(w, {})
    if "images_per_s" in n:   # W5: images per second, more is better
        cells = [f"{row[p]['images_per_s']:,.0f}/s" if p in row else "" for p in names]
        best = max((r["images_per_s"] for r in row.values()), default=None)
        ratio = f"{n['images_per_s'] / best:.2f}x" if best else ""
        print(f"{w:24} {n['images_per_s']:>14,.0f}/s " + " ".join(f"{c:>16}" for c in cells) + f" {ratio:>16}")
        continue
    cells = [f"{row[p]['s_per_epoch']:.3f} ({row[p]['test_accuracy']:.3f})" if p in row else "" for p in names]
    best = min((r["s_per_epoch"] for r in row.values()), default=None)
    ratio = f"{best / n['s_per_epoch']:.2f}x" if best else ""
    print(f"{w:24} {n['s_per_epoch']:.3f} ({n['test_accuracy']:.3f}) " + " ".join(f"{c:>16}" for c in cells) + f" {ratio:>16}")
PY
