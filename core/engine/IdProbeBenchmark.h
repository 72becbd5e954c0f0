#pragma once
// What the intrinsic-dimension probes (engine/IdProbe.h, `id.every`) cost a training run, measured:
// `hpt bench --experiment FILE --id-probe`. The experiment's model is stepped (forward, backward,
// one-pass update, as `hpt bench` does) in blocks of `estimates_per_block · id.every` steps,
// alternately without and with the engine's IdProbe (afterStep and poll after every step, exactly as
// the trainer calls them), so a change of machine load hits both alike. The worker runs concurrently,
// as in training, and competes for the cores with the step's BLAS threads.
#include "engine/StepBenchmark.h"

#include <QJsonObject>

namespace hpt {

class PluginHost;

// {"wall_ms_per_step_off"/"_on", "cpu_ms_per_step_off"/"_on" (process: all threads, the worker's
//  included), "train_thread_cpu_ms_per_step_off"/"_on", "wall_overhead" and "cpu_overhead" (median
//  of the per-pair ratios on/off − 1), "snapshot_ms" (training thread, per snapshot), "estimate_ms",
//  "estimate_cpu_ms" (worker, per estimate), "parts_overhead" ((snapshot + estimate CPU) /
//  (every · off step wall): as if the worker's CPU time were all taken from training), "snapshots", "dropped", "estimates", "every", ...}. Throws hpt::Error,
//  e.g. when the experiment's id.every is 0.
QJsonObject runIdProbeBenchmark(const PluginHost& host, const StepBenchmarkOptions& o, int blocks = 4,
                                int estimatesPerBlock = 2);

}  // namespace hpt
