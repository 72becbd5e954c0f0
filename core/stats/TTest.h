#pragma once
// Two-sample two-sided t-test: the rule that ends DUAL. When Θ's and Θ′'s loss
// streams over the last window show no significant difference, training
// switches to LoRA only. Formulas and references: resources/docs/statistics.md.
#include <vector>

namespace hpt {

struct TTestResult {
    double t = 0;         // (meanA − meanB) / standard error
    double p = 1;         // two-sided p-value, 2·(1 − F_t(|t|; df))
    double df = 0;        // n_a + n_b − 2 (Student) or Welch–Satterthwaite (Welch)
    double critical = 0;  // t_crit = F_t⁻¹(1 − α/2; df)
    double meanA = 0, meanB = 0;
    bool significant = false;  // |t| ≥ critical || p ≤ α
    bool welch = false;
    double alpha = 0;
};

// Student (pooled variance) or Welch (unequal variances) two-sample test.
// Decision: "no significant difference" ⇔ |t| < t_crit(1 − α/2, df) and p > α
// (the two agree up to rounding; both are stated so the event is self-explaining).
// Zero variance in both samples: identical means → t = 0, p = 1, not significant;
// different means → t = ±inf, p = 0, significant. (Welch with one constant sample is
// well defined and computed normally.)
// Throws hpt::Error (Config) when either sample has n < 2, any value is NaN/Inf, or
// α ∉ (0, 1).
TTestResult tTest(const std::vector<double>& a, const std::vector<double>& b, double alpha, bool welch);

}  // namespace hpt
