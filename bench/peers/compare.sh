#!/usr/bin/env bash
# Nabla and PyTorch on the same workloads, one after the other on this machine, same thread count,
# then a table of seconds per epoch and the ratio (PyTorch / Nabla: above 1 means Nabla is faster).
#   bash bench/peers/compare.sh [THREADS] [WORKLOAD]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads="${1:-1}"; only="${2:-}"
out="$(mktemp -d)"
args=(--threads "$threads" --json); [ -n "$only" ] && args+=(--workload "$only")
"$root/nabla" bench workloads "${args[@]}" | grep -v '"W5' > "$out/nabla.jsonl" || true
OPENBLAS_CORETYPE=Cooperlake /usr/bin/python3 "$root/bench/peers/torch_workloads.py" "${args[@]:0:2}" ${only:+--workload "$only"} > "$out/torch.jsonl"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
nabla = {json.loads(l)["workload"]: json.loads(l) for l in open(f"{out}/nabla.jsonl") if l.strip()}
torch = {json.loads(l)["workload"]: json.loads(l) for l in open(f"{out}/torch.jsonl") if l.strip()}
print(f"{'workload':24} {'nabla s/epoch':>14} {'pytorch s/epoch':>16} {'ratio':>7} {'nabla acc':>10} {'torch acc':>10}")
for w, n in nabla.items():
    t = torch.get(w)
    if not t: continue
    print(f"{w:24} {n['s_per_epoch']:14.3f} {t['s_per_epoch']:16.3f} {t['s_per_epoch']/n['s_per_epoch']:6.2f}x {n['test_accuracy']:10.4f} {t['test_accuracy']:10.4f}")
PY
