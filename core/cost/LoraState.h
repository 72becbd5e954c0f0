#pragma once
// Puts a model into its LoRA state for pricing (`hpt cost --model`): attach
// adapters to the hpt::AdaptableLinear modules a target pattern names and let
// only adapters and modules-to-save train, so the model's trace() reports the
// LORA-phase workload (frozen weights flagged, no backward-weight op for them).
// The engine has its own injector for training (core/lora/AdapterInjector.h).
#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <string>
#include <vector>

namespace hpt::cost {

struct LoraStateSpec {
    int64_t rank = 8;
    double alpha = 64;
    double dropout = 0.1;
    QStringList targets{"*.attn.q", "*.attn.v"};
    QStringList modulesToSave{"embed", "reduce", "decoder"};
    // Reads a model metadata "lora" block ({"rank", "alpha", "dropout", "targets", "modules_to_save"});
    // missing keys keep the defaults above (docs/experiment.md).
    static LoraStateSpec fromJson(const QJsonObject& lora);
};

// Glob over registered names: "*" matches any run of characters, dots included.
bool globMatch(const std::string& name, const std::string& pattern);

// Returns the names of the modules that got an adapter. Throws
// hpt::Error(Config, "lora.targets") when no AdaptableLinear matches.
std::vector<std::string> applyLoraState(torch::nn::Module& root, const LoraStateSpec& spec);

}  // namespace hpt::cost
