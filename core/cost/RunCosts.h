#pragma once
// The cost books of a run (resources/docs/devices.md): device totals per role,
// overall and per phase, and the modeled end-to-end time. Shared by the trainer
// and `hpt cost`, so a step of each phase is composed in one place:
//  - Θ works in FULL and DUAL, its LoRA copy Θ′ in DUAL and LORA; a DUAL step is
//    both on the same batch, added per role;
//  - a step's time is the sum of its roles' times, or the slowest role when the
//    mapping overlaps the tiers (mapping.overlap);
//  - entering a phase programs the frozen weights it stores (StepCoster::enterPhase),
//    once, and its time adds in full.
#include "cost/StepCoster.h"

#include <QJsonObject>
#include <functional>
#include <map>
#include <string>

namespace hpt {

class RunCosts {
public:
    // `coster` may be null: a run without devices keeps empty books.
    explicit RunCosts(StepCoster* coster = nullptr) : coster_(coster) {}

    // One-off costs of entering `phase` with these models (null: the model does not exist).
    // Booked, and returned per role (seconds in StepPrice::seconds).
    StepPrice enterPhase(Phase phase, const Trace* theta, const Trace* thetaP);
    // One training step of `phase`. Booked, and returned.
    StepPrice step(Phase phase, const Trace* theta, const Trace* thetaP);

    const std::map<std::string, Cost>& total() const { return total_; }
    double modeledSeconds() const { return modeledSeconds_; }

    // {"<role>": costJson} overall, and {"<PHASE>": {"<role>": ..}}, as a run's final result keeps them.
    QJsonObject devicesJson() const;
    QJsonObject devicesPerPhaseJson() const;
    QJsonObject modeledSecondsPerPhaseJson() const;
    // Cumulative totals as metrics: device.<role>.{time_s,energy_j,writes} and
    // device.<role>.<PHASE>.{time_s,energy_j}.
    void sample(const std::function<void(const std::string& key, double value)>& metric) const;

    // Checkpoint keys (format 1): "cost", "cost_per_phase", "modeled_time_s", "modeled_time_s_per_phase".
    QJsonObject state() const;
    // Inverse of state(); a checkpoint from before the books were stored starts from zero.
    void restore(const QJsonObject& state);

private:
    StepPrice book(Phase phase, const std::map<std::string, Cost>& roles, double seconds, bool step);

    StepCoster* coster_;
    std::map<std::string, Cost> total_;
    std::map<std::string, std::map<std::string, Cost>> perPhase_;
    double modeledSeconds_ = 0;
    std::map<std::string, double> modeledSecondsPerPhase_;
};

// A cost as a run stores it: {"cycles", "time_s", "energy_j", "writes", "components": {..}}, and back.
QJsonObject runCostJson(const Cost& c);
Cost runCostFromJson(const QJsonObject& o);

}  // namespace hpt
