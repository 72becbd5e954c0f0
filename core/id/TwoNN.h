#pragma once
// TwoNN intrinsic dimension (Facco, d'Errico, Rodriguez & Laio, Sci. Rep. 7, 12140,
// 2017): μ = r₂/r₁ is Pareto(d) distributed; d is the slope of the line through the
// origin fitting −log(1 − F(μ)) against log μ after discarding the top
// `discardFraction` of μ. See statistics.md.
#include <torch/torch.h>

namespace hpt {

// points: [n, d] (rows are points). Throws hpt::Error (Data) for n < 3, NaN/Inf, or
// duplicate points (r₁ = 0); (Config) for discardFraction ∉ [0, 1).
double twoNnId(const torch::Tensor& points, double discardFraction = 0.1);

}  // namespace hpt
