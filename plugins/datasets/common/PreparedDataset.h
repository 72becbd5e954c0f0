#pragma once
// The hpt::Dataset every dataset plugin returns: splits already windowed and
// normalised, the target's train statistics (for toRealUnits) and baselines
// computed once at load time.
#include "Standardizer.h"

#include <hpt/Dataset.h>

namespace hpt::data {

class PreparedDataset : public hpt::Dataset {
public:
    Split trainSplit, testSplit;
    DatasetInfo meta;
    // Target statistics: one channel per output, or a single channel shared by all outputs.
    Standardizer target;
    QJsonObject baselineErrors;

    const Split& train() const override { return trainSplit; }
    const Split& test() const override { return testSplit; }
    DatasetInfo info() const override { return meta; }
    torch::Tensor toRealUnits(const torch::Tensor& y) const override;
    QJsonObject baselines() const override { return baselineErrors; }
};

// DatasetInfo as JSON (what the store keeps with every run and `hpt data --describe` prints).
QJsonObject infoToJson(const DatasetInfo& info);

}  // namespace hpt::data
