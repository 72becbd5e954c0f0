#include "engine/WeightDistanceCheck.h"

#include <hpt/Error.h>

namespace hpt {

torch::Tensor WeightDistanceCheck::snapshot(torch::nn::Module& model) const {
    torch::NoGradGuard ng;
    const auto params = model.named_parameters(true);
    std::vector<torch::Tensor> parts;
    for (const auto& layer : layers_) {
        for (const char* proj : {".q.weight", ".v.weight"}) {
            const auto* w = params.find(layer + proj);
            if (!w)
                throw configError("switching.monitored_layers",
                                  "the model has no parameter '" + layer + proj +
                                      "'; name attention layers the model lists (or [] for its default)");
            parts.push_back(w->detach().to(torch::kFloat64).flatten());
        }
    }
    return torch::cat(parts);
}

ConvergenceVerdict WeightDistanceCheck::check(torch::nn::Module& model) {
    torch::Tensor s = snapshot(model);
    if (previous_.defined()) distances_.push_back((s - previous_).norm().item<double>());
    previous_ = s;
    const size_t n = distances_.size();
    if (n < 3) {
        ConvergenceVerdict v;
        v.tau = tau_;
        if (n) v.v2 = distances_.back();
        return v;
    }
    return convergenceRule(distances_[n - 3], distances_[n - 2], distances_[n - 1], tau_);
}

}  // namespace hpt
