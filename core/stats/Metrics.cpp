#include "stats/Metrics.h"

#include <hpt/Error.h>

#include <cmath>
#include <limits>
#include <string>

namespace hpt {

namespace {

std::string shapeOf(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

void checkPair(const torch::Tensor& pred, const torch::Tensor& truth) {
    if (!pred.defined() || !truth.defined()) throw dataError("evaluation", "prediction or truth tensor is empty");
    if (pred.sizes() != truth.sizes())
        throw dataError("evaluation", "prediction shape " + shapeOf(pred) + " differs from truth shape " +
                                          shapeOf(truth) + " (the model's output must match the target)");
    if (pred.numel() == 0) throw dataError("evaluation", "no elements to evaluate (empty test split?)");
    if (!torch::isfinite(pred).all().item<bool>())
        throw dataError("evaluation", "prediction contains NaN or Inf (the model diverged)");
    if (!torch::isfinite(truth).all().item<bool>())
        throw dataError("evaluation", "truth contains NaN or Inf (check the dataset's missing-value handling)");
}

// p, y: [n, C] double; reductions over dim 0.
std::vector<RegressionMetrics> columns(const torch::Tensor& p, const torch::Tensor& y) {
    const auto err = p - y;
    const auto mse = err.square().mean(0), mae = err.abs().mean(0);
    const auto yc = y - y.mean(0), pc = p - p.mean(0);
    const auto ssRes = err.square().sum(0), ssTot = yc.square().sum(0);
    const auto cov = (yc * pc).sum(0), ssP = pc.square().sum(0);
    const int64_t n = p.size(0), C = p.size(1);
    std::vector<RegressionMetrics> out(static_cast<size_t>(C));
    auto a = [](const torch::Tensor& t) { return t.contiguous(); };
    const auto mseC = a(mse), maeC = a(mae), resC = a(ssRes), totC = a(ssTot), covC = a(cov), spC = a(ssP);
    const double *mseP = mseC.data_ptr<double>(), *maeP = maeC.data_ptr<double>(), *resP = resC.data_ptr<double>(),
                 *totP = totC.data_ptr<double>(), *covP = covC.data_ptr<double>(), *spP = spC.data_ptr<double>();
    for (int64_t c = 0; c < C; ++c) {
        auto& m = out[size_t(c)];
        m.n = n;
        m.mse = mseP[c];
        m.rmse = std::sqrt(m.mse);
        m.mae = maeP[c];
        if (totP[c] > 0) m.nse = 1 - resP[c] / totP[c];
        else m.nse = resP[c] == 0 ? 1.0 : -std::numeric_limits<double>::infinity();
        m.r2 = (totP[c] > 0 && spP[c] > 0) ? covP[c] * covP[c] / (totP[c] * spP[c])
                                            : std::numeric_limits<double>::quiet_NaN();
    }
    return out;
}

}  // namespace

RegressionMetrics regressionMetrics(const torch::Tensor& pred, const torch::Tensor& truth) {
    checkPair(pred, truth);
    torch::NoGradGuard ng;
    const auto p = pred.detach().to(torch::kCPU, torch::kDouble).reshape({-1, 1});
    const auto y = truth.detach().to(torch::kCPU, torch::kDouble).reshape({-1, 1});
    return columns(p, y).front();
}

std::vector<RegressionMetrics> perColumnMetrics(const torch::Tensor& pred, const torch::Tensor& truth) {
    checkPair(pred, truth);
    if (pred.dim() != 2)
        throw dataError("evaluation", "per-station metrics need [N, C] tensors, got " + shapeOf(pred) +
                                          " (reshape to samples × stations first)");
    torch::NoGradGuard ng;
    return columns(pred.detach().to(torch::kCPU, torch::kDouble), truth.detach().to(torch::kCPU, torch::kDouble));
}

}  // namespace hpt
