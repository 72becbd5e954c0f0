#include "stats/TTest.h"

#include <hpt/Error.h>

#include <boost/math/distributions/students_t.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace hpt {

namespace {

struct Moments {
    double n = 0, mean = 0, var = 0;  // var: unbiased sample variance (n − 1)
};

// Two-pass mean/variance: the loss streams are close to each other and far from
// zero, where the one-pass formula loses digits.
Moments moments(const std::vector<double>& x, const char* name) {
    if (x.size() < 2)
        throw configError(std::string("t-test sample ") + name,
                          "needs at least 2 values, got " + std::to_string(x.size()) +
                              " (raise switching.ttest_window)");
    Moments m;
    m.n = double(x.size());
    double sum = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i]))
            throw configError(std::string("t-test sample ") + name,
                              "value " + std::to_string(i) + " is " + (std::isnan(x[i]) ? "NaN" : "infinite") +
                                  " (the loss diverged; lower the learning rate)");
        sum += x[i];
    }
    m.mean = sum / m.n;
    double ss = 0, comp = 0;
    for (double v : x) {
        ss += (v - m.mean) * (v - m.mean);
        comp += v - m.mean;
    }
    m.var = (ss - comp * comp / m.n) / (m.n - 1);
    if (m.var < 0) m.var = 0;
    return m;
}

}  // namespace

TTestResult tTest(const std::vector<double>& a, const std::vector<double>& b, double alpha, bool welch) {
    if (!(alpha > 0 && alpha < 1))
        throw configError("switching.alpha", "significance level must lie in (0, 1), got " + std::to_string(alpha));
    const Moments A = moments(a, "A"), B = moments(b, "B");
    TTestResult r;
    r.meanA = A.mean;
    r.meanB = B.mean;
    r.alpha = alpha;
    r.welch = welch;

    double se2 = 0;
    if (welch) {
        const double va = A.var / A.n, vb = B.var / B.n;
        se2 = va + vb;
        // Welch–Satterthwaite; with both variances zero df is undefined, fall back to Student's.
        r.df = se2 > 0 ? se2 * se2 / (va * va / (A.n - 1) + vb * vb / (B.n - 1)) : A.n + B.n - 2;
    } else {
        r.df = A.n + B.n - 2;
        const double pooled = ((A.n - 1) * A.var + (B.n - 1) * B.var) / r.df;
        se2 = pooled * (1 / A.n + 1 / B.n);
    }
    boost::math::students_t dist(r.df);
    r.critical = boost::math::quantile(boost::math::complement(dist, alpha / 2));
    const double diff = A.mean - B.mean;
    if (se2 <= 0) {
        // Both samples constant: the difference of means is exact.
        if (diff == 0) {
            r.t = 0;
            r.p = 1;
        } else {
            r.t = diff > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
            r.p = 0;
        }
    } else {
        r.t = diff / std::sqrt(se2);
        r.p = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(r.t)));
        if (r.p > 1) r.p = 1;
    }
    r.significant = std::fabs(r.t) >= r.critical || r.p <= alpha;
    return r;
}

}  // namespace hpt
