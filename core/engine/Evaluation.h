#pragma once
#include <atomic>
// Evaluation of the final model on the test split, in the dataset's real units:
// MSE, RMSE, MAE, R² and Nash–Sutcliffe efficiency overall and per station
// (per output column), next to the dataset's naive baselines.
#include <hpt/Dataset.h>
#include <hpt/Model.h>

#include <QJsonObject>

namespace hpt {

// {"mse","rmse","mae","r2","nse","n","per_station": {name: {...}}, "unit": ...}
// Columns are named after DatasetInfo::stations when the counts match, else "0", "1", ...
QJsonObject regressionReport(const torch::Tensor& predReal, const torch::Tensor& truthReal,
                             const std::vector<std::string>& columnNames);

// Runs `model` in eval mode without gradients on the test split in chunks.
// `stop` (optional): checked between chunks; when it is set the evaluation ends early and
// returns {"skipped": why}, so a stop request is honoured during a long test split.
QJsonObject evaluate(Model& model, const Dataset& data, int64_t chunk = 256, const std::atomic<bool>* stop = nullptr);

}  // namespace hpt
