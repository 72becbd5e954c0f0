#include "study/PairedTest.h"

#include <hpt/Error.h>

#include <boost/math/distributions/students_t.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace hpt::study {

const char* pairedTestMethod() {
    return "paired one-sided t-test on per-seed test RMSE differences (arm − full; H1: arm worse)";
}

PairedTestResult pairedTTestGreater(const std::vector<double>& arm, const std::vector<double>& baseline, double alpha) {
    if (!(alpha > 0 && alpha < 1))
        throw configError("--alpha", "significance level must lie in (0, 1), got " + std::to_string(alpha));
    if (arm.size() != baseline.size())
        throw configError("paired test", "the arm has " + std::to_string(arm.size()) + " values and the baseline " +
                                             std::to_string(baseline.size()) + "; pair them by seed");
    PairedTestResult r;
    r.alpha = alpha;
    r.n = int(arm.size());
    std::vector<double> d(arm.size());
    for (size_t i = 0; i < d.size(); ++i) {
        if (!std::isfinite(arm[i]) || !std::isfinite(baseline[i]))
            throw configError("paired test", "value " + std::to_string(i) + " is not finite");
        d[i] = arm[i] - baseline[i];
    }
    if (r.n < 2) {
        r.p = std::numeric_limits<double>::quiet_NaN();
        r.t = r.p;
        if (r.n == 1) r.meanDiff = d[0];
        return r;
    }
    r.defined = true;
    double sum = 0;
    for (double x : d) sum += x;
    r.meanDiff = sum / r.n;
    double ss = 0;
    for (double x : d) ss += (x - r.meanDiff) * (x - r.meanDiff);
    r.sdDiff = std::sqrt(ss / (r.n - 1));
    r.df = r.n - 1;
    // Differences that are all equal have no spread: the sign decides exactly.
    if (r.sdDiff <= std::fabs(r.meanDiff) * 1e-14 || r.sdDiff == 0) {
        if (r.meanDiff > 0) {
            r.t = std::numeric_limits<double>::infinity();
            r.p = 0;
        } else {
            r.t = r.meanDiff < 0 ? -std::numeric_limits<double>::infinity() : 0;
            r.p = 1;
        }
    } else {
        r.t = r.meanDiff / (r.sdDiff / std::sqrt(double(r.n)));
        boost::math::students_t dist(r.df);
        r.p = boost::math::cdf(boost::math::complement(dist, r.t));
    }
    r.notWorse = r.p > alpha;
    return r;
}

}  // namespace hpt::study
