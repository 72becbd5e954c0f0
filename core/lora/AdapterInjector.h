#pragma once
// Turning Θ into its LoRA copy Θ′: attach adapters to the AdaptableLinear
// modules a target pattern names, freeze everything else except the model's
// modules to save, copy Θ's values into Θ′ by parameter name, and count what
// trains. Patterns are glob-style over registered module names: "*" matches any
// run of characters (dots included), e.g. "*.attn.q" matches "layers.3.attn.q";
// a pattern without "*" matches that module and, for modules to save, every
// module below it ("embed" → "embed", "embed.0", ...).
#include <hpt/Lora.h>

#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <cstdint>
#include <string>
#include <vector>

namespace hpt {

struct LoraSpec {
    int64_t rank = 8;
    double alpha = 64;
    double dropout = 0.1;
    QStringList targets{"*.attn.q", "*.attn.v"};
    QStringList modulesToSave{"embed", "reduce", "decoder"};
};

// The LoRA options of a resolved experiment's "lora" block, parsed once for
// training and for pricing (`hpt cost`); a rank of "auto" gives rank 0 (the
// caller picks it). Missing keys keep the defaults above.
LoraSpec loraSpecFromJson(const QJsonObject& lora);

bool matchesPattern(const std::string& name, const QString& pattern);

// Registered names of the AdaptableLinear modules matching any target pattern.
std::vector<std::string> adapterTargets(torch::nn::Module& root, const QStringList& targets);

// Attaches adapters to every target, then sets requires_grad: true for adapter
// A/B and for every parameter under a module to save, false for everything else.
// Throws hpt::Error (Config, "lora.targets") when no module matches, naming the
// AdaptableLinear modules that exist.
std::vector<std::string> injectAdapters(torch::nn::Module& root, const LoraSpec& spec);

// Removes adapters and makes every parameter trainable again.
void removeAdapters(torch::nn::Module& root);

// Copies every parameter and buffer of `from` into the same-named tensor of
// `to` (adapter tensors lora_A/lora_B only exist in Θ′ and are left alone).
// Throws hpt::Error (Internal) on a shape mismatch or a name missing in `to`.
void copyByName(torch::nn::Module& from, torch::nn::Module& to);

int64_t countParameters(torch::nn::Module& root);
int64_t countTrainableParameters(torch::nn::Module& root);

// Closed form of the trainable count after injectAdapters: Σ over targets of
// r·(in + out) plus every parameter under a module to save.
int64_t expectedTrainableParameters(torch::nn::Module& root, const LoraSpec& spec);

}  // namespace hpt
