#pragma once
// Is an arm's test error worse than the baseline's? Paired by seed (both arms
// saw the same data, split and initial weights), one-sided: the differences
// d_i = RMSE_arm,i − RMSE_full,i, H0: mean d ≤ 0, H1: mean d > 0 (the arm is
// worse). t = mean(d) / (sd(d)/√n), df = n − 1, p = 1 − F_t(t; df).
// "not significantly worse" ⇔ p > α. With few seeds the test has little power:
// the report states n beside the verdict. scipy.stats.ttest_rel(arm, full,
// alternative="greater") gives the same t and p (tests/study/gen_paired_cases.py).
#include <vector>

namespace hpt::study {

struct PairedTestResult {
    int n = 0;                 // pairs
    double meanDiff = 0;       // mean of arm − full
    double sdDiff = 0;         // sample sd of the differences (n − 1)
    double t = 0, df = 0;
    double p = 1;              // one-sided p-value (H1: arm worse)
    double alpha = 0.01;
    bool notWorse = true;      // p > alpha
    bool defined = false;      // n ≥ 2
};

// Throws hpt::Error (Config) when the samples differ in length, a value is not
// finite, or alpha ∉ (0, 1). Fewer than 2 pairs: defined = false, p = NaN.
// All differences equal: t = ±inf (p = 0 or 1), or p = 1 when they are all 0.
PairedTestResult pairedTTestGreater(const std::vector<double>& arm, const std::vector<double>& baseline, double alpha);

// The method as the report names it.
const char* pairedTestMethod();

}  // namespace hpt::study
