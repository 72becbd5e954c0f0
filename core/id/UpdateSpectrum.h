#pragma once
// Update-spectrum intrinsic dimension of a weight update ΔW = W_t − W_{t−k}: the
// number of singular directions a LoRA adapter must cover. See statistics.md.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace hpt {

struct SpectrumId {
    int64_t id = 0;           // smallest k with Σ_{i≤k} σ_i² / Σ σ_i² ≥ energy
    double stableRank = 0;    // ‖M‖²_F / ‖M‖²₂ = Σ σ_i² / σ_1²
    std::vector<double> singularValues;  // descending
};

// Energy is the σ² share (the Frobenius energy, i.e. the share of ‖M‖²_F the best
// rank-k approximation keeps, Eckart–Young), not the σ share. A zero matrix has
// id = 0, stable rank 0. Throws hpt::Error (Data) for non-2-D input, NaN/Inf, and
// (Config) for energy ∉ (0, 1].
SpectrumId spectrumId(const torch::Tensor& matrix, double energy = 0.9);

}  // namespace hpt
