#pragma once
// The three-window rule both switching checks share (paper, §HpT switching):
// given three consecutive values v₀, v₁, v₂ (window-average losses, or
// weight distances), training has initially converged when
//   (v₀−v₁)/v₀ < τ   the earlier improvement was small,
//   (v₁−v₂)/v₁ < τ   the latest improvement is small, and
//   (v₁−v₂) < (v₀−v₁) improvement is slowing down.
#include <QJsonObject>

namespace hpt {

struct ConvergenceVerdict {
    bool ready = false;  // false until three values exist
    double v0 = 0, v1 = 0, v2 = 0, tau = 0;
    bool firstSmall = false, latestSmall = false, slowing = false;
    bool holds = false;
    bool nonNegative = false;  // which rule judged (plateau_rule "nonnegative" vs "literal")
    QJsonObject toJson() const;
};

// A non-positive v₀ or v₁ makes the relative change undefined: the rule does not hold.
// nonNegative: an improvement counts as small only when it is also ≥ 0, so a rising
// value (a negative relative change, which is < τ) never reads as convergence.
// The plateau check uses it by default (switching.plateau_rule); the literal rule
// is the reference's.
ConvergenceVerdict convergenceRule(double v0, double v1, double v2, double tau, bool nonNegative = false);

}  // namespace hpt
