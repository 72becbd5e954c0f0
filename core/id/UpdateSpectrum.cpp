#include "id/UpdateSpectrum.h"

#include <hpt/Error.h>

namespace hpt {

SpectrumId spectrumId(const torch::Tensor& matrix, double energy) {
    if (!(energy > 0 && energy <= 1))
        throw configError("id.energy", "energy share must lie in (0, 1], got " + std::to_string(energy));
    if (!matrix.defined() || matrix.dim() != 2 || matrix.numel() == 0)
        throw dataError("update-spectrum intrinsic dimension", "expects a non-empty 2-D matrix");
    torch::NoGradGuard ng;
    const auto m = matrix.detach().to(torch::kCPU, torch::kDouble);
    if (!torch::isfinite(m).all().item<bool>())
        throw dataError("update-spectrum intrinsic dimension",
                        "matrix contains NaN or Inf (the weights diverged, or the CSV has missing values)");
    const auto s = torch::linalg::svdvals(m, c10::nullopt).contiguous();  // descending
    SpectrumId r;
    r.singularValues.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
    const auto s2 = s.square();
    const double total = s2.sum().item<double>();
    if (total <= 0) return r;  // ΔW = 0: nothing moved, no direction to cover
    r.stableRank = total / s2[0].item<double>();
    // σ² share: Σ_{i≤k} σ_i² is the part of ‖M‖²_F the best rank-k approximation keeps.
    const auto cum = (s2.cumsum(0) / total).contiguous();
    const double* c = cum.data_ptr<double>();
    const double target = energy * (1 - 1e-12);  // rounding must not push an exact share past k
    r.id = s.numel();
    for (int64_t k = 0; k < s.numel(); ++k)
        if (c[k] >= target) {
            r.id = k + 1;
            break;
        }
    return r;
}

}  // namespace hpt
