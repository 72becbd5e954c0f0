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
    QString model, preset, mode = "full";  // mode: "full" or "lora"
    int steps = 10;                        // timed, after 2 warm-up steps
    int64_t batch = 0;                     // 0 → the experiment's training.batch_size
    QStringList sets;                      // --set overrides, as in batch mode
    bool torchOptim = false;               // torch::optim::AdamW instead of the one-pass optimizer
};

// {"step_ms_median", "flops_per_step", "optimizer_bytes_per_step", "gemm_peak_gflops",
//  "mem_bandwidth_gbs", "floor_ms", "step_over_floor", ...}. Throws hpt::Error.
QJsonObject runStepBenchmark(const PluginHost& host, const StepBenchmarkOptions& o);

// Best of `reps` n×n×n sgemms, GFLOP/s; best of `reps` copies of 256 MiB, (read + write) GB/s.
double measureGemmPeakGflops(int64_t n, int reps);
double measureCopyBandwidthGbs(int reps);

}  // namespace hpt
