#pragma once
// Intrinsic-dimension estimates off the training thread.
//
// The engine, every `id.every` steps, builds an IdSnapshot (ΔW per LoRA target and,
// optionally, the probe batch's hidden representations) and calls submit(); the
// snapshot's tensors are detached and cloned there, so training may keep updating
// its weights. One background thread (lowered OS priority, one intra-op thread)
// computes the estimates; the engine calls poll() each step and forwards the
// finished results as metrics. If the previous snapshot is still being processed,
// submit() drops the new one and counts it (training never waits): estimates
// become sparser on a slow machine instead of slowing training down.
#include "id/UpdateSpectrum.h"

#include <torch/torch.h>

#include <QJsonObject>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hpt {

// The experiment's "id" block: {"every", "methods": ["spectrum","twonn","mle"], "energy", "k",
// "probe_samples", "discard"}.
struct IdSettings {
    int64_t every = 0;  // steps between estimates; 0 = off
    bool spectrum = true, twonn = false, mle = false;
    double energy = 0.9;
    int k = 10;
    double discard = 0.1;  // TwoNN discard fraction
    int64_t probeSamples = 64;
    // Missing keys keep defaults; bad values throw hpt::Error (Config) naming id.<key>.
    static IdSettings fromJson(const QJsonObject& id);
};

struct IdSnapshot {
    int64_t step = 0;
    std::map<std::string, torch::Tensor> deltaW;  // target name → ΔW = W_t − W_{t−k}
    torch::Tensor hidden;                         // [n, d] probe representations, or undefined
};

struct IdResult {
    int64_t step = 0;
    std::map<std::string, SpectrumId> spectrum;  // per target
    double twonn = std::numeric_limits<double>::quiet_NaN();
    double mle = std::numeric_limits<double>::quiet_NaN();
    std::string error;     // why an estimate is missing (e.g. duplicate points), else empty
    double seconds = 0;     // wall time of the estimate on the worker
    double cpuSeconds = 0;  // the worker thread's CPU time for it (less than `seconds` when it waits for a core)
    // Metric keys: "id.spectrum.<target>", "id.stable_rank.<target>", "id.spectrum.max",
    // "id.twonn", "id.mle" (only the estimates that were computed).
    std::vector<std::pair<std::string, double>> metrics() const;
};

// Computes one snapshot synchronously (what the worker runs; also for tests and CLI).
IdResult estimateId(const IdSnapshot& snap, const IdSettings& settings);

class IdWorker {
public:
    explicit IdWorker(IdSettings settings);
    ~IdWorker();  // finishes the running job, then joins
    IdWorker(const IdWorker&) = delete;
    IdWorker& operator=(const IdWorker&) = delete;

    // True when step is a multiple of settings.every (> 0).
    bool due(int64_t step) const { return settings_.every > 0 && step > 0 && step % settings_.every == 0; }
    // Clones the snapshot's tensors and queues it; returns false (and counts a drop)
    // when the worker is still busy with the previous one.
    bool submit(IdSnapshot snapshot);
    // Finished results since the last call (non-blocking).
    std::vector<IdResult> poll();
    // Blocks until the queued job is done (end of run, tests).
    void waitIdle();
    int64_t dropped() const { return dropped_.load(); }
    const IdSettings& settings() const { return settings_; }

private:
    void loop();

    IdSettings settings_;
    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::optional<IdSnapshot> pending_;
    bool busy_ = false, stop_ = false;
    std::vector<IdResult> done_;
    std::atomic<int64_t> dropped_{0};
    std::thread thread_;
};

}  // namespace hpt
