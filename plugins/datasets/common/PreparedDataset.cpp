#include "PreparedDataset.h"

#include <QJsonArray>

namespace hpt::data {

torch::Tensor PreparedDataset::toRealUnits(const torch::Tensor& y) const {
    // A single shared channel broadcasts over every output.
    if (target.channels() == 1)
        return (y.to(torch::kFloat64) * target.std[0] + target.mean[0]).to(torch::kFloat32);
    return target.invert(y);
}

QJsonObject infoToJson(const DatasetInfo& i) {
    auto list = [](const std::vector<std::string>& v) {
        QJsonArray a;
        for (const auto& s : v) a.append(QString::fromStdString(s));
        return a;
    };
    return {{"name", QString::fromStdString(i.name)},
            {"synthetic", i.synthetic},
            {"source", QString::fromStdString(i.source)},
            {"path", QString::fromStdString(i.path)},
            {"sha256", QString::fromStdString(i.sha256)},
            {"features", list(i.features)},
            {"stations", list(i.stations)},
            {"target", QString::fromStdString(i.target)},
            {"target_unit", QString::fromStdString(i.targetUnit)},
            {"missing_policy", QString::fromStdString(i.missingPolicy)},
            {"normalization", i.normalization},
            {"notes", i.notes}};
}

}  // namespace hpt::data
