#pragma once
// What a run sets up before step 1: the model and the data from their plugins,
// and the checks that name a misfit before training rather than hours into it.
// Plugin failures are reported as that plugin's error (exit 4), a dataset too
// large for the machine as a data error (exit 3), never as a crash.
#include "lora/AdapterInjector.h"

#include <hpt/Dataset.h>
#include <hpt/Model.h>

#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <memory>
#include <string>

namespace hpt {

class PluginHost;

// A model of `shape` from the experiment's "model" block, moved to `device`, in training mode.
std::unique_ptr<Model> createTrainerModel(const PluginHost& host, const QJsonObject& modelConfig, const ModelShape& shape,
                                          torch::Device device);

// The experiment's "dataset" block loaded by its plugin (never null).
std::unique_ptr<Dataset> loadTrainingData(const PluginHost& host, const QJsonObject& datasetConfig);

// One forward pass of `theta` on one batch (x, y): a model whose output does not match the
// dataset's target is named here, not as a broadcasting error (or a silently wrong loss)
// later. Eval mode and a saved RNG state keep the run identical to one without the probe.
void probeShapes(Model& theta, const torch::Tensor& x, const torch::Tensor& y, const std::string& model,
                 const QString& dataset);

// The LoRA targets match an adaptable layer and a fixed rank fits every one (r ≤ min(in, out)).
// Throws hpt::Error (Config) at lora.targets / lora.rank.
void checkLoraFits(torch::nn::Module& theta, const LoraSpec& lora, bool autoRank);

// The dataset's description as a run records it (RunStart::dataset).
QJsonObject datasetInfoJson(const DatasetInfo& info);

}  // namespace hpt
