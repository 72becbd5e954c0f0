#include "Baselines.h"

namespace hpt::data {

QJsonObject forecastError(const torch::Tensor& predicted, const torch::Tensor& truth) {
    auto p = predicted.to(torch::kFloat64).reshape({-1});
    auto t = truth.to(torch::kFloat64).reshape({-1});
    auto ok = ~(torch::isnan(p) | torch::isnan(t));
    auto e = (p - t).masked_select(ok);
    const int64_t n = e.numel();
    if (n == 0) return {{"rmse", QJsonValue()}, {"mae", QJsonValue()}, {"n", 0}};
    return {{"rmse", std::sqrt(e.pow(2).mean().item<double>())}, {"mae", e.abs().mean().item<double>()},
            {"n", double(n)}};
}

}  // namespace hpt::data
