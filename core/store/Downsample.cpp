#include "store/Downsample.h"

#include <algorithm>
#include <cmath>

namespace hpt {

void minMaxDownsample(const std::vector<double>& x, const std::vector<double>& y, int maxPoints,
                      std::vector<double>& outX, std::vector<double>& outY) {
    const size_t n = std::min(x.size(), y.size());
    outX.clear();
    outY.clear();
    if (maxPoints <= 0 || n <= size_t(maxPoints) || maxPoints < 4) {
        const size_t m = maxPoints > 0 ? std::min(n, size_t(maxPoints)) : n;
        if (m == n) {
            outX.assign(x.begin(), x.begin() + long(n));
            outY.assign(y.begin(), y.begin() + long(n));
        } else {  // fewer than 4 points allowed: evenly spaced picks
            for (size_t i = 0; i < m; ++i) {
                const size_t j = m == 1 ? 0 : i * (n - 1) / (m - 1);
                outX.push_back(x[j]);
                outY.push_back(y[j]);
            }
        }
        return;
    }
    const size_t buckets = size_t(maxPoints - 2) / 2;  // first and last point take two slots
    outX.reserve(size_t(maxPoints));
    outY.reserve(size_t(maxPoints));
    auto emit = [&](size_t i) {
        outX.push_back(x[i]);
        outY.push_back(y[i]);
    };
    emit(0);
    const double x0 = x[1], span = x[n - 2] - x[1];
    size_t i = 1;
    for (size_t b = 0; b < buckets && i < n - 1; ++b) {
        // Bucket b covers x ∈ [x0 + b·span/B, x0 + (b+1)·span/B); the last takes the rest.
        const double hi = x0 + span * double(b + 1) / double(buckets);
        size_t lo = i, mn = i, mx = i;
        for (; i < n - 1 && (b + 1 == buckets || x[i] < hi); ++i) {
            // NaN never wins a comparison; a NaN first point is replaced by the first real one.
            if (y[i] < y[mn] || std::isnan(y[mn])) mn = i;
            if (y[i] > y[mx] || std::isnan(y[mx])) mx = i;
        }
        if (i == lo) continue;  // empty bucket
        if (mn == mx) emit(mn);
        else if (mn < mx) { emit(mn); emit(mx); }
        else { emit(mx); emit(mn); }
    }
    emit(n - 1);
}

}  // namespace hpt
