#pragma once
// Regression metrics for the final evaluation (test split), computed in double
// precision whatever the input dtype. Definitions: resources/docs/statistics.md.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace hpt {

struct RegressionMetrics {
    double mse = 0, rmse = 0, mae = 0;
    double r2 = 0;   // squared Pearson correlation of pred and truth (hydrology's R²; blind to bias)
    double nse = 0;  // Nash–Sutcliffe efficiency 1 − SS_res / SS_tot (= scikit-learn's r2_score)
    int64_t n = 0;
};

// Over all elements. pred and truth must have the same shape and ≥ 1 element;
// NaN/Inf throws hpt::Error (Data). Constant truth (SS_tot = 0): nse = 1 if the
// prediction is exact, else −inf; r2 = NaN when pred or truth is constant.
RegressionMetrics regressionMetrics(const torch::Tensor& pred, const torch::Tensor& truth);
// [N, C] → one entry per column (per station).
std::vector<RegressionMetrics> perColumnMetrics(const torch::Tensor& pred, const torch::Tensor& truth);

}  // namespace hpt
