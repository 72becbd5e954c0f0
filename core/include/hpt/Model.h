#pragma once
// Model plugins: spatio-temporal attention models the engine trains.
//
// Naming contract (what LoRA targets, modules to save, monitored layers and
// the operation trace all address):
//  - every attention layer is a submodule whose registered name is listed by
//    attentionLayers(), e.g. "layers.11.attn", with children "q", "k", "v",
//    "out" that are hpt::AdaptableLinear;
//  - the weight-distance check reads "<layer>.q.weight" and "<layer>.v.weight".
#include <hpt/Api.h>
#include <hpt/Lora.h>
#include <hpt/Trace.h>

#include <QJsonObject>
#include <QtPlugin>
#include <memory>
#include <string>
#include <vector>

namespace hpt {

struct ModelShape {
    int64_t stations = 0;  // the sequence the attention runs over
    int64_t features = 0;  // inputs per station
    int64_t outputs = 0;   // targets per sample (usually one per station)
};

class Model {
public:
    virtual ~Model() = default;
    // Owns every parameter under stable names.
    virtual torch::nn::Module& module() = 0;
    // x: [B, stations, features] → [B, outputs]
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;
    // Encoder output [B, stations, hidden] for intrinsic-dimension probes.
    virtual torch::Tensor hidden(const torch::Tensor& x) = 0;
    virtual std::vector<std::string> attentionLayers() const = 0;
    // Every operation of one training step (forward, backward, update) for a
    // batch of `batch` samples, given the current requires_grad flags and
    // attached adapters.
    virtual Trace trace(int64_t batch) const = 0;
};

class ModelPlugin {
public:
    virtual ~ModelPlugin() = default;
    // `params` is already resolved against the metadata's schema and preset.
    virtual std::unique_ptr<Model> create(const ModelShape& shape, const QJsonObject& params) const = 0;
};

}  // namespace hpt

Q_DECLARE_INTERFACE(hpt::ModelPlugin, HPT_MODEL_IID)
