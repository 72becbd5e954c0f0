#pragma once
// The three-window rule both switching checks share (paper, §HpT switching):
// given three consecutive values v₀, v₁, v₂ (window-average losses, or
// weight distances), training has initially converged when
//   (v₀−v₁)/v₀ < τ   the earlier improvement was small,
//   (v₁−v₂)/v₁ < τ   the latest improvement is small, and
//   (v₁−v₂) < (v₀−v₁) improvement is slowing down.
#include <QJsonObject>
#include <QString>

namespace hpt {

// How the plateau check reads the rule (switching.plateau_rule):
//   Literal      the reference's rule as written: a rise is a negative change, so it is "< τ".
//   NonNegative  each improvement also ≥ 0, and slowing strictly, on the window means alone.
//   WithinNoise  (default) the sign conditions are judged against the noise of the window
//                means: a rise or a speed-up counts only when it exceeds k standard errors of
//                the difference it is read from (see convergenceRuleWithinNoise).
enum class PlateauRule { Literal, NonNegative, WithinNoise };
// "literal", "nonnegative", "within_noise"; false for anything else.
bool parsePlateauRule(const QString& name, PlateauRule* out);
const char* toString(PlateauRule r);

struct ConvergenceVerdict {
    bool ready = false;  // false until three values exist
    double v0 = 0, v1 = 0, v2 = 0, tau = 0;
    bool firstSmall = false, latestSmall = false, slowing = false;
    bool holds = false;
    PlateauRule rule = PlateauRule::Literal;  // which rule judged
    // WithinNoise only: standard errors of v₀, v₁, v₂, the tolerance k, and whether the
    // windows show a rise beyond noise (step to step, or from v₀ to v₂).
    // `first`/`seFirst`: the run's first window; `fallen`: v₂ lies below it beyond noise.
    double se0 = 0, se1 = 0, se2 = 0, k = 0, first = 0, seFirst = 0;
    bool rising = false, fallen = false;
    QJsonObject toJson() const;
};

// A non-positive v₀ or v₁ makes the relative change undefined: the rule does not hold.
// nonNegative: an improvement counts as small only when it is also ≥ 0, so a rising
// value (a negative relative change, which is < τ) never reads as convergence.
// The weight-distance check uses the literal rule (a growing step between snapshots is
// not a rising loss).
ConvergenceVerdict convergenceRule(double v0, double v1, double v2, double tau, bool nonNegative = false);

// The plateau check's default. Why: "non-negative" and "slowing" have their boundary at
// zero change — exactly where a plateaued loss's true window-to-window change lies — so on
// window means alone each is a coin flip once the loss is flat, however small the noise.
// Judged against the noise instead (se_i: standard error of window mean v_i, from the
// per-batch losses inside it; k: switching.plateau_se):
//   first small:   (v₀−v₁)/v₀ < τ  and  v₁−v₀ ≤ k·√(se₀²+se₁²)       (no rise beyond noise)
//   latest small:  (v₁−v₂)/v₁ < τ  and  v₂−v₁ ≤ k·√(se₁²+se₂²)
//   no rise over the span:          v₂−v₀ ≤ k·√(se₀²+se₂²)          (part of both "small"s)
//   slowing:       (v₁−v₂)−(v₀−v₁) ≤ k·√(se₀²+4se₁²+se₂²)          (not speeding up beyond noise)
//   fallen:        v₂ < first − k·√(seFirst²+se₂²)                  (the loss has come down)
// The "< τ" bounds stay on the means themselves: τ is away from a plateau's zero change, so
// a still-falling loss (an improvement ≥ τ) is refused as before. "fallen" (first: the mean of
// the run's first window) tells initial convergence from the plateau a model can sit on before
// it starts to learn (measured: swe-compact's loss stays at ~0.9 for its first 24 steps, then
// falls to ~0.2) — three flat windows alone cannot tell those apart. With zero noise (all
// se = 0) this is the non-negative rule with "slowing" read as "not speeding up", plus "fallen".
ConvergenceVerdict convergenceRuleWithinNoise(double v0, double v1, double v2, double se0, double se1, double se2,
                                              double tau, double k, double first, double seFirst);

}  // namespace hpt
