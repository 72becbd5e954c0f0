#pragma once
// Intrinsic-dimension probe: every `id.every` steps it hands the IdWorker
// (core/id/IdWorker.h) a snapshot of what the LoRA rank must cover — the
// update ΔW of each LoRA target matrix since the previous snapshot (the
// effective weight W + (α/r)·B·A once adapters train) — and the hidden
// representations of a fixed probe batch. Estimates come back as metrics at
// the step they describe; training never waits for them.
#include "engine/RunSink.h"
#include "id/IdWorker.h"

#include <hpt/Model.h>

#include <QJsonObject>
#include <QStringList>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hpt {

class IdProbe {
public:
    // settings: the run's "id" options (RunOptions::id); probeX a [n, stations, features] batch.
    IdProbe(const IdSettings& settings, const QStringList& loraTargets, torch::Tensor probeX);
    bool enabled() const { return worker_ != nullptr; }
    // Call after each training step with the model that trains in this phase.
    void afterStep(int64_t step, Model& model);
    // Finished estimates as metrics (non-blocking); `wallTime` stamps them.
    std::vector<MetricPoint> poll(double wallTime);
    // Waits for the estimate in flight (end of run).
    void finish();

    // What the probes cost so far (hpt bench --id-probe): the snapshots on the training thread,
    // the estimates on the worker.
    struct Cost {
        int64_t snapshots = 0, dropped = 0, estimates = 0;
        double snapshotSeconds = 0;  // afterStep at due steps: ΔW, probe forward, clones (training thread)
        double estimateSeconds = 0, estimateCpuSeconds = 0;  // worker wall and CPU, summed over estimates
    };
    const Cost& cost() const { return cost_; }

private:
    std::map<std::string, torch::Tensor> targetWeights(Model& model) const;

    IdSettings settings_;
    QStringList targets_;
    torch::Tensor probeX_;
    std::unique_ptr<IdWorker> worker_;
    std::map<std::string, torch::Tensor> previous_;
    Cost cost_;
};

}  // namespace hpt
