#pragma once
// The HpT switching rule (resources/docs/engine.md), one object in the paper's words:
//   FULL: every check_every batches the plateau check (window-average training loss)
//         and the weight-distance check (monitored attention weights) judge; when both
//         hold, Θ′ = Θ + adapters is built and DUAL starts.
//   DUAL: Θ and Θ′ train on the same batches; every ttest_window loss pairs a t-test
//         compares the two streams: no significant difference → LORA; a difference
//         rebuilds Θ′ from Θ, or after max_dual_attempts differences training stays FULL.
// The trainer feeds it each step's losses (afterStep) and acts on the returned action;
// it never touches the checks' internals. state()/restore() carry the rule through a
// checkpoint (the JSON keys of checkpoint format 1, plus the last weight snapshot).
#include "engine/PhaseController.h"
#include "engine/PlateauCheck.h"
#include "engine/WeightDistanceCheck.h"

#include <QJsonObject>
#include <string>
#include <utility>
#include <vector>

namespace hpt {

// What one step decided, and what to report about it, in order: "plateau_check" and
// "weight_check" at a check, "ttest" when a DUAL window was judged.
struct SwitchStep {
    SwitchAction action = SwitchAction::None;
    std::vector<std::pair<std::string, QJsonObject>> events;
};

class SwitchingRule {
public:
    explicit SwitchingRule(const SwitchingOptions& o);

    // switching.monitored_layers against the model's attention layers: [] → the last one
    // (the reference's choice), ["all"] → every one, else the names given. Throws hpt::Error
    // (Plugin) naming `model` when it lists no attention layer to default to.
    static std::vector<std::string> monitoredLayers(const SwitchingOptions& o, const std::vector<std::string>& attention,
                                                    const std::string& model);

    // Training starts (or restarts from a rollback's model): the weight-distance check watches
    // `layers` and, when Θ trains (`theta` is null in the "lora" baseline), takes its first snapshot.
    void start(const std::vector<std::string>& layers, torch::nn::Module* theta);

    // After step `step` (1-based) with Θ's loss (NaN in LORA) and Θ′'s (NaN in FULL). `theta` is
    // Θ's module, needed when a check is due (FULL always has Θ).
    SwitchStep afterStep(int64_t step, double lossFull, double lossLora, torch::nn::Module* theta);

    Phase phase() const { return ctl_.phase(); }
    int dualAttempts() const { return ctl_.dualAttempts(); }
    const SwitchingOptions& options() const { return ctl_.options(); }
    const std::vector<std::string>& layers() const { return weight_.layers(); }

    QJsonObject state() const;
    torch::Tensor weightSnapshot() const { return weight_.previous(); }
    // Inverse of state() and weightSnapshot() (an undefined snapshot: none taken yet).
    void restore(const QJsonObject& state, const torch::Tensor& weightSnapshot);

private:
    PhaseController ctl_;
    PlateauCheck plateau_;
    WeightDistanceCheck weight_;
};

}  // namespace hpt
