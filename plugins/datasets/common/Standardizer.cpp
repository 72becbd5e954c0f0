#include "Standardizer.h"

#include <QJsonArray>

namespace hpt::data {

Standardizer Standardizer::fit(const torch::Tensor& values) {
    const int64_t c = values.size(-1);
    auto v = values.reshape({-1, c}).to(torch::kFloat64);
    auto ok = ~torch::isnan(v);
    auto count = ok.sum(0).to(torch::kFloat64).clamp_min(1);
    auto z = torch::where(ok, v, torch::zeros_like(v));
    auto mean = z.sum(0) / count;
    auto d = torch::where(ok, v - mean, torch::zeros_like(v));
    auto sd = (d.pow(2).sum(0) / count).sqrt();
    sd = torch::where(sd > 1e-12, sd, torch::ones_like(sd));
    return {mean, sd};
}

Standardizer Standardizer::identity(int64_t channels) {
    return {torch::zeros({channels}, torch::kFloat64), torch::ones({channels}, torch::kFloat64)};
}

torch::Tensor Standardizer::apply(const torch::Tensor& v) const {
    return ((v.to(torch::kFloat64) - mean) / std).to(torch::kFloat32);
}

torch::Tensor Standardizer::invert(const torch::Tensor& v) const {
    return (v.to(torch::kFloat64) * std + mean).to(torch::kFloat32);
}

QJsonObject Standardizer::toJson(const std::vector<std::string>& names, const std::vector<std::string>& units) const {
    QJsonArray ch;
    auto m = mean.accessor<double, 1>();
    auto s = std.accessor<double, 1>();
    for (int64_t i = 0; i < channels(); ++i) {
        QJsonObject o{{"mean", m[i]}, {"std", s[i]}};
        if (size_t(i) < names.size()) o.insert("name", QString::fromStdString(names[size_t(i)]));
        if (size_t(i) < units.size()) o.insert("unit", QString::fromStdString(units[size_t(i)]));
        ch.append(o);
    }
    return {{"method", "zscore"}, {"fitted_on", "train"}, {"channels", ch}};
}

}  // namespace hpt::data
