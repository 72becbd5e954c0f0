#pragma once
// Regression metrics for the final evaluation (test split), computed in double
// precision whatever the input dtype. Definitions: resources/docs/statistics.md.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace hpt {

struct RegressionMetrics {
    double mse = 0, rmse = 0, mae = 0;
    double r2 = 0;   // 1 − SS_res / SS_tot (SS_tot about the mean of truth)
    double nse = 0;  // Nash–Sutcliffe efficiency; equal to r2 in this definition (hydrology's name)
    int64_t n = 0;
};

// Over all elements. pred and truth must have the same shape and ≥ 1 element;
// NaN/Inf throws hpt::Error (Data). Constant truth: r2 = nse = NaN unless the
// prediction is exact (then 1) — documented, not an error.
RegressionMetrics regressionMetrics(const torch::Tensor& pred, const torch::Tensor& truth);
// [N, C] → one entry per column (per station).
std::vector<RegressionMetrics> perColumnMetrics(const torch::Tensor& pred, const torch::Tensor& truth);

}  // namespace hpt
