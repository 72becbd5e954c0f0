#include "engine/ConvergenceRule.h"

namespace hpt {

ConvergenceVerdict convergenceRule(double v0, double v1, double v2, double tau, bool nonNegative) {
    ConvergenceVerdict r;
    r.ready = true;
    r.v0 = v0; r.v1 = v1; r.v2 = v2; r.tau = tau;
    r.nonNegative = nonNegative;
    if (!(v0 > 0) || !(v1 > 0)) return r;
    const double first = (v0 - v1) / v0, latest = (v1 - v2) / v1;
    r.firstSmall = first < tau && (!nonNegative || first >= 0);
    r.latestSmall = latest < tau && (!nonNegative || latest >= 0);
    r.slowing = (v1 - v2) < (v0 - v1);
    r.holds = r.firstSmall && r.latestSmall && r.slowing;
    return r;
}

QJsonObject ConvergenceVerdict::toJson() const {
    return {{"ready", ready}, {"v0", v0}, {"v1", v1}, {"v2", v2}, {"tau", tau}, {"first_small", firstSmall},
            {"latest_small", latestSmall}, {"slowing", slowing}, {"holds", holds},
            {"rule", nonNegative ? "nonnegative" : "literal"}};
}

}  // namespace hpt
