#pragma once
// The per-step cost accumulator the engine calls: it maps each op of a
// training step's trace to a device role (cost/Mapping.h), prices it with that
// role's device plugin, and keeps ReRAM cell-write accounting.
//
// Cell writes (what wears ReRAM), per weight = (parameter name, frozen or not,
// Θ or its LoRA copy Θ′ — a trace with adapter ops is Θ′'s):
//  - a weight that trains and runs on ReRAM is reprogrammed once per optimizer
//    step (programWeights once per weight per step, not once per GEMM pass);
//  - a frozen weight on ReRAM is programmed once, when the phase that puts it
//    there starts (enterPhase), never per step.
// Costs of a step are cached by phase and trace signature, so steady-state
// pricing is a hash of the trace plus a map lookup.
#include "cost/Mapping.h"
#include "engine/Phase.h"

#include <hpt/Device.h>
#include <hpt/Trace.h>

#include <QJsonObject>
#include <QString>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hpt {

class PluginHost;

class StepCoster {
public:
    // devicesConfig = experiment "devices" block:
    // {"gpu": {"plugin": "gpu", "preset": "H100", "params": {}}, "systolic": {...}, "reram": {...}}.
    // Missing roles take the defaults of docs/experiment.md (gpu/H100,
    // systolic/default, reram/isaac). Throws hpt::Error naming the field.
    StepCoster(const PluginHost& host, const QJsonObject& mappingConfig, const QJsonObject& devicesConfig);
    ~StepCoster();

    // Cost per device role of one training step in `phase` for a model's trace
    // (in DUAL the engine calls it for Θ's and Θ′'s trace and adds). Only roles
    // the mapping uses for this trace appear. Adds per-step ReRAM writes to wear.
    std::map<std::string, Cost> stepCost(const Trace& trace, Phase phase);
    // One-off costs when a phase starts: programming the frozen weights that
    // the phase maps to ReRAM (counted once per weight per call).
    std::map<std::string, Cost> enterPhase(Phase phase, const Trace& trace);

    // ReRAM wear so far: {"max_writes_per_cell", "endurance", "endurance_used_pct",
    // "projected_lifetime_runs", "cell_writes_total", "crossbars_used",
    // "crossbars_available", "tiles_needed", "tiles_available", "fits", "weights_resident"}.
    QJsonObject wear() const;
    // {"mapping": Mapping::toJson(), "devices": {"gpu": {"plugin", "preset", "params", "describe"}, ...}}
    QJsonObject describe() const;

    const Mapping& mapping() const { return mapping_; }
    // The device of a role, or nullptr when that role was not configured.
    const Device* device(const std::string& role) const;
    // Crossbars a K×N weight occupies: ceil(K/rows)·ceil(N·cells_per_weight/cols).
    int64_t crossbarsFor(int64_t k, int64_t n) const;

private:
    struct Priced {
        std::map<std::string, Cost> perRole;
        std::vector<int> rewrites;  // weights reprogrammed each step (indices into weights_)
    };
    struct Weight {
        std::string name;
        int64_t k = 0, n = 0;
        double writesPerCell = 0;
        bool resident = false;
    };
    Priced price(const Trace& trace, Phase phase);
    int weightIndex(const Op& op, bool loraCopy);

    Mapping mapping_;
    std::map<std::string, std::unique_ptr<Device>> devices_;
    QJsonObject described_;
    std::unordered_map<uint64_t, Priced> cache_;
    std::vector<Weight> weights_;
    std::map<std::string, int> weightByName_;
    double cellWritesTotal_ = 0;
    // ReRAM geometry read from the device's resolved params.
    int64_t rows_ = 128, cols_ = 128, cellsPerWeight_ = 8, crossbarsAvailable_ = 0, crossbarsPerTile_ = 1;
    double endurance_ = 0;
};

// Stable 64-bit signature of a trace (kinds, passes, shapes, flags, names).
uint64_t traceSignature(const Trace& trace);

}  // namespace hpt
