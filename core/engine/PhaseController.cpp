#include "engine/PhaseController.h"

#include "stats/TTest.h"

#include <QJsonArray>

namespace hpt {

const char* toString(SwitchAction a) {
    switch (a) {
    case SwitchAction::None: return "none";
    case SwitchAction::EnterDual: return "enter_dual";
    case SwitchAction::EnterLora: return "enter_lora";
    case SwitchAction::RebuildAdapters: return "rebuild_adapters";
    case SwitchAction::GiveUpDual: return "give_up_dual";
    }
    return "?";
}

PhaseController::PhaseController(const SwitchingOptions& o) : opt_(o) {
    if (opt_.mode == "lora") phase_ = Phase::Lora;
    full_.reserve(size_t(opt_.ttestWindow));
    lora_.reserve(size_t(opt_.ttestWindow));
}

bool PhaseController::checkDue(int64_t step) const {
    // The checks still run (and are reported) in the "full" baseline; they just never switch.
    return phase_ == Phase::Full && !gaveUp_ && step >= opt_.minSteps && step % opt_.checkEvery == 0;
}

SwitchAction PhaseController::onCheck(const ConvergenceVerdict& plateau, const ConvergenceVerdict& weight) {
    if (phase_ != Phase::Full || opt_.mode != "hybrid" || !(plateau.holds && weight.holds)) return SwitchAction::None;
    phase_ = Phase::Dual;
    full_.clear();
    lora_.clear();
    return SwitchAction::EnterDual;
}

bool PhaseController::addDualLosses(double lossFull, double lossLora) {
    full_.push_back(lossFull);
    lora_.push_back(lossLora);
    return int64_t(full_.size()) >= opt_.ttestWindow;
}

SwitchAction PhaseController::onTTest(const TTestResult& r) {
    full_.clear();
    lora_.clear();
    if (!r.significant) {
        phase_ = Phase::Lora;
        return SwitchAction::EnterLora;
    }
    ++attempts_;
    if (opt_.maxDualAttempts > 0 && attempts_ >= opt_.maxDualAttempts) {
        phase_ = Phase::Full;
        gaveUp_ = true;
        return SwitchAction::GiveUpDual;
    }
    return SwitchAction::RebuildAdapters;
}

QJsonObject PhaseController::state() const {
    QJsonArray f, l;
    for (double x : full_) f.append(x);
    for (double x : lora_) l.append(x);
    return {{"phase", toString(phase_)}, {"dual_attempts", attempts_}, {"gave_up", gaveUp_},
            {"window_full", f}, {"window_lora", l}};
}

void PhaseController::restore(const QJsonObject& s) {
    parsePhase(s.value("phase").toString().toStdString(), &phase_);
    attempts_ = s.value("dual_attempts").toInt();
    gaveUp_ = s.value("gave_up").toBool();
    full_.clear();
    lora_.clear();
    for (const auto& v : s.value("window_full").toArray()) full_.push_back(v.toDouble());
    for (const auto& v : s.value("window_lora").toArray()) lora_.push_back(v.toDouble());
}

}  // namespace hpt
