#pragma once
// The ID worker's cost to training, for `hpt id --bench [--json]` and
// bench_id_worker: a 4-layer attention encoder (d = 128, batch 8 × 64 tokens)
// trained with Adam, in interleaved blocks without and with an IdWorker that gets
// a snapshot (ΔW of every attn.q / attn.v, optionally the encoder output) every
// `every` steps, exactly as the engine hands them over. Interleaving makes load
// from other processes hit both alike; the median block is reported.
#include <QJsonObject>

#include <cstdint>

namespace hpt {

// {"step_s_without", "step_s_with", "overhead_percent", "estimate_s" (one estimate, on
//  the calling thread), "snapshots_submitted", "snapshots_dropped", "results_delivered",
//  "every", "steps_per_block", "blocks", "methods", "targets", "torch_threads"}
QJsonObject runIdWorkerBenchmark(int64_t stepsPerBlock = 200, int64_t every = 50, bool allMethods = false,
                                 int blocks = 3);

}  // namespace hpt
