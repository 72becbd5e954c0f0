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
#include <array>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hpt {

class PluginHost;

// One step's price: per role (dynamic + static energy, by component) and the
// step's time (the sum of the roles, or the slowest role with overlap).
struct StepPrice {
    std::map<std::string, Cost> perRole;
    double seconds = 0;
    double joules = 0;
    // Activation values that crossed between tiers (an op whose predecessor in
    // the trace ran on another role reads its inputs over the link).
    double valuesMoved = 0;
};

class StepCoster {
public:
    // devicesConfig = experiment "devices" block:
    // {"gpu": {"plugin": "gpu", "preset": "H100", "params": {}}, "systolic": {...}, "reram": {...}}.
    // Missing roles take the defaults of docs/experiment.md (gpu/H100,
    // systolic/default, reram/isaac). Throws hpt::Error naming the field.
    StepCoster(const PluginHost& host, const QJsonObject& mappingConfig, const QJsonObject& devicesConfig);
    ~StepCoster();

    // Cost per device role of one training step in `phase` for a model's trace
    // (in DUAL the engine calls it for Θ's and Θ′'s trace and adds): dynamic
    // energy of the ops, static power × step time of every powered role, and
    // (capacity policy "reprogram") the rewrites of weights that do not fit.
    // Adds per-step ReRAM writes to wear.
    std::map<std::string, Cost> stepCost(const Trace& trace, Phase phase) { return stepPrice(trace, phase).perRole; }
    StepPrice stepPrice(const Trace& trace, Phase phase);
    // One-off costs when a phase starts: programming the frozen weights that
    // the phase maps to a storing device (counted once per weight per call).
    std::map<std::string, Cost> enterPhase(Phase phase, const Trace& trace);

    // Device wear so far: {"max_writes_per_cell", "endurance", "endurance_used_pct",
    // "projected_lifetime_runs", "cell_writes_total", "crossbars_used",
    // "crossbars_available", "chips", "fits", "weights_resident", "capacity"}.
    QJsonObject wear() const;
    // Storage of the stored weights of `trace` in `phase` (ReRAM crossbars):
    // {"crossbars_needed", "crossbars_available" (one chip), "chips", "policy",
    //  "reprogram_writes_per_step", "fits"}; empty when no role stores weights.
    QJsonObject capacity(const Trace& trace, Phase phase) const;
    // {"mapping": Mapping::toJson(), "devices": {"gpu": {"plugin", "preset", "params", "describe"}, ...}}
    QJsonObject describe() const;

    const Mapping& mapping() const { return mapping_; }
    // The device of a role, or nullptr when that role was not configured.
    const Device* device(const std::string& role) const;

private:
    struct Priced {
        StepPrice price;
        std::vector<int> rewrites;  // weights reprogrammed each step (indices into weights_)
        double overflowWritesPerCell = 0;  // "reprogram": writes per cell per step of the rotated storage
        double overflowCells = 0;
    };
    struct Weight {
        std::string name;
        std::string role;
        int64_t k = 0, n = 0;
        double cells = 0;  // cells written by one programming
        double writesPerCell = 0;
        bool resident = false;
    };
    struct Storage {  // a role's stored frozen weights in one phase
        double needed = 0, capacity = 0, chips = 1, overflowFraction = 0, passes = 0;
        Cost rewritePerStep;
    };
    Priced price(const Trace& trace, Phase phase);
    Storage storage(const std::string& role, const Trace& trace, Phase phase) const;
    int weightIndex(const Op& op, bool loraCopy, const std::string& role);

    Mapping mapping_;
    std::map<std::string, std::unique_ptr<Device>> devices_;
    QJsonObject described_;
    std::unordered_map<uint64_t, Priced> cache_;
    std::vector<Weight> weights_;
    std::map<std::string, int> weightByName_;
    double cellWritesTotal_ = 0, overflowWritesPerCell_ = 0;
};

// Prices a run's steps on another mapping with the same devices: `steps[p]`
// steps of phase p (FULL, DUAL, LORA), FULL and DUAL on Θ's trace, LORA and
// DUAL on Θ′'s, plus entering each phase that has steps. The counterfactual of
// a stored run (e.g. mapping {"preset": "gpu-only"}).
StepPrice priceSteps(const PluginHost& host, const QJsonObject& mappingConfig, const QJsonObject& devicesConfig,
                     const Trace& thetaTrace, const Trace& loraTrace, const std::array<int64_t, 3>& steps);

// {"time_s": .., "energy_j": .., "cycles": .., "cell_writes": .., "components":
//  {"adc": {"time_s", "energy_j"}, ...}} with only the non-zero components.
QJsonObject costBreakdownJson(const Cost& c);

// Stable 64-bit signature of a trace (kinds, passes, shapes, flags, names).
uint64_t traceSignature(const Trace& trace);

}  // namespace hpt
