#pragma once
// hpt::Model over the spatio-temporal transformer: what each model plugin's
// create() returns. The plugins differ only in their metadata (presets,
// training/LoRA/switching defaults), so they share this class.
#include "SpatioTemporalTransformer.h"
#include "TransformerOptions.h"

#include <hpt/Model.h>

#include <memory>

namespace hpt::models {

class TransformerModel : public Model {
public:
    explicit TransformerModel(const TransformerOptions& o);

    torch::nn::Module& module() override { return *net_; }
    torch::Tensor forward(const torch::Tensor& x) override { return net_->forward(x); }
    torch::Tensor hidden(const torch::Tensor& x) override { return net_->encode(x); }
    std::vector<std::string> attentionLayers() const override { return net_->attentionLayers(); }
    Trace trace(int64_t batch) const override;

    SpatioTemporalTransformer& net() { return net_; }
    const TransformerOptions& options() const { return net_->options(); }

private:
    SpatioTemporalTransformer net_;
};

// What a plugin's create() calls: options from the resolved params, then the
// model. Errors name the experiment key "model.params.<key>" and the plugin.
std::unique_ptr<Model> createTransformerModel(const ModelShape& shape, const QJsonObject& params,
                                              const std::string& pluginName);

}  // namespace hpt::models
