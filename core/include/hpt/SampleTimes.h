#pragma once
// Optional second interface of a hpt::Dataset: when each sample's forecast
// origin lies in time. A dataset that also derives from SampleTimes lets the
// engine carve its validation split from the END of the training period by
// time (whole time steps, never from the test period). A dataset without it
// gets the last samples of its training split, which must then be in time order.
// Adding this interface does not change hpt::Dataset, so it needs no API bump.
#include <torch/torch.h>

#include <string>

namespace hpt {

class SampleTimes {
public:
    virtual ~SampleTimes() = default;
    // [N] int64, one per sample of train() / test(): the forecast origin (the last
    // time whose values may be among the inputs) in timeUnit() since any fixed epoch.
    virtual torch::Tensor trainTimes() const = 0;
    virtual torch::Tensor testTimes() const = 0;
    virtual std::string timeUnit() const = 0;  // "hour", "day", "week", ...
};

}  // namespace hpt
