#pragma once
// The engine's benchmark contract (`hpt bench`): one training step of a model
// preset in full or LoRA mode, timed in-process next to the two ceilings that
// bound it — a large sgemm and a large copy — so the step can be compared with
// its floor: flops / gemm_peak + optimizer_bytes / bandwidth.
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace hpt {

class PluginHost;

struct StepBenchmarkOptions {
    QString model, preset, mode = "full";  // mode: "full", "lora", "dual" or "all" (the three interleaved)
    QString experiment;                    // an experiment file instead of model + preset (its params, batch)
    int steps = 10;                        // timed, after 2 warm-up steps
    int64_t batch = 0;                     // 0 → the experiment's training.batch_size
    QStringList sets;                      // --set overrides, as in batch mode
    bool torchOptim = false;               // torch::optim::AdamW instead of the one-pass optimizer
    bool profile = false;                  // add "profile": time per op kind against its floor (StepProfile.h)
    int torchThreads = 0;                  // 0 → training.threads = 0's choice (util/Threads.h)
    int blasThreads = 0;                   // with torchThreads > 0: both counts exactly
};

// {"step_ms_median", "flops_per_step", "optimizer_bytes_per_step", "gemm_peak_gflops",
//  "mem_bandwidth_gbs", "floor_ms", "step_over_floor", ...}. Throws hpt::Error.
QJsonObject runStepBenchmark(const PluginHost& host, const StepBenchmarkOptions& o);

// Step time for every (torch threads, BLAS threads) pair up to the core count, interleaved:
// {"grid": [{"torch_threads", "blas_threads", "step_ms_median", "sgemm512_gflops_median"}], "best_*", "default_*"}.
QJsonObject runThreadGrid(const PluginHost& host, const StepBenchmarkOptions& o);

// Best of `reps` n×n×n sgemms, GFLOP/s; best of `reps` copies of 256 MiB, (read + write) GB/s.
double measureGemmPeakGflops(int64_t n, int reps);
// n floats copied: the default 64 Mi (256 MiB) is far beyond any cache; a small n measures the cache.
double measureCopyBandwidthGbs(int reps, int64_t n = int64_t(64) << 20);

}  // namespace hpt
