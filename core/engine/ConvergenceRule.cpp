#include "engine/ConvergenceRule.h"

namespace hpt {

ConvergenceVerdict convergenceRule(double v0, double v1, double v2, double tau) {
    ConvergenceVerdict r;
    r.ready = true;
    r.v0 = v0; r.v1 = v1; r.v2 = v2; r.tau = tau;
    if (!(v0 > 0) || !(v1 > 0)) return r;
    r.firstSmall = (v0 - v1) / v0 < tau;
    r.latestSmall = (v1 - v2) / v1 < tau;
    r.slowing = (v1 - v2) < (v0 - v1);
    r.holds = r.firstSmall && r.latestSmall && r.slowing;
    return r;
}

QJsonObject ConvergenceVerdict::toJson() const {
    return {{"ready", ready}, {"v0", v0}, {"v1", v1}, {"v2", v2}, {"tau", tau}, {"first_small", firstSmall},
            {"latest_small", latestSmall}, {"slowing", slowing}, {"holds", holds}};
}

}  // namespace hpt
