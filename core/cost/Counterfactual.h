#pragma once
// "On GPUs only this run would have cost …": the same steps per phase, with
// the same step traces, priced by a fresh StepCoster on another mapping
// (normally gpu-only). Only StepCoster's public calls are used, in the order
// the engine makes them (enterPhase when a phase starts, stepCost per step:
// Θ in FULL, Θ and Θ′ in DUAL, Θ′ in LORA), so the answer is what the engine
// would have reported had the run used that mapping.
#include "cost/StepCoster.h"

#include <hpt/Model.h>

#include <QJsonObject>
#include <QString>
#include <vector>

namespace hpt {

class PluginHost;

// A stretch of consecutive steps in one phase, in run order.
struct PhaseSegment {
    Phase phase = Phase::Full;
    int64_t steps = 0;
};

// Θ's and Θ′'s training-step traces (Θ′ = Θ with the run's adapters).
struct RunTraces {
    Trace theta, thetaPrime;
};

// Builds the model of a resolved experiment for `shape` twice, puts adapters of
// `rank` on the second (the engine's injector, the experiment's targets and
// modules to save) and traces both at the experiment's batch size.
// Throws hpt::Error naming the field when the model cannot be built.
RunTraces runTraces(const PluginHost& host, const QJsonObject& config, const ModelShape& shape, int64_t rank);

// {"mapping": name,
//  "per_phase": {"FULL": {"gpu": {"time_s", "energy_j", "writes"}, …}, …},
//  "devices":   {"gpu": {"time_s", "energy_j", "writes"}, …},
//  "total":     {"time_s", "energy_j"}}   (devices run one after another: no overlap modelled)
// devicesConfig is the experiment's "devices" block.
QJsonObject priceOnMapping(const PluginHost& host, const QJsonObject& devicesConfig, const QString& mapping,
                           const RunTraces& traces, const std::vector<PhaseSegment>& segments);

}  // namespace hpt
