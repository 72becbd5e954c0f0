#pragma once
// z-score statistics per channel (last tensor dimension), fitted on the
// training split only so the test split never leaks into the inputs.
#include <QJsonObject>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace hpt::data {

struct Standardizer {
    torch::Tensor mean, std;  // [C] float64

    // Mean and (population) standard deviation over every dimension but the
    // last; NaNs are ignored. A constant channel gets std 1 (it maps to 0).
    static Standardizer fit(const torch::Tensor& values);
    // An identity standardizer for C channels (mean 0, std 1): static features
    // that are already standardised.
    static Standardizer identity(int64_t channels);
    torch::Tensor apply(const torch::Tensor& v) const;   // (v - mean) / std, float32
    torch::Tensor invert(const torch::Tensor& v) const;  // v * std + mean, float32
    int64_t channels() const { return mean.defined() ? mean.size(0) : 0; }
    // {"method": "zscore", "fitted_on": "train", "channels": [{"name", "mean", "std", "unit"}...]}
    QJsonObject toJson(const std::vector<std::string>& names, const std::vector<std::string>& units) const;
};

}  // namespace hpt::data
