#include "id/TwoNN.h"

#include "id/Neighbours.h"

#include <hpt/Error.h>

namespace hpt {

double twoNnId(const torch::Tensor& points, double discardFraction) {
    if (!(discardFraction >= 0 && discardFraction < 1))
        throw configError("TwoNN discard fraction", "must lie in [0, 1), got " + std::to_string(discardFraction));
    const auto r = nearestDistances(points, 2, "TwoNN");
    torch::NoGradGuard ng;
    // μ = r₂/r₁ ~ Pareto(d): F(μ) = 1 − μ^{−d}, so −log(1 − F(μ)) = d · log μ.
    const auto mu = std::get<0>((r.select(1, 1) / r.select(1, 0)).sort());
    const int64_t n = mu.size(0);
    // Facco et al.: empirical F(μ_(i)) = i/n (i from 0), drop the largest `discard`
    // share of μ (the tail is dominated by noise and curvature), fit a line through 0.
    const int64_t keep = std::max<int64_t>(2, int64_t(double(n) * (1 - discardFraction)));
    const auto x = mu.slice(0, 0, keep).log();
    const auto F = torch::arange(keep, mu.options()) / double(n);
    const auto y = -torch::log1p(-F);
    const double sxx = x.square().sum().item<double>();
    if (!(sxx > 0))
        throw dataError("TwoNN intrinsic dimension",
                        "all second/first neighbour distance ratios are 1 (points on a regular grid?); "
                        "TwoNN needs irregularly spaced points");
    return (x * y).sum().item<double>() / sxx;
}

}  // namespace hpt
