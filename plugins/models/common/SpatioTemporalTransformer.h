#pragma once
// The spatio-temporal transformer of the HpT reference (saimandahal/HpT), one
// module family for all four model plugins. One sample is [stations × features]
// for one time step; attention runs over the stations.
//
//   embed.0, embed.1      features → embed_hidden → d, GELU after each (per station)
//   + positional encoding over station position, dropout
//   layers.<i>            post-norm encoder layers (attn.{q,k,v,out}, ffn.{0,1}, norm1, norm2)
//   concat(encoder output, embedding)   2d per station
//   reduce.<j>            per-station Linear + ReLU + dropout down to a few features
//   decoder.<j>           flatten [B, S·r] → Linear (+ activation, dropout) … → Linear(outputs)
//
// Every Linear is an hpt::AdaptableLinear so any of them can carry an adapter.
#include "EncoderLayer.h"
#include "TransformerOptions.h"

#include <hpt/Lora.h>

#include <torch/torch.h>

#include <string>
#include <vector>

namespace hpt::models {

// A Linear with the registered name it is addressed by and whether it runs
// per station (rows = batch·stations) or once per sample (rows = batch).
struct LinearSite {
    std::string name;  // "layers.3.attn.q"
    AdaptableLinear linear;
    bool perStation = true;
};

class SpatioTemporalTransformerImpl : public torch::nn::Module {
public:
    explicit SpatioTemporalTransformerImpl(const TransformerOptions& o);

    torch::Tensor forward(const torch::Tensor& x);   // [B, S, F] → [B, outputs]
    torch::Tensor encode(const torch::Tensor& x);    // [B, S, F] → [B, S, d]
    // Embedding before (embed) and after (withPosition) the positional encoding.
    torch::Tensor embed(const torch::Tensor& x);
    torch::Tensor addPosition(const torch::Tensor& e);

    const TransformerOptions& options() const { return o_; }
    const std::vector<EncoderLayer>& layers() const { return layers_; }
    // Every Linear in forward order (embed, per layer q,k,v,out,ffn.0,ffn.1, reduce, decoder).
    std::vector<LinearSite> linearSites() const;
    std::vector<std::string> attentionLayers() const;

private:
    void checkInput(const torch::Tensor& x) const;
    torch::Tensor head(const torch::Tensor& encoded, const torch::Tensor& embedding);

    TransformerOptions o_;
    std::vector<AdaptableLinear> embed_, reduce_, decoder_;
    std::vector<EncoderLayer> layers_;
    torch::Tensor positions_;  // buffer "pos_encoding" [S, d]
};
TORCH_MODULE(SpatioTemporalTransformer);

}  // namespace hpt::models
