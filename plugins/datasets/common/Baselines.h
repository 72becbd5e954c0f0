#pragma once
// Error of a naive forecast against the truth, both in real units, so every
// model result can be shown beside what "no model" achieves.
#include <QJsonObject>
#include <torch/torch.h>

namespace hpt::data {

// {"rmse", "mae", "n"} over every element; NaNs in either tensor are skipped.
QJsonObject forecastError(const torch::Tensor& predicted, const torch::Tensor& truth);

}  // namespace hpt::data
