#pragma once
// Weight-distance check: at every check the snapshot S = [W_q | W_v] of the
// monitored attention layer(s) is compared with the previous one,
// dᵢ = ‖Sᵢ − Sᵢ₋₁‖_F; the weights have settled when the three-window rule
// holds on d₀, d₁, d₂ with τ_w (reference 0.01). The first snapshot is taken
// when training starts, so the first verdict comes at the third check, as the
// plateau check's does.
#include "engine/ConvergenceRule.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace hpt {

class WeightDistanceCheck {
public:
    WeightDistanceCheck(double tauW, std::vector<std::string> monitoredLayers)
        : tau_(tauW), layers_(std::move(monitoredLayers)) {}
    // [W_q | W_v] of every monitored layer, concatenated (a copy, detached).
    torch::Tensor snapshot(torch::nn::Module& model) const;
    // Stores the reference snapshot without judging (training start, adapter rebuilds).
    void start(torch::nn::Module& model) { previous_ = snapshot(model); }
    ConvergenceVerdict check(torch::nn::Module& model);
    const std::vector<std::string>& layers() const { return layers_; }

    // State for checkpoints: the distances so far and the last snapshot.
    const std::vector<double>& distances() const { return distances_; }
    const torch::Tensor& previous() const { return previous_; }
    void restore(std::vector<double> distances, torch::Tensor previous) {
        distances_ = std::move(distances);
        previous_ = std::move(previous);
    }

private:
    std::vector<double> distances_;
    torch::Tensor previous_;
    double tau_;
    std::vector<std::string> layers_;
};

}  // namespace hpt
