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

// The model's forecast in normalised target units. residualFeature ≥ 0 (training.target =
// residual): the model predicts the change over persistence, which is that input channel
// (the dataset's notes "persistence_feature"), so the forecast is output + x[:, :, channel].
torch::Tensor forecast(Model& model, const torch::Tensor& x, int64_t residualFeature = -1);

// Runs `model` in eval mode without gradients on the test split in chunks.
// `stop` (optional): checked between chunks; when it is set the evaluation ends early and
// returns {"skipped": why}, so a stop request is honoured during a long test split.
QJsonObject evaluate(Model& model, const Dataset& data, int64_t chunk = 256, int64_t residualFeature = -1,
                     const std::atomic<bool>* stop = nullptr);

// Mean squared error (normalised units) of `model` on x, y in eval mode, in chunks: the validation loss.
double meanSquaredError(Model& model, const torch::Tensor& x, const torch::Tensor& y, int64_t residualFeature = -1,
                        int64_t chunk = 256);

}  // namespace hpt
