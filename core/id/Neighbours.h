#pragma once
// k-nearest-neighbour distances shared by the point-cloud ID estimators (TwoNN,
// MLE), with the input checks both need.
#include <torch/torch.h>

#include <string>

namespace hpt {

// points: [n, d] (rows are points). Returns [n, k] Euclidean distances to the k
// nearest other points, ascending, in double precision. `method` names the
// estimator in error messages. Throws hpt::Error (Data) when points is not 2-D,
// n ≤ k, any value is NaN/Inf, or two rows coincide (a zero nearest distance
// makes the distance ratios undefined; deduplicate the rows first).
torch::Tensor nearestDistances(const torch::Tensor& points, int64_t k, const std::string& method);

}  // namespace hpt
