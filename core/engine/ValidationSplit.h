#pragma once
// The validation split: carved from the END of the training period, by time, so
// it is what the model would face next (as the test period is) and never overlaps
// the test period. Whole time steps go to one side (COVID-19 has many county
// windows per week); `gap` time units between the two sides are left out, so a
// training window's target is not a validation window's input.
#include <QJsonObject>
#include <torch/torch.h>

namespace hpt {

struct ValidationCarve {
    torch::Tensor trainIndex, valIndex;  // int64 indices into the training split
    bool byTime = false;                 // false: the dataset gives no times, the split's order stands for time
    int64_t lastTrainTime = -1, firstValTime = -1, lastValTime = -1, dropped = 0;
    QJsonObject toJson(const std::string& unit) const;
};

// `times`: [n] forecast origins (undefined → sample order). `fraction` of the samples (at
// least; rounded up to whole time steps) become validation; fraction 0 → no validation.
// Throws hpt::Error (Config, training.validation_fraction) when nothing is left to train on.
ValidationCarve carveValidation(int64_t n, const torch::Tensor& times, double fraction, int64_t gap);

}  // namespace hpt
