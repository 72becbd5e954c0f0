#include "id/MleId.h"

#include "id/Neighbours.h"

#include <hpt/Error.h>

namespace hpt {

double mleId(const torch::Tensor& points, int k) {
    if (k < 2) throw configError("MLE k", "needs at least 2 neighbours, got " + std::to_string(k) + " (default 10)");
    const auto T = nearestDistances(points, k, "MLE");
    torch::NoGradGuard ng;
    // Levina & Bickel: the per-point MLE of 1/m is (1/(k−1)) Σ_{j<k} log(T_k / T_j).
    // MacKay & Ghahramani: average these inverses over points (not the estimates
    // themselves, which are biased upward), then invert once.
    const auto logRatio = (T.select(1, k - 1).unsqueeze(1) / T.slice(1, 0, k - 1)).log();
    const double inverseMean = logRatio.sum().item<double>() / (double(T.size(0)) * double(k - 1));
    if (!(inverseMean > 0))
        throw dataError("MLE intrinsic dimension",
                        "the k nearest neighbours of every point are equidistant; "
                        "MLE needs irregularly spaced points (or a larger k)");
    return 1.0 / inverseMean;
}

}  // namespace hpt
