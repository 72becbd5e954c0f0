#include "engine/ValidationSplit.h"

#include <hpt/Error.h>

#include <cmath>

namespace hpt {

QJsonObject ValidationCarve::toJson(const std::string& unit) const {
    return {{"samples", qint64(valIndex.defined() ? valIndex.numel() : 0)},
            {"train_samples", qint64(trainIndex.defined() ? trainIndex.numel() : 0)},
            {"by_time", byTime}, {"time_unit", byTime ? QString::fromStdString(unit) : QString("sample")},
            {"last_train_time", qint64(lastTrainTime)}, {"first_time", qint64(firstValTime)},
            {"last_time", qint64(lastValTime)}, {"gap_dropped", qint64(dropped)}};
}

ValidationCarve carveValidation(int64_t n, const torch::Tensor& timesIn, double fraction, int64_t gap) {
    ValidationCarve c;
    const auto all = torch::arange(n, torch::kInt64);
    if (!(fraction > 0) || n == 0) {
        c.trainIndex = all;
        c.valIndex = torch::empty({0}, torch::kInt64);
        return c;
    }
    const int64_t want = std::max<int64_t>(1, int64_t(std::ceil(fraction * double(n))));
    torch::Tensor times;
    c.byTime = timesIn.defined() && timesIn.numel() == n;
    times = c.byTime ? timesIn.to(torch::kCPU, torch::kInt64).contiguous() : all;
    // The latest time steps, whole, until at least `want` samples are in.
    const auto uniq = std::get<0>(torch::_unique(times, /*sorted=*/true));
    const auto u = uniq.accessor<int64_t, 1>();
    int64_t cut = u[uniq.numel() - 1], taken = 0;
    for (int64_t k = uniq.numel() - 1; k >= 0; --k) {
        cut = u[k];
        taken += (times == cut).sum().item<int64_t>();
        if (taken >= want) break;
    }
    c.valIndex = all.masked_select(times >= cut);
    c.trainIndex = all.masked_select(times < cut - gap);
    c.dropped = n - c.valIndex.numel() - c.trainIndex.numel();
    if (c.trainIndex.numel() == 0)
        throw configError("training.validation_fraction",
                          QString("validation_fraction %1 with validation_gap %2 leaves no training sample of %3; lower them")
                              .arg(fraction).arg(gap).arg(n).toStdString());
    c.firstValTime = cut;
    c.lastValTime = times.max().item<int64_t>();
    c.lastTrainTime = times.index_select(0, c.trainIndex).max().item<int64_t>();
    return c;
}

}  // namespace hpt
