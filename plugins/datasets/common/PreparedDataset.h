#pragma once
// The hpt::Dataset every dataset plugin returns: splits already windowed and
// normalised, the target's train statistics (for toRealUnits) and baselines
// computed once at load time.
#include "Standardizer.h"

#include <hpt/Dataset.h>
#include <hpt/SampleTimes.h>

namespace hpt::data {

class PreparedDataset : public hpt::Dataset, public hpt::SampleTimes {
public:
    Split trainSplit, testSplit;
    // Forecast origin of every sample ([N] int64 in timeUnit), for the validation carve.
    torch::Tensor trainTime, testTime;
    std::string timeUnitName = "day";
    DatasetInfo meta;
    // Target statistics: one channel per output, or a single channel shared by all outputs.
    Standardizer target;
    QJsonObject baselineErrors;

    const Split& train() const override { return trainSplit; }
    const Split& test() const override { return testSplit; }
    DatasetInfo info() const override { return meta; }
    torch::Tensor toRealUnits(const torch::Tensor& y) const override;
    QJsonObject baselines() const override { return baselineErrors; }
    torch::Tensor trainTimes() const override { return trainTime; }
    torch::Tensor testTimes() const override { return testTime; }
    std::string timeUnit() const override { return timeUnitName; }
};

// DatasetInfo as JSON (what the store keeps with every run and `hpt data --describe` prints).
QJsonObject infoToJson(const DatasetInfo& info);

}  // namespace hpt::data
