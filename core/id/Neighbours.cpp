#include "id/Neighbours.h"

#include <hpt/Error.h>

#include <limits>

namespace hpt {

torch::Tensor nearestDistances(const torch::Tensor& points, int64_t k, const std::string& method) {
    const std::string where = method + " intrinsic dimension";
    if (!points.defined() || points.dim() != 2)
        throw dataError(where, "expects a 2-D point cloud [points, features] (one point per row)");
    const int64_t n = points.size(0);
    if (n <= k)
        throw dataError(where, "needs more points than neighbours: " + std::to_string(n) + " point(s) for k = " +
                                   std::to_string(k) + " (give at least " + std::to_string(k + 1) +
                                   " rows or lower k)");
    if (points.size(1) < 1) throw dataError(where, "points have no features (0 columns)");
    torch::NoGradGuard ng;
    const auto x = points.detach().to(torch::kCPU, torch::kDouble).contiguous();
    if (!torch::isfinite(x).all().item<bool>()) {
        const auto bad = (~torch::isfinite(x)).nonzero()[0];
        throw dataError(where, "row " + std::to_string(bad[0].item<int64_t>()) + ", column " +
                                   std::to_string(bad[1].item<int64_t>()) +
                                   " is NaN or Inf (remove or impute missing values)");
    }
    // Row blocks keep the distance matrix at block × n (n = 20 000 stays under 200 MB).
    // Squared norms + one matmul (cdist's mm path) is accurate in double and fast for large clouds.
    // Small ones (the training probe's 64 points) take direct differences: no call into
    // OpenBLAS, whose one thread pool and locks the worker would otherwise share with the training
    // thread from its nice-19 thread (engine.md, "Intrinsic-dimension probes: measured cost"),
    // and no cancellation in |x|² + |y|² − 2x·y.
    const int64_t block = 1024;
    const int64_t mm = n <= block ? 2 : 1;  // cdist: 2 = never the matrix product, 1 = always
    auto out = torch::empty({n, k}, x.options());
    for (int64_t s = 0; s < n; s += block) {
        const int64_t e = std::min(n, s + block);
        auto d = torch::cdist(x.slice(0, s, e), x, 2.0, /*use_mm_for_euclid_dist*/ mm);
        // Exclude each point itself by index, not by distance, so a duplicate shows as 0.
        auto rows = torch::arange(e - s, torch::kLong);
        d.index_put_({rows, rows + s}, std::numeric_limits<double>::infinity());
        out.slice(0, s, e).copy_(std::get<0>(d.topk(k, 1, /*largest*/ false, /*sorted*/ true)));
    }
    const auto first = out.select(1, 0);
    // Relative tolerance: the mm path leaves ~1e-8 · |x| of rounding on a true zero.
    const double scale = x.norm(2, 1).max().item<double>();
    const auto dup = (first <= 1e-7 * std::max(scale, 1e-300)).nonzero();
    if (dup.size(0) > 0) {
        const int64_t i = dup[0][0].item<int64_t>();
        auto d = (x - x[i]).square().sum(1);
        d[i] = std::numeric_limits<double>::infinity();
        const int64_t j = d.argmin().item<int64_t>();
        throw dataError(where, "rows " + std::to_string(std::min(i, j)) + " and " + std::to_string(std::max(i, j)) +
                                   " are duplicate points (" + std::to_string(dup.size(0)) +
                                   " point(s) have a zero nearest-neighbour distance); remove duplicate rows");
    }
    return out;
}

}  // namespace hpt
