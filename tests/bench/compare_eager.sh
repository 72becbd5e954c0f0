#!/bin/bash
# HpT Workbench against PyTorch eager (tests/bench/eager_reference.py) on one model preset:
# full, LoRA and DUAL steps of both sides, in alternating rounds so that both see the same
# machine load, and the step floors measured in the same hpt process. Prints one markdown row
# per round and side; the ratios to read are within a round.
#
#   tests/bench/compare_eager.sh [hpt] [model] [preset] [steps] [rounds] [batch]
#   tests/bench/compare_eager.sh build/app/hpt swe paper 2 2
#
# Thread settings, both sides: torch intra-op 1, OpenBLAS = all cores (training.threads = 0).
set -euo pipefail
HPT=${1:-build/app/hpt}; MODEL=${2:-swe}; PRESET=${3:-paper}; STEPS=${4:-2}; ROUNDS=${5:-2}; BATCH=${6:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
CORES=$(nproc)
echo "| round | side | load | full ms | LoRA ms | DUAL ms | full floor ms | LoRA floor ms | full / floor | LoRA / full | DUAL / (full + LoRA) | threads torch/BLAS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
tmp=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  "$HPT" bench --model "$MODEL" --preset "$PRESET" --mode all --steps "$STEPS" --batch "$BATCH" --json > "$tmp/hpt.json"
  /usr/bin/python3 "$HERE/eager_reference.py" --model "$MODEL" --preset "$PRESET" --steps "$STEPS" --batch "$BATCH" \
      --threads 1 --blas-threads "$CORES" > "$tmp/eager.json"
  /usr/bin/python3 - "$r" "$tmp/hpt.json" "$tmp/eager.json" <<'PY'
import json, sys
r, h, e = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ms = lambda d, k: round(d[k]["step_ms_median"])
print(f"| {r} | HpT | {h['load_average']} | {ms(h,'full')} | {ms(h,'lora')} | {ms(h,'dual')} | {round(h['full']['floor_ms'])} | "
      f"{round(h['lora']['floor_ms'])} | {h['full']['step_over_floor']:.2f} | {h['lora_over_full']:.2f} | "
      f"{h['dual_over_full_plus_lora']:.2f} | {h['torch_threads']}/{h['blas_threads']} |")
print(f"| {r} | eager | {e['load_average']:.2f} | {ms(e,'full')} | {ms(e,'lora')} | {ms(e,'dual')} | | | | "
      f"{e['lora_over_full']:.2f} | {e['dual_over_full_plus_lora']:.2f} | {e['torch_threads']}/{e['blas_threads']} |")
print(f"| {r} | HpT / eager | | " + " | ".join(f"{h[k]['step_ms_median'] / e[k]['step_ms_median']:.2f}" for k in ("full", "lora", "dual"))
      + " | | | | | | |")
PY
done
rm -rf "$tmp"
