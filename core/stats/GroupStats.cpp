#include "stats/GroupStats.h"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hpt {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Value of a member at x by linear interpolation; NaN outside its range.
double valueAt(const MemberSeries& m, double x) {
    if (m.x.empty() || x < m.x.front() || x > m.x.back()) return kNaN;
    const auto it = std::lower_bound(m.x.begin(), m.x.end(), x);
    const size_t i = size_t(it - m.x.begin());
    if (m.x[i] == x || i == 0) return m.y[i];
    const double x0 = m.x[i - 1], x1 = m.x[i];
    const double t = (x - x0) / (x1 - x0);
    return m.y[i - 1] + t * (m.y[i] - m.y[i - 1]);
}
}  // namespace

MeanSd meanSd(const std::vector<double>& values) {
    MeanSd r;
    double sum = 0;
    for (double v : values)
        if (std::isfinite(v)) { sum += v; ++r.n; }
    if (r.n == 0) return {kNaN, kNaN, 0};
    r.mean = sum / r.n;
    if (r.n < 2) { r.sd = kNaN; return r; }
    double ss = 0;
    for (double v : values)
        if (std::isfinite(v)) ss += (v - r.mean) * (v - r.mean);
    r.sd = std::sqrt(ss / (r.n - 1));
    return r;
}

double ci95HalfWidth(const MeanSd& m) {
    if (m.n < 2 || !std::isfinite(m.sd)) return kNaN;
    const boost::math::students_t dist(m.n - 1);
    return boost::math::quantile(boost::math::complement(dist, 0.025)) * m.sd / std::sqrt(double(m.n));
}

std::vector<BandPoint> groupBand(const std::vector<MemberSeries>& members, BandKind kind, int maxPoints) {
    std::vector<double> grid;
    for (const auto& m : members) grid.insert(grid.end(), m.x.begin(), m.x.end());
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    if (maxPoints > 1 && int(grid.size()) > maxPoints) {
        std::vector<double> thin;
        const double stride = double(grid.size() - 1) / (maxPoints - 1);
        for (int i = 0; i < maxPoints; ++i) thin.push_back(grid[size_t(std::lround(i * stride))]);
        grid = thin;
    }
    std::vector<BandPoint> out;
    out.reserve(grid.size());
    std::vector<double> vals(members.size());
    for (double x : grid) {
        for (size_t k = 0; k < members.size(); ++k) vals[k] = valueAt(members[k], x);
        const MeanSd m = meanSd(vals);
        if (m.n == 0) continue;
        const double half = kind == BandKind::Sd ? m.sd : ci95HalfWidth(m);
        BandPoint p{x, m.mean, m.mean, m.mean, m.n};
        if (std::isfinite(half)) { p.lo = m.mean - half; p.hi = m.mean + half; }
        out.push_back(p);
    }
    return out;
}

}  // namespace hpt
