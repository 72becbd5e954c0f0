#!/usr/bin/python3
"""Regenerates the performance tables of resources/docs/engine.md ("Benchmark") in one go.

    /usr/bin/python3 tests/bench/perf_table.py --hpt build/app/hpt [--steps 2] [--json-dir DIR]

1. Steps against their floors and against PyTorch eager: paper SWE (batch 1) and the four compact
   experiments (resources/experiments/*-compact.json, their model params and training batch size),
   each `hpt bench ... --mode all` (full, LoRA and DUAL interleaved in one process) followed by
   tests/bench/eager_reference.py on the same shapes. Ratios are read within one process.
2. The per-kind profile of compact SWE's full and LoRA steps (`--profile`).
3. The intrinsic-dimension probes' cost (`hpt bench --id-probe`): default.json as shipped
   (weather, every 50 steps, spectrum + TwoNN + MLE), and compact SWE with the same probes.

Thread settings, both sides: torch intra-op 1, OpenBLAS = all cores (training.threads = 0).
The 1-minute load average is printed next to every row: the machine may be shared.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXPERIMENTS = os.path.join(ROOT, "resources", "experiments")
COMPACT = ["swe", "wind", "weather", "covid"]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def hpt_bench(hpt, target, steps, extra=()):
    return run_json([hpt, "bench", *target, "--mode", "all", "--steps", str(steps), "--json", *extra])


def eager(target, steps):
    args = []
    if target[0] == "--experiment":
        args = ["--experiment", target[1]]
    else:
        args = ["--model", target[1], "--preset", target[3]]
    return run_json([sys.executable, os.path.join(HERE, "eager_reference.py"), *args, "--steps", str(steps),
                     "--threads", "1", "--blas-threads", str(os.cpu_count())])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hpt", default=os.path.join(ROOT, "build", "app", "hpt"))
    ap.add_argument("--steps", type=int, default=2, help="timed reps per kind of step (after 2 warm-up reps)")
    ap.add_argument("--json-dir", help="also keep every raw JSON answer here")
    ap.add_argument("--skip-eager", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    raw = {}

    targets = [("paper SWE", ["--model", "swe", "--preset", "paper"])]
    targets += [(f"{m}-compact", ["--experiment", os.path.join(EXPERIMENTS, f"{m}-compact.json")]) for m in COMPACT]
    print("### Steps against their floors and PyTorch eager\n")
    print("| model (batch) | side | load | full ms | LoRA ms | DUAL ms | full floor | LoRA floor | full / floor | "
          "LoRA / floor | LoRA / full | DUAL / (full + LoRA) | CPU ms full / LoRA / DUAL | threads torch/BLAS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, target in targets:
        h = hpt_bench(a.hpt, target, a.steps)
        raw[name] = {"hpt": h}
        ms = lambda d, k: d[k]["step_ms_median"]
        label = f"{name} ({h['batch']})"
        print(f"| {label} | HpT | {h['load_average']:.2f} | {ms(h, 'full'):.1f} | {ms(h, 'lora'):.1f} | {ms(h, 'dual'):.1f} | "
              f"{h['full']['floor_ms']:.1f} | {h['lora']['floor_ms']:.1f} | {h['full']['step_over_floor']:.2f} | "
              f"{h['lora']['step_over_floor']:.2f} | {h['lora_over_full']:.2f} | {h['dual_over_full_plus_lora']:.2f} | "
              f"{h['full']['cpu_ms_median']:.0f} / {h['lora']['cpu_ms_median']:.0f} / {h['dual']['cpu_ms_median']:.0f} | "
              f"{h['torch_threads']}/{h['blas_threads']} |", flush=True)
        if a.skip_eager:
            continue
        e = eager(target, a.steps)
        raw[name]["eager"] = e
        print(f"| {label} | eager | {e['load_average']:.2f} | {ms(e, 'full'):.1f} | {ms(e, 'lora'):.1f} | {ms(e, 'dual'):.1f} | | | | | "
              f"{e['lora_over_full']:.2f} | {e['dual_over_full_plus_lora']:.2f} | "
              f"{e['full']['cpu_ms_median']:.0f} / {e['lora']['cpu_ms_median']:.0f} / {e['dual']['cpu_ms_median']:.0f} | "
              f"{e['torch_threads']}/{e['blas_threads']} |")
        cpu = lambda d, k: d[k]["cpu_ms_median"]
        print(f"| {label} | **HpT / eager** | | " + " | ".join(f"**{ms(h, k) / ms(e, k):.2f}**" for k in ("full", "lora", "dual"))
              + " | | | | | | | " + " / ".join(f"{cpu(h, k) / cpu(e, k):.2f}" for k in ("full", "lora", "dual")) + " | |",
              flush=True)

    print("\n### Profile of compact SWE (one profiled step per learner; ms include the profiler's own cost)\n")
    swe = ["--experiment", os.path.join(EXPERIMENTS, "swe-compact.json")]
    p = run_json([a.hpt, "bench", *swe, "--mode", "all", "--steps", "1", "--profile", "--json"])
    raw["profile swe-compact"] = p
    full = {r["kind"]: r for r in p["profile"]["full"]}
    lora = {r["kind"]: r for r in p["profile"]["lora"]}
    print(f"load {p['load_average']:.2f}, batch {p['batch']}, sgemm peak {p['gemm_peak_gflops']:.0f} GFLOP/s, "
          f"copy {p['mem_bandwidth_gbs']:.1f} GB/s, L2-resident copy {p['cache_bandwidth_gbs']:.1f} GB/s\n")
    print("| kind | full: ms | floor | × floor | LoRA: ms | floor | × floor |")
    print("|---|---|---|---|---|---|---|")
    kinds = sorted(set(full) | set(lora), key=lambda k: (k == "total", -max(full.get(k, {}).get("ms", 0), lora.get(k, {}).get("ms", 0))))
    cell = lambda d, k: (f"{d[k]['ms']:.1f} | {d[k]['floor_ms']:.1f} | {d[k]['over_floor']:.2f}" if k in d else "— | | ")
    for k in kinds:
        print(f"| {k} | {cell(full, k)} | {cell(lora, k)} |")

    print("\n### Intrinsic-dimension probes: training with and without them (interleaved blocks)\n")
    print("| experiment (batch) | probes | load | wall ms/step off → on | CPU ms/step off → on (all threads) | "
          "wall overhead | CPU overhead | snapshot ms | estimate ms (CPU ms) | parts / step time | estimates (dropped) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    # Compact SWE's 200-step blocks are the longest part of the script: two pairs of blocks.
    probes = [("default.json", ["--experiment", os.path.join(EXPERIMENTS, "default.json")]),
              ("swe-compact.json", swe + ["--set", "id.every=50", "--set", 'id.methods=["spectrum","twonn","mle"]',
                                          "--blocks", "2"])]
    for name, target in probes:
        r = run_json([a.hpt, "bench", *target, "--id-probe", "--json"])
        raw[f"id-probe {name}"] = r
        print(f"| {name} ({r['batch']}) | every {r['every']}: {', '.join(r['methods'])} | {r['load_average']:.2f} | "
              f"{r['wall_ms_per_step_off']:.1f} → {r['wall_ms_per_step_on']:.1f} | {r['cpu_ms_per_step_off']:.1f} → "
              f"{r['cpu_ms_per_step_on']:.1f} | {100 * r['wall_overhead']:+.1f} % | {100 * r['cpu_overhead']:+.1f} % | "
              f"{r['snapshot_ms']:.1f} | {r['estimate_ms']:.1f} ({r['estimate_cpu_ms']:.1f}) | {100 * r['parts_overhead']:.1f} % | "
              f"{int(r['estimates'])} ({int(r['dropped'])}) |", flush=True)

    print(f"\n{time.time() - t0:.0f} s in all, {os.cpu_count()} cores, finished at load {os.getloadavg()[0]:.2f}")
    if a.json_dir:
        os.makedirs(a.json_dir, exist_ok=True)
        with open(os.path.join(a.json_dir, "perf_table.json"), "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
