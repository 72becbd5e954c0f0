#include "engine/ConvergenceRule.h"

#include <cmath>

namespace hpt {

bool parsePlateauRule(const QString& name, PlateauRule* out) {
    if (name == "literal") *out = PlateauRule::Literal;
    else if (name == "nonnegative") *out = PlateauRule::NonNegative;
    else if (name == "within_noise") *out = PlateauRule::WithinNoise;
    else return false;
    return true;
}

const char* toString(PlateauRule r) {
    switch (r) {
    case PlateauRule::Literal: return "literal";
    case PlateauRule::NonNegative: return "nonnegative";
    case PlateauRule::WithinNoise: return "within_noise";
    }
    return "?";
}

ConvergenceVerdict convergenceRule(double v0, double v1, double v2, double tau, bool nonNegative) {
    ConvergenceVerdict r;
    r.ready = true;
    r.v0 = v0; r.v1 = v1; r.v2 = v2; r.tau = tau;
    r.rule = nonNegative ? PlateauRule::NonNegative : PlateauRule::Literal;
    if (!(v0 > 0) || !(v1 > 0)) return r;
    const double first = (v0 - v1) / v0, latest = (v1 - v2) / v1;
    r.firstSmall = first < tau && (!nonNegative || first >= 0);
    r.latestSmall = latest < tau && (!nonNegative || latest >= 0);
    r.slowing = (v1 - v2) < (v0 - v1);
    r.holds = r.firstSmall && r.latestSmall && r.slowing;
    return r;
}

ConvergenceVerdict convergenceRuleWithinNoise(double v0, double v1, double v2, double se0, double se1, double se2,
                                              double tau, double k, double first, double seFirst) {
    ConvergenceVerdict r;
    r.ready = true;
    r.v0 = v0; r.v1 = v1; r.v2 = v2; r.tau = tau;
    r.se0 = se0; r.se1 = se1; r.se2 = se2; r.k = k;
    r.first = first; r.seFirst = seFirst;
    r.rule = PlateauRule::WithinNoise;
    if (!(v0 > 0) || !(v1 > 0)) return r;
    // Standard error of a difference of two (independent) window means, and of the change
    // in improvement (v₁−v₂)−(v₀−v₁) = 2v₁ − v₀ − v₂.
    const auto se = [](double a, double b) { return std::sqrt(a * a + b * b); };
    const bool firstRise = v1 - v0 > k * se(se0, se1), latestRise = v2 - v1 > k * se(se1, se2),
               spanRise = v2 - v0 > k * se(se0, se2);
    r.rising = firstRise || latestRise || spanRise;
    r.firstSmall = (v0 - v1) / v0 < tau && !firstRise && !spanRise;
    r.latestSmall = (v1 - v2) / v1 < tau && !latestRise && !spanRise;
    r.slowing = (v1 - v2) - (v0 - v1) <= k * std::sqrt(se0 * se0 + 4 * se1 * se1 + se2 * se2);
    r.fallen = v2 < first - k * se(seFirst, se2);
    r.holds = r.firstSmall && r.latestSmall && r.slowing && r.fallen;
    return r;
}

QJsonObject ConvergenceVerdict::toJson() const {
    QJsonObject o{{"ready", ready}, {"v0", v0}, {"v1", v1}, {"v2", v2}, {"tau", tau}, {"first_small", firstSmall},
                  {"latest_small", latestSmall}, {"slowing", slowing}, {"holds", holds}, {"rule", toString(rule)}};
    if (rule == PlateauRule::WithinNoise) {
        o.insert("se0", se0);
        o.insert("se1", se1);
        o.insert("se2", se2);
        o.insert("k", k);
        o.insert("rising", rising);
        o.insert("first", first);
        o.insert("se_first", seFirst);
        o.insert("fallen", fallen);
    }
    return o;
}

}  // namespace hpt
