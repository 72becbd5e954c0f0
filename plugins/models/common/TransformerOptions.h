#pragma once
// Hyperparameters of the spatio-temporal transformer, resolved from a model
// plugin's parameters (metadata defaults ← preset ← user overrides) and the
// dataset's shape. Like torch::nn's options structs: plain values, checked once.
#include <hpt/Model.h>

#include <QJsonObject>
#include <cstdint>
#include <string>
#include <vector>

namespace hpt::models {

enum class Activation { Relu, Gelu };

struct TransformerOptions {
    ModelShape shape;
    int64_t dModel = 512;
    int64_t heads = 8;
    int64_t layers = 12;
    int64_t ffnMult = 4;        // FFN width = ffnMult · dModel
    int64_t embedHidden = 256;  // features → embedHidden → dModel, GELU after each
    double dropout = 0.1;       // encoder (after attention, after FFN, after positional encoding)
    double headDropout = 0.1;   // after each reduce layer and between decoder layers
    // Per-station widths after concat(encoder output, embedding) (2·dModel wide).
    std::vector<int64_t> reduceDims;
    // Hidden widths of the decoder over the flattened [stations · reduceDims.back()] vector;
    // with decoderPerStation each width is multiplied by the station count (the SWE and
    // weather references size their decoder as stations·k).
    std::vector<int64_t> decoderHidden;
    bool decoderPerStation = false;
    // The decoder applied to each station's reduced features on its own, its weights shared by all
    // stations (one output per station), instead of once over the flattened stations. For inputs whose
    // station slots carry no identity (covid: counties in random order, windows at every offset).
    bool sharedDecoder = false;
    Activation decoderActivation = Activation::Relu;

    int64_t headDim() const { return dModel / heads; }
    int64_t ffnDim() const { return ffnMult * dModel; }
    int64_t reducedWidth() const { return reduceDims.empty() ? 2 * dModel : reduceDims.back(); }
    std::vector<int64_t> decoderWidths() const;  // hidden widths after the per-station scaling
    int64_t decoderInput() const { return sharedDecoder ? reducedWidth() : shape.stations * reducedWidth(); }

    // Throws hpt::Error (Config) naming "<context>.<param>" and the fix when a value cannot work
    // with the shape (e.g. d_model not divisible by heads); unknown keys are ignored here
    // because resolveParams() has already rejected them.
    static TransformerOptions fromParams(const ModelShape& shape, const QJsonObject& params,
                                         const std::string& context = "model.params");
};

}  // namespace hpt::models
