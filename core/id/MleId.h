#pragma once
// Levina–Bickel maximum-likelihood intrinsic dimension (NeurIPS 2004) with k
// neighbours, averaged over points as MacKay & Ghahramani (2005) suggest: the
// inverse of the mean of the per-point inverse estimates. See statistics.md.
#include <torch/torch.h>

namespace hpt {

// points: [n, d]. Throws hpt::Error (Data) for n ≤ k (fewer points than neighbours
// + 1), NaN/Inf, duplicate points; (Config) for k < 2.
double mleId(const torch::Tensor& points, int k = 10);

}  // namespace hpt
