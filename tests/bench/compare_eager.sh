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
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print(eval('$2'))"; }
echo "| round | side | load | full ms | LoRA ms | DUAL ms | full floor ms | LoRA floor ms | full / floor | LoRA / full | DUAL / (full + LoRA) | threads torch/BLAS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
tmp=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  "$HPT" bench --model "$MODEL" --preset "$PRESET" --mode all --steps "$STEPS" --batch "$BATCH" --json > "$tmp/hpt.json"
  /usr/bin/python3 "$HERE/eager_reference.py" --model "$MODEL" --preset "$PRESET" --steps "$STEPS" --batch "$BATCH" \
      --threads 1 --blas-threads "$CORES" > "$tmp/eager.json"
  h=$tmp/hpt.json; e=$tmp/eager.json
  echo "| $r | HpT | $(field $h "d['load_average']") | $(field $h "round(d['full']['step_ms_median'])") | $(field $h "round(d['lora']['step_ms_median'])") | $(field $h "round(d['dual']['step_ms_median'])") | $(field $h "round(d['full']['floor_ms'])") | $(field $h "round(d['lora']['floor_ms'])") | $(field $h "round(d['full']['step_over_floor'],2)") | $(field $h "round(d['lora_over_full'],2)") | $(field $h "round(d['dual_over_full_plus_lora'],2)") | $(field $h "d['torch_threads']")/$(field $h "d['blas_threads']") |"
  echo "| $r | eager | $(field $e "round(d['load_average'],2)") | $(field $e "round(d['full']['step_ms_median'])") | $(field $e "round(d['lora']['step_ms_median'])") | $(field $e "round(d['dual']['step_ms_median'])") | | | | $(field $e "round(d['lora_over_full'],2)") | $(field $e "round(d['dual_over_full_plus_lora'],2)") | $(field $e "d['torch_threads']")/$(field $e "d['blas_threads']") |"
  echo "| $r | HpT / eager | | $(/usr/bin/python3 -c "import json; h=json.load(open('$h')); e=json.load(open('$e')); print(' | '.join(str(round(h[k]['step_ms_median']/e[k]['step_ms_median'],2)) for k in ('full','lora','dual')))") | | | | | | |"
done
rm -rf "$tmp"
