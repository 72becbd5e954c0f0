#include "cost/RunCosts.h"

#include <algorithm>

namespace hpt {

QJsonObject runCostJson(const Cost& c) {
    // "components": time and energy by component (adc, static, launch, ...) for breakdowns of a stored run.
    return {{"cycles", c.cycles}, {"time_s", c.seconds}, {"energy_j", c.joules}, {"writes", c.cellWrites},
            {"components", costBreakdownJson(c).value("components")}};
}

Cost runCostFromJson(const QJsonObject& o) {
    Cost c;
    c.cycles = o.value("cycles").toDouble();
    c.seconds = o.value("time_s").toDouble();
    c.joules = o.value("energy_j").toDouble();
    c.cellWrites = o.value("writes").toDouble();
    const QJsonObject parts = o.value("components").toObject();
    for (int i = 0; i < kComponents; ++i) {
        const QJsonObject part = parts.value(toString(Component(i))).toObject();
        c.time[size_t(i)] = part.value("time_s").toDouble();
        c.energy[size_t(i)] = part.value("energy_j").toDouble();
    }
    return c;
}

StepPrice RunCosts::book(Phase phase, const std::map<std::string, Cost>& roles, double seconds, bool step) {
    StepPrice p;
    p.perRole = roles;
    p.seconds = seconds;
    for (const auto& [role, c] : roles) {
        total_[role] += c;
        perPhase_[toString(phase)][role] += c;
        p.joules += c.joules;
    }
    // A phase appears in the modeled time once a step ran in it or entering it cost something.
    if (!step && roles.empty()) return p;
    modeledSeconds_ += seconds;
    modeledSecondsPerPhase_[toString(phase)] += seconds;
    return p;
}

StepPrice RunCosts::enterPhase(Phase phase, const Trace* theta, const Trace* thetaP) {
    if (!coster_) return {};
    std::map<std::string, Cost> once;
    if (theta && phase != Phase::Lora)
        for (const auto& [role, c] : coster_->enterPhase(phase, *theta)) once[role] += c;
    if (thetaP && phase != Phase::Full)
        for (const auto& [role, c] : coster_->enterPhase(phase, *thetaP)) once[role] += c;
    double seconds = 0;
    for (const auto& [role, c] : once) seconds += c.seconds;
    return book(phase, once, seconds, false);
}

StepPrice RunCosts::step(Phase phase, const Trace* theta, const Trace* thetaP) {
    if (!coster_) return {};
    std::map<std::string, Cost> roles;  // in DUAL, Θ's and Θ′'s work on each role
    if (theta && phase != Phase::Lora)
        for (const auto& [role, c] : coster_->stepCost(*theta, phase)) roles[role] += c;
    if (thetaP && phase != Phase::Full)
        for (const auto& [role, c] : coster_->stepCost(*thetaP, phase)) roles[role] += c;
    double seconds = 0;
    for (const auto& [role, c] : roles) seconds = coster_->mapping().overlap() ? std::max(seconds, c.seconds) : seconds + c.seconds;
    return book(phase, roles, seconds, true);
}

QJsonObject RunCosts::devicesJson() const {
    QJsonObject o;
    for (const auto& [role, c] : total_) o.insert(QString::fromStdString(role), runCostJson(c));
    return o;
}

QJsonObject RunCosts::devicesPerPhaseJson() const {
    QJsonObject per;
    for (const auto& [ph, m] : perPhase_) {
        QJsonObject o;
        for (const auto& [role, c] : m) o.insert(QString::fromStdString(role), runCostJson(c));
        per.insert(QString::fromStdString(ph), o);
    }
    return per;
}

QJsonObject RunCosts::modeledSecondsPerPhaseJson() const {
    QJsonObject o;
    for (const auto& [ph, t] : modeledSecondsPerPhase_) o.insert(QString::fromStdString(ph), t);
    return o;
}

void RunCosts::sample(const std::function<void(const std::string&, double)>& metric) const {
    for (const auto& [role, c] : total_) {
        metric("device." + role + ".time_s", c.seconds);
        metric("device." + role + ".energy_j", c.joules);
        metric("device." + role + ".writes", c.cellWrites);
    }
    for (const auto& [ph, m] : perPhase_)
        for (const auto& [role, c] : m) {
            metric("device." + role + "." + ph + ".time_s", c.seconds);
            metric("device." + role + "." + ph + ".energy_j", c.joules);
        }
}

QJsonObject RunCosts::state() const {
    return {{"cost", devicesJson()}, {"cost_per_phase", devicesPerPhaseJson()}, {"modeled_time_s", modeledSeconds_},
            {"modeled_time_s_per_phase", modeledSecondsPerPhaseJson()}};
}

void RunCosts::restore(const QJsonObject& s) {
    total_.clear();
    perPhase_.clear();
    modeledSecondsPerPhase_.clear();
    const QJsonObject cost = s.value("cost").toObject(), perPhase = s.value("cost_per_phase").toObject();
    for (auto it = cost.begin(); it != cost.end(); ++it) total_[it.key().toStdString()] = runCostFromJson(it.value().toObject());
    for (auto ph = perPhase.begin(); ph != perPhase.end(); ++ph) {
        const QJsonObject m = ph.value().toObject();
        for (auto it = m.begin(); it != m.end(); ++it)
            perPhase_[ph.key().toStdString()][it.key().toStdString()] = runCostFromJson(it.value().toObject());
    }
    modeledSeconds_ = s.value("modeled_time_s").toDouble(0);
    const QJsonObject tp = s.value("modeled_time_s_per_phase").toObject();
    for (auto it = tp.begin(); it != tp.end(); ++it) modeledSecondsPerPhase_[it.key().toStdString()] = it.value().toDouble();
}

}  // namespace hpt
